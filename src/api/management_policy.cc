// The management API's permissions: a function's resource-based policy, one
// per qualifier, kept with the function:
//   POST   /2015-03-31/functions/{FunctionName}/policy?Qualifier=   AddPermission
//   DELETE .../policy/{StatementId}?Qualifier=&RevisionId=          RemovePermission
//   GET    .../policy?Qualifier=                        GetPolicy
// Each statement is stored in the function's record and reported as Lambda
// reports it; policies are not enforced. Only functions made through the API
// take these writes.

#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "api/management_api.h"
#include "api/management_internal.h"

namespace lambda_emu::api {

using namespace management;
namespace http_ns = beast::http;
using nlohmann::json;

// Each change is a named control::ControlPlane::Change moved into Update, not
// a temporary: GCC 12 destroys a co_await expression's temporaries twice.

namespace {

constexpr std::string_view kPolicyQualifierPattern = "(|[a-zA-Z0-9$_-]+)";

void CheckPolicyQualifier(const std::optional<std::string>& qualifier, ValidationErrors& errors) {
  if (!qualifier) return;
  if (qualifier->size() > 128) {
    errors.Add(*qualifier, "qualifier", "Member must have length less than or equal to 128");
  }
  if (!OnlyOf(*qualifier, std::string(kNameChars) + "$")) {
    errors.Add(
        *qualifier, "qualifier",
        "Member must satisfy regular expression pattern: " + std::string(kPolicyQualifierPattern));
  }
}

void CheckPermission(const json& body, ValidationErrors& errors) {
  CheckStatementId(body, errors);
  const json action = body.value("Action", json());
  if (action.is_null()) {
    errors.Add(kNull, "action", "Member must not be null");
  } else {
    std::string text = Shown(action);
    bool valid = action.is_string() &&
                 (text == "*" || text == "lambda:*" ||
                  (text.starts_with("lambda:") && text.size() > 7 &&
                   OnlyOf(text.substr(7), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")));
    if (!valid) {
      errors.Add(
          text, "action",
          "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
    }
  }
  const json principal = body.value("Principal", json());
  if (principal.is_null()) {
    errors.Add(kNull, "principal", "Member must not be null");
  } else if (!principal.is_string() || principal.get<std::string>().empty() ||
             principal.get<std::string>().find_first_of(" \t\r\n") != std::string::npos) {
    errors.Add(Shown(principal), "principal",
               "Member must satisfy regular expression pattern: [^\\s]+");
  }
  if (body.contains("SourceAccount")) {
    std::string text = Shown(body["SourceAccount"]);
    if (text.size() != 12 || !IsNumber(text)) {
      errors.Add(text, "sourceAccount", "Member must satisfy regular expression pattern: \\d{12}");
    }
  }
  if (body.contains("FunctionUrlAuthType")) {
    const json& value = body["FunctionUrlAuthType"];
    if (value != "NONE" && value != "AWS_IAM") {
      errors.Add(Shown(value), "functionUrlAuthType",
                 "Member must satisfy enum value set: [AWS_IAM, NONE]");
    }
  }
}

json StatementOf(const json& body, const json& principal, const std::string& resource) {
  json statement = {
      {"Sid", body["StatementId"]}, {"Effect", "Allow"},    {"Principal", principal},
      {"Action", body["Action"]},   {"Resource", resource},
  };
  json condition = json::object();
  if (body.contains("SourceArn")) condition["ArnLike"]["AWS:SourceArn"] = body["SourceArn"];
  if (body.contains("SourceAccount")) {
    condition["StringEquals"]["AWS:SourceAccount"] = body["SourceAccount"];
  }
  if (body.contains("PrincipalOrgID")) {
    condition["StringEquals"]["aws:PrincipalOrgID"] = body["PrincipalOrgID"];
  }
  if (body.contains("FunctionUrlAuthType")) {
    condition["StringEquals"]["lambda:FunctionUrlAuthType"] = body["FunctionUrlAuthType"];
  }
  if (body.contains("EventSourceToken")) {
    condition["StringEquals"]["lambda:EventSourceToken"] = body["EventSourceToken"];
  }
  if (!condition.empty()) statement["Condition"] = std::move(condition);
  return statement;
}

}  // namespace

ManagementApi::Awaitable ManagementApi::AddPermission(http::Request& req, std::string_view function,
                                                      std::string_view query) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  const Named named = NameOf(function, query, settings_);
  ValidationErrors errors;
  CheckPolicyQualifier(QueryParam(query, "Qualifier"), errors);
  CheckPermission(*body, errors);
  if (!errors.empty()) co_return Fail(req, Invalid(errors));
  if (named.qualifier == "$LATEST") {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "We currently do not support adding policies for $LATEST."));
  }
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) {
    if (IsNotFound(*target.error) && control_.Find(named.name) && named.qualifier &&
        IsAliasName(*named.qualifier)) {
      co_return Fail(req, AwsError::ResourceNotFound("Cannot find alias arn: " + named.arn + ":" +
                                                     *named.qualifier));
    }
    co_return Fail(req, *target.error);
  }
  std::optional<json> principal = PrincipalOf((*body)["Principal"].get<std::string>());
  if (!principal) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "The provided principal was invalid. Please check the principal and "
                            "try again."));
  }
  const std::string qualifier = target.qualifier.value_or("");
  const std::string sid = (*body)["StatementId"].get<std::string>();
  const std::string revision = body->value("RevisionId", "");
  const json statement =
      StatementOf(*body, *principal,
                  control_.FunctionArn(target.name) + (qualifier.empty() ? "" : ":" + qualifier));
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    if (!revision.empty()) {
      // The policy's RevisionId; before the first statement, the
      // function's (or the alias's) RevisionId.
      std::string current;
      if (auto it = record.policy_revisions.find(qualifier); it != record.policy_revisions.end()) {
        current = it->second;
      } else if (auto alias = record.aliases.find(qualifier); alias != record.aliases.end()) {
        current = alias->second.revision_id;
      } else if (const control::FunctionVersion* version = record.Version(qualifier)) {
        current = version->state.revision_id;
      }
      if (revision != current) {
        return control::Error{control::Error::Kind::kPreconditionFailed,
                              RevisionMismatch().message};
      }
    }
    auto& statements = record.policies[qualifier];
    for (const auto& existing : statements) {
      if (existing.value("Sid", "") == sid) return StatementExists(sid);
    }
    statements.push_back(statement);
    record.policy_revisions[qualifier] = control::NewRevisionId();
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return Ok(req, {{"Statement", Ordered(statement).dump()}}, http_ns::status::created);
}

http::Response ManagementApi::GetPolicy(const http::Request& req, std::string_view function,
                                        std::string_view query) {
  Target target = Resolve(function, query, true);
  if (target.error) return Fail(req, *target.error);
  const AwsError missing = AwsError::ResourceNotFound(std::string(kNoSuchResource));
  if (!target.record) return Fail(req, missing);
  const std::string qualifier = target.qualifier.value_or("");
  auto found = target.record->policies.find(qualifier);
  if (found == target.record->policies.end() || found->second.empty()) return Fail(req, missing);
  std::string revision;
  if (auto it = target.record->policy_revisions.find(qualifier);
      it != target.record->policy_revisions.end()) {
    revision = it->second;
  }
  return Ok(req, {{"Policy", PolicyDocument(found->second)}, {"RevisionId", revision}});
}

ManagementApi::Awaitable ManagementApi::RemovePermission(http::Request& req,
                                                         std::string_view function,
                                                         std::string_view statement,
                                                         std::string_view query) {
  const Named named = NameOf(function, query, settings_);
  const std::string sid = UrlDecode(statement);
  ValidationErrors errors;
  CheckPolicyQualifier(QueryParam(query, "Qualifier"), errors);
  if (sid.size() > 100 || sid.empty() || !OnlyOf(sid, kNameChars)) {
    errors.Add(sid, "statementId",
               "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
  }
  if (!errors.empty()) co_return Fail(req, Invalid(errors));
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) {
    if (IsNotFound(*target.error)) {
      if (!control_.Find(named.name)) {
        co_return Fail(req, AwsError::ResourceNotFound("No policy found for: " + named.arn));
      }
      if (named.qualifier && IsAliasName(*named.qualifier)) {
        co_return Fail(req, AwsError::ResourceNotFound("Cannot find alias arn: " + named.arn + ":" +
                                                       *named.qualifier));
      }
    }
    co_return Fail(req, *target.error);
  }
  const std::string qualifier = target.qualifier.value_or("");
  const std::string revision = QueryParam(query, "RevisionId").value_or("");
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    auto policy = record.policies.find(qualifier);
    if (policy == record.policies.end() || policy->second.empty()) {
      return control::Error{control::Error::Kind::kNotFound, std::string(kNoPolicy)};
    }
    if (!revision.empty() && revision != record.policy_revisions[qualifier]) {
      return control::Error{control::Error::Kind::kPreconditionFailed, RevisionMismatch().message};
    }
    auto& statements = policy->second;
    if (auto missing = RemoveStatement(statements, sid)) return missing;
    if (statements.empty()) {
      record.policies.erase(policy);
      record.policy_revisions.erase(qualifier);
    } else {
      record.policy_revisions[qualifier] = control::NewRevisionId();
    }
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

}  // namespace lambda_emu::api
