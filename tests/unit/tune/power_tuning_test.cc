#include "tune/power_tuning.h"

#include <gtest/gtest.h>

#include "tune/tune_chart.h"

namespace lambda_emu::tune {

namespace {

metrics::InvocationRecord Record(double ms, double usd, long long peak_mb = 40) {
  metrics::InvocationRecord r;
  r.duration_ms = ms;
  r.billed_ms = static_cast<long long>(ms + 0.999);
  r.compute_usd = usd;
  r.max_memory_used_mb = peak_mb;
  return r;
}

SizeResult Size(int mb, std::vector<double> durations, double usd_each) {
  SizeResult s;
  s.memory_mb = mb;
  s.cold = Record(durations.front() * 2, usd_each * 2, 30);
  s.cold->init_duration_ms = 100;
  for (double d : durations) s.warm.push_back(Record(d, usd_each));
  return s;
}

TuneResult ThreeSizes() {
  TuneResult r;
  r.function_name = "fn";
  r.runs = 3;
  r.sizes.push_back(Size(128, {900, 1000, 1100}, 2e-6));  // slow, cheapest
  r.sizes.push_back(Size(512, {200, 250, 300}, 2.1e-6));  // nearly as cheap, far faster
  r.sizes.push_back(Size(2048, {100, 110, 120}, 4e-6));   // fastest, dearest
  Summarize(r);
  return r;
}

}  // namespace

TEST(PowerTuning, PercentilesAreNearestRankOverTheWarmRuns) {
  TuneResult r = ThreeSizes();
  const auto& s = r.sizes[0];
  EXPECT_DOUBLE_EQ(s.p50_ms, 1000);
  EXPECT_DOUBLE_EQ(s.p90_ms, 1100);
  EXPECT_DOUBLE_EQ(s.min_ms, 900);
  EXPECT_DOUBLE_EQ(s.max_ms, 1100);
  EXPECT_DOUBLE_EQ(s.mean_ms, 1000);
  EXPECT_DOUBLE_EQ(s.billed_p50_ms, 1000);
  EXPECT_NEAR(s.cost_per_invocation_usd, 2e-6, 1e-15);  // the cold run is not in it
  EXPECT_EQ(s.peak_memory_mb, 40);                      // the cold run's 30 is lower
}

TEST(PowerTuning, PicksCheapestFastestAndBalanced) {
  TuneResult r = ThreeSizes();
  EXPECT_EQ(r.cheapest, 128);
  EXPECT_EQ(r.fastest, 2048);
  // cost/max + p50/max: 128 -> 0.5 + 1.0, 512 -> 0.525 + 0.25, 2048 -> 1.0 + 0.11.
  EXPECT_EQ(r.balanced, 512);
}

TEST(PowerTuning, FailedSizesAreNeverPicked) {
  TuneResult r = ThreeSizes();
  r.sizes[0].status = "out-of-memory";
  r.sizes[0].warm.clear();
  Summarize(r);
  EXPECT_EQ(r.cheapest, 512);
  EXPECT_EQ(r.fastest, 2048);
  for (auto& s : r.sizes) s.status = "timeout";
  Summarize(r);
  EXPECT_FALSE(r.cheapest);
  EXPECT_FALSE(r.fastest);
  EXPECT_FALSE(r.balanced);
}

TEST(PowerTuning, ASizeWithOnlyItsColdRunIsMeasuredByIt) {
  TuneResult r;
  SizeResult s;
  s.memory_mb = 256;
  s.cold = Record(50, 1e-6);
  r.sizes.push_back(s);
  Summarize(r);
  EXPECT_DOUBLE_EQ(r.sizes[0].p50_ms, 50);
  EXPECT_EQ(r.cheapest, 256);
}

TEST(PowerTuning, ChecksAndNormalisesTheRequest) {
  TuneRequest request;
  request.memory_sizes = {1024, 128, 1024, 512};
  ASSERT_TRUE(CheckRequest(request).ok());
  EXPECT_EQ(request.memory_sizes, (std::vector<int>{128, 512, 1024}));
  request.memory_sizes = {64};
  EXPECT_EQ(CheckRequest(request).message(), "memory size 64 MB is outside Lambda's 128-10240 MB");
  request.memory_sizes = {128};
  request.runs = 0;
  EXPECT_FALSE(CheckRequest(request).ok());
  request.runs = kMaxRuns + 1;
  EXPECT_FALSE(CheckRequest(request).ok());
  request.memory_sizes.clear();
  request.runs = 1;
  EXPECT_FALSE(CheckRequest(request).ok());
}

TEST(PowerTuning, ParsesMemorySizes) {
  auto sizes = ParseMemorySizes("128, 256,1769MB");
  ASSERT_TRUE(sizes.ok());
  EXPECT_EQ(*sizes, (std::vector<int>{128, 256, 1769}));
  EXPECT_FALSE(ParseMemorySizes("128,big").ok());
  EXPECT_FALSE(ParseMemorySizes("128,,256").ok());
  EXPECT_FALSE(ParseMemorySizes("12x").ok());
}

TEST(PowerTuning, JsonHasEverySizeAndThePicks) {
  TuneResult r = ThreeSizes();
  r.sizes[0].status = "out-of-memory";
  r.sizes[0].error = "Runtime.OutOfMemory";
  Summarize(r);
  auto j = ToJson(r);
  ASSERT_EQ(j["Results"].size(), 3u);
  EXPECT_EQ(j["Results"][0]["Status"], "out-of-memory");
  EXPECT_EQ(j["Results"][0]["Error"], "Runtime.OutOfMemory");
  EXPECT_EQ(j["Results"][1]["MemorySize"], 512);
  EXPECT_EQ(j["Results"][1]["DurationMs"]["P50"], 250.0);
  EXPECT_EQ(j["Results"][1]["ColdStart"]["InitDurationMs"], 100.0);
  EXPECT_EQ(j["Results"][1]["CostPerMillionUsd"], 2.1);
  EXPECT_EQ(j["Cheapest"], 512);
  EXPECT_EQ(j["Fastest"], 2048);
}

TEST(PowerTuning, TableMarksThePicksAndTheFailures) {
  TuneResult r = ThreeSizes();
  r.sizes[0].status = "out-of-memory";
  r.sizes[0].error = "Runtime.OutOfMemory";
  r.sizes[0].warm.clear();
  Summarize(r);
  const std::string table = FormatTable(r);
  EXPECT_NE(table.find("128 MB    out-of-memory"), std::string::npos) << table;
  EXPECT_NE(table.find("Runtime.OutOfMemory"), std::string::npos) << table;
  // Without 128 MB: 512 is cheapest; 2048 is fastest and, its p50 less than
  // half of 512's for under twice the cost, balanced too.
  EXPECT_NE(table.find("  cheapest\n"), std::string::npos) << table;
  EXPECT_NE(table.find("fastest, balanced"), std::string::npos) << table;
}

TEST(TuneChart, IsOneSvgWithBothLinesThePicksAndTheFailures) {
  TuneResult r = ThreeSizes();
  r.function_name = "a<b";
  r.sizes[0].status = "out-of-memory";
  Summarize(r);
  const std::string svg = RenderChart(r);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);  // escaped
  EXPECT_NE(svg.find("a&lt;b"), std::string::npos);
  size_t lines = 0;
  for (size_t at = 0; (at = svg.find("<polyline", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 2u);
  EXPECT_NE(svg.find(">out-of-memory</text>"), std::string::npos);
  EXPECT_NE(svg.find(">cheapest</text>"), std::string::npos);
  EXPECT_NE(svg.find(">fastest</text>"), std::string::npos);
  EXPECT_NE(svg.find(">balanced</text>"), std::string::npos);
}

}  // namespace lambda_emu::tune
