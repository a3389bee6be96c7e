#pragma once
// Invocation: one accepted invoke, from the Invoke API to the environment that
// runs it and back. Owned by a shared_ptr held by whoever is handling it (the
// pool, then one environment); completed exactly once through Complete().
// io thread only.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "metrics/function_metrics.h"

namespace lambda_emu::pool {

using Clock = std::chrono::steady_clock;

struct InvokeOutcome {
  enum class Kind {
    kSuccess,        // 200, payload = the function's response
    kFunctionError,  // 200 + X-Amz-Function-Error: Unhandled, payload = error JSON
    kThrottled,      // 429, throttle_reason set
    kServiceError,   // 500, payload = message
  };
  Kind kind = Kind::kSuccess;
  std::string payload;
  std::string throttle_reason;
  std::string log;  // this invocation's log lines, when the caller asked for them
};

using InvokeCompletion = boost::asio::any_completion_handler<void(InvokeOutcome)>;

struct Invocation {
  std::string request_id;
  std::string payload;
  std::string client_context;    // decoded JSON, or empty
  std::string cognito_identity;  // JSON, or empty
  std::string trace_id;
  std::string qualifier;  // as the caller gave it: the invoked ARN ends with it
  bool want_log = false;  // X-Amz-Log-Type: Tail
  // Its log lines are kept for the dashboard's feed (PoolServices::observer).
  bool keep_log = false;
  int attempt = 1;  // asynchronous invocation: which run of the event this is
  // A tuning run's invocation: its id ("tune-3"), shown by the dashboard.
  std::string tuning_run;

  Clock::time_point accepted_at = Clock::now();
  bool cold_start = false;                 // a new environment was started for it
  std::optional<double> init_duration_ms;  // set on the invoke that waited for a cold start
  // ... which was a SnapStart restore: init_duration_ms is its Restore Duration.
  bool restored = false;
  long long billed_restore_ms = 0;
  std::string log;  // collected when want_log or keep_log
  // What its REPORT line said, once it ran (not when it was throttled or
  // never reached a runtime): for callers that measure, as `tune` does.
  std::optional<metrics::InvocationRecord> report;

  InvokeCompletion completion;
  boost::asio::io_context* io = nullptr;  // where the completion is posted

  // Boost 1.81's any_completion_handler move-assignment recurses forever
  // (it wraps the source in a new handler); construct and swap instead.
  template <typename Handler>
  void SetCompletion(Handler&& handler) {
    InvokeCompletion(std::forward<Handler>(handler)).swap(completion);
  }

  // Delivers the outcome to the caller (posted, never run inline).
  void Complete(InvokeOutcome outcome);
  bool completed() const { return !completion; }

  void AppendLog(std::string_view line);
};

}  // namespace lambda_emu::pool
