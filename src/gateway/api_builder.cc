#include "gateway/api_builder.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "gateway/cors.h"
#include "gateway/openapi.h"

namespace lambda_emu::gateway {

namespace {

using Json = nlohmann::json;

constexpr const char* kImplicitRestApi = "ServerlessRestApi";
constexpr const char* kImplicitHttpApi = "ServerlessHttpApi";

std::string Text(const Json& object, const char* key, std::string fallback = "") {
  if (!object.is_object() || !object.contains(key)) return fallback;
  const Json& value = object[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return fallback;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

Json Parse(const std::string& text) {
  Json out = Json::parse(text, nullptr, false);
  return out.is_discarded() ? Json() : out;
}

std::map<std::string, std::string> StringMap(const Json& object) {
  std::map<std::string, std::string> out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    out[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return out;
}

// One API's settings: what its routes share.
struct ApiSettings {
  Route base;
  Json definition;  // DefinitionBody, if any
  std::map<std::string, Authorizer> authorizers;
  std::string default_authorizer;
};

std::vector<std::string> Strings(const Json& value) {
  std::vector<std::string> out;
  if (value.is_string()) out.push_back(value.get<std::string>());
  if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

// SAM's Auth.Authorizers entries. Lambda authorizers are enforced; Cognito,
// JWT and IAM ones are accepted and said at start.
void ParseAuth(const Json& auth, bool rest, const std::string& api, ApiSettings& settings,
               std::vector<std::string>& warnings) {
  if (!auth.is_object()) return;
  settings.default_authorizer = Text(auth, "DefaultAuthorizer");
  const Json authorizers = auth.value("Authorizers", Json::object());
  if (!authorizers.is_object()) return;
  for (const auto& [name, spec] : authorizers.items()) {
    Authorizer a;
    a.name = name;
    std::string arn = Text(spec, "FunctionArn");
    if (arn.empty()) {
      a.enforced = false;
      warnings.push_back(api + ": authorizer " + name +
                         " (Cognito/JWT) is accepted but not enforced: requests pass");
      settings.authorizers[name] = a;
      continue;
    }
    a.function = FunctionNameFromUri(arn);
    const Json identity = spec.value("Identity", Json::object());
    if (rest) {
      a.token = Text(spec, "FunctionPayloadType", "TOKEN") == "TOKEN";
      if (a.token) {
        a.identity_sources.push_back("method.request.header." +
                                     Text(identity, "Header", "Authorization"));
      } else {
        for (const auto& h : Strings(identity.value("Headers", Json())))
          a.identity_sources.push_back("method.request.header." + h);
        for (const auto& q : Strings(identity.value("QueryStrings", Json())))
          a.identity_sources.push_back("method.request.querystring." + q);
        for (const auto& v : Strings(identity.value("StageVariables", Json())))
          a.identity_sources.push_back("stageVariables." + v);
      }
    } else {
      a.payload_format = Text(spec, "AuthorizerPayloadFormatVersion", "2.0");
      a.simple_responses = Text(spec, "EnableSimpleResponses") == "true";
      for (const auto& h : Strings(identity.value("Headers", Json())))
        a.identity_sources.push_back("$request.header." + h);
      for (const auto& q : Strings(identity.value("QueryStrings", Json())))
        a.identity_sources.push_back("$request.querystring." + q);
      for (const auto& v : Strings(identity.value("StageVariables", Json())))
        a.identity_sources.push_back("$stageVariables." + v);
    }
    settings.authorizers[name] = a;
  }
  if (settings.default_authorizer == "AWS_IAM") {
    warnings.push_back(api + ": AWS_IAM authorization is accepted but not enforced");
  }
}

// The authorizer a route uses: the event's Auth.Authorizer, else the API's default.
std::optional<Authorizer> RouteAuthorizer(const ApiSettings* settings, const Json& event_auth) {
  std::string name = Text(event_auth, "Authorizer");
  if (name.empty() && settings) name = settings->default_authorizer;
  if (name.empty() || name == "NONE" || name == "AWS_IAM" || !settings) return std::nullopt;
  auto it = settings->authorizers.find(name);
  if (it == settings->authorizers.end()) return std::nullopt;
  return it->second;
}

ApiSettings ExplicitApi(const config::ApiResource& api, std::vector<std::string>& warnings) {
  ApiSettings settings;
  Route& base = settings.base;
  const Json properties = Parse(api.properties);
  const bool rest = api.type == "AWS::Serverless::Api";
  base.type = rest ? ApiType::kRest : ApiType::kHttp;
  base.api_id = api.logical_id;
  base.payload_format = rest ? "1.0" : "2.0";
  base.stage = Text(properties, "StageName", rest ? "Prod" : "$default");
  if (rest) {
    if (properties.contains("Cors")) base.cors = ParseRestCors(properties["Cors"]);
    if (properties.contains("BinaryMediaTypes") && properties["BinaryMediaTypes"].is_array()) {
      for (const auto& type : properties["BinaryMediaTypes"]) {
        if (type.is_string()) base.binary_media_types.push_back(type.get<std::string>());
      }
    }
    base.stage_variables = StringMap(properties.value("Variables", Json()));
  } else {
    if (properties.contains("CorsConfiguration")) {
      base.cors = ParseHttpCors(properties["CorsConfiguration"]);
    }
    base.stage_variables = StringMap(properties.value("StageVariables", Json()));
  }
  if (properties.contains("Auth")) {
    ParseAuth(properties["Auth"], rest, api.logical_id, settings, warnings);
  }
  if (properties.contains("DefinitionBody")) settings.definition = properties["DefinitionBody"];
  return settings;
}

}  // namespace

GatewayConfig BuildGateway(const config::ServerConfig& config) {
  GatewayConfig out;
  std::map<std::string, ApiSettings> apis;
  for (const auto& api : config.apis) apis[api.logical_id] = ExplicitApi(api, out.warnings);

  // Routes an explicit API's OpenAPI definition declares come first.
  for (const auto& api : config.apis) {
    const ApiSettings& settings = apis[api.logical_id];
    if (settings.definition.is_object()) {
      for (auto& route : RoutesFromOpenApi(settings.definition, settings.base, nullptr)) {
        route.authorizer = RouteAuthorizer(&settings, Json::object());
        if (route.authorizer && !route.authorizer->enforced) route.authorizer.reset();
        out.routes.push_back(std::move(route));
      }
    }
  }

  for (const auto& function : config.functions) {
    for (const auto& event : function.events) {
      if (event.type != "Api" && event.type != "HttpApi") continue;
      const bool rest = event.type == "Api";
      const Json properties = Parse(event.properties);
      const std::string api_id = Text(properties, rest ? "RestApiId" : "ApiId",
                                      rest ? kImplicitRestApi : kImplicitHttpApi);
      Route route;
      const ApiSettings* settings = nullptr;
      if (auto it = apis.find(api_id); it != apis.end()) {
        settings = &it->second;
        route = it->second.base;
      } else {
        route.type = rest ? ApiType::kRest : ApiType::kHttp;
        route.api_id = api_id;
        route.stage = rest ? "Prod" : "$default";
        route.payload_format = rest ? "1.0" : "2.0";
      }
      route.function = function.name;
      route.event_name = event.name;
      route.path = Text(properties, "Path");
      route.method = Upper(Text(properties, "Method", "ANY"));
      if (!rest) {
        route.payload_format = Text(properties, "PayloadFormatVersion", route.payload_format);
        if (route.path.empty()) {
          route.path = "$default";
          route.method = "ANY";
        }
      } else if (route.path.empty()) {
        route.path = "/";
      }
      // TimeoutInMillis: the integration timeout (50-29,000 ms), both API kinds.
      std::string timeout = Text(properties, "TimeoutInMillis");
      if (!timeout.empty() && timeout.find_first_not_of("0123456789") == std::string::npos &&
          timeout.size() < 7) {
        route.timeout_ms = std::stoi(timeout);
      }
      route.authorizer = RouteAuthorizer(settings, properties.value("Auth", Json::object()));
      if (route.authorizer && !route.authorizer->enforced) route.authorizer.reset();
      out.routes.push_back(std::move(route));
    }
    if (!function.function_url_config.empty()) {
      const Json url = Parse(function.function_url_config);
      Route route;
      route.type = ApiType::kFunctionUrl;
      route.api_id = function.name;
      route.stage = "$default";
      route.method = "ANY";
      route.path = "/{proxy+}";
      route.function = function.name;
      route.payload_format = "2.0";
      route.timeout_ms = function.timeout_s * 1000 + 1000;
      if (url.contains("Cors")) route.cors = ParseHttpCors(url["Cors"]);
      if (Text(url, "AuthType") == "AWS_IAM") {
        out.warnings.push_back(function.name +
                               ": FunctionUrlConfig AuthType AWS_IAM is accepted, not enforced");
      }
      out.function_urls.push_back(std::move(route));
    }
  }
  return out;
}

}  // namespace lambda_emu::gateway
