#pragma once
// The API Gateway front door's model: the routes a project declares (SAM
// `Api`/`HttpApi` events, explicit AWS::Serverless::Api / HttpApi resources
// and their OpenAPI definitions, Function URLs), each naming the function it
// invokes and how API Gateway shapes the event and the response for it.
// Plain values, built once per (re)load and then shared read-only.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lambda_emu::gateway {

enum class ApiType {
  kRest,         // API Gateway REST API (SAM `Api`): payload format 1.0
  kHttp,         // API Gateway HTTP API (SAM `HttpApi`): payload 2.0, or 1.0 when configured
  kFunctionUrl,  // a Lambda Function URL: payload 2.0, its own origin
};

// CORS as the API declares it: REST `Cors` (string or object), HTTP API
// `CorsConfiguration`, Function URL `Cors`. Values as the template gives
// them (REST values arrive quoted in SAM, e.g. "'*'"; the parser unquotes).
struct CorsConfig {
  std::vector<std::string> allow_origins;  // "*" or origins
  std::vector<std::string> allow_methods;  // "*" or methods
  std::vector<std::string> allow_headers;  // "*" or header names
  std::vector<std::string> expose_headers;
  bool allow_credentials = false;
  std::optional<int> max_age;  // seconds
};

// A Lambda authorizer guarding a route (REST TOKEN / REQUEST, HTTP API REQUEST).
struct Authorizer {
  std::string name;
  std::string function;  // the authorizer function's name
  bool token = false;    // REST TOKEN authorizer (else REQUEST)
  std::vector<std::string>
      identity_sources;  // "method.request.header.Authorization", "$request.header.Authorization"
  std::string payload_format = "1.0";  // HTTP API: "1.0" or "2.0"
  bool simple_responses = false;       // HTTP API EnableSimpleResponses
  bool enforced = true;                // false for Cognito / IAM / JWT: accepted, not checked
};

struct Route {
  ApiType type = ApiType::kRest;
  std::string
      api_id;  // the API's logical id: "ServerlessRestApi", "ServerlessHttpApi" when implicit
  std::string stage;   // REST: "Prod" when implicit; HTTP API: "$default" when implicit
  std::string method;  // upper case: "GET", "POST", ..., or "ANY"
  // The resource path as declared: "/users/{id}", "/files/{proxy+}";
  // "$default" for an HTTP API's default route; "/{proxy+}" for a Function URL.
  std::string path;
  std::string function;                // the function to invoke (its name)
  std::string payload_format = "1.0";  // "1.0" or "2.0"
  std::map<std::string, std::string> stage_variables;
  std::vector<std::string> binary_media_types;  // REST: "image/png", "*/*"
  std::optional<CorsConfig> cors;
  std::optional<Authorizer> authorizer;
  int timeout_ms = 29000;  // integration timeout
  std::string event_name;  // the SAM event's key, for the banner ("HelloWorld")

  // "GET /users/{id}" (HTTP API routeKey form; "$default" as is).
  std::string RouteKey() const { return path == "$default" ? path : method + " " + path; }
};

}  // namespace lambda_emu::gateway
