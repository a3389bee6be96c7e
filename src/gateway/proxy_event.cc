#include "gateway/proxy_event.h"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <new>
#include <nlohmann/json.hpp>
#include <string_view>
#include <type_traits>

#include "common/base64.h"
#include "common/json_writer.h"
#include "gateway/proxy_event_request.h"

// The event is written as JSON text with a JsonWriter (a nlohmann tree cost
// ~100k+ instructions a request, more than the invoke it feeds; this ~10k).
// Strings point into the request (std::string_view) wherever they can, header
// and query fields sit in a small on-stack list, header names are classified
// once, and grouping compares names only when two of them may be alike.

namespace lambda_emu::gateway {

namespace {

using namespace event_detail;

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

std::string_view Stage(const Route& route) {
  if (!route.stage.empty()) return route.stage;
  return route.type == ApiType::kRest ? "Prod" : "$default";
}

// Writes `,"authorizer":{...}` (a rare path, so built with nlohmann).
void WriteAuthorizer(JsonWriter& w, const EventContext& context, bool lambda_wrapped) {
  w.Raw(",\"authorizer\":");
  w.Raw(
      AuthorizerJson(context, lambda_wrapped).dump(-1, ' ', false, Json::error_handler_t::replace));
}

// A base64 text of 10 bytes derived from the request id: 16 characters
// ending in "==", like AWS's; as a JSON string.
void WriteExtendedRequestId(JsonWriter& w, const std::string& request_id) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::uint64_t h = Fnv1a(request_id);
  unsigned char bytes[12] = {};
  for (int i = 0; i < 10; ++i) {
    bytes[i] = static_cast<unsigned char>(h & 0xFF);
    h = i == 7 ? Fnv1a(request_id, h) : h >> 8;
  }
  char text[18];
  text[0] = '"';
  for (int g = 0; g < 4; ++g) {
    const unsigned v =
        static_cast<unsigned>(bytes[3 * g] << 16 | bytes[3 * g + 1] << 8 | bytes[3 * g + 2]);
    text[1 + 4 * g] = kAlphabet[v >> 18 & 63];
    text[2 + 4 * g] = kAlphabet[v >> 12 & 63];
    text[3 + 4 * g] = kAlphabet[v >> 6 & 63];
    text[4 + 4 * g] = kAlphabet[v & 63];
  }
  text[15] = '=';
  text[16] = '=';
  text[17] = '"';
  w.Raw(std::string_view(text, sizeof text));
}

// {"k":"v",...} from a map, or null when it is empty.
void WriteMapOrNull(JsonWriter& w, const std::map<std::string, std::string>& map) {
  if (map.empty()) {
    w.Raw("null");
    return;
  }
  char sep = '{';
  for (const auto& [k, v] : map) {
    w.String(sep, k, ':');
    sep = ',';
    w.String(v);
  }
  w.Raw('}');
}

// The values of the group led by fields[i] joined with ",", as a JSON string.
void WriteJoined(JsonWriter& w, const Fields& fields, std::size_t i) {
  std::string joined;
  for (std::size_t j = i; j < fields.size(); ++j) {
    if (fields[j].group != i) continue;
    if (j != i) joined += ',';
    joined += fields[j].value;
  }
  w.String(joined);
}

// The values of the group led by fields[i] as a JSON array of strings.
void WriteArray(JsonWriter& w, const Fields& fields, std::size_t i) {
  w.Raw('[');
  w.String(fields[i].value);
  for (std::size_t j = i + 1, left = fields[i].count - 1; left > 0; ++j) {
    if (fields[j].group != i) continue;
    w.Raw(',');
    w.String(fields[j].value);
    --left;
  }
  w.Raw(']');
}

// A route's key ("GET /path", or "$default") as a JSON string.
// Payload 1.0's pair of maps: `single` has each name's last value,
// `multi` all of them in order; both null when there are none.
void WriteSingleAndMultiValue(JsonWriter& w, const Fields& fields, std::string_view single,
                              std::string_view multi) {
  if (fields.empty()) {
    w.Raw(",\"");
    w.Raw(single);
    w.Raw("\":null,\"");
    w.Raw(multi);
    w.Raw("\":null");
    return;
  }
  char sep = '{';
  w.Raw(",\"");
  w.Raw(single);
  w.Raw("\":");
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].group != i) continue;
    w.String(sep, fields[i].name, ':');
    sep = ',';
    w.String(fields[fields[i].last].value);
  }
  w.Raw("},\"");
  w.Raw(multi);
  w.Raw("\":");
  sep = '{';
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].group != i) continue;
    w.String(sep, fields[i].name, ':');
    sep = ',';
    if (fields[i].count == 1) {
      w.String('[', fields[i].value, ']');
    } else {
      WriteArray(w, fields, i);
    }
  }
  w.Raw('}');
}

void WriteRouteKey(JsonWriter& w, const Route& route) {
  if (route.path == "$default") {
    w.String(route.path);
  } else {
    w.String({route.method, " ", route.path});
  }
}

std::string BuildV1(const HttpRequest& request, const RouteMatch& match,
                    const EventContext& context) {
  const Route& route = *match.route;
  const bool rest = route.type == ApiType::kRest;
  Parsed p(request.headers.size() + 3, QueryCapacity(request));
  Parse(request, route, context.region, p);
  const std::string_view stage = Stage(route);

  JsonWriter w(p.size_hint + route.path.size() * 3 + route.api_id.size() * 2);
  if (rest) {
    w.Raw("{\"resource\":");
  } else {
    w.Raw("{\"version\":\"1.0\",\"resource\":");
  }
  w.String(route.path);
  w.Raw(",\"path\":");
  w.String(p.raw_path);
  w.Raw(",\"httpMethod\":");
  w.String(request.method);

  // REST passes some names the way CloudFront spells them.
  Fields& headers = p.headers;
  if (rest) {
    for (std::size_t i = 0; i < headers.size(); ++i) {
      if (headers[i].kind == Kind::kUserAgent) headers[i].name = "User-Agent";
      if (headers[i].kind == Kind::kAuthorization) headers[i].name = "Authorization";
    }
  }
  WriteSingleAndMultiValue(w, headers, "headers", "multiValueHeaders");
  WriteSingleAndMultiValue(w, p.query, "queryStringParameters", "multiValueQueryStringParameters");

  w.Raw(",\"requestContext\":{\"accountId\":");
  w.String(context.account_id);
  w.Raw(",\"apiId\":");
  w.String(route.api_id);
  if (HasAuthorizer(context)) WriteAuthorizer(w, context, false);
  if (rest) {
    w.Raw(",\"deploymentId\":");
    w.Raw(RestIdsFor(route, stage).deployment_id);
  }
  w.Raw(",\"domainName\":");
  w.String(p.domain_name);
  w.Raw(",\"domainPrefix\":");
  w.String(DomainPrefix(p.domain_name));
  w.Raw(",\"extendedRequestId\":");
  WriteExtendedRequestId(w, context.request_id);
  w.Raw(",\"httpMethod\":");
  w.String(request.method);
  w.Raw(
      ",\"identity\":{\"accessKey\":null,\"accountId\":null,\"caller\":null,"
      "\"cognitoAuthenticationProvider\":null,\"cognitoAuthenticationType\":null,"
      "\"cognitoIdentityId\":null,\"cognitoIdentityPoolId\":null,\"principalOrgId\":null,"
      "\"sourceIp\":");
  w.String(request.source_ip);
  w.Raw(",\"user\":null,\"userAgent\":");
  if (p.user_agent) {
    w.String(*p.user_agent);
  } else {
    w.Raw("null");
  }
  w.Raw(",\"userArn\":null},\"path\":");
  // REST always prefixes the stage; an HTTP API's "$default" stage has no prefix.
  if (rest || stage != "$default") {
    w.String({"/", stage, p.raw_path});
  } else {
    w.String(p.raw_path);
  }
  w.Raw(",\"protocol\":");
  w.String(request.protocol);
  w.Raw(",\"requestId\":");
  w.String(context.request_id);
  w.Raw(",\"requestTime\":");
  WriteClfTime(w, context.time_epoch_ms);
  w.Raw(",\"requestTimeEpoch\":");
  w.Int(context.time_epoch_ms);
  w.Raw(",\"resourceId\":");
  if (rest) {
    w.Raw(RestIdsFor(route, stage).resource_id);
  } else {
    WriteRouteKey(w, route);
  }
  w.Raw(",\"resourcePath\":");
  w.String(route.path);
  w.Raw(",\"stage\":");
  w.String(stage);
  w.Raw("},\"pathParameters\":");
  WriteMapOrNull(w, match.path_parameters);
  w.Raw(",\"stageVariables\":");
  WriteMapOrNull(w, route.stage_variables);
  if (request.body.empty()) {
    w.Raw(",\"body\":null");
  } else {
    w.Raw(",\"body\":");
    w.String(p.body);
  }
  w.Raw(",\"isBase64Encoded\":");
  w.Bool(p.base64);
  w.Raw('}');
  return w.Take();
}

std::string BuildV2(const HttpRequest& request, const RouteMatch& match,
                    const EventContext& context) {
  const Route& route = *match.route;
  const bool url = route.type == ApiType::kFunctionUrl;
  Parsed p(request.headers.size() + 3, QueryCapacity(request));
  Parse(request, route, context.region, p);

  // A named stage (not $default) is the first segment of the URL on AWS;
  // served locally without it, the event still shows it.
  const std::string_view stage = url ? std::string_view("$default") : Stage(route);
  const bool prefixed = stage != "$default";
  JsonWriter w(p.size_hint + 2 * route.path.size());
  auto full_path = [&] {
    if (prefixed) {
      w.String({"/", stage, p.raw_path});
    } else {
      w.String(p.raw_path);
    }
  };
  auto route_key = [&] {
    if (url) {
      w.Raw("\"$default\"");
    } else {
      WriteRouteKey(w, route);
    }
  };
  w.Raw("{\"version\":\"2.0\",\"routeKey\":");
  route_key();
  w.Raw(",\"rawPath\":");
  full_path();
  w.Raw(",\"rawQueryString\":");
  w.String(p.raw_query);

  // Cookie headers become `cookies`, one entry per cookie.
  const Fields& headers = p.headers;
  const std::size_t before_cookies = w.size();
  w.Raw(",\"cookies\":");
  char sep = '[';
  for (const Field& f : headers) {
    if (f.kind != Kind::kCookie) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      std::size_t semi = rest.find(';');
      std::string_view one = Trim(rest.substr(0, semi));
      if (!one.empty()) {
        w.Raw(sep);
        sep = ',';
        w.String(one);
      }
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    }
  }
  if (sep == '[') {
    w.Truncate(before_cookies);  // no cookies: no key
  } else {
    w.Raw(']');
  }

  // Header names in lower case, repeated values comma-joined.
  w.Raw(",\"headers\":");
  sep = '{';
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (headers[i].group != i || headers[i].kind == Kind::kCookie) continue;
    // Lower-casing the JSON text of the name is lower-casing the name: the
    // escapes the writer adds are lower case already.
    const std::size_t name_at = w.size();
    w.String(sep, headers[i].name, ':');
    sep = ',';
    char* text = w.data();
    for (std::size_t k = name_at; k < w.size(); ++k) text[k] = AsciiLower(text[k]);
    if (headers[i].count == 1) {
      w.String(headers[i].value);
    } else {
      WriteJoined(w, headers, i);
    }
  }
  if (sep == '{') {
    w.Raw("{}");
  } else {
    w.Raw('}');
  }

  const Fields& query = p.query;
  if (!query.empty()) {
    w.Raw(",\"queryStringParameters\":");
    sep = '{';
    for (std::size_t i = 0; i < query.size(); ++i) {
      if (query[i].group != i) continue;
      w.String(sep, query[i].name, ':');
      sep = ',';
      if (query[i].count == 1) {
        w.String(query[i].value);
      } else {
        WriteJoined(w, query, i);
      }
    }
    w.Raw('}');
  }

  // A Function URL with AuthType NONE is called by "anonymous".
  w.Raw(",\"requestContext\":{\"accountId\":");
  if (url) {
    w.Raw("\"anonymous\",\"apiId\":");
    w.String(FunctionUrlId(route.function));
  } else {
    w.String(context.account_id);
    w.Raw(",\"apiId\":");
    w.String(route.api_id);
    if (HasAuthorizer(context)) WriteAuthorizer(w, context, true);
  }
  w.Raw(",\"domainName\":");
  w.String(p.domain_name);
  w.Raw(",\"domainPrefix\":");
  w.String(DomainPrefix(p.domain_name));
  w.Raw(",\"http\":{\"method\":");
  w.String(request.method);
  w.Raw(",\"path\":");
  full_path();
  w.Raw(",\"protocol\":");
  w.String(request.protocol);
  w.Raw(",\"sourceIp\":");
  w.String(request.source_ip);
  w.Raw(",\"userAgent\":");
  w.String(p.user_agent ? *p.user_agent : std::string_view{});
  w.Raw("},\"requestId\":");
  w.String(context.request_id);
  w.Raw(",\"routeKey\":");
  route_key();
  w.Raw(",\"stage\":");
  w.String(stage);
  w.Raw(",\"time\":");
  WriteClfTime(w, context.time_epoch_ms);
  w.Raw(",\"timeEpoch\":");
  w.Int(context.time_epoch_ms);
  w.Raw('}');

  if (!request.body.empty()) {
    w.Raw(",\"body\":");
    w.String(p.body);
  }
  if (!url && !match.path_parameters.empty()) {
    w.Raw(",\"pathParameters\":");
    WriteMapOrNull(w, match.path_parameters);
  }
  w.Raw(",\"isBase64Encoded\":");
  w.Bool(p.base64);
  if (!url && !route.stage_variables.empty()) {
    w.Raw(",\"stageVariables\":");
    WriteMapOrNull(w, route.stage_variables);
  }
  w.Raw('}');
  return w.Take();
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
    std::string unescaped;  // SAM writes "~1" for "/"
    unescaped.reserve(declared.size());
    for (std::size_t i = 0; i < declared.size(); ++i) {
      if (declared[i] == '~' && i + 1 < declared.size() && declared[i + 1] == '1') {
        unescaped += '/';
        ++i;
      } else {
        unescaped += declared[i];
      }
    }
    const std::string type = MediaType(unescaped);
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
  std::string out(32, '\0');
  StableId(Fnv1a(function_name, Fnv1a("lambda-url:")), out.size(), out.data());
  return out;
}

std::string FunctionUrlDomain(const std::string& function_name, const std::string& region) {
  return FunctionUrlId(function_name) + ".lambda-url." + region + ".on.aws";
}

}  // namespace lambda_emu::gateway
