#include "gateway/openapi.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

namespace lambda_emu::gateway {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kIntegration = "x-amazon-apigateway-integration";
constexpr std::string_view kAnyMethod = "x-amazon-apigateway-any-method";
constexpr std::array<std::string_view, 7> kMethods = {"get",  "put",     "post", "delete",
                                                      "head", "options", "patch"};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// The uri as text: a string, or the template of an `Fn::Sub` (string or
// [template, variables]); SAM templates usually build the uri with Fn::Sub.
std::string UriText(const Json& uri) {
  if (uri.is_string()) return uri.get<std::string>();
  if (uri.is_object() && uri.contains("Fn::Sub")) {
    const Json& sub = uri["Fn::Sub"];
    if (sub.is_string()) return sub.get<std::string>();
    if (sub.is_array() && !sub.empty() && sub[0].is_string()) return sub[0].get<std::string>();
  }
  return "";
}

}  // namespace

std::string FunctionNameFromUri(const std::string& uri) {
  constexpr std::string_view kFunction = ":function:";
  const std::size_t at = uri.find(kFunction);
  if (at != std::string::npos) {
    // NAME ends at its qualifier (":live", ":$LATEST") or at "/invocations".
    const std::size_t start = at + kFunction.size();
    const std::size_t end = uri.find_first_of(":/", start);
    return uri.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  // "functions/${HelloFunction.Arn}/invocations" in an Fn::Sub template:
  // the function's logical id.
  const std::size_t functions = uri.find("functions/${");
  if (functions != std::string::npos) {
    const std::size_t start = functions + std::string_view("functions/${").size();
    const std::size_t close = uri.find('}', start);
    if (close == std::string::npos) return "";
    std::string reference = uri.substr(start, close - start);
    const std::size_t dot = reference.find('.');
    if (dot != std::string::npos) reference.resize(dot);  // .Arn, .Alias
    return reference;
  }
  return "";
}

std::vector<Route> RoutesFromOpenApi(
    const nlohmann::json& definition, const Route& base,
    const std::function<std::string(const std::string& uri)>& function_for_uri) {
  std::vector<Route> routes;
  if (!definition.is_object() || !definition.contains("paths") ||
      !definition["paths"].is_object()) {
    return routes;
  }
  for (const auto& [path, item] : definition["paths"].items()) {
    if (!item.is_object()) continue;
    for (const auto& [key, operation] : item.items()) {
      std::string method;
      if (key == kAnyMethod) {
        method = "ANY";
      } else if (std::find(kMethods.begin(), kMethods.end(), Lower(key)) != kMethods.end()) {
        method = Upper(key);
      } else {
        continue;  // "parameters", "summary", "$ref", vendor extensions
      }
      if (!operation.is_object() || !operation.contains(kIntegration)) continue;
      const Json& integration = operation[std::string(kIntegration)];
      if (!integration.is_object()) continue;
      const Json type = integration.value("type", Json());
      if (!type.is_string() || Lower(type.get<std::string>()) != "aws_proxy") continue;

      const std::string uri = UriText(integration.value("uri", Json()));
      const std::string function =
          function_for_uri ? function_for_uri(uri) : FunctionNameFromUri(uri);
      if (function.empty()) continue;

      Route route = base;
      route.method = path == "$default" ? "ANY" : method;
      route.path = path;
      route.function = function;
      if (base.type == ApiType::kRest) {
        route.payload_format = "1.0";
      } else if (integration.contains("payloadFormatVersion")) {
        const Json& version = integration["payloadFormatVersion"];
        if (version.is_string()) {
          route.payload_format = version.get<std::string>();
        } else if (version.is_number()) {
          // An unquoted YAML 2.0 arrives as a number.
          route.payload_format = version.get<double>() >= 2.0 ? "2.0" : "1.0";
        }
      }
      routes.push_back(std::move(route));
    }
  }
  return routes;
}

}  // namespace lambda_emu::gateway
