// The management API's layer permissions: a layer version's resource-based
// policy, which says who may use the version (lambda:GetLayerVersion):
//   POST   /2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy?RevisionId=
//                                                       AddLayerVersionPermission
//   GET    .../versions/{VersionNumber}/policy          GetLayerVersionPolicy
//   DELETE .../versions/{VersionNumber}/policy/{StatementId}?RevisionId=
//                                                       RemoveLayerVersionPermission
// The statements are stored on the LayerVersion (its record in the state
// directory) and reported as Lambda reports them; they are not enforced:
// every function here may use every layer.

#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "api/management_api.h"
#include "api/management_internal.h"

namespace lambda_emu::api {

using namespace management;
namespace http_ns = beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view kGetLayerVersion = "lambda:GetLayerVersion";
constexpr std::string_view kLayerPrincipalPattern =
    R"(\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)";
constexpr std::string_view kOrganizationIdPattern = "o-[a-z0-9]{10,32}";
constexpr std::string_view kLayerPolicyRead = "GetLayerPolicy";

// A Principal a layer version's policy takes: an account, its root, or "*".
bool IsLayerPrincipal(const std::string& principal) {
  if (principal == "*" || (principal.size() == 12 && IsNumber(principal))) return true;
  if (!principal.starts_with("arn:aws") || !principal.ends_with(":root")) return false;
  auto iam = principal.find(":iam::");
  return iam != std::string::npos &&
         OnlyOf(principal.substr(4, iam - 4),
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") &&
         principal.size() == iam + 6 + 12 + 5 && IsNumber(principal.substr(iam + 6, 12));
}

void CheckLayerPermission(const json& body, ValidationErrors& errors) {
  CheckStatementId(body, errors);
  const json action = body.value("Action", json());
  if (action.is_null()) {
    errors.Add(kNull, "action", "Member must not be null");
  } else if (action != kGetLayerVersion) {
    errors.Add(Shown(action), "action",
               "Member must satisfy regular expression pattern: " + std::string(kGetLayerVersion));
  }
  const json principal = body.value("Principal", json());
  if (principal.is_null()) {
    errors.Add(kNull, "principal", "Member must not be null");
  } else if (!principal.is_string() || !IsLayerPrincipal(principal.get<std::string>())) {
    errors.Add(
        Shown(principal), "principal",
        "Member must satisfy regular expression pattern: " + std::string(kLayerPrincipalPattern));
  }
  if (body.contains("OrganizationId")) {
    const json& organization = body["OrganizationId"];
    std::string text = Shown(organization);
    bool valid = organization.is_string() && text.size() >= 12 && text.size() <= 34 &&
                 text.starts_with("o-") &&
                 OnlyOf(text.substr(2), "abcdefghijklmnopqrstuvwxyz0123456789");
    if (!valid) {
      errors.Add(
          text, "organizationId",
          "Member must satisfy regular expression pattern: " + std::string(kOrganizationIdPattern));
    }
  }
}

// The query's RevisionId, when it is not the policy's.
std::optional<AwsError> CheckRevision(const control::LayerVersion& stored, std::string_view query) {
  const std::string revision = QueryParam(query, "RevisionId").value_or("");
  if (revision.empty() || revision == stored.policy_revision_id) return std::nullopt;
  return RevisionMismatch(kLayerPolicyRead);
}

}  // namespace

// The layer version {LayerName}/{VersionNumber} names, or the error Lambda
// gives for it.
ManagementApi::LayerTarget ManagementApi::ResolveLayerVersion(std::string_view layer,
                                                              std::string_view version) {
  LayerTarget target;
  auto number = VersionNumberOf(version, target.error);
  if (!number) return target;
  target.name = LayerNameOf(layer);
  target.number = *number;
  const control::LayerRecord* record = control_.FindLayer(target.name);
  if (!record || !record->versions.count(*number)) {
    const std::string shown = target.name.empty() ? UrlDecode(layer) : target.name;
    target.error = AwsError::ResourceNotFound("Layer version " + LayerArnOf(settings_, shown) +
                                              ":" + std::to_string(*number) + " does not exist.");
    return target;
  }
  target.record = record;
  return target;
}

// Resolves the version, then applies `change` to a copy of its record and
// stores that; `change` gives the error Lambda gives instead, if any.
boost::asio::awaitable<std::optional<AwsError>> ManagementApi::ChangeLayerPolicy(
    std::string_view layer, std::string_view version, LayerPolicyChange change) {
  LayerTarget target = ResolveLayerVersion(layer, version);
  if (target.error) co_return target.error;
  if (LayersChanging().count(target.name)) co_return LayerBusy(settings_, target.name);
  control::LayerRecord record = *target.record;
  if (auto refused = change(target, record.versions.at(target.number))) co_return refused;
  LayersChanging().insert(target.name);
  auto refused = co_await control_.PutLayer(std::move(record));
  LayersChanging().erase(target.name);
  if (refused) co_return FromControl(*refused);
  co_return std::nullopt;
}

ManagementApi::Awaitable ManagementApi::AddLayerVersionPermission(http::Request& req,
                                                                  std::string_view layer,
                                                                  std::string_view version,
                                                                  std::string_view query) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  ValidationErrors errors;
  CheckLayerPermission(*body, errors);
  if (!errors.empty()) co_return Fail(req, Invalid(errors));
  const std::string sid = (*body)["StatementId"].get<std::string>();
  json statement;
  std::string revision_id;
  LayerPolicyChange change = [&](const LayerTarget& target,
                                 control::LayerVersion& stored) -> std::optional<AwsError> {
    if (auto stale = CheckRevision(stored, query)) return stale;
    for (const auto& existing : stored.policy) {
      if (existing.value("Sid", "") == sid) return FromControl(StatementExists(sid));
    }
    statement = {
        {"Sid", sid},
        {"Effect", "Allow"},
        {"Principal", *PrincipalOf((*body)["Principal"].get<std::string>())},
        {"Action", (*body)["Action"]},
        {"Resource", LayerArnOf(settings_, target.name) + ":" + std::to_string(target.number)},
    };
    if (body->contains("OrganizationId")) {
      statement["Condition"] = {
          {"StringEquals", {{"aws:PrincipalOrgID", (*body)["OrganizationId"]}}}};
    }
    stored.policy.push_back(statement);
    stored.policy_revision_id = revision_id = control::NewRevisionId();
    return std::nullopt;
  };
  auto refused = co_await ChangeLayerPolicy(layer, version, std::move(change));
  if (refused) co_return Fail(req, *refused);
  co_return Ok(req, {{"Statement", Ordered(statement).dump()}, {"RevisionId", revision_id}},
               http_ns::status::created);
}

http::Response ManagementApi::GetLayerVersionPolicy(const http::Request& req,
                                                    std::string_view layer,
                                                    std::string_view version) {
  LayerTarget target = ResolveLayerVersion(layer, version);
  if (target.error) return Fail(req, *target.error);
  const control::LayerVersion& stored = target.record->versions.at(target.number);
  if (stored.policy.empty()) {
    return Fail(req, AwsError::ResourceNotFound(std::string(kNoPolicy)));
  }
  return Ok(req,
            {{"Policy", PolicyDocument(stored.policy)}, {"RevisionId", stored.policy_revision_id}});
}

ManagementApi::Awaitable ManagementApi::RemoveLayerVersionPermission(http::Request& req,
                                                                     std::string_view layer,
                                                                     std::string_view version,
                                                                     std::string_view statement,
                                                                     std::string_view query) {
  const std::string sid = UrlDecode(statement);
  ValidationErrors errors;
  CheckStatementId({{"StatementId", sid}}, errors);
  if (!errors.empty()) co_return Fail(req, Invalid(errors));
  LayerPolicyChange change = [&](const LayerTarget&,
                                 control::LayerVersion& stored) -> std::optional<AwsError> {
    if (stored.policy.empty()) return AwsError::ResourceNotFound(std::string(kNoPolicy));
    if (auto stale = CheckRevision(stored, query)) return stale;
    if (auto missing = RemoveStatement(stored.policy, sid)) return FromControl(*missing);
    stored.policy_revision_id = stored.policy.empty() ? "" : control::NewRevisionId();
    return std::nullopt;
  };
  auto refused = co_await ChangeLayerPolicy(layer, version, std::move(change));
  if (refused) co_return Fail(req, *refused);
  co_return NoContent(req);
}

}  // namespace lambda_emu::api
