#include "metrics/function_metrics.h"

#include <gtest/gtest.h>

namespace lambda_emu::metrics {
namespace {

TEST(FunctionMetrics, RecordCountsColdAndWarmStartsAndErrorsByType) {
  FunctionMetrics m;
  m.Record({12.5, true, 90.0, "", false, false});
  m.Record({3.0, false, std::nullopt, "Sandbox.Timedout", true, false});
  EXPECT_EQ(m.invocations, 2u);
  EXPECT_EQ(m.cold_starts, 1u);
  EXPECT_EQ(m.warm_starts, 1u);
  EXPECT_EQ(m.errors, 1u);
  EXPECT_EQ(m.errors_by_type.at("Sandbox.Timedout"), 1u);
  EXPECT_EQ(m.timeouts, 1u);
  EXPECT_EQ(m.duration.count(), 2u);
  EXPECT_EQ(m.init_duration.count(), 1u);
}

TEST(FunctionMetrics, ResetZeroesEveryCounterAndHistogram) {
  FunctionMetrics m;
  m.Record({12.5, true, 90.0, "Runtime.ExitError", false, true});
  m.Record({1.0, false, std::nullopt, "", false, false});
  ++m.throttles;
  ++m.provisioned_inits;
  m.Reset();
  EXPECT_EQ(m.invocations, 0u);
  EXPECT_EQ(m.errors, 0u);
  EXPECT_TRUE(m.errors_by_type.empty());
  EXPECT_EQ(m.throttles, 0u);
  EXPECT_EQ(m.cold_starts, 0u);
  EXPECT_EQ(m.warm_starts, 0u);
  EXPECT_EQ(m.timeouts, 0u);
  EXPECT_EQ(m.oom_kills, 0u);
  EXPECT_EQ(m.provisioned_inits, 0u);
  EXPECT_EQ(m.duration.count(), 0u);
  EXPECT_EQ(m.duration.sum(), 0);
  EXPECT_EQ(m.init_duration.count(), 0u);
  for (auto bucket : m.duration.buckets()) EXPECT_EQ(bucket, 0u);
  // Counting starts again from zero.
  m.Record({2.0, false, std::nullopt, "", false, false});
  EXPECT_EQ(m.invocations, 1u);
  EXPECT_EQ(m.warm_starts, 1u);
}

TEST(Histogram, ObservePutsAValueInTheFirstBucketThatHoldsIt) {
  Histogram h;
  h.Observe(1);      // <= 1
  h.Observe(1.5);    // <= 2.5
  h.Observe(99999);  // +Inf
  EXPECT_EQ(h.buckets()[0], 1u);
  EXPECT_EQ(h.buckets()[1], 1u);
  EXPECT_EQ(h.buckets().back(), 1u);
  EXPECT_EQ(h.count(), 3u);
}

TEST(RenderJson, ShowsCountersUnderLambdaNames) {
  FunctionMetrics m;
  m.Record({5, true, 50.0, "", false, false});
  FunctionSnapshot s;
  s.name = "hello";
  s.metrics = &m;
  s.environments_idle = 1;
  auto j = RenderJson(s);
  EXPECT_EQ(j["FunctionName"], "hello");
  EXPECT_EQ(j["ColdStarts"], 1);
  EXPECT_EQ(j["WarmStarts"], 0);
  EXPECT_EQ(j["Environments"]["Idle"], 1);
  EXPECT_TRUE(j["ReservedConcurrentExecutions"].is_null());
}

}  // namespace
}  // namespace lambda_emu::metrics
