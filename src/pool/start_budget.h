#pragma once
// StartBudget: how many execution environments may be initializing at once,
// across the whole server.
//
// On a small machine every starting runtime competes for the same cores. Past
// a few inits per core they slow each other down until all of them reach the
// init timeout together: 400 concurrent invokes of a cold Python function on
// two cores gave 366 Runtime.InitTimeout. Lambda itself scales out at a
// bounded rate. So a pool takes a StartSlot before it spawns a runtime; the
// environment holds the slot until its init ends (the runtime's first /next,
// or its death), and the slot then goes to the pool that has waited longest.
// A pool that still needs starts after it got one queues again at the back,
// so a burst on one function does not hold back another function's start.
// Invokes that wait for a start take whichever environment of their function
// becomes free first (FunctionPool).
//
// Owned by PoolServices; shared by every pool. io thread only.

#include <boost/asio/io_context.hpp>
#include <deque>

namespace lambda_emu::pool {

class StartBudget;

// The right to start one environment; released when reset or destroyed.
// Move-only; an empty slot (from a failed TryAcquire) is false.
class StartSlot {
 public:
  StartSlot() = default;
  StartSlot(StartSlot&& other) noexcept : budget_(other.budget_) { other.budget_ = nullptr; }
  StartSlot& operator=(StartSlot&& other) noexcept;
  StartSlot(const StartSlot&) = delete;
  StartSlot& operator=(const StartSlot&) = delete;
  ~StartSlot() { Reset(); }

  explicit operator bool() const { return budget_ != nullptr; }
  void Reset();

 private:
  friend class StartBudget;
  explicit StartSlot(StartBudget* budget) : budget_(budget) {}
  StartBudget* budget_ = nullptr;
};

class StartBudget {
 public:
  // A pool that waits for a slot.
  class Waiter {
   public:
    virtual ~Waiter() = default;
    // A slot for this waiter (which may queue again from here, or drop the
    // slot if it no longer needs one).
    virtual void OnStartSlot(StartSlot slot) = 0;
  };

  // `limit` inits in flight at most; 0 means no limit.
  StartBudget(boost::asio::io_context& io, int limit = 0) : io_(io), limit_(limit) {}
  StartBudget(const StartBudget&) = delete;
  StartBudget& operator=(const StartBudget&) = delete;

  void set_limit(int limit) { limit_ = limit; }
  int limit() const { return limit_; }
  int in_use() const { return in_use_; }
  size_t waiting() const { return waiting_.size(); }

  // A slot now, or an empty one when the budget is spent.
  StartSlot TryAcquire();
  // Queues `waiter` for the next free slot; a waiter already queued keeps its place.
  void Enqueue(Waiter* waiter);
  // Takes `waiter` out of the queue (a pool going away).
  void Cancel(Waiter* waiter);

  // The default limit for this machine: two inits per CPU (an init is
  // mostly CPU: an interpreter starting and importing), at least four.
  static int DefaultLimit();

 private:
  friend class StartSlot;
  void Release();
  void HandOut();

  boost::asio::io_context& io_;
  int limit_;
  int in_use_ = 0;
  std::deque<Waiter*> waiting_;
  bool hand_out_posted_ = false;
};

}  // namespace lambda_emu::pool
