#pragma once
// CORS as API Gateway and Function URLs apply it: parsing the template's
// declarations into a CorsConfig, answering preflights, and adding the
// access-control-* headers to a function's response.
//
//  - REST API (SAM `Cors` on AWS::Serverless::Api): SAM adds an OPTIONS
//    method with a MOCK integration to every path, answering 200 with the
//    configured Access-Control-Allow-Origin / -Methods / -Headers (+ -Max-Age,
//    -Allow-Credentials) whatever the request's Origin. Nothing is added to
//    the Lambda proxy responses: with aws_proxy integrations the function must
//    return those headers itself (SAM's swagger.py `add_cors` says so).
//  - HTTP API (`CorsConfiguration`) and Function URL (`Cors`): the service
//    answers preflights itself (an OPTIONS with Origin and
//    Access-Control-Request-Method) and adds Access-Control-Allow-Origin,
//    -Expose-Headers and -Allow-Credentials to responses of allowed origins;
//    access-control-* headers the function returns are dropped ("API Gateway
//    ignores CORS headers returned from your backend integration").
// Pure functions; thread-safe.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/api_model.h"
#include "gateway/proxy_response.h"

namespace lambda_emu::gateway {

// SAM `Cors` of an AWS::Serverless::Api: either a string (the allowed
// origin, "'*'") or {AllowOrigin, AllowMethods, AllowHeaders, MaxAge,
// AllowCredentials}. Values are API Gateway "string expressions" quoted in
// single quotes ("'GET,POST'"); the quotes are removed and comma-separated
// lists split. Anything else (null, false) gives an empty config.
CorsConfig ParseRestCors(const nlohmann::json& cors);

// HTTP API `CorsConfiguration` (true = allow any origin, or {AllowOrigins,
// AllowMethods, AllowHeaders, ExposeHeaders, MaxAge, AllowCredentials} with
// list values) and Function URL `Cors` (the same keys). A string where a list
// is expected is taken as a comma-separated list.
CorsConfig ParseHttpCors(const nlohmann::json& cors);

// Whether `origin` is allowed: "*" allows any; an entry with one '*'
// ("https://*", "https://*.example.com") matches origins with its prefix and
// suffix; other entries match exactly (ASCII case-insensitively).
bool OriginAllowed(const CorsConfig& cors, std::string_view origin);

// The answer to an OPTIONS preflight, or nullopt when CORS does not answer it
// (no allowed origins configured; for HTTP API / Function URL, also a request
// without Origin or Access-Control-Request-Method, which is routed normally).
//  - REST: 200, application/json "{}", the configured headers verbatim, for
//    any origin (the MOCK integration SAM declares does not look at it).
//    Without AllowMethods, SAM derives Access-Control-Allow-Methods from the
//    methods declared on the path: sorted, with OPTIONS, ANY meaning all of
//    DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT; pass them as `path_methods`.
//  - HTTP API: 204; Function URL: 200. With an allowed origin:
//    access-control-allow-origin (the origin, or "*" when "*" is configured
//    without credentials), -allow-methods, -allow-headers, -max-age,
//    -allow-credentials as configured; with an origin not allowed, the same
//    status and no access-control-* headers (the browser then fails it).
// The caller serves a declared OPTIONS route instead, if the path has one.
std::optional<HttpResponse> Preflight(ApiType type, const CorsConfig& cors, std::string_view origin,
                                      std::string_view request_method,
                                      std::string_view request_headers,
                                      const std::vector<std::string>& path_methods = {});

// Adds the CORS headers to a function's (or API Gateway's own) response.
// REST: nothing (see above). HTTP API / Function URL: drops access-control-*
// headers the function set, then, when `origin` is allowed, adds
// access-control-allow-origin, -expose-headers and -allow-credentials.
void AddCorsHeaders(ApiType type, const CorsConfig& cors, std::string_view origin,
                    HttpResponse& response);

}  // namespace lambda_emu::gateway
