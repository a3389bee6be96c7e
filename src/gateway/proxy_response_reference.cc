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

namespace lambda_emu::gateway::response_detail {

// The reference implementation (nlohmann::ordered_json), for the documents the
// fast path leaves to it.
namespace reference {

using Json = nlohmann::ordered_json;

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

std::optional<HttpResponse> Map(ApiType type, bool v2, const std::string& result) {
  Json parsed = Json::parse(result, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return v2 ? MapV2(parsed, type) : MapV1(parsed, type);
}

}  // namespace reference

}  // namespace lambda_emu::gateway::response_detail
