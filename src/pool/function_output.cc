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
}  // namespace

void ExecutionEnvironment::WatchOutput() {
  output_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [weak = weak_from_this()](const boost::system::error_code& ec) {
                       if (ec) return;
                       auto self = weak.lock();
                       if (!self || !self->output_.is_open()) return;
                       self->DrainOutput();
                       if (self->output_.is_open()) self->WatchOutput();
                     });
}

// Reads whatever the runtime has written so far. Reads happen only here
// (the async wait above only signals readiness), so output stays in order
// even when Finish() drains synchronously before writing END.
void ExecutionEnvironment::DrainOutput() {
  if (!output_.is_open()) return;
  char buffer[64 * 1024];
  for (;;) {
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
  function_->log->Line(line);
  if (current_) {
    current_->AppendLog(line);
  } else if (pending_) {
    pending_->AppendLog(line);
  }
}

}  // namespace lambda_emu::pool
