#pragma once
// Per-function counters and histograms, and their two renderings: Prometheus
// text (GET /metrics) and JSON (GET /_emu/functions). Plain data owned by
// each FunctionPool; io thread only.

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace lambda_emu::metrics {

// Fixed-bucket histogram in milliseconds (Prometheus-style cumulative on output).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBoundsMs = {1,   2.5, 5,    10,   25,   50,    100,
                                                       250, 500, 1000, 2500, 5000, 10000, 30000};
  void Observe(double ms);
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  // Count of observations <= kBoundsMs[i] (non-cumulative per bucket; last is +Inf).
  const std::array<std::uint64_t, kBoundsMs.size() + 1>& buckets() const { return buckets_; }

 private:
  std::array<std::uint64_t, kBoundsMs.size() + 1> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// What one finished invocation contributes.
struct InvocationRecord {
  double duration_ms = 0;
  bool cold_start = false;                 // a new environment was started for it
  std::optional<double> init_duration_ms;  // set when its init completed
  std::string error_type;                  // empty on success
  bool timed_out = false;
  bool out_of_memory = false;
  long long max_memory_used_mb = 0;  // the REPORT line's Max Memory Used
  // What Lambda would bill for it (metrics/pricing.h): the billed duration
  // (init included: Lambda bills it), its GB-seconds and cost.
  long long billed_ms = 0;
  double gb_seconds = 0;
  double compute_usd = 0;
  double request_usd = 0;
};

struct FunctionMetrics {
  std::uint64_t invocations = 0;
  std::uint64_t errors = 0;
  std::map<std::string, std::uint64_t> errors_by_type;
  std::uint64_t throttles = 0;
  std::uint64_t cold_starts = 0;
  std::uint64_t warm_starts = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t oom_kills = 0;
  std::uint64_t provisioned_inits = 0;
  Histogram duration;
  Histogram init_duration;
  // Sums of InvocationRecord's billing figures.
  std::uint64_t billed_duration_ms = 0;
  double gb_seconds = 0;
  double compute_usd = 0;
  double request_usd = 0;

  void Record(const InvocationRecord& record);
  // Every counter and histogram back to zero (POST /_emu/reset).
  void Reset() { *this = FunctionMetrics{}; }
};

// A function's live figures next to its counters.
struct FunctionSnapshot {
  std::string name;
  // Where the function is defined: "file" (config file or template) or
  // "api" (the management API); empty when not known.
  std::string_view source;
  const FunctionMetrics* metrics = nullptr;
  int concurrent_executions = 0;
  int invocations_waiting = 0;  // admitted, waiting for an environment
  int environments_starting = 0;
  int environments_idle = 0;
  int environments_busy = 0;
  std::optional<int> reserved_concurrency;
  int provisioned_concurrency = 0;
  int provisioned_ready = 0;          // provisioned environments initialised (idle or busy)
  int provisioned_init_failures = 0;  // rounds in a row their init failed; 0 once one is up
  // Provisioned concurrency's configured GB-seconds so far, and their cost.
  double provisioned_gb_seconds = 0;
  double provisioned_usd = 0;
};

// Lambda's word for a function's state: "Active", or while its provisioned
// environments are not all up "Pending" ("Failed" while their init fails).
const char* FunctionState(const FunctionSnapshot& function);

// One execution environment as the dashboard lists it.
struct EnvironmentView {
  std::string id;
  const char* state = "starting";  // "starting", "idle" or "busy"
  double age_s = 0;
  long long max_memory_used_mb = 0;  // at its last invocation's end
  int memory_limit_mb = 0;
  bool provisioned = false;
  std::uint64_t invocations = 0;
};
nlohmann::json RenderJson(const EnvironmentView& environment);

std::string RenderPrometheus(const std::vector<FunctionSnapshot>& functions);
nlohmann::json RenderJson(const FunctionSnapshot& function);

}  // namespace lambda_emu::metrics
