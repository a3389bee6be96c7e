#pragma once
// Maps a function's result to the HTTP response API Gateway (or a Function
// URL) returns, as AWS does (AWS docs and AWS-recorded LocalStack tests):
//  - payload 1.0 (REST, HTTP API 1.0): the result must be a JSON object whose
//    keys are among statusCode, headers, multiValueHeaders, body,
//    isBase64Encoded (any other key is malformed). statusCode defaults to 200
//    and may be a number or a numeric string ("201") in 100..599. headers
//    values may be strings, booleans or numbers (sent as their text);
//    multiValueHeaders maps names to lists; a name present in both sends only
//    its multiValueHeaders values. body is a string (null/absent: empty);
//    isBase64Encoded true means body is base64 and is decoded. No
//    Content-Type from the function: REST sends application/json, an HTTP API
//    "text/plain; charset=utf-8". Anything malformed, or a function error, is
//    InternalServerError(type).
//  - payload 2.0 (HTTP API, Function URL): a JSON object with a statusCode key
//    is a response object (statusCode as above, headers, cookies -> one
//    Set-Cookie header each, body (a non-string body is sent as JSON text),
//    isBase64Encoded); no Content-Type from the function: HTTP API
//    "text/plain; charset=utf-8", Function URL application/json. Any other
//    JSON value is 200 with the value as the body (a JSON string: its text;
//    else compact JSON) and Content-Type application/json. Invalid JSON or a
//    function error: HTTP API 500, Function URL 502 "Internal Server Error".
// Each error response below has AWS's exact status, body and headers.
// Pure functions; thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "gateway/api_model.h"

namespace lambda_emu::gateway {

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // may repeat (Set-Cookie)
  std::string body;                                          // raw bytes (base64 already decoded)
};

// `result` is the function's response payload; `function_error` says it was
// an error payload (X-Amz-Function-Error).
HttpResponse MapResponse(ApiType type, const std::string& payload_format, const std::string& result,
                         bool function_error);

// API Gateway's own answers, with their exact bodies, Content-Type
// application/json, and x-amzn-ErrorType where AWS sends one.
// REST, no route: 403 {"message":"Missing Authentication Token"},
// MissingAuthenticationTokenException.
HttpResponse MissingAuthenticationToken();
// HTTP API, no route: 404 {"message":"Not Found"}.
HttpResponse NotFound();
// Integration timeout: REST 504 {"message": "Endpoint request timed out"};
// HTTP API 503 {"message":"Service Unavailable"}; Function URL (no timeout of
// its own, the function's timeout is a function error) as InternalServerError.
HttpResponse EndpointRequestTimedOut(ApiType type);
// Function error or malformed result: REST 502 {"message": "Internal server
// error"}, InternalServerErrorException; HTTP API 500 {"message":"Internal
// Server Error"}; Function URL 502 with the text "Internal Server Error".
HttpResponse InternalServerError(ApiType type);
// The function was throttled (Lambda's 429): REST 500 {"message": "Internal
// server error"} (Lambda's 429 is an integration failure, never passed on);
// HTTP API 500 {"message":"Internal Server Error"}; Function URL 429
// {"Message":"Rate Exceeded."}, TooManyRequestsException.
HttpResponse Throttled(ApiType type);
// No identity source for an authorizer: 401 {"message":"Unauthorized"},
// UnauthorizedException.
HttpResponse Unauthorized();
// Authorizer denied: REST 403 {"Message":"User is not authorized to access
// this resource with an explicit deny"}, AccessDeniedException; HTTP API 403
// {"message":"Forbidden"}; Function URL 403 {"Message":"Forbidden. For
// troubleshooting Function URL authorization issues, see: ..."},
// AccessDeniedException.
HttpResponse Forbidden(ApiType type);

}  // namespace lambda_emu::gateway
