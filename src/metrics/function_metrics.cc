#include "metrics/function_metrics.h"

#include <cmath>
#include <cstdio>

#include "metrics/prometheus.h"

namespace lambda_emu::metrics {

void Histogram::Observe(double ms) {
  size_t i = 0;
  while (i < kBoundsMs.size() && ms > kBoundsMs[i]) ++i;
  ++buckets_[i];
  ++count_;
  sum_ += ms;
}

void FunctionMetrics::Record(const InvocationRecord& r) {
  ++invocations;
  ++(r.cold_start ? cold_starts : warm_starts);
  if (r.init_duration_ms) init_duration.Observe(*r.init_duration_ms);
  duration.Observe(r.duration_ms);
  if (!r.error_type.empty()) {
    ++errors;
    ++errors_by_type[r.error_type];
  }
  if (r.timed_out) ++timeouts;
  if (r.out_of_memory) ++oom_kills;
  billed_duration_ms += static_cast<std::uint64_t>(r.billed_ms);
  gb_seconds += r.gb_seconds;
  compute_usd += r.compute_usd;
  request_usd += r.request_usd;
}

namespace {

nlohmann::json HistogramJson(const Histogram& h) {
  return {{"count", h.count()}, {"sumMs", h.sum()}};
}

}  // namespace

std::string RenderPrometheus(const std::vector<FunctionSnapshot>& functions) {
  std::string out;
  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t FunctionMetrics::*field;
  };
  static const Counter kCounters[] = {
      {"lambda_emu_invocations_total", "Invocations finished", &FunctionMetrics::invocations},
      {"lambda_emu_throttles_total", "Invokes rejected with 429", &FunctionMetrics::throttles},
      {"lambda_emu_cold_starts_total", "Invocations that waited for a new environment",
       &FunctionMetrics::cold_starts},
      {"lambda_emu_warm_starts_total", "Invocations served by a warm environment",
       &FunctionMetrics::warm_starts},
      {"lambda_emu_timeouts_total", "Invocations that timed out", &FunctionMetrics::timeouts},
      {"lambda_emu_oom_kills_total", "Environments killed for exceeding their memory",
       &FunctionMetrics::oom_kills},
  };
  for (const auto& c : kCounters) {
    Family(out, c.name, "counter", c.help);
    for (const auto& f : functions) {
      Sample(out, c.name, "function=\"" + f.name + "\"", static_cast<double>(f.metrics->*c.field));
    }
  }
  Family(out, "lambda_emu_errors_total", "counter", "Invocations that failed, by error type");
  for (const auto& f : functions) {
    for (const auto& [type, count] : f.metrics->errors_by_type) {
      Sample(out, "lambda_emu_errors_total", "function=\"" + f.name + "\",type=\"" + type + "\"",
             static_cast<double>(count));
    }
  }
  // What the invocations would have cost on Lambda (metrics/pricing.h).
  struct Billing {
    const char* name;
    const char* help;
    double (*value)(const FunctionSnapshot&);
  };
  static const Billing kBilling[] = {
      {"lambda_emu_billed_duration_ms_total", "Billed duration of the invocations (init included)",
       [](const FunctionSnapshot& f) {
         return static_cast<double>(f.metrics->billed_duration_ms);
       }},
      {"lambda_emu_gb_seconds_total", "Billed duration x memory, in GB-seconds",
       [](const FunctionSnapshot& f) { return f.metrics->gb_seconds; }},
      {"lambda_emu_cost_usd_total",
       "What the invocations and provisioned concurrency would cost on Lambda, in US dollars",
       [](const FunctionSnapshot& f) {
         return f.metrics->compute_usd + f.metrics->request_usd + f.provisioned_usd;
       }},
  };
  for (const auto& b : kBilling) {
    Family(out, b.name, "counter", b.help);
    for (const auto& f : functions) Sample(out, b.name, "function=\"" + f.name + "\"", b.value(f));
  }
  Family(out, "lambda_emu_concurrent_executions", "gauge", "Invocations running now");
  for (const auto& f : functions) {
    Sample(out, "lambda_emu_concurrent_executions", "function=\"" + f.name + "\"",
           f.concurrent_executions);
  }
  Family(out, "lambda_emu_invocations_waiting", "gauge",
         "Invocations admitted and waiting for an environment (a start slot, "
         "--max-concurrent-inits)");
  for (const auto& f : functions) {
    Sample(out, "lambda_emu_invocations_waiting", "function=\"" + f.name + "\"",
           f.invocations_waiting);
  }
  Family(out, "lambda_emu_environments", "gauge", "Execution environments by state");
  for (const auto& f : functions) {
    const std::string fn = "function=\"" + f.name + "\",state=";
    Sample(out, "lambda_emu_environments", fn + "\"starting\"", f.environments_starting);
    Sample(out, "lambda_emu_environments", fn + "\"idle\"", f.environments_idle);
    Sample(out, "lambda_emu_environments", fn + "\"busy\"", f.environments_busy);
  }
  Family(out, "lambda_emu_duration_ms", "histogram", "Invocation duration in milliseconds");
  for (const auto& f : functions) {
    HistogramSamples(out, "lambda_emu_duration_ms", "function=\"" + f.name + "\"",
                     f.metrics->duration);
  }
  Family(out, "lambda_emu_init_duration_ms", "histogram",
         "Cold start (init) duration in milliseconds");
  for (const auto& f : functions) {
    HistogramSamples(out, "lambda_emu_init_duration_ms", "function=\"" + f.name + "\"",
                     f.metrics->init_duration);
  }
  return out;
}

nlohmann::json RenderJson(const FunctionSnapshot& f) {
  const FunctionMetrics& m = *f.metrics;
  nlohmann::json j = {
      {"FunctionName", f.name},
      {"Source", f.source},
      {"Invocations", m.invocations},
      {"Errors", m.errors},
      {"ErrorsByType", m.errors_by_type},
      {"Throttles", m.throttles},
      {"ColdStarts", m.cold_starts},
      {"WarmStarts", m.warm_starts},
      {"Timeouts", m.timeouts},
      {"OomKills", m.oom_kills},
      {"ProvisionedInits", m.provisioned_inits},
      {"ConcurrentExecutions", f.concurrent_executions},
      {"InvocationsWaiting", f.invocations_waiting},
      {"Environments",
       {{"Starting", f.environments_starting},
        {"Idle", f.environments_idle},
        {"Busy", f.environments_busy}}},
      {"Duration", HistogramJson(m.duration)},
      {"InitDuration", HistogramJson(m.init_duration)},
      {"ProvisionedConcurrency", f.provisioned_concurrency},
  };
  j["ReservedConcurrentExecutions"] =
      f.reserved_concurrency ? nlohmann::json(*f.reserved_concurrency) : nlohmann::json(nullptr);
  // At Lambda's prices (docs/insight.md): every figure since start (or
  // POST /_emu/reset), in US dollars.
  j["Cost"] = {
      {"BilledDurationMs", m.billed_duration_ms},
      {"GbSeconds", m.gb_seconds},
      {"ComputeUsd", m.compute_usd},
      {"RequestsUsd", m.request_usd},
      {"ProvisionedGbSeconds", f.provisioned_gb_seconds},
      {"ProvisionedUsd", f.provisioned_usd},
      {"TotalUsd", m.compute_usd + m.request_usd + f.provisioned_usd},
      {"PerInvocationUsd",
       m.invocations ? (m.compute_usd + m.request_usd) / static_cast<double>(m.invocations) : 0.0},
  };
  return j;
}

const char* FunctionState(const FunctionSnapshot& f) {
  if (f.provisioned_ready >= f.provisioned_concurrency) return "Active";
  return f.provisioned_init_failures > 0 ? "Failed" : "Pending";
}

nlohmann::json RenderJson(const EnvironmentView& e) {
  return {{"Id", e.id},
          {"State", e.state},
          {"AgeSeconds", std::round(e.age_s * 10) / 10},
          {"MaxMemoryUsedMb", e.max_memory_used_mb},
          {"MemoryLimitMb", e.memory_limit_mb},
          {"Provisioned", e.provisioned},
          {"Invocations", e.invocations}};
}

}  // namespace lambda_emu::metrics
