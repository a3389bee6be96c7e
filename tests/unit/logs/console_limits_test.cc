#include "logs/console_limits.h"

#include <gtest/gtest.h>

namespace lambda_emu::logs {
namespace {

using std::chrono::milliseconds;

TEST(ConsoleBacklog, QueuesWhatFitsAndHandsItOverInOrder) {
  ConsoleBacklog backlog(100);
  EXPECT_TRUE(backlog.Offer("a\n", 1, 1));
  EXPECT_TRUE(backlog.Offer("b\n", 1, 1));
  std::string out;
  ASSERT_TRUE(backlog.Take(out));
  EXPECT_EQ(out, "a\nb\n");
  EXPECT_FALSE(backlog.idle());  // in flight until written
  EXPECT_EQ(backlog.Written(), std::nullopt);
  EXPECT_TRUE(backlog.idle());
  EXPECT_FALSE(backlog.Take(out));
}

TEST(ConsoleBacklog, WhatIsBeingWrittenCountsAgainstTheBound) {
  ConsoleBacklog backlog(10);
  EXPECT_TRUE(backlog.Offer("12345678\n", 1, 8));
  std::string out;
  ASSERT_TRUE(backlog.Take(out));
  EXPECT_FALSE(backlog.Offer("abc\n", 1, 3));  // the console has not taken the first yet
}

TEST(ConsoleBacklog, DropsPastTheBoundAndCountsUntilTheConsoleCaughtUp) {
  ConsoleBacklog backlog(10);
  EXPECT_TRUE(backlog.Offer("1234567\n", 1, 7));
  EXPECT_FALSE(backlog.Offer("abcd\n", 1, 4));
  EXPECT_TRUE(backlog.dropping());
  // Small enough to fit, but dropping goes on until the console caught up,
  // so a reader freeing a little room does not get a marker every few lines.
  EXPECT_FALSE(backlog.Offer("x\n", 1, 1));
  std::string out;
  ASSERT_TRUE(backlog.Take(out));
  EXPECT_EQ(out, "1234567\n");
  EXPECT_FALSE(backlog.Offer("y\n", 1, 1));
  auto dropped = backlog.Written();
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->lines, 3u);
  EXPECT_EQ(dropped->bytes, 6u);
  // Once: then output is taken again.
  EXPECT_FALSE(backlog.dropping());
  EXPECT_TRUE(backlog.Offer("z\n", 1, 1));
  ASSERT_TRUE(backlog.Take(out));
  EXPECT_EQ(out, "z\n");
  EXPECT_EQ(backlog.Written(), std::nullopt);
}

TEST(ConsoleBacklog, OneEntryLargerThanTheBoundIsDroppedAndReportedWhenIdle) {
  ConsoleBacklog backlog(4);
  EXPECT_FALSE(backlog.Offer("too long\n", 1, 8));
  std::string out;
  EXPECT_FALSE(backlog.Take(out));
  auto dropped = backlog.Written();
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->lines, 1u);
}

TEST(FunctionConsoleBudget, NoLimitAdmitsEverything) {
  FunctionConsoleBudget budget(0);
  auto now = FunctionConsoleBudget::Clock::now();
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(budget.Admit(1 << 20, now));
  EXPECT_EQ(budget.TakeCut(), std::nullopt);
}

TEST(FunctionConsoleBudget, CutsPastTheLimitWithinASecondAndShowsAgainAfter) {
  FunctionConsoleBudget budget(100);
  auto t0 = FunctionConsoleBudget::Clock::now();
  EXPECT_TRUE(budget.Admit(60, t0));
  EXPECT_TRUE(budget.Admit(40, t0 + milliseconds(10)));
  EXPECT_FALSE(budget.Admit(1, t0 + milliseconds(20)));
  // Cut until the window ends, even a line that would fit.
  EXPECT_FALSE(budget.Admit(0, t0 + milliseconds(500)));
  EXPECT_FALSE(budget.Admit(30, t0 + milliseconds(999)));
  EXPECT_TRUE(budget.Admit(30, t0 + milliseconds(1000)));
  auto cut = budget.TakeCut();
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->lines, 3u);
  EXPECT_EQ(cut->bytes, 31u);
  EXPECT_EQ(budget.TakeCut(), std::nullopt);  // once
}

TEST(FunctionConsoleBudget, TheFirstLineOfAWindowShowsHoweverLong) {
  FunctionConsoleBudget budget(100);
  auto t0 = FunctionConsoleBudget::Clock::now();
  EXPECT_TRUE(budget.Admit(1000, t0));
  EXPECT_FALSE(budget.Admit(1, t0));
}

TEST(FunctionConsoleBudget, ANormalFunctionUnderTheDefaultNeverHitsIt) {
  // 2 MB a second, the `serve` default; a chatty function: 200 lines of
  // 200 bytes per invocation, 20 invocations a second.
  FunctionConsoleBudget budget(2'000'000);
  auto t0 = FunctionConsoleBudget::Clock::now();
  for (int i = 0; i < 20 * 200 * 10; ++i) {
    EXPECT_TRUE(budget.Admit(200, t0 + milliseconds(i / 4)));
  }
  EXPECT_EQ(budget.TakeCut(), std::nullopt);
}

TEST(DescribeDropped, SaysLinesAndSize) {
  EXPECT_EQ(DescribeDropped({12345, 20'100'000}), "12345 lines (20.1 MB)");
  EXPECT_EQ(DescribeDropped({1, 512}), "1 line (512 bytes)");
  EXPECT_EQ(DescribeDropped({3, 2048}), "3 lines (2.0 KB)");
}

}  // namespace
}  // namespace lambda_emu::logs
