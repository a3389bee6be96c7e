#pragma once
// Builds the event API Gateway (or a Function URL) sends to a function for an
// HTTP request, field for field as AWS does:
//  - payload format 1.0 (REST APIs; HTTP APIs with PayloadFormatVersion 1.0):
//    resource, path, httpMethod, headers + multiValueHeaders,
//    queryStringParameters + multiValueQueryStringParameters,
//    pathParameters, stageVariables, requestContext (accountId, apiId,
//    domainName, extendedRequestId, httpMethod, identity.sourceIp and the
//    other identity keys as null, path "/STAGE/path" for REST, protocol,
//    requestId, requestTime "09/Apr/2015:12:34:56 +0000", requestTimeEpoch,
//    resourceId, resourcePath, stage, authorizer when one ran), body,
//    isBase64Encoded (REST: when the Content-Type matches BinaryMediaTypes;
//    HTTP API 1.0: when the body is not text);
//  - payload format 2.0 (HTTP APIs, Function URLs): version "2.0", routeKey
//    ("$default" for URLs), rawPath, rawQueryString, cookies (from Cookie
//    headers, not in headers), headers (lower-case names, repeated values
//    comma-joined), queryStringParameters (repeated values comma-joined),
//    pathParameters, stageVariables, requestContext (accountId, apiId,
//    domainName, domainPrefix, http{method,path,protocol,sourceIp,userAgent},
//    requestId, routeKey, stage, time "12/Mar/2020:19:03:58 +0000",
//    timeEpoch, authorizer when one ran), body, isBase64Encoded (true when the
//    body is not UTF-8 text or its content type is not textual).
// Absent collections are null in 1.0 and left out in 2.0, as on AWS.
// Pure functions; thread-safe.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gateway/api_model.h"
#include "gateway/routes.h"

namespace lambda_emu::gateway {

// The parts of an HTTP request the event is built from.
struct HttpRequest {
  std::string method;   // "GET"
  std::string target;   // path and query as sent: "/users/42?x=1&x=2"
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;     // raw bytes
  std::string source_ip = "127.0.0.1";
  std::string protocol = "HTTP/1.1";
  std::string host;     // the Host header's value, e.g. "localhost:3000"
};

struct EventContext {
  std::string account_id = "000000000000";
  std::string request_id;  // API Gateway's request id (a UUID)
  long long time_epoch_ms = 0;
  // What an authorizer returned as context (JSON object text), or empty.
  std::string authorizer_context;
  std::string authorizer_principal_id;  // REST
};

// The event JSON for `request` routed to `match`, in the route's payload format.
std::string BuildEvent(const HttpRequest& request, const RouteMatch& match,
                       const EventContext& context);

// True when a Content-Type is one of the REST API's BinaryMediaTypes
// ("image/png", "image/*", "*/*"; SAM writes "~1" for "/").
bool IsBinaryMediaType(const std::string& content_type, const std::vector<std::string>& types);

}  // namespace lambda_emu::gateway
