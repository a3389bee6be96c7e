#include "logs/console_writer.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace lambda_emu::logs {

namespace {

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// POLLOUT on a pipe means one free page: a write of up to PIPE_BUF then
// completes without sleeping, a larger one may sleep until a reader comes.
// A regular file is always writable and never sleeps for a reader.
std::size_t ChunkBytes(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) return 1 << 20;
  return PIPE_BUF;
}

}  // namespace

ConsoleWriter::ConsoleWriter(int fd, std::size_t max_backlog_bytes)
    : fd_(fd),
      chunk_bytes_(ChunkBytes(fd)),
      backlog_(max_backlog_bytes),
      thread_([this] { Run(); }) {}

void ConsoleWriter::Offer(std::string_view text, const std::vector<Piece>& pieces) {
  if (pieces.empty()) return;
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;
  {
    std::lock_guard lock(mutex_);
    std::size_t begin = 0;
    for (const Piece& piece : pieces) {
      if (!backlog_.Offer(text.substr(begin, piece.end - begin), piece.lines, piece.bytes)) {
        lines += piece.lines;
        bytes += piece.bytes;
      }
      begin = piece.end;
    }
    if (asleep_ && (!backlog_.idle() || backlog_.dropping())) {
      asleep_ = false;
      wake_.notify_one();
    }
  }
  if (lines) {
    dropped_lines_.fetch_add(lines, std::memory_order_relaxed);
    dropped_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
}

void ConsoleWriter::SetLogDir(const std::filesystem::path& dir) {
  std::lock_guard lock(mutex_);
  if (log_dir_.empty()) log_dir_ = dir.string();
}

bool ConsoleWriter::Flush(std::chrono::milliseconds patience) {
  std::unique_lock lock(mutex_);
  // Waiting counts as progress at first: the console gets `patience` from
  // now, unless it already used it up without writing a byte since (lines
  // logged after shutdown would each wait again).
  std::int64_t since = NowNs();
  if (gave_up_ns_ != 0 && last_progress_ns_.load(std::memory_order_relaxed) < gave_up_ns_) {
    since = gave_up_ns_ - std::chrono::nanoseconds(patience).count();
  }
  while (!backlog_.idle() || backlog_.dropping() || writing_) {
    std::int64_t last = std::max(since, last_progress_ns_.load(std::memory_order_relaxed));
    if (NowNs() - last > std::chrono::nanoseconds(patience).count()) {
      gave_up_ns_ = NowNs();
      return false;
    }
    drained_.wait_for(lock, std::chrono::milliseconds(20));
  }
  return true;
}

void ConsoleWriter::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    bool wrote = false;
    if (backlog_.Take(chunk_)) {
      writing_ = true;
      lock.unlock();
      WriteAll(chunk_);
      lock.lock();
      wrote = true;
    }
    if (auto dropped = backlog_.Written()) {
      writing_ = true;
      std::string marker = Marker(*dropped);
      lock.unlock();
      WriteAll(marker);
      lock.lock();
      wrote = true;
    }
    writing_ = false;
    if (wrote) continue;
    drained_.notify_all();
    asleep_ = true;
    wake_.wait(lock, [&] { return !asleep_; });
  }
}

void ConsoleWriter::WriteAll(std::string_view data) {
  while (!data.empty()) {
    pollfd pfd{fd_, POLLOUT, 0};
    int ready = ::poll(&pfd, 1, 200);
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) continue;
    if (pfd.revents & (POLLERR | POLLNVAL)) return;  // the reader is gone
    ssize_t n = ::write(fd_, data.data(), std::min(data.size(), chunk_bytes_));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    last_progress_ns_.store(NowNs(), std::memory_order_relaxed);
  }
}

std::string ConsoleWriter::Marker(const DroppedOutput& dropped) const {
  std::string text = "lambda-emu: " + DescribeDropped(dropped) +
                     " of function output were not shown: the console was not being read";
  if (log_dir_.empty()) return text + "\n";
  return text + "; the log files have them (" + log_dir_ + ")\n";
}

}  // namespace lambda_emu::logs
