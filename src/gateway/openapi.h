#pragma once
// Routes declared in an API's OpenAPI `DefinitionBody` (Swagger 2.0 or
// OpenAPI 3.x; the `paths` object is the same in both).
//
// Each `paths.<path>.<method>` operation (get, put, post, delete, options,
// head, patch; `x-amazon-apigateway-any-method` is ANY) whose
// `x-amazon-apigateway-integration` has type `aws_proxy` becomes a Route:
// a copy of `base` (API id, type, stage, CORS, ...) with method, path,
// function and payload format set. An HTTP API's `$default` path is the
// `$default` route. The payload format is the integration's
// `payloadFormatVersion` for an HTTP API, else `base.payload_format`; REST
// APIs always use 1.0.
//
// The integration `uri` names the function: a string
// ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/
// arn:aws:lambda:us-east-1:000000000000:function:HelloFunction/invocations")
// or `Fn::Sub` of one ("...functions/${HelloFunction.Arn}/invocations").
// `function_for_uri`, when given, maps that text to a function name (an
// empty answer skips the route); otherwise the name after ":function:" is
// taken (without ":qualifier" and "/invocations"), or the logical id in a
// `${Name.Arn}` / `${Name.Alias}` / `${Name}` reference.
//
// Skipped, not reported: operations without an integration, non-proxy
// integrations (mock, http, http_proxy, aws: API Gateway itself would answer
// them; the emulator does not), and uris naming no function. Swagger's
// basePath and OpenAPI 3's servers are ignored, as API Gateway's default
// `basepath=ignore` import does. Routes come out in the document's path
// order as nlohmann::json keeps it (sorted by key); RouteTable's precedence
// does not depend on it.
// Pure function; thread-safe.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateway/api_model.h"

namespace lambda_emu::gateway {

std::vector<Route> RoutesFromOpenApi(
    const nlohmann::json& definition, const Route& base,
    const std::function<std::string(const std::string& uri)>& function_for_uri);

// The function name an integration uri names, as described above ("" when
// none): "…:function:HelloFunction:live/invocations" -> "HelloFunction".
std::string FunctionNameFromUri(const std::string& uri);

}  // namespace lambda_emu::gateway
