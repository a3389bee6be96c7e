#pragma once
// The two limits on function output shown on the console; the log files are
// never limited. Pure bookkeeping, no I/O: function_log.cc applies them.
//
// ConsoleBacklog bounds what waits for the console (stdout not read: a paused
// terminal, a full CI pipe). Past its bound new output is dropped, and it
// keeps dropping until the console has taken everything it had accepted;
// then the caller writes one marker with the counts. Not thread-safe: its
// owner guards it with a mutex.
//
// FunctionConsoleBudget caps one function's share of the console: at most
// `bytes_per_second` of its output within each one-second window, the rest
// counted and cut until the next window. The caller writes a marker before
// the next line it shows. Not thread-safe: used by the log writer thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_emu::logs {

// Output that did not reach the console.
struct DroppedOutput {
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;  // as the function wrote them, without the console prefix
  bool operator==(const DroppedOutput&) const = default;
};

class ConsoleBacklog {
 public:
  explicit ConsoleBacklog(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Queues `text` (console lines, `lines` lines and `bytes` bytes of the
  // function's output), or drops it; returns false when dropped.
  bool Offer(std::string_view text, std::uint64_t lines, std::uint64_t bytes);
  // Moves everything queued into `out` (replacing its contents) for the
  // console; it counts against the bound until Written(). False when empty.
  bool Take(std::string& out);
  // What Take() gave has been written (or abandoned). When output was
  // dropped and nothing is left, returns the counts for the marker (once)
  // and accepts output again.
  std::optional<DroppedOutput> Written();

  bool idle() const { return queued_.empty() && in_flight_ == 0; }
  bool dropping() const { return dropping_; }

 private:
  std::size_t max_bytes_;
  std::string queued_;
  std::size_t in_flight_ = 0;
  bool dropping_ = false;
  DroppedOutput dropped_;
};

class FunctionConsoleBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // 0: no limit.
  explicit FunctionConsoleBudget(std::uint64_t bytes_per_second = 0)
      : bytes_per_second_(bytes_per_second) {}

  // Whether one line of `bytes` may be shown at `now`; counts it as cut if not.
  bool Admit(std::uint64_t bytes, Clock::time_point now);
  // What was cut since the last call, if anything. Call it before showing
  // a line (one Admit() let through, or a platform line, which is never
  // cut), so the marker stands where the gap is.
  std::optional<DroppedOutput> TakeCut();

 private:
  std::uint64_t bytes_per_second_;
  Clock::time_point window_start_{};
  std::uint64_t window_bytes_ = 0;
  bool cutting_ = false;  // the current window is exhausted
  DroppedOutput cut_;
};

// "12345 lines (20.1 MB)".
std::string DescribeDropped(const DroppedOutput& dropped);

}  // namespace lambda_emu::logs
