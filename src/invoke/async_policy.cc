#include "invoke/async_policy.h"

#include "control/control_plane.h"
#include "pool/function_pool.h"
#include "registry/function_registry.h"

namespace lambda_emu::invoke {

using nlohmann::json;

AsyncPolicy PolicyFrom(const json& config, std::string dead_letter) {
  AsyncPolicy policy;
  policy.dead_letter = std::move(dead_letter);
  if (!config.is_object()) return policy;
  if (const auto& v = config.value("MaximumRetryAttempts", json()); v.is_number_integer()) {
    policy.maximum_retry_attempts = v.get<int>();
  }
  if (const auto& v = config.value("MaximumEventAgeInSeconds", json()); v.is_number_integer()) {
    policy.maximum_event_age_s = v.get<int>();
  }
  const json destinations = config.value("DestinationConfig", json::object());
  if (!destinations.is_object()) return policy;
  auto destination = [&](const char* side) {
    const json on = destinations.value(side, json::object());
    if (!on.is_object()) return std::string();
    const json arn = on.value("Destination", json());
    return arn.is_string() ? arn.get<std::string>() : std::string();
  };
  policy.on_success = destination("OnSuccess");
  policy.on_failure = destination("OnFailure");
  return policy;
}

AsyncPolicy ResolvePolicy(registry::FunctionRegistry& registry,
                          const control::ControlPlane* control, const std::string& function,
                          const std::string& qualifier) {
  const std::string key = qualifier.empty() ? "$LATEST" : qualifier;
  if (control && registry.OriginOf(function) == registry::Origin::kApi) {
    if (const control::FunctionRecord* record = control->Find(function)) {
      std::string dead_letter;
      const json& dlq = record->latest.state.extra.value("DeadLetterConfig", json());
      if (dlq.is_object() && dlq.value("TargetArn", json()).is_string()) {
        dead_letter = dlq["TargetArn"].get<std::string>();
      }
      auto it = record->event_invoke_configs.find(key);
      return PolicyFrom(it == record->event_invoke_configs.end() ? json() : it->second,
                        std::move(dead_letter));
    }
  }
  pool::FunctionPool* pool = registry.Find(function);
  if (!pool) return {};
  const config::FunctionConfig& config = pool->function().config;
  auto it = config.event_invoke_configs.find(key);
  json stored;
  if (it != config.event_invoke_configs.end()) {
    stored = json::parse(it->second, nullptr, false);
  }
  return PolicyFrom(stored, config.dead_letter_arn);
}

}  // namespace lambda_emu::invoke
