#pragma once
// AsyncPolicy: what asynchronous invocation does with one function's events:
// how often to retry, how old an event may get, and where outcomes go. It
// comes from the function's event-invoke config for the qualifier invoked
// (PutFunctionEventInvokeConfig, or a template's EventInvokeConfig) and its
// dead-letter queue (DeadLetterConfig / DeadLetterQueue), read afresh for
// every attempt, as Lambda applies a changed config to queued events.

#include <nlohmann/json.hpp>
#include <string>

namespace lambda_emu::control {
class ControlPlane;
}
namespace lambda_emu::registry {
class FunctionRegistry;
}

namespace lambda_emu::invoke {

struct AsyncPolicy {
  int maximum_retry_attempts = 2;   // 0-2
  int maximum_event_age_s = 21600;  // 60-21,600
  std::string on_success;           // destination ARN, or ""
  std::string on_failure;           // destination ARN, or ""
  std::string dead_letter;          // SQS queue or SNS topic ARN, or ""
};

// A FunctionEventInvokeConfig as stored ({} or null: the defaults).
AsyncPolicy PolicyFrom(const nlohmann::json& event_invoke_config, std::string dead_letter);

// The policy of `function` (its name) invoked with `qualifier` ("" for
// unqualified, which is $LATEST's config): from the control plane for a
// function made through the API, else from its file configuration.
AsyncPolicy ResolvePolicy(registry::FunctionRegistry& registry,
                          const control::ControlPlane* control, const std::string& function,
                          const std::string& qualifier);

}  // namespace lambda_emu::invoke
