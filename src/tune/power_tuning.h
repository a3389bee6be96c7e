#pragma once
// Memory power tuning (`lambda-emu tune`, POST /_emu/tune; docs/insight.md):
// one event run at several memory sizes, each with the memory limit and the
// CPU share Lambda gives that size, to show which size is cheapest, which
// fastest, and which balances the two, as AWS Lambda Power Tuning does on
// AWS. For each size: one cold start (reported apart), then `runs` warm
// invokes one after another; a size whose invocation runs out of memory,
// times out or fails is flagged and its remaining runs skipped.
//
// TuneRun does the running (io thread only); Summarize and the renderings
// are pure functions of the figures.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"
#include "metrics/function_metrics.h"
#include "metrics/pricing.h"
#include "pool/invocation.h"
#include "pool/services.h"
#include "sandbox/runtime_command.h"

namespace lambda_emu::registry {
class FunctionRegistry;
}

namespace lambda_emu::tune {

// Power Tuning's usual sizes, with 1,769 MB (one full vCPU) in between.
inline const std::vector<int> kDefaultMemorySizes = {128, 256, 512, 1024, 1769, 3008};
inline constexpr int kDefaultRuns = 10;
inline constexpr int kMaxRuns = 1000;

struct TuneRequest {
  std::string id = "tune";  // marks its invocations (pool::Invocation::tuning_run)
  config::FunctionConfig function;
  std::string event = "{}";
  std::vector<int> memory_sizes = kDefaultMemorySizes;
  int runs = kDefaultRuns;
};

// Sizes within Lambda's 128-10,240 MB, no repeats (sorted); runs 1-1,000.
Status CheckRequest(TuneRequest& request);
// "128,256,1024" as MB values.
Result<std::vector<int>> ParseMemorySizes(const std::string& text);

struct SizeResult {
  int memory_mb = 0;
  std::string status = "ok";  // "ok", "out-of-memory", "timeout" or "error"
  std::string error;          // what went wrong, when status is not "ok"
  std::optional<metrics::InvocationRecord> cold;
  std::vector<metrics::InvocationRecord> warm;
  // Summarize() fills these from `warm` (from `cold` when there is no warm run).
  double p50_ms = 0, p90_ms = 0, mean_ms = 0, min_ms = 0, max_ms = 0;
  double billed_p50_ms = 0;
  long long peak_memory_mb = 0;        // over every run, the cold one included
  double cost_per_invocation_usd = 0;  // mean over the warm runs
  bool ok() const { return status == "ok"; }
};

struct TuneResult {
  std::string function_name;
  std::string runtime;
  std::string architecture;
  int runs = 0;
  std::int64_t started_at_ms = 0;
  std::string prices_as_of;
  std::string prices_region;
  std::vector<SizeResult> sizes;
  // Among the sizes that ran fine: the lowest cost per invocation, the lowest
  // p50 duration, and the lowest sum of the two, each divided by its largest
  // value (Power Tuning's "balanced" with equal weights).
  std::optional<int> cheapest, fastest, balanced;
};

void Summarize(TuneResult& result);
// The tune.json of docs/insight.md.
nlohmann::ordered_json ToJson(const TuneResult& result);
// The table `tune` prints.
std::string FormatTable(const TuneResult& result);

// Runs a request on the services' io thread, in its own registry (the
// server's functions and their environments are not touched).
// `on_change` is called after each invocation and at the end.
class TuneRun : public std::enable_shared_from_this<TuneRun> {
 public:
  using OnChange = std::function<void(const TuneRun&)>;
  TuneRun(pool::PoolServices& services, sandbox::RuntimeLocator& runtimes, TuneRequest request,
          OnChange on_change);
  ~TuneRun();
  void Start();
  // The server is stopping: its environments stop now, the run ends, and
  // on_change is not called again. Call it before the services go.
  void Cancel();

  bool finished() const { return finished_; }
  // Set when the run could not go on (the function could not be set up).
  const std::string& failure() const { return failure_; }
  int done() const { return done_; }
  int total() const;
  const TuneResult& result() const { return result_; }
  const TuneRequest& request() const { return request_; }

 private:
  void NextSize();
  void NextInvoke();
  void OnInvoked(const pool::Invocation& invocation, pool::InvokeOutcome outcome);
  void Finish();

  pool::PoolServices& services_;
  sandbox::RuntimeLocator& runtimes_;
  TuneRequest request_;
  OnChange on_change_;
  std::unique_ptr<registry::FunctionRegistry> registry_;
  TuneResult result_;
  size_t size_index_ = 0;
  int done_ = 0;
  bool finished_ = false;
  bool cancelled_ = false;
  std::string failure_;
};

}  // namespace lambda_emu::tune
