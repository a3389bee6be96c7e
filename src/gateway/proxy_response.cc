#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/base64.h"
#include "gateway/proxy_response_internal.h"

namespace lambda_emu::gateway {

namespace response_detail {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// std::tolower in the "C" locale (the program never sets another).
char LowerChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  return true;
}

HttpResponse JsonError(int status, std::string body, std::string_view error_type) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::string(kJson));
  if (!error_type.empty()) r.headers.emplace_back("x-amzn-ErrorType", std::string(error_type));
  r.body = std::move(body);
  return r;
}

// A Function URL's answer when the function fails or answers nonsense: 502
// with the bare text "Internal Server Error" (AWS, per LocalStack's validated
// test_lambda_url_invocation_exception).
HttpResponse FunctionUrlError() { return JsonError(502, "Internal Server Error"); }

bool HasHeader(const HttpResponse& r, std::string_view lower_name) {
  for (const auto& [name, value] : r.headers)
    if (EqualsIgnoreCase(name, lower_name)) return true;
  return false;
}

void AddDefaultContentType(HttpResponse& r, std::string_view content_type) {
  if (!HasHeader(r, "content-type")) r.headers.emplace_back("Content-Type", content_type);
}

}  // namespace response_detail

using namespace response_detail;

namespace {

// Documents above this size get a parser of their own, so that a thread does
// not keep a large parser's buffers for good.
constexpr size_t kReusedParserLimit = 256 * 1024;

}  // namespace

HttpResponse MapResponse(ApiType type, const std::string& payload_format, const std::string& result,
                         bool function_error) {
  if (function_error) return InternalServerError(type);
  const bool v2 =
      type == ApiType::kFunctionUrl || (type == ApiType::kHttp && payload_format == "2.0");
  HttpResponse r;
  fast::Outcome outcome;
  if (result.size() <= kReusedParserLimit) {
    thread_local simdjson::dom::parser parser;
    outcome = fast::Map(parser, type, v2, result, r);
  } else {
    simdjson::dom::parser parser;
    outcome = fast::Map(parser, type, v2, result, r);
  }
  if (outcome == fast::Outcome::kMapped) return r;
  if (outcome == fast::Outcome::kUseReference) {
    std::optional<HttpResponse> mapped = reference::Map(type, v2, result);
    if (mapped) return std::move(*mapped);
  }
  return InternalServerError(type);
}

HttpResponse MissingAuthenticationToken() {
  return JsonError(403, R"({"message":"Missing Authentication Token"})",
                   "MissingAuthenticationTokenException");
}

HttpResponse NotFound() { return JsonError(404, R"({"message":"Not Found"})"); }

HttpResponse EndpointRequestTimedOut(ApiType type) {
  switch (type) {
    case ApiType::kRest:
      return JsonError(504, R"({"message": "Endpoint request timed out"})");
    case ApiType::kHttp:
      return JsonError(503, R"({"message":"Service Unavailable"})");
    case ApiType::kFunctionUrl:
      break;
  }
  // A Function URL has no integration timeout of its own: the function's
  // timeout is a function error.
  return FunctionUrlError();
}

HttpResponse InternalServerError(ApiType type) {
  switch (type) {
    case ApiType::kRest:
      return JsonError(502, R"({"message": "Internal server error"})",
                       "InternalServerErrorException");
    case ApiType::kHttp:
      return JsonError(500, R"({"message":"Internal Server Error"})");
    case ApiType::kFunctionUrl:
      break;
  }
  return FunctionUrlError();
}

HttpResponse Throttled(ApiType type) {
  switch (type) {
    case ApiType::kRest:
      // Lambda's 429 is an integration failure to a REST API: 500, never
      // passed on (AWS re:Post / forum answers; it maps to INTEGRATION_FAILURE).
      return JsonError(500, R"({"message": "Internal server error"})",
                       "InternalServerErrorException");
    case ApiType::kHttp:
      return JsonError(500, R"({"message":"Internal Server Error"})");
    case ApiType::kFunctionUrl:
      break;
  }
  return JsonError(429, R"({"Message":"Rate Exceeded."})", "TooManyRequestsException");
}

HttpResponse Unauthorized() {
  return JsonError(401, R"({"message":"Unauthorized"})", "UnauthorizedException");
}

HttpResponse Forbidden(ApiType type) {
  switch (type) {
    case ApiType::kRest:
      return JsonError(
          403,
          R"({"Message":"User is not authorized to access this resource with an explicit deny"})",
          "AccessDeniedException");
    case ApiType::kHttp:
      return JsonError(403, R"({"message":"Forbidden"})");
    case ApiType::kFunctionUrl:
      break;
  }
  return JsonError(
      403,
      R"({"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"})",
      "AccessDeniedException");
}

}  // namespace lambda_emu::gateway
