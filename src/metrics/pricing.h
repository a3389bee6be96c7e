#pragma once
// What invocations would cost on Lambda: the public on-demand prices (one
// table, dated; `serve --price-file` replaces any of them) and the
// arithmetic Lambda bills by (docs/insight.md).
//
// An invocation costs its request, plus its billed duration times its
// memory in GB (GB-seconds) at its architecture's price, plus ephemeral
// storage beyond 512 MB for the same time. On an environment that
// provisioned concurrency keeps, duration has a lower price, and the
// provisioned concurrency itself costs memory x count x the time it is
// configured. The free tier and the lower tiers above 6 billion GB-seconds
// a month are left out: they depend on the account's month, not on one
// function. Plain functions and data; any thread.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lambda_emu/status.h"

namespace lambda_emu::metrics {

struct PriceTable {
  std::string as_of;   // when the prices were read from the source
  std::string source;  // where they come from
  std::string region;  // whose prices they are
  double requests_per_million = 0;
  double x86_gb_second = 0;
  double arm_gb_second = 0;
  // Provisioned concurrency: its configured GB-seconds, and the duration of
  // invocations its environments run.
  double x86_provisioned_gb_second = 0;
  double arm_provisioned_gb_second = 0;
  double x86_provisioned_duration_gb_second = 0;
  double arm_provisioned_duration_gb_second = 0;
  double ephemeral_storage_gb_second = 0;  // beyond the free 512 MB
};

// Lambda's prices in us-east-1, first tier (built in).
const PriceTable& DefaultPrices();

// The built-in table with the members `file` (JSON) names replaced, e.g.
// {"region": "eu-west-1", "x86_gb_second": 0.0000166667}. An unknown key or
// a negative price is an error naming it.
Result<PriceTable> ReadPriceFile(const std::filesystem::path& file);

// What one invocation costs.
struct Cost {
  double gb_seconds = 0;   // billed seconds x memory in GB
  double compute_usd = 0;  // duration (and ephemeral storage beyond 512 MB)
  double request_usd = 0;
  double total_usd() const { return compute_usd + request_usd; }
};

struct BilledInvocation {
  int memory_mb = 128;
  std::string_view architecture = "x86_64";  // or "arm64"
  int ephemeral_storage_mb = 512;
  long long billed_ms = 0;
  bool provisioned = false;  // ran on an environment provisioned concurrency keeps
};
Cost InvocationCost(const PriceTable& prices, const BilledInvocation& invocation);

// Provisioned concurrency configured for `seconds` at `count` environments.
struct ProvisionedCost {
  double gb_seconds = 0;
  double usd = 0;
};
ProvisionedCost ProvisionedConcurrencyCost(const PriceTable& prices, int memory_mb,
                                           std::string_view architecture, int count,
                                           double seconds);

// "0.0000021000": a dollar amount with 10 decimals (a request costs 2e-7).
std::string FormatUsd(double usd);

// The table as /_emu/functions and the dashboard show it ("Prices").
nlohmann::json PricesJson(const PriceTable& prices);

}  // namespace lambda_emu::metrics
