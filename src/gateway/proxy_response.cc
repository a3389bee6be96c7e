#include "gateway/proxy_response.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/base64.h"

namespace lambda_emu::gateway {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kJson = "application/json";
// What an HTTP API answers with when the function names no content type
// (AWS recordings of HTTP APIs show "text/plain; charset=utf-8").
constexpr std::string_view kHttpApiDefaultContentType = "text/plain; charset=utf-8";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

HttpResponse JsonError(int status, std::string body, std::string_view error_type = {}) {
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

// statusCode: a JSON integer or a string of digits ("201" is accepted by both
// REST, per AWS-recorded tests, and Function URLs, "418"), within 100..599.
std::optional<int> StatusCode(const Json& value) {
  long long code = 0;
  if (value.is_number_integer()) {
    code = value.get<long long>();
  } else if (value.is_number_float()) {
    double d = value.get<double>();
    if (d != static_cast<double>(static_cast<long long>(d))) return std::nullopt;
    code = static_cast<long long>(d);
  } else if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), code);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (code < 100 || code > 599) return std::nullopt;
  return static_cast<int>(code);
}

// A header value as API Gateway's (Jackson) parser coerces it: strings as
// they are, booleans and numbers as their JSON text; null means "no value";
// objects and arrays are malformed.
std::optional<std::optional<std::string>> HeaderValue(const Json& value) {
  if (value.is_null()) return std::optional<std::string>{};
  if (value.is_string()) return std::optional<std::string>{value.get<std::string>()};
  if (value.is_boolean() || value.is_number()) return std::optional<std::string>{value.dump()};
  return std::nullopt;
}

bool HasHeader(const HttpResponse& r, std::string_view lower_name) {
  for (const auto& [name, value] : r.headers)
    if (Lower(name) == lower_name) return true;
  return false;
}

// body: a string is the body; null or absent is empty; a number or boolean is
// its text; anything else is malformed (1.0), or sent as JSON text (2.0).
std::optional<std::string> Body(const Json& object, bool lenient) {
  auto it = object.find("body");
  if (it == object.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean() || it->is_number() || lenient) return it->dump();
  return std::nullopt;
}

// isBase64Encoded: a boolean, or the strings "true"/"false"; absent is false.
std::optional<bool> Base64Flag(const Json& object) {
  auto it = object.find("isBase64Encoded");
  if (it == object.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) {
    std::string s = Lower(it->get<std::string>());
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

std::optional<std::string> DecodedBody(const Json& object, bool lenient) {
  std::optional<std::string> body = Body(object, lenient);
  std::optional<bool> base64 = Base64Flag(object);
  if (!body || !base64) return std::nullopt;
  if (!*base64) return body;
  return Base64Decode(*body);
}

// Payload 1.0: only statusCode, headers, multiValueHeaders, body and
// isBase64Encoded may appear (AWS answers 502 to {"statusCode": 200,
// "wrongValue": ...}); all are optional, statusCode defaults to 200.
std::optional<HttpResponse> MapV1(const Json& result, ApiType type) {
  if (!result.is_object()) return std::nullopt;
  for (const auto& [key, value] : result.items()) {
    if (key != "statusCode" && key != "headers" && key != "multiValueHeaders" && key != "body" &&
        key != "isBase64Encoded")
      return std::nullopt;
  }
  HttpResponse r;
  if (auto it = result.find("statusCode"); it != result.end() && !it->is_null()) {
    std::optional<int> code = StatusCode(*it);
    if (!code) return std::nullopt;
    r.status = *code;
  }

  // multiValueHeaders must map names to lists; where a name appears in both,
  // only its multiValueHeaders values are sent (AWS docs: "If the same
  // key-value pair is specified in both, only the values from
  // multiValueHeaders will appear"). Names compare case-insensitively.
  std::vector<std::pair<std::string, std::string>> multi;
  std::vector<std::string> multi_names;
  if (auto it = result.find("multiValueHeaders"); it != result.end() && !it->is_null()) {
    if (!it->is_object()) return std::nullopt;
    for (const auto& [name, values] : it->items()) {
      if (values.is_null()) continue;
      if (!values.is_array()) return std::nullopt;
      multi_names.push_back(Lower(name));
      for (const Json& v : values) {
        auto value = HeaderValue(v);
        if (!value) return std::nullopt;
        if (*value) multi.emplace_back(name, **value);
      }
    }
  }
  if (auto it = result.find("headers"); it != result.end() && !it->is_null()) {
    if (!it->is_object()) return std::nullopt;
    for (const auto& [name, v] : it->items()) {
      auto value = HeaderValue(v);
      if (!value) return std::nullopt;
      if (!*value) continue;
      if (std::find(multi_names.begin(), multi_names.end(), Lower(name)) != multi_names.end())
        continue;
      r.headers.emplace_back(name, **value);
    }
  }
  for (auto& h : multi) r.headers.push_back(std::move(h));

  std::optional<std::string> body = DecodedBody(result, /*lenient=*/false);
  if (!body) return std::nullopt;
  r.body = std::move(*body);
  if (!HasHeader(r, "content-type")) {
    r.headers.emplace_back("Content-Type", type == ApiType::kRest
                                               ? std::string(kJson)
                                               : std::string(kHttpApiDefaultContentType));
  }
  return r;
}

// Payload 2.0: an object with statusCode is a response object; any other
// valid JSON is a 200 whose body is that JSON (a string: its text) with
// content-type application/json.
std::optional<HttpResponse> MapV2(const Json& result, ApiType type) {
  HttpResponse r;
  if (!result.is_object() || !result.contains("statusCode")) {
    r.body = result.is_string() ? result.get<std::string>()
                                : result.dump(-1, ' ', false, Json::error_handler_t::replace);
    r.headers.emplace_back("Content-Type", std::string(kJson));
    return r;
  }
  std::optional<int> code = StatusCode(result["statusCode"]);
  if (!code) return std::nullopt;
  r.status = *code;
  if (auto it = result.find("headers"); it != result.end() && !it->is_null()) {
    if (!it->is_object()) return std::nullopt;
    for (const auto& [name, v] : it->items()) {
      auto value = HeaderValue(v);
      if (!value) return std::nullopt;
      if (*value) r.headers.emplace_back(name, **value);
    }
  }
  // Each cookie becomes its own Set-Cookie header.
  if (auto it = result.find("cookies"); it != result.end() && !it->is_null()) {
    if (!it->is_array()) return std::nullopt;
    for (const Json& cookie : *it) {
      if (!cookie.is_string()) return std::nullopt;
      r.headers.emplace_back("Set-Cookie", cookie.get<std::string>());
    }
  }
  std::optional<std::string> body = DecodedBody(result, /*lenient=*/true);
  if (!body) return std::nullopt;
  r.body = std::move(*body);
  if (!HasHeader(r, "content-type")) {
    r.headers.emplace_back("Content-Type", type == ApiType::kFunctionUrl
                                               ? std::string(kJson)
                                               : std::string(kHttpApiDefaultContentType));
  }
  return r;
}

}  // namespace

HttpResponse MapResponse(ApiType type, const std::string& payload_format, const std::string& result,
                         bool function_error) {
  if (function_error) return InternalServerError(type);
  Json parsed = Json::parse(result, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InternalServerError(type);
  const bool v2 =
      type == ApiType::kFunctionUrl || (type == ApiType::kHttp && payload_format == "2.0");
  std::optional<HttpResponse> mapped = v2 ? MapV2(parsed, type) : MapV1(parsed, type);
  if (!mapped) return InternalServerError(type);
  return std::move(*mapped);
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
