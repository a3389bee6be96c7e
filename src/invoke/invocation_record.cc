#include "invoke/invocation_record.h"

#include <nlohmann/json.hpp>

#include "common/json_check.h"
#include "events/values.h"

namespace lambda_emu::invoke {

namespace {

std::string Quoted(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The function's response as a JSON value: itself when it is JSON, else a
// string; nothing at all is null.
std::string ResponseValue(std::string_view response) {
  if (response.empty()) return "null";
  if (!JsonError(response)) return std::string(response);
  return Quoted(response);
}

}  // namespace

std::string AttemptOutcome(bool function_error, std::string_view executed_version,
                           std::string_view response) {
  std::string out = R"({"responseContext":{"statusCode":200,"executedVersion":)";
  out += Quoted(executed_version);
  if (function_error) out += R"(,"functionError":"Unhandled")";
  out += R"(},"responsePayload":)";
  out += ResponseValue(response);
  out += '}';
  return out;
}

std::string InvocationRecord(const RecordFields& f) {
  std::string out = R"({"version":"1.0","timestamp":)";
  out += Quoted(events::IsoTimeMillis(f.timestamp_ms));
  out += R"(,"requestContext":{"requestId":)";
  out += Quoted(f.request_id);
  out += R"(,"functionArn":)";
  out += Quoted(f.function_arn);
  out += R"(,"condition":)";
  out += Quoted(f.condition);
  out += R"(,"approximateInvokeCount":)";
  out += std::to_string(f.approximate_invoke_count);
  out += R"(},"requestPayload":)";
  out += f.request_payload.empty() ? std::string_view("null") : f.request_payload;
  // The outcome's members follow the request's: drop its braces.
  if (f.last_outcome.size() > 2) {
    out += ',';
    out += f.last_outcome.substr(1, f.last_outcome.size() - 2);
  }
  out += '}';
  return out;
}

std::string LastErrorMessage(std::string_view last_outcome) {
  if (last_outcome.empty()) return {};
  auto outcome = nlohmann::json::parse(last_outcome, nullptr, false);
  if (!outcome.is_object()) return {};
  const auto& payload = outcome.value("responsePayload", nlohmann::json());
  if (!payload.is_object()) return {};
  const auto& message = payload.value("errorMessage", nlohmann::json());
  return message.is_string() ? message.get<std::string>() : std::string();
}

}  // namespace lambda_emu::invoke
