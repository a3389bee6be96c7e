#pragma once
// ActivityFeed: the last invocations of every function, each with its log
// lines, for the dashboard (GET /_emu/invocations, and the live stream's
// `invocations` events, dashboard/live_updates.h). It is the pool's
// InvocationObserver: told of each invocation as it ends. A ring of
// kCapacity entries, each keeping the last kLogBytes of its log. io thread
// only.

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pool/services.h"

namespace lambda_emu::dashboard {

struct InvocationEntry {
  std::uint64_t seq = 0;  // 1, 2, ... in the order they ended
  std::string request_id;
  std::string function_name;
  std::string version;
  std::int64_t timestamp_ms = 0;  // when it ended, since the epoch
  double duration_ms = 0;
  long long billed_ms = 0;
  std::optional<double> init_duration_ms;
  bool cold_start = false;
  const char* outcome = "Success";  // "Success", "Error", "Timeout" or "OutOfMemory"
  std::string error_type;
  long long max_memory_used_mb = 0;
  int memory_size_mb = 0;
  double cost_usd = 0;
  int attempt = 1;
  std::string tuning_run;  // the tuning run it was part of, if any
  std::string log;
};

// docs/dashboard-api.md's InvocationView (with "Log" when `with_log`).
nlohmann::json ToJson(const InvocationEntry& entry, bool with_log);

class ActivityFeed final : public pool::InvocationObserver {
 public:
  static constexpr size_t kCapacity = 1000;
  static constexpr size_t kLogBytes = 16 * 1024;

  void OnInvocation(const pool::FunctionContext& function, const pool::Invocation& invocation,
                    const metrics::InvocationRecord& record, std::string log) override;

  // The seq of the newest entry (0: none yet).
  std::uint64_t last_seq() const { return entries_.empty() ? 0 : entries_.back().seq; }
  // Entries after `seq`, oldest first.
  std::vector<const InvocationEntry*> Since(std::uint64_t seq) const;
  // The newest `limit` entries (of `function` when it is not empty), oldest first.
  std::vector<const InvocationEntry*> Recent(std::string_view function, size_t limit) const;
  const InvocationEntry* Find(std::string_view request_id) const;

 private:
  std::deque<InvocationEntry> entries_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace lambda_emu::dashboard
