// RecentTakes (sandbox/recent_takes.h): how many takes fell within the
// window, and nothing older kept, whether or not the count is asked for.
#include "sandbox/recent_takes.h"

#include <gtest/gtest.h>

namespace lambda_emu::sandbox {
namespace {

using std::chrono::seconds;

TEST(RecentTakes, CountsTheTakesWithinTheWindow) {
  const auto t0 = RecentTakes::Clock::now();
  RecentTakes takes(seconds(10));
  EXPECT_EQ(takes.Count(t0), 0u);
  takes.Add(t0);
  takes.Add(t0 + seconds(1));
  takes.Add(t0 + seconds(2));
  EXPECT_EQ(takes.Count(t0 + seconds(2)), 3u);
  EXPECT_EQ(takes.Count(t0 + seconds(10)), 3u);  // the window's edge counts
  EXPECT_EQ(takes.Count(t0 + seconds(11)), 2u);
  EXPECT_EQ(takes.Count(t0 + seconds(30)), 0u);
}

TEST(RecentTakes, AddingForgetsWhatTheWindowHasPassed) {
  // A pool of a fixed size never asks for the count: its takes must not
  // pile up.
  const auto t0 = RecentTakes::Clock::now();
  RecentTakes takes(seconds(10));
  for (int i = 0; i < 1000; ++i) takes.Add(t0 + seconds(11 * i));
  EXPECT_EQ(takes.held(), 1u);
  takes.Add(t0 + seconds(11 * 999 + 1));
  EXPECT_EQ(takes.held(), 2u);
}

}  // namespace
}  // namespace lambda_emu::sandbox
