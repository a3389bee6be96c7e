#pragma once
// Lambda authorizers as API Gateway runs them: which identity sources must be
// present, the event the authorizer function gets (REST TOKEN and REQUEST;
// HTTP API REQUEST in payload 1.0 or 2.0), and what its answer means (an IAM
// policy that must Allow the method ARN and not Deny it, or an HTTP API
// simple response {"isAuthorized": ...}); the context it returns goes to the
// function's requestContext.authorizer. Pure functions; thread-safe.

#include <optional>
#include <string>

#include "gateway/api_model.h"
#include "gateway/proxy_event.h"
#include "gateway/proxy_response.h"
#include "gateway/routes.h"

namespace lambda_emu::gateway {

// "arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH": REST's
// methodArn, HTTP API's routeArn.
std::string MethodArn(const std::string& region, const EventContext& context, const Route& route,
                      const HttpRequest& request);

struct AuthorizerRequest {
  std::optional<HttpResponse> reject;  // an identity source is missing: 401
  std::string event;                   // else: the authorizer's event
};
AuthorizerRequest BuildAuthorizerEvent(const Authorizer& authorizer, const HttpRequest& request,
                                       const RouteMatch& match, const EventContext& context,
                                       const std::string& method_arn);

struct AuthorizerDecision {
  std::optional<HttpResponse> reject;  // 401, 403 or 500, as API Gateway answers
  std::string context;                 // JSON object text for requestContext.authorizer
  std::string principal_id;
};
// `result` is the authorizer function's payload; `function_error` when it failed.
AuthorizerDecision Decide(const Authorizer& authorizer, ApiType type, const std::string& method_arn,
                          const std::string& result, bool function_error);

}  // namespace lambda_emu::gateway
