#include "metrics/pricing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lambda_emu::metrics {

namespace {

// N invocations of one shape, as Lambda's pricing page adds them up.
Cost Times(const Cost& one, double n) {
  return {one.gb_seconds * n, one.compute_usd * n, one.request_usd * n};
}

}  // namespace

// Lambda's pricing page, example 1: 512 MB, 3 million invocations of 1 s:
// 1,500,000 GB-s; the page then takes off the free tier (400,000 GB-s and
// 1M requests) for $18.34 + $0.40, which lambda-emu leaves out.
TEST(Pricing, PricingPageExampleOne) {
  const auto& prices = DefaultPrices();
  Cost month = Times(InvocationCost(prices, {512, "x86_64", 512, 1000, false}), 3e6);
  EXPECT_NEAR(month.gb_seconds, 1500000, 1e-6);
  EXPECT_NEAR(month.compute_usd, 25.00, 0.005);
  EXPECT_NEAR(month.request_usd, 0.60, 1e-9);
  // With the free tier taken off, the page's figures (it rounds the price
  // to $0.00001667 there: $18.337 against 18.333 here).
  EXPECT_NEAR((month.gb_seconds - 400000) * prices.x86_gb_second, 18.34, 0.01);
  EXPECT_NEAR((3e6 - 1e6) * prices.requests_per_million / 1e6, 0.40, 1e-9);
}

// Example 2: 128 MB, 30 million invocations of 200 ms: 750,000 GB-s, and
// with the free tier taken off $5.83 + $5.80.
TEST(Pricing, PricingPageExampleTwo) {
  const auto& prices = DefaultPrices();
  Cost month = Times(InvocationCost(prices, {128, "x86_64", 512, 200, false}), 30e6);
  EXPECT_NEAR(month.gb_seconds, 750000, 1e-6);
  EXPECT_NEAR(month.compute_usd, 12.50, 0.005);
  EXPECT_NEAR(month.request_usd, 6.00, 1e-9);
  EXPECT_NEAR((month.gb_seconds - 400000) * prices.x86_gb_second, 5.83, 0.005);
}

// Provisioned concurrency example: 1,024 MB, 1,000 environments for 2 hours
// is 7,200,000 GB-s at $0.0000041667: $30.00; 1.2 million invocations of
// 1 s on them is 1,200,000 GB-s at $0.0000097222: $11.67, requests $0.24.
TEST(Pricing, ProvisionedConcurrencyExample) {
  const auto& prices = DefaultPrices();
  ProvisionedCost configured = ProvisionedConcurrencyCost(prices, 1024, "x86_64", 1000, 7200);
  EXPECT_NEAR(configured.gb_seconds, 7200000, 1e-6);
  EXPECT_NEAR(configured.usd, 30.00, 0.005);
  Cost runs = Times(InvocationCost(prices, {1024, "x86_64", 512, 1000, true}), 1.2e6);
  EXPECT_NEAR(runs.compute_usd, 11.67, 0.005);
  EXPECT_NEAR(runs.request_usd, 0.24, 1e-9);
}

TEST(Pricing, ArmIsCheaperAndEphemeralStorageBeyond512MbIsBilled) {
  const auto& prices = DefaultPrices();
  Cost x86 = InvocationCost(prices, {1024, "x86_64", 512, 1000, false});
  Cost arm = InvocationCost(prices, {1024, "arm64", 512, 1000, false});
  EXPECT_NEAR(x86.compute_usd, 0.0000166667, 1e-12);
  EXPECT_NEAR(arm.compute_usd, 0.0000133334, 1e-12);
  EXPECT_NEAR(x86.request_usd, 0.0000002, 1e-15);
  // 10,240 MB of ephemeral storage for 1 s: 9.5 GB-s beyond the free 512 MB.
  Cost storage = InvocationCost(prices, {1024, "x86_64", 10240, 1000, false});
  EXPECT_NEAR(storage.compute_usd - x86.compute_usd, 9.5 * 0.0000000309, 1e-15);
  EXPECT_EQ(FormatUsd(x86.total_usd()), "0.0000168667");
}

TEST(Pricing, PriceFileReplacesTheNamedPrices) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pricing-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "ok.json") << R"({"region": "eu-west-1", "x86_gb_second": 0.00002})";
    std::ofstream(dir / "unknown.json") << R"({"x86_gb_secnd": 1})";
    std::ofstream(dir / "negative.json") << R"({"arm_gb_second": -1})";
    std::ofstream(dir / "broken.json") << "{";
  }
  auto ok = ReadPriceFile(dir / "ok.json");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->region, "eu-west-1");
  EXPECT_EQ(ok->x86_gb_second, 0.00002);
  EXPECT_EQ(ok->arm_gb_second, DefaultPrices().arm_gb_second);
  EXPECT_EQ(ok->source, (dir / "ok.json").string());
  auto unknown = ReadPriceFile(dir / "unknown.json");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("x86_gb_secnd: unknown key"), std::string::npos);
  EXPECT_FALSE(ReadPriceFile(dir / "negative.json").ok());
  EXPECT_FALSE(ReadPriceFile(dir / "broken.json").ok());
  EXPECT_FALSE(ReadPriceFile(dir / "missing.json").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace lambda_emu::metrics
