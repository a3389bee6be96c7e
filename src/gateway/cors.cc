#include "gateway/cors.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

namespace lambda_emu::gateway {

namespace {

using Json = nlohmann::json;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// SAM passes REST CORS values to API Gateway as "string expressions": a
// literal is wrapped in single quotes inside the YAML string ("'*'"). A value
// written without them is taken as is.
std::string_view Unquote(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') s = s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t comma = s.find(',');
    const std::string_view item = Trim(s.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// A list value: a JSON list of strings, or a comma-separated string.
std::vector<std::string> List(const Json& value, bool quoted) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    return SplitList(quoted ? Unquote(s) : std::string_view(s));
  }
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string()) continue;
      const std::string_view s = quoted ? Unquote(item.get_ref<const std::string&>())
                                        : Trim(item.get_ref<const std::string&>());
      if (!s.empty()) out.emplace_back(s);
    }
  }
  return out;
}

std::optional<int> Seconds(const Json& value) {
  if (value.is_number_integer()) return value.get<int>();
  if (value.is_number()) return static_cast<int>(value.get<double>());
  if (value.is_string()) {
    const std::string_view s = Unquote(value.get_ref<const std::string&>());
    if (s.empty()) return std::nullopt;
    int n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return n;
  }
  return std::nullopt;
}

bool Flag(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    std::string s(Unquote(value.get_ref<const std::string&>()));
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s == "true";
  }
  return false;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool Contains(const std::vector<std::string>& items, std::string_view value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

// SAM's `_make_cors_allowed_methods_for_path_item`: the path's methods,
// upper case, with OPTIONS, sorted; ANY stands for every method.
std::string DerivedAllowMethods(const std::vector<std::string>& path_methods) {
  std::set<std::string> methods{"OPTIONS"};
  for (std::string method : path_methods) {
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (method == "ANY" || method == "X-AMAZON-APIGATEWAY-ANY-METHOD") {
      methods = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};
      break;
    }
    methods.insert(method);
  }
  std::string out;
  for (const auto& method : methods) {
    if (!out.empty()) out += ',';
    out += method;
  }
  return out;
}

bool IsCorsHeader(std::string_view name) {
  constexpr std::string_view kPrefix = "access-control-";
  return name.size() >= kPrefix.size() && EqualsIgnoreCase(name.substr(0, kPrefix.size()), kPrefix);
}

// The access-control-allow-origin value for an allowed origin: "*" when the
// configuration allows any origin (and no credentials, which browsers refuse
// to combine with "*"), else the request's origin.
std::string AllowOriginValue(const CorsConfig& cors, std::string_view origin) {
  if (Contains(cors.allow_origins, "*") && !cors.allow_credentials) return "*";
  return std::string(origin);
}

}  // namespace

CorsConfig ParseRestCors(const nlohmann::json& cors) {
  CorsConfig out;
  if (cors.is_string()) {
    out.allow_origins = List(cors, /*quoted=*/true);
    return out;
  }
  if (!cors.is_object()) return out;
  if (cors.contains("AllowOrigin")) out.allow_origins = List(cors["AllowOrigin"], true);
  if (cors.contains("AllowMethods")) out.allow_methods = List(cors["AllowMethods"], true);
  if (cors.contains("AllowHeaders")) out.allow_headers = List(cors["AllowHeaders"], true);
  if (cors.contains("MaxAge")) out.max_age = Seconds(cors["MaxAge"]);
  if (cors.contains("AllowCredentials")) out.allow_credentials = Flag(cors["AllowCredentials"]);
  return out;
}

CorsConfig ParseHttpCors(const nlohmann::json& cors) {
  CorsConfig out;
  if (cors.is_boolean()) {
    // SAM's HttpApi `CorsConfiguration: true` allows every origin, nothing else.
    if (cors.get<bool>()) out.allow_origins = {"*"};
    return out;
  }
  if (!cors.is_object()) return out;
  if (cors.contains("AllowOrigins")) out.allow_origins = List(cors["AllowOrigins"], false);
  if (cors.contains("AllowMethods")) out.allow_methods = List(cors["AllowMethods"], false);
  if (cors.contains("AllowHeaders")) out.allow_headers = List(cors["AllowHeaders"], false);
  if (cors.contains("ExposeHeaders")) out.expose_headers = List(cors["ExposeHeaders"], false);
  if (cors.contains("MaxAge")) out.max_age = Seconds(cors["MaxAge"]);
  if (cors.contains("AllowCredentials")) out.allow_credentials = Flag(cors["AllowCredentials"]);
  return out;
}

bool OriginAllowed(const CorsConfig& cors, std::string_view origin) {
  if (origin.empty()) return false;
  for (const std::string& allowed : cors.allow_origins) {
    if (allowed == "*") return true;
    const std::size_t star = allowed.find('*');
    if (star == std::string::npos) {
      if (EqualsIgnoreCase(allowed, origin)) return true;
      continue;
    }
    // "https://*" or "https://*.example.com": the prefix and the suffix
    // around the wildcard, with at least one character in between.
    const std::string_view prefix = std::string_view(allowed).substr(0, star);
    const std::string_view suffix = std::string_view(allowed).substr(star + 1);
    if (origin.size() > prefix.size() + suffix.size() &&
        EqualsIgnoreCase(origin.substr(0, prefix.size()), prefix) &&
        EqualsIgnoreCase(origin.substr(origin.size() - suffix.size()), suffix)) {
      return true;
    }
  }
  return false;
}

std::optional<HttpResponse> Preflight(ApiType type, const CorsConfig& cors, std::string_view origin,
                                      std::string_view request_method,
                                      std::string_view /*request_headers*/,
                                      const std::vector<std::string>& path_methods) {
  if (cors.allow_origins.empty()) return std::nullopt;
  HttpResponse res;
  if (type == ApiType::kRest) {
    // The MOCK integration SAM adds: its integration response maps these
    // headers from literals, and its template renders "{}".
    res.status = 200;
    res.headers.emplace_back("Content-Type", "application/json");
    res.headers.emplace_back("Access-Control-Allow-Origin", Join(cors.allow_origins, ","));
    if (!cors.allow_headers.empty()) {
      res.headers.emplace_back("Access-Control-Allow-Headers", Join(cors.allow_headers, ","));
    }
    res.headers.emplace_back("Access-Control-Allow-Methods", cors.allow_methods.empty()
                                                                 ? DerivedAllowMethods(path_methods)
                                                                 : Join(cors.allow_methods, ","));
    if (cors.max_age) {
      res.headers.emplace_back("Access-Control-Max-Age", std::to_string(*cors.max_age));
    }
    if (cors.allow_credentials)
      res.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    res.body = "{}";
    return res;
  }

  // HTTP API / Function URL: only a real preflight is answered by CORS.
  if (origin.empty() || request_method.empty()) return std::nullopt;
  res.status = type == ApiType::kHttp ? 204 : 200;
  if (!OriginAllowed(cors, origin)) return res;
  res.headers.emplace_back("access-control-allow-origin", AllowOriginValue(cors, origin));
  if (!cors.allow_methods.empty()) {
    res.headers.emplace_back("access-control-allow-methods", Join(cors.allow_methods, ","));
  }
  if (!cors.allow_headers.empty()) {
    res.headers.emplace_back("access-control-allow-headers", Join(cors.allow_headers, ","));
  }
  if (cors.max_age) {
    res.headers.emplace_back("access-control-max-age", std::to_string(*cors.max_age));
  }
  if (cors.allow_credentials) res.headers.emplace_back("access-control-allow-credentials", "true");
  return res;
}

void AddCorsHeaders(ApiType type, const CorsConfig& cors, std::string_view origin,
                    HttpResponse& response) {
  // REST: SAM's Cors only declares the OPTIONS mock; an aws_proxy response
  // reaches the client as the function returned it.
  if (type == ApiType::kRest) return;
  const bool configured = !cors.allow_origins.empty() || !cors.allow_methods.empty() ||
                          !cors.allow_headers.empty() || !cors.expose_headers.empty() ||
                          cors.allow_credentials || cors.max_age.has_value();
  if (!configured) return;  // `CorsConfiguration: false`
  std::erase_if(response.headers, [](const auto& header) { return IsCorsHeader(header.first); });
  if (!OriginAllowed(cors, origin)) return;
  response.headers.emplace_back("access-control-allow-origin", AllowOriginValue(cors, origin));
  if (!cors.expose_headers.empty()) {
    response.headers.emplace_back("access-control-expose-headers", Join(cors.expose_headers, ","));
  }
  if (cors.allow_credentials) {
    response.headers.emplace_back("access-control-allow-credentials", "true");
  }
}

}  // namespace lambda_emu::gateway
