#include "gateway/authorizer.h"

#include <nlohmann/json.hpp>

namespace lambda_emu::gateway {

namespace {

using Json = nlohmann::json;

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Header(const HttpRequest& request, const std::string& name) {
  const std::string wanted = Lower(name);
  for (const auto& [key, value] : request.headers) {
    if (Lower(key) == wanted) return value;
  }
  return "";
}

std::string QueryValue(const HttpRequest& request, const std::string& name) {
  auto q = request.target.find('?');
  if (q == std::string::npos) return "";
  std::string_view query(request.target);
  query.remove_prefix(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

// The value of one identity source ("method.request.header.Authorization",
// "$request.header.Authorization", "$request.querystring.token"...); empty
// when absent.
std::string IdentityValue(const std::string& source, const HttpRequest& request,
                          const Route& route) {
  auto after = [&](std::string_view prefix) -> std::optional<std::string> {
    if (source.rfind(prefix, 0) == 0) return source.substr(prefix.size());
    return std::nullopt;
  };
  if (auto name = after("method.request.header.")) return Header(request, *name);
  if (auto name = after("$request.header.")) return Header(request, *name);
  if (auto name = after("method.request.querystring.")) return QueryValue(request, *name);
  if (auto name = after("$request.querystring.")) return QueryValue(request, *name);
  for (const char* prefix : {"stageVariables.", "$stageVariables."}) {
    if (auto name = after(prefix)) {
      auto it = route.stage_variables.find(*name);
      return it == route.stage_variables.end() ? "" : it->second;
    }
  }
  return source;  // $context.* and the like: taken as given
}

// IAM's wildcard match of a policy Resource against the method ARN.
bool Matches(std::string_view pattern, std::string_view arn) {
  if (pattern.empty()) return arn.empty();
  if (pattern[0] == '*') {
    for (size_t i = 0; i <= arn.size(); ++i) {
      if (Matches(pattern.substr(1), arn.substr(i))) return true;
    }
    return false;
  }
  if (arn.empty()) return false;
  if (pattern[0] != '?' && pattern[0] != arn[0]) return false;
  return Matches(pattern.substr(1), arn.substr(1));
}

bool StatementCovers(const Json& statement, const std::string& method_arn) {
  const Json& action = statement.contains("Action") ? statement["Action"] : Json("");
  auto action_ok = [](const Json& a) {
    return a.is_string() && (a == "execute-api:Invoke" || a == "execute-api:*" || a == "*");
  };
  bool acts = action_ok(action);
  if (action.is_array()) {
    for (const auto& a : action) acts = acts || action_ok(a);
  }
  if (!acts) return false;
  const Json& resource = statement.contains("Resource") ? statement["Resource"] : Json("");
  if (resource.is_string()) return Matches(resource.get<std::string>(), method_arn);
  if (resource.is_array()) {
    for (const auto& r : resource) {
      if (r.is_string() && Matches(r.get<std::string>(), method_arn)) return true;
    }
  }
  return false;
}

HttpResponse AuthorizerFailure(ApiType type) {
  if (type != ApiType::kRest) return InternalServerError(type);
  // REST: an authorizer that fails or answers nonsense.
  HttpResponse res;
  res.status = 500;
  res.headers = {{"Content-Type", "application/json"},
                 {"x-amzn-ErrorType", "AuthorizerConfigurationException"}};
  res.body = R"({"message": null})";
  return res;
}

HttpResponse Denied(ApiType type, bool explicit_deny) {
  HttpResponse res = Forbidden(type);
  if (type == ApiType::kRest && !explicit_deny) {
    res.body = R"({"Message":"User is not authorized to access this resource"})";
  }
  return res;
}

// Context values API Gateway passes on are strings, numbers and booleans.
std::string ContextOf(const Json& answer) {
  if (!answer.contains("context") || !answer["context"].is_object()) return "";
  return answer["context"].dump();
}

}  // namespace

std::string MethodArn(const std::string& region, const EventContext& context, const Route& route,
                      const HttpRequest& request) {
  std::string path = request.target.substr(0, request.target.find('?'));
  return "arn:aws:execute-api:" + region + ":" + context.account_id + ":" + route.api_id + "/" +
         route.stage + "/" + request.method + path;
}

AuthorizerRequest BuildAuthorizerEvent(const Authorizer& authorizer, const HttpRequest& request,
                                       const RouteMatch& match, const EventContext& context,
                                       const std::string& method_arn) {
  const Route& route = *match.route;
  AuthorizerRequest out;
  std::vector<std::string> identity;
  for (const auto& source : authorizer.identity_sources) {
    std::string value = IdentityValue(source, request, route);
    if (value.empty()) {
      out.reject = Unauthorized();
      return out;
    }
    identity.push_back(value);
  }
  if (authorizer.token) {
    Json event = Json::object();
    event["type"] = "TOKEN";
    event["authorizationToken"] = identity.empty() ? "" : identity.front();
    event["methodArn"] = method_arn;
    out.event = event.dump();
    return out;
  }
  // A REQUEST authorizer sees the request as the function would (without
  // the body), plus who it is for.
  Json event = Json::parse(BuildEvent(request, match,
                                      EventContext{context.account_id, context.request_id,
                                                   context.time_epoch_ms, "", "", context.region}),
                           nullptr, false);
  if (!event.is_object()) event = Json::object();
  event.erase("body");
  event.erase("isBase64Encoded");
  Json typed = Json::object();
  if (route.type != ApiType::kRest && authorizer.payload_format == "2.0") {
    typed["version"] = "2.0";
    typed["type"] = "REQUEST";
    typed["routeArn"] = method_arn;
    typed["identitySource"] = identity;
  } else {
    typed["type"] = "REQUEST";
    typed["methodArn"] = method_arn;
    if (route.type != ApiType::kRest) typed["identitySource"] = identity;
  }
  for (auto& [key, value] : event.items()) {
    if (key != "version") typed[key] = value;
  }
  out.event = typed.dump();
  return out;
}

AuthorizerDecision Decide(const Authorizer& authorizer, ApiType type, const std::string& method_arn,
                          const std::string& result, bool function_error) {
  AuthorizerDecision out;
  Json answer = Json::parse(result, nullptr, false);
  if (function_error) {
    // An authorizer that fails with the message "Unauthorized" means 401.
    if (answer.is_object() && answer.value("errorMessage", "") == "Unauthorized") {
      out.reject = Unauthorized();
    } else {
      out.reject = AuthorizerFailure(type);
    }
    return out;
  }
  if (!answer.is_object()) {
    out.reject = AuthorizerFailure(type);
    return out;
  }
  if (authorizer.simple_responses && answer.contains("isAuthorized")) {
    if (!answer["isAuthorized"].is_boolean()) {
      out.reject = AuthorizerFailure(type);
    } else if (!answer["isAuthorized"].get<bool>()) {
      out.reject = Denied(type, false);
    } else {
      out.context = ContextOf(answer);
    }
    return out;
  }
  const Json& policy = answer.contains("policyDocument") ? answer["policyDocument"] : Json();
  if (!policy.is_object() || !policy.contains("Statement")) {
    out.reject = AuthorizerFailure(type);
    return out;
  }
  Json statements = policy["Statement"];
  if (statements.is_object()) statements = Json::array({statements});
  bool allowed = false;
  bool denied = false;
  for (const auto& statement : statements) {
    if (!statement.is_object() || !StatementCovers(statement, method_arn)) continue;
    std::string effect = statement.value("Effect", "");
    if (effect == "Allow") allowed = true;
    if (effect == "Deny") denied = true;
  }
  if (denied || !allowed) {
    out.reject = Denied(type, denied);
    return out;
  }
  out.context = ContextOf(answer);
  if (answer.contains("principalId") && answer["principalId"].is_string()) {
    out.principal_id = answer["principalId"].get<std::string>();
  }
  return out;
}

}  // namespace lambda_emu::gateway
