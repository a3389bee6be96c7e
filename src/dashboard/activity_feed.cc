#include "dashboard/activity_feed.h"

#include <chrono>

#include "pool/invocation.h"

namespace lambda_emu::dashboard {

nlohmann::json ToJson(const InvocationEntry& e, bool with_log) {
  nlohmann::json j = {
      {"RequestId", e.request_id},
      {"FunctionName", e.function_name},
      {"Version", e.version},
      {"Timestamp", e.timestamp_ms},
      {"DurationMs", e.duration_ms},
      {"BilledDurationMs", e.billed_ms},
      {"InitDurationMs",
       e.init_duration_ms ? nlohmann::json(*e.init_duration_ms) : nlohmann::json(nullptr)},
      {"ColdStart", e.cold_start},
      {"Outcome", e.outcome},
      {"ErrorType", e.error_type},
      {"MaxMemoryUsedMb", e.max_memory_used_mb},
      {"MemorySizeMb", e.memory_size_mb},
      {"CostUsd", e.cost_usd},
      {"Attempt", e.attempt},
      {"TuningRun", e.tuning_run.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.tuning_run)},
  };
  if (with_log) j["Log"] = e.log;
  return j;
}

void ActivityFeed::OnInvocation(const pool::FunctionContext& function,
                                const pool::Invocation& invocation,
                                const metrics::InvocationRecord& record, std::string log) {
  if (entries_.size() >= kCapacity) entries_.pop_front();
  InvocationEntry& e = entries_.emplace_back();
  e.seq = next_seq_++;
  e.request_id = invocation.request_id;
  e.function_name = function.config.name;
  e.version = function.version;
  e.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  e.duration_ms = record.duration_ms;
  e.billed_ms = record.billed_ms;
  e.init_duration_ms = record.init_duration_ms;
  e.cold_start = record.cold_start;
  e.outcome = record.timed_out            ? "Timeout"
              : record.out_of_memory      ? "OutOfMemory"
              : record.error_type.empty() ? "Success"
                                          : "Error";
  e.error_type = record.error_type;
  e.max_memory_used_mb = record.max_memory_used_mb;
  e.memory_size_mb = function.config.memory_mb;
  e.cost_usd = record.compute_usd + record.request_usd;
  e.attempt = invocation.attempt;
  e.tuning_run = invocation.tuning_run;
  // The log's end is what matters (the REPORT line, the error): keep it.
  if (log.size() > kLogBytes) {
    auto cut = log.find('\n', log.size() - kLogBytes);
    log.erase(0, cut == std::string::npos ? log.size() - kLogBytes : cut + 1);
    log.insert(0, "[... earlier lines not kept ...]\n");
  }
  e.log = std::move(log);
}

std::vector<const InvocationEntry*> ActivityFeed::Since(std::uint64_t seq) const {
  std::vector<const InvocationEntry*> out;
  if (entries_.empty() || entries_.back().seq <= seq) return out;
  // seq values are consecutive: the first one after `seq` is found by index.
  const std::uint64_t first = entries_.front().seq;
  size_t start = seq < first ? 0 : static_cast<size_t>(seq - first + 1);
  out.reserve(entries_.size() - start);
  for (size_t i = start; i < entries_.size(); ++i) out.push_back(&entries_[i]);
  return out;
}

std::vector<const InvocationEntry*> ActivityFeed::Recent(std::string_view function,
                                                         size_t limit) const {
  std::vector<const InvocationEntry*> out;
  for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < limit; ++it) {
    if (function.empty() || it->function_name == function) out.push_back(&*it);
  }
  return {out.rbegin(), out.rend()};
}

const InvocationEntry* ActivityFeed::Find(std::string_view request_id) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->request_id == request_id) return &*it;
  }
  return nullptr;
}

}  // namespace lambda_emu::dashboard
