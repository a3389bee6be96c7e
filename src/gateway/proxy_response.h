#pragma once
// Maps a function's result to the HTTP response API Gateway (or a Function
// URL) returns, as AWS does:
//  - payload 1.0 (REST, HTTP API 1.0): the result must be a JSON object with
//    statusCode (a number), optional headers, multiValueHeaders (merged with
//    headers), body (a string), isBase64Encoded; anything else, or a function
//    error, is API Gateway's error response;
//  - payload 2.0 (HTTP API, Function URL): the same object plus `cookies`
//    (each a Set-Cookie header); a result without statusCode is 200 with the
//    result as the body and content-type application/json (a JSON string
//    result is sent as its text).
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
  std::string body;  // raw bytes (base64 already decoded)
};

// `result` is the function's response payload; `function_error` says it was
// an error payload (X-Amz-Function-Error).
HttpResponse MapResponse(ApiType type, const std::string& payload_format, const std::string& result,
                         bool function_error);

// API Gateway's own answers, with their exact bodies and x-amzn-ErrorType
// where AWS sends one.
HttpResponse MissingAuthenticationToken();  // REST, no route: 403
HttpResponse NotFound();                    // HTTP API, no route: 404 {"message":"Not Found"}
HttpResponse EndpointRequestTimedOut(ApiType type);  // integration timeout: 504 (REST) / 503 (HTTP)
HttpResponse InternalServerError(ApiType type);      // 502 (REST) / 500 (HTTP API)
HttpResponse Throttled(ApiType type);  // function throttled: 429 (REST) / 503? as AWS answers
HttpResponse Unauthorized();           // 401 {"message":"Unauthorized"}
HttpResponse Forbidden(ApiType type);  // 403, authorizer denied

}  // namespace lambda_emu::gateway
