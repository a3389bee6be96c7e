#include "tune/power_tuning.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "pool/ids.h"
#include "pool/invocation.h"
#include "registry/function_registry.h"

namespace lambda_emu::tune {

Status CheckRequest(TuneRequest& request) {
  auto& sizes = request.memory_sizes;
  if (sizes.empty()) return Status::Error("no memory size to try");
  for (int mb : sizes) {
    if (mb < 128 || mb > 10240) {
      return Status::Error("memory size " + std::to_string(mb) +
                           " MB is outside Lambda's 128-10240 MB");
    }
  }
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  if (request.runs < 1 || request.runs > kMaxRuns) {
    return Status::Error("runs must be 1-" + std::to_string(kMaxRuns));
  }
  return Status::Ok();
}

Result<std::vector<int>> ParseMemorySizes(const std::string& text) {
  std::vector<int> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.size() > 2 && (item.ends_with("MB") || item.ends_with("mb")))
      item.resize(item.size() - 2);
    size_t used = 0;
    int mb = 0;
    try {
      mb = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size()) {
      return Status::Error("--memory: '" + item + "' is not a size in MB");
    }
    sizes.push_back(mb);
  }
  return sizes;
}

namespace {

// The nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void SummarizeSize(SizeResult& size) {
  std::vector<const metrics::InvocationRecord*> measured;
  for (const auto& r : size.warm) measured.push_back(&r);
  if (measured.empty() && size.cold) measured.push_back(&*size.cold);
  std::vector<double> durations, billed;
  double cost = 0;
  for (const auto* r : measured) {
    durations.push_back(r->duration_ms);
    billed.push_back(static_cast<double>(r->billed_ms));
    cost += r->compute_usd + r->request_usd;
  }
  std::sort(durations.begin(), durations.end());
  std::sort(billed.begin(), billed.end());
  size.p50_ms = Percentile(durations, 0.5);
  size.p90_ms = Percentile(durations, 0.9);
  size.min_ms = durations.empty() ? 0 : durations.front();
  size.max_ms = durations.empty() ? 0 : durations.back();
  double sum = 0;
  for (double d : durations) sum += d;
  size.mean_ms = durations.empty() ? 0 : sum / static_cast<double>(durations.size());
  size.billed_p50_ms = Percentile(billed, 0.5);
  size.cost_per_invocation_usd = measured.empty() ? 0 : cost / static_cast<double>(measured.size());
  size.peak_memory_mb = size.cold ? size.cold->max_memory_used_mb : 0;
  for (const auto& r : size.warm)
    size.peak_memory_mb = std::max(size.peak_memory_mb, r.max_memory_used_mb);
}

}  // namespace

void Summarize(TuneResult& result) {
  result.cheapest = result.fastest = result.balanced = std::nullopt;
  double max_cost = 0, max_p50 = 0;
  const SizeResult* cheapest = nullptr;
  const SizeResult* fastest = nullptr;
  for (auto& size : result.sizes) {
    SummarizeSize(size);
    if (!size.ok()) continue;
    max_cost = std::max(max_cost, size.cost_per_invocation_usd);
    max_p50 = std::max(max_p50, size.p50_ms);
    // Ties go to the other figure: the cheapest of the fastest, and so on.
    if (!cheapest || size.cost_per_invocation_usd < cheapest->cost_per_invocation_usd ||
        (size.cost_per_invocation_usd == cheapest->cost_per_invocation_usd &&
         size.p50_ms < cheapest->p50_ms)) {
      cheapest = &size;
    }
    if (!fastest || size.p50_ms < fastest->p50_ms ||
        (size.p50_ms == fastest->p50_ms &&
         size.cost_per_invocation_usd < fastest->cost_per_invocation_usd)) {
      fastest = &size;
    }
  }
  if (!cheapest) return;
  result.cheapest = cheapest->memory_mb;
  result.fastest = fastest->memory_mb;
  double best = 0;
  for (const auto& size : result.sizes) {
    if (!size.ok()) continue;
    double score = (max_cost > 0 ? size.cost_per_invocation_usd / max_cost : 0) +
                   (max_p50 > 0 ? size.p50_ms / max_p50 : 0);
    if (!result.balanced || score < best) {
      result.balanced = size.memory_mb;
      best = score;
    }
  }
}

namespace {

// `value` to `decimals` places (for JSON: 52.55, not 52.550000000000004).
double Round(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

nlohmann::ordered_json RecordJson(const metrics::InvocationRecord& r) {
  nlohmann::ordered_json j;
  j["DurationMs"] = Round(r.duration_ms, 2);
  j["BilledDurationMs"] = r.billed_ms;
  j["InitDurationMs"] =
      r.init_duration_ms ? nlohmann::ordered_json(Round(*r.init_duration_ms, 2)) : nullptr;
  j["MaxMemoryUsedMb"] = r.max_memory_used_mb;
  j["CostUsd"] = r.compute_usd + r.request_usd;
  return j;
}

nlohmann::ordered_json Pick(const std::optional<int>& mb) {
  return mb ? nlohmann::ordered_json(*mb) : nlohmann::ordered_json(nullptr);
}

}  // namespace

nlohmann::ordered_json ToJson(const TuneResult& result) {
  nlohmann::ordered_json j;
  j["FunctionName"] = result.function_name;
  j["Runtime"] = result.runtime;
  j["Architecture"] = result.architecture;
  j["Runs"] = result.runs;
  j["StartedAt"] = result.started_at_ms;
  j["Prices"] = {{"AsOf", result.prices_as_of}, {"Region", result.prices_region}};
  j["Results"] = nlohmann::ordered_json::array();
  for (const auto& size : result.sizes) {
    nlohmann::ordered_json s;
    s["MemorySize"] = size.memory_mb;
    s["Status"] = size.status;
    s["Error"] = size.error;
    s["ColdStart"] = size.cold ? RecordJson(*size.cold) : nlohmann::ordered_json(nullptr);
    s["Invocations"] = size.warm.size();
    s["DurationMs"] = {{"P50", Round(size.p50_ms, 2)},
                       {"P90", Round(size.p90_ms, 2)},
                       {"Mean", Round(size.mean_ms, 2)},
                       {"Min", Round(size.min_ms, 2)},
                       {"Max", Round(size.max_ms, 2)}};
    s["BilledDurationMsP50"] = size.billed_p50_ms;
    s["MaxMemoryUsedMb"] = size.peak_memory_mb;
    s["CostPerInvocationUsd"] = size.cost_per_invocation_usd;
    s["CostPerMillionUsd"] = Round(size.cost_per_invocation_usd * 1e6, 4);
    j["Results"].push_back(std::move(s));
  }
  j["Cheapest"] = Pick(result.cheapest);
  j["Fastest"] = Pick(result.fastest);
  j["Balanced"] = Pick(result.balanced);
  return j;
}

std::string FormatTable(const TuneResult& result) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-9s %-14s %10s %10s %12s %8s %15s %11s  %s\n", "Memory",
                "Status", "p50 ms", "p90 ms", "Cold ms", "Peak MB", "USD/invocation", "USD/million",
                "");
  out += line;
  for (const auto& size : result.sizes) {
    std::string marks;
    auto mark = [&](const std::optional<int>& pick, const char* word) {
      if (pick == size.memory_mb) marks += (marks.empty() ? "" : ", ") + std::string(word);
    };
    mark(result.cheapest, "cheapest");
    mark(result.fastest, "fastest");
    mark(result.balanced, "balanced");
    std::string cold = "-";
    if (size.cold) {
      char c[32];
      std::snprintf(c, sizeof c, "%.1f",
                    size.cold->duration_ms + size.cold->init_duration_ms.value_or(0));
      cold = c;
    }
    const bool ran = size.ok() || !size.warm.empty();
    if (ran) {
      std::snprintf(line, sizeof line, "%-9s %-14s %10.2f %10.2f %12s %8lld %15.10f %11.4f  %s\n",
                    (std::to_string(size.memory_mb) + " MB").c_str(), size.status.c_str(),
                    size.p50_ms, size.p90_ms, cold.c_str(), size.peak_memory_mb,
                    size.cost_per_invocation_usd, size.cost_per_invocation_usd * 1e6,
                    marks.c_str());
    } else {
      std::snprintf(line, sizeof line, "%-9s %-14s %10s %10s %12s %8lld %15s %11s  %s\n",
                    (std::to_string(size.memory_mb) + " MB").c_str(), size.status.c_str(), "-", "-",
                    cold.c_str(), size.peak_memory_mb, "-", "-", size.error.c_str());
    }
    out += line;
  }
  return out;
}

TuneRun::TuneRun(pool::PoolServices& services, sandbox::RuntimeLocator& runtimes,
                 TuneRequest request, OnChange on_change)
    : services_(services),
      runtimes_(runtimes),
      request_(std::move(request)),
      on_change_(std::move(on_change)) {
  const auto& f = request_.function;
  result_.function_name = f.name;
  result_.runtime = f.runtime.empty() ? "(image)" : f.runtime;
  result_.architecture = f.architecture;
  result_.runs = request_.runs;
  result_.prices_as_of = services.settings.prices.as_of;
  result_.prices_region = services.settings.prices.region;
  result_.started_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  for (int mb : request_.memory_sizes) {
    SizeResult size;
    size.memory_mb = mb;
    result_.sizes.push_back(std::move(size));
  }
}

TuneRun::~TuneRun() = default;

int TuneRun::total() const {
  return static_cast<int>(request_.memory_sizes.size()) * (request_.runs + 1);
}

void TuneRun::Start() {
  registry_ = std::make_unique<registry::FunctionRegistry>(services_, runtimes_);
  NextSize();
}

void TuneRun::Cancel() {
  on_change_ = nullptr;  // whoever listened is going away
  // Its environments stop now, as the server's do, and its registry goes
  // before the services it runs on (the invocation running completes, if
  // the io context still runs, and finds the run cancelled).
  if (registry_) {
    registry_->Shutdown();
    registry_.reset();
  }
  if (finished_) return;
  cancelled_ = true;
  failure_ = "stopped: the server is shutting down";
}

void TuneRun::NextSize() {
  if (cancelled_ || size_index_ >= result_.sizes.size()) return Finish();
  config::FunctionConfig config = request_.function;
  config.memory_mb = result_.sizes[size_index_].memory_mb;
  // The run measures on-demand environments: none are kept ready.
  config.provisioned_concurrency = 0;
  // A new configuration drains the previous size's environment: the next
  // invoke is this size's cold start.
  if (Status s = registry_->Put(config); !s.ok()) {
    failure_ = s.message();
    return Finish();
  }
  NextInvoke();
}

void TuneRun::NextInvoke() {
  if (cancelled_) return Finish();
  pool::FunctionPool* function_pool = registry_->Find(request_.function.name);
  if (!function_pool) {
    failure_ = "the function went away";
    return Finish();
  }
  auto invocation = std::make_shared<pool::Invocation>();
  invocation->request_id = pool::NewRequestId();
  invocation->trace_id = pool::NewTraceId();
  invocation->payload = request_.event;
  invocation->tuning_run = request_.id;
  invocation->io = &services_.io;
  invocation->SetCompletion(
      [self = shared_from_this(), invocation](pool::InvokeOutcome outcome) mutable {
        self->OnInvoked(*invocation, std::move(outcome));
      });
  // The completion holds the invocation (and this run) until it is called.
  function_pool->Invoke(std::move(invocation));
}

void TuneRun::OnInvoked(const pool::Invocation& invocation, pool::InvokeOutcome outcome) {
  SizeResult& size = result_.sizes[size_index_];
  ++done_;
  const auto& report = invocation.report;
  if (report && !size.cold) {
    size.cold = *report;
  } else if (report) {
    size.warm.push_back(*report);
  }
  std::string failed;
  if (!report) {
    failed = "error";
    size.error = outcome.kind == pool::InvokeOutcome::Kind::kThrottled
                     ? "throttled: " + outcome.throttle_reason
                     : outcome.payload;
  } else if (report->out_of_memory) {
    failed = "out-of-memory";
  } else if (report->timed_out) {
    failed = "timeout";
  } else if (!report->error_type.empty()) {
    failed = "error";
  }
  if (!failed.empty()) {
    size.status = failed;
    if (report) size.error = report->error_type;
    if (report && failed == "error") {
      // With the message, when the function's error payload has one.
      auto parsed = nlohmann::json::parse(outcome.payload, nullptr, false);
      if (parsed.is_object() && parsed.contains("errorMessage") &&
          parsed["errorMessage"].is_string()) {
        size.error += ": " + parsed["errorMessage"].get<std::string>();
      }
    }
    // The size's other runs are skipped.
    done_ = static_cast<int>(size_index_ + 1) * (request_.runs + 1);
  }
  Summarize(result_);
  if (!failed.empty() || static_cast<int>(size.warm.size()) >= request_.runs) {
    ++size_index_;
    if (size_index_ < result_.sizes.size() && on_change_) on_change_(*this);
    return NextSize();
  }
  if (on_change_) on_change_(*this);
  NextInvoke();
}

void TuneRun::Finish() {
  if (finished_) return;
  finished_ = true;
  done_ = total();
  Summarize(result_);
  if (registry_) registry_->Shutdown();
  // The registry goes once its pools' completions have been delivered.
  boost::asio::post(services_.io, [self = shared_from_this()] { self->registry_.reset(); });
  if (on_change_) on_change_(*this);
}

}  // namespace lambda_emu::tune
