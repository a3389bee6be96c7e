#pragma once
// Builds the event API Gateway (or a Function URL) sends to a function for an
// HTTP request, field for field as AWS does (shapes from AWS's docs and the
// AWS-recorded LocalStack snapshots):
//  - payload format 1.0 (REST APIs; HTTP APIs with PayloadFormatVersion 1.0):
//    [version "1.0", HTTP API only], resource (the route's path), path (the
//    raw path as sent), httpMethod, headers (last value of a repeated header)
//    + multiValueHeaders (all values), names as sent (grouped
//    case-insensitively; REST spells User-Agent and Authorization the
//    CloudFront way), queryStringParameters (last value) +
//    multiValueQueryStringParameters, form-decoded ("+" is a space),
//    requestContext (accountId, apiId, [authorizer: principalId + the
//    authorizer's context keys], [deploymentId, REST], domainName (Host),
//    domainPrefix, extendedRequestId, httpMethod, identity (all twelve keys,
//    null but sourceIp and userAgent), path ("/STAGE/path"; an HTTP API's
//    "$default" stage has no prefix), protocol, requestId, requestTime
//    "09/Apr/2015:12:34:56 +0000", requestTimeEpoch (ms), resourceId (REST: a
//    stable 6-character id; HTTP API: the route key), resourcePath, stage),
//    pathParameters, stageVariables, body (null when empty), isBase64Encoded
//    (REST: Content-Type in BinaryMediaTypes, or the bytes are not UTF-8;
//    HTTP API 1.0: as for 2.0). REST drops Content-Length and Connection.
//  - payload format 2.0 (HTTP APIs, Function URLs): version "2.0", routeKey
//    ("$default" for URLs), rawPath, rawQueryString (as sent), cookies (split
//    from Cookie headers, which leave `headers`), headers (lower-case names,
//    repeated values comma-joined), queryStringParameters (decoded, repeated
//    values comma-joined), requestContext (accountId ("anonymous" for URLs),
//    apiId (the URL id for URLs), [authorizer {"lambda": context}],
//    domainName ("<url-id>.lambda-url.<region>.on.aws" for URLs, else Host),
//    domainPrefix, http{method,path,protocol,sourceIp,userAgent}, requestId,
//    routeKey, stage ("$default" for URLs), time "12/Mar/2020:19:03:58 +0000",
//    timeEpoch), body (left out when empty), pathParameters, isBase64Encoded
//    (true unless the body is UTF-8 and its Content-Type is textual: text/*,
//    *json*, *xml*, *javascript*; a form post or a missing Content-Type is
//    base64), stageVariables. URLs never carry pathParameters/stageVariables.
// Both formats add X-Forwarded-For/-Port/-Proto when the client did not send
// them, and drop Connection.
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
  std::string method;  // "GET"
  std::string target;  // path and query as sent: "/users/42?x=1&x=2"
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;                                          // raw bytes
  std::string source_ip = "127.0.0.1";
  std::string protocol = "HTTP/1.1";
  std::string host;  // the Host header's value, e.g. "localhost:3000"
};

struct EventContext {
  std::string account_id = "000000000000";
  std::string request_id;  // API Gateway's request id (a UUID)
  long long time_epoch_ms = 0;
  // What an authorizer returned as context (JSON object text), or empty.
  std::string authorizer_context;
  std::string authorizer_principal_id;  // REST
  std::string region = "us-east-1";     // for Function URL domain names
};

// The event JSON for `request` routed to `match`, in the route's payload format.
std::string BuildEvent(const HttpRequest& request, const RouteMatch& match,
                       const EventContext& context);

// True when a Content-Type is one of the REST API's BinaryMediaTypes
// ("image/png", "image/*", "*/*"; SAM writes "~1" for "/").
bool IsBinaryMediaType(const std::string& content_type, const std::vector<std::string>& types);

// A Function URL's id: 32 lower-case letters and digits, stable for a
// function name (AWS's are random; ours survive restarts).
std::string FunctionUrlId(const std::string& function_name);
// "<url-id>.lambda-url.<region>.on.aws"
std::string FunctionUrlDomain(const std::string& function_name, const std::string& region);

}  // namespace lambda_emu::gateway
