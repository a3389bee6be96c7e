#pragma once
// RecentTakes: when a pool of spares (spare sandboxes, spare /tmp volumes)
// was last taken from, so that it can be sized to the latest burst: how many
// takes fell within a window. Older ones are forgotten as new ones come, so
// a pool that never asks keeps at most one window's worth. Not thread-safe:
// its pool's lock.

#include <chrono>
#include <cstddef>
#include <deque>

namespace lambda_emu::sandbox {

class RecentTakes {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RecentTakes(Clock::duration window) : window_(window) {}

  void Add(Clock::time_point at) {
    Forget(at);
    takes_.push_back(at);
  }
  // The takes within the window before `now`.
  std::size_t Count(Clock::time_point now) {
    Forget(now);
    return takes_.size();
  }
  // How many it holds, without forgetting any.
  std::size_t held() const { return takes_.size(); }

 private:
  void Forget(Clock::time_point now) {
    while (!takes_.empty() && now - takes_.front() > window_) takes_.pop_front();
  }

  Clock::duration window_;
  std::deque<Clock::time_point> takes_;
};

}  // namespace lambda_emu::sandbox
