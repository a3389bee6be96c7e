// The runtime's stdout and stderr (one pipe): read without blocking, cut
// into lines, and written to the function's log and to the log tail of the
// invocation running (or starting) in this environment.

#include <unistd.h>

#include <cerrno>

#include "pool/execution_environment.h"

namespace lambda_emu::pool {

namespace {
// Lines longer than this are cut into several (CloudWatch's event size).
constexpr size_t kMaxLineBytes = 256 * 1024;
// What one wake-up of the io thread reads: a function that writes without
// pause refills the pipe as fast as it is read, and reading until EAGAIN
// would keep the io thread from every other connection.
constexpr size_t kTurnBytes = 256 * 1024;
}  // namespace

void ExecutionEnvironment::WatchOutput() {
  output_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [weak = weak_from_this()](const boost::system::error_code& ec) {
                       if (ec) return;
                       auto self = weak.lock();
                       if (!self || !self->output_.is_open()) return;
                       self->DrainOutput(kTurnBytes);
                       // Asio re-arms with EPOLL_CTL_MOD, which reports a
                       // pipe that still holds data at once: the rest is
                       // read on the next turn, after the handlers queued
                       // meanwhile.
                       if (self->output_.is_open()) self->WatchOutput();
                     });
}

// Reads what the runtime has written so far, up to about `max_bytes`.
// Reads happen only here (the async wait above only signals readiness), so
// output stays in order even when Finish() drains synchronously before
// writing END. That drain's default bound is above the pipe's capacity
// (64 KB; an unprivileged F_SETPIPE_SZ goes to 1 MB at most): everything
// the runtime wrote before it answered is in the pipe and read, while a
// process it left behind that keeps writing cannot hold the io thread.
void ExecutionEnvironment::DrainOutput(std::size_t max_bytes) {
  if (!output_.is_open()) return;
  char buffer[64 * 1024];
  for (std::size_t read_bytes = 0; read_bytes < max_bytes;) {
    ssize_t n = ::read(output_.native_handle(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) {  // every writer is gone
        if (!partial_line_.empty()) EmitLine(partial_line_);
        partial_line_.clear();
        boost::system::error_code ec;
        output_.close(ec);
      }
      return;
    }
    read_bytes += static_cast<size_t>(n);
    std::string_view chunk(buffer, static_cast<size_t>(n));
    while (!chunk.empty()) {
      auto newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        partial_line_.append(chunk);
        if (partial_line_.size() >= kMaxLineBytes) {
          EmitLine(partial_line_);
          partial_line_.clear();
        }
        break;
      }
      if (partial_line_.empty()) {
        EmitLine(chunk.substr(0, newline));
      } else {
        partial_line_.append(chunk.substr(0, newline));
        EmitLine(partial_line_);
        partial_line_.clear();
      }
      chunk.remove_prefix(newline + 1);
    }
  }
}

void ExecutionEnvironment::EmitLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  function_->log->RuntimeLine(line);
  if (current_) {
    current_->AppendLog(line);
  } else if (pending_) {
    pending_->AppendLog(line);
  }
}

}  // namespace lambda_emu::pool
