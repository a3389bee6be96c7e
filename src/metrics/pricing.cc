#include "metrics/pricing.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace lambda_emu::metrics {

namespace {

constexpr double kMbPerGb = 1024.0;
constexpr int kFreeEphemeralMb = 512;

bool Arm(std::string_view architecture) { return architecture == "arm64"; }

}  // namespace

const PriceTable& DefaultPrices() {
  // aws.amazon.com/lambda/pricing, US East (N. Virginia), the first tier
  // (up to 6 billion GB-seconds a month), read on the date below.
  static const PriceTable kPrices = [] {
    PriceTable p;
    p.as_of = "2026-11-30";
    p.source = "https://aws.amazon.com/lambda/pricing/ (on-demand, first tier)";
    p.region = "us-east-1";
    p.requests_per_million = 0.20;
    p.x86_gb_second = 0.0000166667;
    p.arm_gb_second = 0.0000133334;
    p.x86_provisioned_gb_second = 0.0000041667;
    p.arm_provisioned_gb_second = 0.0000033334;
    p.x86_provisioned_duration_gb_second = 0.0000097222;
    p.arm_provisioned_duration_gb_second = 0.0000077778;
    p.ephemeral_storage_gb_second = 0.0000000309;
    return p;
  }();
  return kPrices;
}

Result<PriceTable> ReadPriceFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Status::Error("--price-file " + file.string() + ": cannot be read");
  nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return Status::Error("--price-file " + file.string() + ": not a JSON object");
  }
  PriceTable prices = DefaultPrices();
  const std::map<std::string, std::string*> texts = {
      {"as_of", &prices.as_of}, {"source", &prices.source}, {"region", &prices.region}};
  const std::map<std::string, double*> numbers = {
      {"requests_per_million", &prices.requests_per_million},
      {"x86_gb_second", &prices.x86_gb_second},
      {"arm_gb_second", &prices.arm_gb_second},
      {"x86_provisioned_gb_second", &prices.x86_provisioned_gb_second},
      {"arm_provisioned_gb_second", &prices.arm_provisioned_gb_second},
      {"x86_provisioned_duration_gb_second", &prices.x86_provisioned_duration_gb_second},
      {"arm_provisioned_duration_gb_second", &prices.arm_provisioned_duration_gb_second},
      {"ephemeral_storage_gb_second", &prices.ephemeral_storage_gb_second},
  };
  // Given prices date the table as the file's, unless it says otherwise.
  prices.source = file.string();
  for (const auto& [key, value] : json.items()) {
    if (auto text = texts.find(key); text != texts.end() && value.is_string()) {
      *text->second = value.get<std::string>();
    } else if (auto number = numbers.find(key);
               number != numbers.end() && value.is_number() && value.get<double>() >= 0) {
      *number->second = value.get<double>();
    } else {
      return Status::Error("--price-file " + file.string() + ": " + key +
                           (texts.count(key) || numbers.count(key)
                                ? ": must be a string (as_of, source, region) or a price >= 0"
                                : ": unknown key"));
    }
  }
  return prices;
}

Cost InvocationCost(const PriceTable& prices, const BilledInvocation& invocation) {
  Cost cost;
  const double seconds = static_cast<double>(invocation.billed_ms) / 1000.0;
  cost.gb_seconds = seconds * invocation.memory_mb / kMbPerGb;
  const bool arm = Arm(invocation.architecture);
  double per_gb_second = arm ? prices.arm_gb_second : prices.x86_gb_second;
  if (invocation.provisioned) {
    per_gb_second =
        arm ? prices.arm_provisioned_duration_gb_second : prices.x86_provisioned_duration_gb_second;
  }
  cost.compute_usd = cost.gb_seconds * per_gb_second;
  if (invocation.ephemeral_storage_mb > kFreeEphemeralMb) {
    cost.compute_usd += seconds * (invocation.ephemeral_storage_mb - kFreeEphemeralMb) / kMbPerGb *
                        prices.ephemeral_storage_gb_second;
  }
  cost.request_usd = prices.requests_per_million / 1e6;
  return cost;
}

ProvisionedCost ProvisionedConcurrencyCost(const PriceTable& prices, int memory_mb,
                                           std::string_view architecture, int count,
                                           double seconds) {
  ProvisionedCost cost;
  cost.gb_seconds = seconds * count * memory_mb / kMbPerGb;
  cost.usd = cost.gb_seconds * (Arm(architecture) ? prices.arm_provisioned_gb_second
                                                  : prices.x86_provisioned_gb_second);
  return cost;
}

std::string FormatUsd(double usd) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.10f", usd);
  return buffer;
}

nlohmann::json PricesJson(const PriceTable& p) {
  return {{"AsOf", p.as_of},
          {"Source", p.source},
          {"Region", p.region},
          {"RequestsPerMillion", p.requests_per_million},
          {"X86GbSecond", p.x86_gb_second},
          {"ArmGbSecond", p.arm_gb_second},
          {"X86ProvisionedGbSecond", p.x86_provisioned_gb_second},
          {"ArmProvisionedGbSecond", p.arm_provisioned_gb_second},
          {"X86ProvisionedDurationGbSecond", p.x86_provisioned_duration_gb_second},
          {"ArmProvisionedDurationGbSecond", p.arm_provisioned_duration_gb_second},
          {"EphemeralStorageGbSecond", p.ephemeral_storage_gb_second}};
}

}  // namespace lambda_emu::metrics
