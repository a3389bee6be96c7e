#pragma once
// Internal to src/gateway/proxy_response*.cc: what the response mapping's
// files share. proxy_response.cc holds the public functions and these
// helpers; proxy_response_fast.cc maps with simdjson (every common
// document); proxy_response_reference.cc maps with nlohmann::ordered_json the
// rare documents the two parsers would read differently, so behaviour is the
// same either way. Pure functions; thread-safe.

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "gateway/proxy_response.h"

namespace lambda_emu::gateway::response_detail {

inline constexpr std::string_view kJson = "application/json";
// What an HTTP API answers with when the function names no content type
// (AWS recordings of HTTP APIs show "text/plain; charset=utf-8").
inline constexpr std::string_view kHttpApiDefaultContentType = "text/plain; charset=utf-8";

std::string Lower(std::string_view s);
char LowerChar(char c);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
HttpResponse JsonError(int status, std::string body, std::string_view error_type = {});
HttpResponse FunctionUrlError();
bool HasHeader(const HttpResponse& r, std::string_view lower_name);
void AddDefaultContentType(HttpResponse& r, std::string_view content_type);

namespace fast {
enum class Outcome { kMapped, kMalformed, kUseReference };
// Maps `result` into `r`; kUseReference when the reference must decide.
Outcome Map(simdjson::dom::parser& parser, ApiType type, bool v2, const std::string& result,
            HttpResponse& r);
}  // namespace fast

namespace reference {
// nullopt when `result` is not JSON.
std::optional<HttpResponse> Map(ApiType type, bool v2, const std::string& result);
}  // namespace reference

}  // namespace lambda_emu::gateway::response_detail
