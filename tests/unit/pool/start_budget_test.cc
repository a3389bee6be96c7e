#include "pool/start_budget.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lambda_emu::pool {
namespace {

// A pool stand-in that records the order slots arrive in and keeps them
// (or queues again) as told.
struct RecordingWaiter : StartBudget::Waiter {
  RecordingWaiter(std::string name, std::vector<std::string>& order, StartBudget& budget)
      : name(std::move(name)), order(order), budget(budget) {}
  void OnStartSlot(StartSlot slot) override {
    order.push_back(name);
    if (keep) held.push_back(std::move(slot));
    if (--wants > 0) budget.Enqueue(this);
  }
  std::string name;
  std::vector<std::string>& order;
  StartBudget& budget;
  int wants = 1;
  bool keep = true;
  std::vector<StartSlot> held;
};

TEST(StartBudget, GivesAtMostLimitSlots) {
  boost::asio::io_context io;
  StartBudget budget(io, 2);
  StartSlot a = budget.TryAcquire();
  StartSlot b = budget.TryAcquire();
  StartSlot c = budget.TryAcquire();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_FALSE(c);
  EXPECT_EQ(budget.in_use(), 2);
  a.Reset();
  EXPECT_EQ(budget.in_use(), 1);
  EXPECT_TRUE(budget.TryAcquire());
}

TEST(StartBudget, ZeroMeansNoLimit) {
  boost::asio::io_context io;
  StartBudget budget(io, 0);
  std::vector<StartSlot> slots;
  for (int i = 0; i < 1000; ++i) slots.push_back(budget.TryAcquire());
  for (auto& slot : slots) EXPECT_TRUE(slot);
  EXPECT_EQ(budget.in_use(), 1000);
}

TEST(StartBudget, ReleasedSlotGoesToTheLongestWaiterNotToANewcomer) {
  boost::asio::io_context io;
  StartBudget budget(io, 1);
  std::vector<std::string> order;
  RecordingWaiter first("first", order, budget);
  StartSlot held = budget.TryAcquire();
  budget.Enqueue(&first);
  held.Reset();
  // Freed, but promised to the waiter: a newcomer gets nothing.
  EXPECT_FALSE(budget.TryAcquire());
  io.run();
  EXPECT_EQ(order, std::vector<std::string>{"first"});
  EXPECT_EQ(budget.in_use(), 1);
}

TEST(StartBudget, WaitersTakeTurnsOneStartEach) {
  boost::asio::io_context io;
  StartBudget budget(io, 1);
  std::vector<std::string> order;
  RecordingWaiter burst("burst", order, budget);
  RecordingWaiter other("other", order, budget);
  burst.keep = false;  // each start ends at once: the slot comes straight back
  other.keep = false;
  burst.wants = 3;
  StartSlot held = budget.TryAcquire();
  budget.Enqueue(&burst);
  budget.Enqueue(&other);
  budget.Enqueue(&burst);  // already queued: keeps its place
  EXPECT_EQ(budget.waiting(), 2u);
  held.Reset();
  io.run();
  EXPECT_EQ(order, (std::vector<std::string>{"burst", "other", "burst", "burst"}));
  EXPECT_EQ(budget.in_use(), 0);
}

TEST(StartBudget, CancelledWaiterGetsNothing) {
  boost::asio::io_context io;
  StartBudget budget(io, 1);
  std::vector<std::string> order;
  RecordingWaiter gone("gone", order, budget);
  StartSlot held = budget.TryAcquire();
  budget.Enqueue(&gone);
  budget.Cancel(&gone);
  held.Reset();
  io.run();
  EXPECT_TRUE(order.empty());
  EXPECT_EQ(budget.in_use(), 0);
}

TEST(StartBudget, WaiterQueuedWhileSlotsAreFreeIsServed) {
  boost::asio::io_context io;
  StartBudget budget(io, 2);
  std::vector<std::string> order;
  RecordingWaiter late("late", order, budget);
  budget.Enqueue(&late);
  io.run();
  EXPECT_EQ(order, std::vector<std::string>{"late"});
}

TEST(StartBudget, MovedSlotIsReleasedOnce) {
  boost::asio::io_context io;
  StartBudget budget(io, 1);
  StartSlot a = budget.TryAcquire();
  StartSlot b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): a moved slot is empty
  a.Reset();
  EXPECT_EQ(budget.in_use(), 1);
  b = StartSlot();
  EXPECT_EQ(budget.in_use(), 0);
}

}  // namespace
}  // namespace lambda_emu::pool
