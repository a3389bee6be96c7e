#include "gateway/proxy_event.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/base64.h"

namespace lambda_emu::gateway {

namespace {

using Json = nlohmann::ordered_json;
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Query values are form-decoded on AWS: "%2B" is "+", and a bare "+" is a
// space (LocalStack's AWS recording: "plus=test+alias" arrives as "test alias").
// A malformed escape is kept as is.
std::string FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "a=1&b=2&a=3" -> [(a,1),(b,2),(a,3)], decoded, in order; empty pieces are
// skipped and a key without "=" has the empty value.
Pairs ParseQuery(std::string_view query) {
  Pairs out;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    std::size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(FormDecode(piece), "");
    } else {
      out.emplace_back(FormDecode(piece.substr(0, eq)), FormDecode(piece.substr(eq + 1)));
    }
  }
  return out;
}

// Groups values by name, keeping the first-seen order of names. Header names
// are grouped case-insensitively (the first spelling wins), query keys exactly.
struct Grouped {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> values;
};

Grouped Group(const Pairs& pairs, bool case_insensitive) {
  Grouped g;
  std::vector<std::string> keys;
  for (const auto& [name, value] : pairs) {
    std::string key = case_insensitive ? Lower(name) : name;
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      g.names.push_back(name);
      g.values.push_back({value});
    } else {
      g.values[static_cast<std::size_t>(it - keys.begin())].push_back(value);
    }
  }
  return g;
}

std::string Join(const std::vector<std::string>& values, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += sep;
    out += values[i];
  }
  return out;
}

std::optional<std::string> LastHeader(const Pairs& headers, std::string_view lower_name) {
  std::optional<std::string> out;
  for (const auto& [name, value] : headers)
    if (Lower(name) == lower_name) out = value;
  return out;
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

// The media type of a Content-Type value, lower case, without parameters.
std::string MediaType(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';'))));
}

// HTTP APIs and Function URLs pass a body as text only when its Content-Type
// is textual; anything else (form posts and a missing Content-Type included)
// arrives base64-encoded.
bool IsTextualContentType(std::string_view content_type) {
  std::string media = MediaType(content_type);
  if (media.empty()) return false;
  return media.starts_with("text/") || media.find("json") != std::string::npos ||
         media.find("xml") != std::string::npos || media.find("javascript") != std::string::npos;
}

// "09/Apr/2015:12:34:56 +0000", the CLF time API Gateway writes.
std::string ClfTime(long long epoch_ms) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::uint64_t Fnv1a(std::string_view s, std::uint64_t seed = 14695981039346656037ull) {
  std::uint64_t h = seed;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// A stable lower-case alphanumeric id of `length` characters derived from `seed`.
std::string StableId(std::string_view seed, std::size_t length) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  std::uint64_t h = Fnv1a(seed);
  while (out.size() < length) {
    out += kChars[h % 36];
    h /= 36;
    if (h < 36) h = Fnv1a(out, h ^ Fnv1a(seed));
  }
  return out;
}

std::string HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') return std::string(host.substr(0, host.find(']') + 1));
  return std::string(host.substr(0, host.find(':')));
}

std::string PortOf(std::string_view host) {
  std::size_t close = host.rfind(']');
  std::size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || (close != std::string_view::npos && colon < close))
    return "80";
  return std::string(host.substr(colon + 1));
}

// AWS's domainPrefix: the first label of the domain name.
std::string DomainPrefix(std::string_view domain) {
  std::string host = HostWithoutPort(domain);
  return host.substr(0, host.find('.'));
}

// The parts both formats share, worked out once.
struct Parsed {
  std::string raw_path;
  std::string raw_query;
  Pairs query;
  Pairs headers;  // hop-by-hop headers dropped, X-Forwarded-* added when absent
  std::string body;
  bool base64 = false;
  std::string domain_name;
  std::optional<std::string> user_agent;
};

Parsed Parse(const HttpRequest& request, const Route& route, const std::string& region) {
  Parsed p;
  std::string_view target = request.target;
  std::size_t q = target.find('?');
  p.raw_path = std::string(target.substr(0, q));
  if (p.raw_path.empty()) p.raw_path = "/";
  if (q != std::string_view::npos) p.raw_query = std::string(target.substr(q + 1));
  p.query = ParseQuery(p.raw_query);

  const bool rest = route.type == ApiType::kRest;
  for (const auto& [name, value] : request.headers) {
    std::string lower = Lower(name);
    // Connection is hop-by-hop; REST APIs also drop Content-Length (AWS
    // recordings show neither), HTTP APIs and URLs keep it.
    if (lower == "connection" || (rest && lower == "content-length")) continue;
    p.headers.emplace_back(name, value);
  }
  // API Gateway and Function URLs sit behind a proxy that adds these.
  std::string host = request.host.empty() ? "localhost" : request.host;
  auto add_forwarded = [&](std::string_view name, std::string value) {
    if (!LastHeader(p.headers, Lower(name)))
      p.headers.emplace_back(rest ? std::string(name) : Lower(name), std::move(value));
  };
  add_forwarded("X-Forwarded-For", request.source_ip);
  add_forwarded("X-Forwarded-Port", PortOf(host));
  add_forwarded("X-Forwarded-Proto", "http");
  p.user_agent = LastHeader(p.headers, "user-agent");

  if (route.type == ApiType::kFunctionUrl) {
    p.domain_name = FunctionUrlDomain(route.function, region);
  } else {
    p.domain_name = host;
  }

  if (!request.body.empty()) {
    std::string content_type = LastHeader(request.headers, "content-type").value_or("");
    bool text = IsValidUtf8(request.body);
    if (rest) {
      // REST: binary when the Content-Type is one of BinaryMediaTypes. Bytes
      // that are not UTF-8 cannot travel as a JSON string; AWS would mangle
      // them, we pass them base64-encoded.
      p.base64 = IsBinaryMediaType(content_type, route.binary_media_types) || !text;
    } else {
      p.base64 = !(text && IsTextualContentType(content_type));
    }
    p.body = p.base64 ? Base64Encode(request.body) : request.body;
  }
  return p;
}

Json AuthorizerJson(const EventContext& context, bool lambda_wrapped) {
  Json ctx = Json::object();
  if (!context.authorizer_context.empty()) {
    Json parsed = Json::parse(context.authorizer_context, nullptr, false);
    if (parsed.is_object()) ctx = std::move(parsed);
  }
  if (lambda_wrapped) return Json{{"lambda", ctx}};
  Json out = Json::object();
  if (!context.authorizer_principal_id.empty())
    out["principalId"] = context.authorizer_principal_id;
  // Payload 1.0 passes the authorizer's context values on as strings
  // ("numberKey": "1", "booleanKey": "true"), plus the authorizer's latency.
  for (auto& [k, v] : ctx.items()) out[k] = v.is_string() ? v : Json(v.dump());
  out["integrationLatency"] = 0;
  return out;
}

bool HasAuthorizer(const EventContext& context) {
  return !context.authorizer_context.empty() || !context.authorizer_principal_id.empty();
}

std::string ExtendedRequestId(const std::string& request_id) {
  std::uint64_t h = Fnv1a(request_id);
  std::string bytes;
  for (int i = 0; i < 10; ++i) {
    bytes += static_cast<char>(h & 0xFF);
    h = i == 7 ? Fnv1a(request_id, h) : h >> 8;
  }
  return Base64Encode(bytes);  // 16 characters ending in "=", like AWS's
}

std::string Stage(const Route& route) {
  if (!route.stage.empty()) return route.stage;
  return route.type == ApiType::kRest ? "Prod" : "$default";
}

std::string BuildV1(const HttpRequest& request, const RouteMatch& match,
                    const EventContext& context) {
  const Route& route = *match.route;
  const bool rest = route.type == ApiType::kRest;
  Parsed p = Parse(request, route, context.region);
  const std::string stage = Stage(route);

  Json event = Json::object();
  if (!rest) event["version"] = "1.0";
  event["resource"] = route.path;
  event["path"] = p.raw_path;
  event["httpMethod"] = request.method;

  // REST passes some names the way CloudFront spells them.
  auto v1_name = [&](const std::string& name) {
    std::string lower = Lower(name);
    if (rest && lower == "user-agent") return std::string("User-Agent");
    if (rest && lower == "authorization") return std::string("Authorization");
    return name;
  };
  Grouped headers = Group(p.headers, /*case_insensitive=*/true);
  Json single = Json::object();
  Json multi = Json::object();
  for (std::size_t i = 0; i < headers.names.size(); ++i) {
    std::string name = v1_name(headers.names[i]);
    single[name] = headers.values[i].back();
    multi[name] = headers.values[i];
  }
  event["headers"] = headers.names.empty() ? Json(nullptr) : single;
  event["multiValueHeaders"] = headers.names.empty() ? Json(nullptr) : multi;

  Grouped query = Group(p.query, /*case_insensitive=*/false);
  Json qs = Json::object();
  Json mqs = Json::object();
  for (std::size_t i = 0; i < query.names.size(); ++i) {
    qs[query.names[i]] = query.values[i].back();
    mqs[query.names[i]] = query.values[i];
  }
  event["queryStringParameters"] = query.names.empty() ? Json(nullptr) : qs;
  event["multiValueQueryStringParameters"] = query.names.empty() ? Json(nullptr) : mqs;

  Json rc = Json::object();
  rc["accountId"] = context.account_id;
  rc["apiId"] = route.api_id;
  if (HasAuthorizer(context)) rc["authorizer"] = AuthorizerJson(context, false);
  if (rest) rc["deploymentId"] = StableId(route.api_id + "/" + stage, 6);
  rc["domainName"] = p.domain_name;
  rc["domainPrefix"] = DomainPrefix(p.domain_name);
  rc["extendedRequestId"] = ExtendedRequestId(context.request_id);
  rc["httpMethod"] = request.method;
  Json identity = Json::object();
  for (const char* key : {"accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
                          "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId",
                          "principalOrgId", "sourceIp", "user", "userAgent", "userArn"})
    identity[key] = nullptr;
  identity["sourceIp"] = request.source_ip;
  if (p.user_agent) identity["userAgent"] = *p.user_agent;
  rc["identity"] = identity;
  // REST always prefixes the stage; an HTTP API's "$default" stage has no prefix.
  rc["path"] = (rest || stage != "$default") ? "/" + stage + p.raw_path : p.raw_path;
  rc["protocol"] = request.protocol;
  rc["requestId"] = context.request_id;
  rc["requestTime"] = ClfTime(context.time_epoch_ms);
  rc["requestTimeEpoch"] = context.time_epoch_ms;
  rc["resourceId"] =
      rest ? Json(StableId(route.api_id + " " + route.path, 6)) : Json(route.RouteKey());
  rc["resourcePath"] = route.path;
  rc["stage"] = stage;
  event["requestContext"] = rc;

  Json path_params = Json::object();
  for (const auto& [k, v] : match.path_parameters) path_params[k] = v;
  event["pathParameters"] = match.path_parameters.empty() ? Json(nullptr) : path_params;
  Json stage_vars = Json::object();
  for (const auto& [k, v] : route.stage_variables) stage_vars[k] = v;
  event["stageVariables"] = route.stage_variables.empty() ? Json(nullptr) : stage_vars;
  event["body"] = request.body.empty() ? Json(nullptr) : Json(p.body);
  event["isBase64Encoded"] = p.base64;
  return event.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string BuildV2(const HttpRequest& request, const RouteMatch& match,
                    const EventContext& context) {
  const Route& route = *match.route;
  const bool url = route.type == ApiType::kFunctionUrl;
  Parsed p = Parse(request, route, context.region);

  // Cookie headers become `cookies`, one entry per cookie.
  std::vector<std::string> cookies;
  Pairs headers;
  for (const auto& [name, value] : p.headers) {
    std::string lower = Lower(name);
    if (lower == "cookie") {
      std::string_view rest = value;
      while (!rest.empty()) {
        std::size_t semi = rest.find(';');
        std::string_view one = Trim(rest.substr(0, semi));
        if (!one.empty()) cookies.emplace_back(one);
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      }
      continue;
    }
    headers.emplace_back(std::move(lower), value);
  }

  Json event = Json::object();
  event["version"] = "2.0";
  event["routeKey"] = url ? std::string("$default") : route.RouteKey();
  // A named stage (not $default) is the first segment of the URL on AWS;
  // served locally without it, the event still shows it.
  const std::string stage = url ? std::string("$default") : Stage(route);
  const std::string full_path = stage == "$default" ? p.raw_path : "/" + stage + p.raw_path;
  event["rawPath"] = full_path;
  event["rawQueryString"] = p.raw_query;
  if (!cookies.empty()) event["cookies"] = cookies;
  Grouped grouped = Group(headers, /*case_insensitive=*/true);
  Json hs = Json::object();
  for (std::size_t i = 0; i < grouped.names.size(); ++i)
    hs[grouped.names[i]] = Join(grouped.values[i], ",");
  event["headers"] = hs;
  Grouped query = Group(p.query, /*case_insensitive=*/false);
  if (!query.names.empty()) {
    Json qs = Json::object();
    for (std::size_t i = 0; i < query.names.size(); ++i)
      qs[query.names[i]] = Join(query.values[i], ",");
    event["queryStringParameters"] = qs;
  }

  Json rc = Json::object();
  // A Function URL with AuthType NONE is called by "anonymous".
  rc["accountId"] = url ? std::string("anonymous") : context.account_id;
  rc["apiId"] = url ? FunctionUrlId(route.function) : route.api_id;
  if (HasAuthorizer(context) && !url) rc["authorizer"] = AuthorizerJson(context, true);
  rc["domainName"] = p.domain_name;
  rc["domainPrefix"] = DomainPrefix(p.domain_name);
  rc["http"] = Json{{"method", request.method},
                    {"path", full_path},
                    {"protocol", request.protocol},
                    {"sourceIp", request.source_ip},
                    {"userAgent", p.user_agent.value_or("")}};
  rc["requestId"] = context.request_id;
  rc["routeKey"] = url ? std::string("$default") : route.RouteKey();
  rc["stage"] = stage;
  rc["time"] = ClfTime(context.time_epoch_ms);
  rc["timeEpoch"] = context.time_epoch_ms;
  event["requestContext"] = rc;

  if (!request.body.empty()) event["body"] = p.body;
  if (!url && !match.path_parameters.empty()) {
    Json pp = Json::object();
    for (const auto& [k, v] : match.path_parameters) pp[k] = v;
    event["pathParameters"] = pp;
  }
  event["isBase64Encoded"] = p.base64;
  if (!url && !route.stage_variables.empty()) {
    Json sv = Json::object();
    for (const auto& [k, v] : route.stage_variables) sv[k] = v;
    event["stageVariables"] = sv;
  }
  return event.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string BuildEvent(const HttpRequest& request, const RouteMatch& match,
                       const EventContext& context) {
  const Route& route = *match.route;
  if (route.type == ApiType::kFunctionUrl ||
      (route.type == ApiType::kHttp && route.payload_format == "2.0"))
    return BuildV2(request, match, context);
  return BuildV1(request, match, context);
}

bool IsBinaryMediaType(const std::string& content_type, const std::vector<std::string>& types) {
  std::string media = MediaType(content_type);
  for (const std::string& declared : types) {
    std::string type = declared;
    for (std::size_t pos; (pos = type.find("~1")) != std::string::npos;) type.replace(pos, 2, "/");
    type = MediaType(type);
    if (type == "*/*") return true;
    if (media.empty()) continue;
    if (type == media) return true;
    if (type.size() > 2 && type.ends_with("/*") &&
        media.starts_with(std::string_view(type).substr(0, type.size() - 1)))
      return true;
  }
  return false;
}

std::string FunctionUrlId(const std::string& function_name) {
  return StableId("lambda-url:" + function_name, 32);
}

std::string FunctionUrlDomain(const std::string& function_name, const std::string& region) {
  return FunctionUrlId(function_name) + ".lambda-url." + region + ".on.aws";
}

}  // namespace lambda_emu::gateway
