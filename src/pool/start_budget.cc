#include "pool/start_budget.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <thread>

namespace lambda_emu::pool {

StartSlot& StartSlot::operator=(StartSlot&& other) noexcept {
  if (this != &other) {
    Reset();
    budget_ = other.budget_;
    other.budget_ = nullptr;
  }
  return *this;
}

void StartSlot::Reset() {
  if (!budget_) return;
  StartBudget* budget = budget_;
  budget_ = nullptr;
  budget->Release();
}

int StartBudget::DefaultLimit() {
  return std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency()));
}

StartSlot StartBudget::TryAcquire() {
  // Waiters come first: a slot freed while a hand-out is pending is theirs.
  if (limit_ > 0 && (in_use_ >= limit_ || !waiting_.empty())) return {};
  ++in_use_;
  return StartSlot(this);
}

void StartBudget::Enqueue(Waiter* waiter) {
  if (std::find(waiting_.begin(), waiting_.end(), waiter) != waiting_.end()) return;
  waiting_.push_back(waiter);
  // A slot may have been freed before this waiter arrived (limit 0, or
  // released while no one waited).
  if (limit_ <= 0 || in_use_ < limit_) {
    if (!hand_out_posted_) {
      hand_out_posted_ = true;
      boost::asio::post(io_, [this] { HandOut(); });
    }
  }
}

void StartBudget::Cancel(Waiter* waiter) {
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), waiter), waiting_.end());
}

// Posted, never called from Release itself: a slot is released deep inside
// an environment's death, where starting another one would re-enter the pool.
void StartBudget::Release() {
  --in_use_;
  if (waiting_.empty() || hand_out_posted_) return;
  hand_out_posted_ = true;
  boost::asio::post(io_, [this] { HandOut(); });
}

void StartBudget::HandOut() {
  hand_out_posted_ = false;
  while (!waiting_.empty() && (limit_ <= 0 || in_use_ < limit_)) {
    Waiter* waiter = waiting_.front();
    waiting_.pop_front();
    ++in_use_;
    // A waiter that drops its slot releases it here; the hand-out it would
    // post is this loop.
    hand_out_posted_ = true;
    waiter->OnStartSlot(StartSlot(this));
    hand_out_posted_ = false;
  }
}

}  // namespace lambda_emu::pool
