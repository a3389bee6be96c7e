#pragma once
// ConsoleWriter: the only thread that writes function output to the console
// (stdout for `serve`, stderr for `invoke`). The log writer hands it rendered
// lines; it never makes the hand-over wait. A console that is not read (a
// paused terminal, a CI pipe nobody drains) holds up this thread alone: what
// waits for it is bounded by a ConsoleBacklog, the rest is dropped, counted,
// and announced by one marker line once the console takes output again.
//
// Writes use poll() and then at most PIPE_BUF bytes to a pipe or terminal
// (a regular file takes larger writes), so a write never sleeps inside the
// kernel with the console stuck and Flush() can give up on it; the file
// descriptor is shared with the parent shell, so its flags are left alone.
//
// Made once by InitLogging and never destroyed (its thread may still be
// waiting on a stuck console at exit). Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "logs/console_limits.h"

namespace lambda_emu::logs {

class ConsoleWriter {
 public:
  // One function line in a rendered batch: its console text ends at `end`.
  struct Piece {
    std::size_t end = 0;
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;  // as the function wrote them
  };

  ConsoleWriter(int fd, std::size_t max_backlog_bytes);

  // Queues the console text of `pieces` (consecutive ranges of `text`),
  // dropping what does not fit. Never blocks on the console.
  void Offer(std::string_view text, const std::vector<Piece>& pieces);
  // Where the log files are, for the marker ("the log files have them").
  void SetLogDir(const std::filesystem::path& dir);
  // Waits until everything offered has been written, or until the console
  // made no progress for `patience`. Returns false when it gave up.
  bool Flush(std::chrono::milliseconds patience);

  // Function output dropped because the console was not read (totals).
  DroppedOutput dropped() const {
    return {dropped_lines_.load(std::memory_order_relaxed),
            dropped_bytes_.load(std::memory_order_relaxed)};
  }

 private:
  void Run();
  // Writes all of `data` unless the console is gone (an error other than
  // EINTR/EAGAIN, or POLLERR: nobody reads the pipe any more).
  void WriteAll(std::string_view data);
  std::string Marker(const DroppedOutput& dropped) const;  // mutex_ held

  const int fd_;
  std::size_t chunk_bytes_;  // the largest write(): PIPE_BUF unless a regular file

  std::mutex mutex_;
  std::condition_variable wake_;                   // the console thread: output arrived
  std::condition_variable drained_;                // Flush(): the backlog went idle
  ConsoleBacklog backlog_;                         // guarded by mutex_
  bool asleep_ = false;                            // guarded by mutex_
  bool writing_ = false;                           // guarded by mutex_
  std::string log_dir_;                            // guarded by mutex_
  std::int64_t gave_up_ns_ = 0;                    // guarded by mutex_: when Flush() last gave up
  std::atomic<std::int64_t> last_progress_ns_{0};  // steady clock: the last byte written
  std::atomic<std::uint64_t> dropped_lines_{0};
  std::atomic<std::uint64_t> dropped_bytes_{0};
  std::string chunk_;   // console thread only
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace lambda_emu::logs
