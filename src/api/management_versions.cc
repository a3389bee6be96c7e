// The management API's versions and aliases:
//   POST   /2015-03-31/functions/{FunctionName}/versions         PublishVersion
//   POST   /2015-03-31/functions/{FunctionName}/aliases          CreateAlias
//   GET    /2015-03-31/functions/{FunctionName}/aliases/{Name}   GetAlias
//   PUT    /2015-03-31/functions/{FunctionName}/aliases/{Name}   UpdateAlias
//   DELETE /2015-03-31/functions/{FunctionName}/aliases/{Name}   DeleteAlias
// (ListVersionsByFunction and ListAliases are in management_api.cc.) A
// version is a frozen copy of $LATEST; an alias names a version and may send
// a share of the invocations to one other version (weighted routing, done
// by the registry on each invoke).

#include "api/function_ref.h"
#include "api/management_api.h"
#include "api/management_internal.h"

namespace lambda_emu::api {

using namespace management;
namespace http_ns = beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view kAliasPattern = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)";

bool IsNumber(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

void CheckAliasName(const std::string& name, ValidationErrors& errors) {
  bool valid = !name.empty() && name.size() <= 128 && !IsNumber(name) &&
               name.find_first_not_of(
                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789-_") == std::string::npos;
  if (name.size() > 128)
    errors.Add(name, "name", "Member must have length less than or equal to 128");
  if (!valid) {
    errors.Add(name, "name",
               "Member must satisfy regular expression pattern: " + std::string(kAliasPattern));
  }
}

// RoutingConfig.AdditionalVersionWeights as the model and Lambda check it.
std::optional<AwsError> ParseRouting(const json& body, const std::string& primary,
                                     std::map<std::string, double>& weights) {
  if (!body.contains("RoutingConfig")) return std::nullopt;
  const json& map = body["RoutingConfig"].value("AdditionalVersionWeights", json::object());
  if (!map.is_object())
    return AwsError::InvalidParameterValue("AdditionalVersionWeights must be a map");
  std::string shown = "{";
  bool bad_weight = false;
  bool bad_key = false;
  for (const auto& [version, weight] : map.items()) {
    // Lambda prints the weights as Java does: 2.0, 0.25.
    json as_double = weight.is_number() ? json(weight.get<double>()) : weight;
    shown += (shown.size() > 1 ? ", " : "") + version + "=" + as_double.dump();
    if (!weight.is_number() || weight.get<double>() < 0 || weight.get<double>() > 1) {
      bad_weight = true;
    }
    if (!IsNumber(version)) bad_key = true;
  }
  shown += "}";
  if (bad_key) {
    ValidationErrors errors;
    errors.Add(shown, "routingConfig.additionalVersionWeights",
               "Map keys must satisfy constraint: [Member must have length less than or equal to "
               "1024, Member must have length greater than or equal to 1, Member must satisfy "
               "regular expression pattern: [0-9]+, Member must not be null]");
    return AwsError::Validation(errors);
  }
  if (bad_weight) {
    ValidationErrors errors;
    errors.Add(shown, "routingConfig.additionalVersionWeights",
               "Map value must satisfy constraint: [Member must have value less than or equal to "
               "1.0, Member must have value greater than or equal to 0.0, Member must not be "
               "null]");
    return AwsError::Validation(errors);
  }
  if (map.size() > 1) {
    return AwsError::InvalidParameterValue(
        "Number of items in AdditionalVersionWeights cannot be greater than 1");
  }
  weights.clear();
  for (const auto& [version, weight] : map.items()) {
    if (primary == "$LATEST") {
      return AwsError::InvalidParameterValue(
          "$LATEST is not supported for an alias pointing to more than 1 version");
    }
    if (version == primary) {
      return AwsError::InvalidParameterValue("Invalid function version " + version +
                                             ". Function version " + version +
                                             " is already included in routing configuration.");
    }
    weights[version] = weight.get<double>();
  }
  return std::nullopt;
}

}  // namespace

ManagementApi::Awaitable ManagementApi::PublishVersion(http::Request& req,
                                                       std::string_view function) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  const std::string code_sha = body->value("CodeSha256", "");
  const std::string revision = body->value("RevisionId", "");
  const std::string description = body->value("Description", "");
  int published = 0;
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    const control::FunctionVersion& latest = record.latest;
    if (!code_sha.empty() && code_sha != latest.state.code_sha256) {
      return control::Error{
          control::Error::Kind::kInvalidParameter,
          "CodeSHA256 (" + code_sha + ") is different from current CodeSHA256 in $LATEST (" +
              latest.state.code_sha256 + "). Please try again with the CodeSHA256 in $LATEST."};
    }
    if (!revision.empty() && revision != latest.state.revision_id) {
      return control::Error{control::Error::Kind::kPreconditionFailed, RevisionMismatch().message};
    }
    published = control::PublishLatest(record, description, NowMs());
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  const control::FunctionVersion& version = control_.Find(target.name)->versions.at(published);
  co_return Ok(req, Configuration(version, version.version, ConfigurationView::kFull),
               http_ns::status::created);
}

ManagementApi::Awaitable ManagementApi::CreateAlias(http::Request& req, std::string_view function) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  const std::string name = body->value("Name", "");
  const std::string version = body->value("FunctionVersion", "");
  ValidationErrors errors;
  CheckAliasName(name, errors);
  if (version.empty() || (version != "$LATEST" && !IsNumber(version))) {
    errors.Add(version, "functionVersion",
               "Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)");
  }
  if (!errors.empty()) co_return Fail(req, AwsError::Validation(errors));
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  control::Alias alias;
  alias.name = name;
  alias.function_version = version;
  alias.description = body->value("Description", "");
  alias.revision_id = control::NewRevisionId();
  if (auto invalid = ParseRouting(*body, version, alias.additional_weights)) {
    co_return Fail(req, *invalid);
  }
  const std::string arn = control_.FunctionArn(target.name);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    if (record.aliases.count(name)) {
      return control::Error{control::Error::Kind::kConflict,
                            "Alias already exists: " + arn + ":" + name};
    }
    if (!record.Version(version)) return control_.FunctionNotFound(target.name, version);
    for (const auto& [other, weight] : alias.additional_weights) {
      if (!record.Version(other)) return control_.FunctionNotFound(target.name, other);
    }
    record.aliases[name] = alias;
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return Ok(req, AliasJson(target.name, alias), http_ns::status::created);
}

http::Response ManagementApi::GetAlias(const http::Request& req, std::string_view function,
                                       std::string_view alias) {
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) return Fail(req, *target.error);
  const std::string name = UrlDecode(alias);
  auto found = target.record->aliases.find(name);
  if (found == target.record->aliases.end()) {
    return Fail(req, AwsError::ResourceNotFound("Cannot find alias arn: " +
                                                control_.FunctionArn(target.name) + ":" + name));
  }
  return Ok(req, AliasJson(target.name, found->second));
}

ManagementApi::Awaitable ManagementApi::UpdateAlias(http::Request& req, std::string_view function,
                                                    std::string_view alias) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  const std::string name = UrlDecode(alias);
  const std::string arn = control_.FunctionArn(target.name) + ":" + name;
  const control::Alias* current = nullptr;
  if (auto found = target.record->aliases.find(name); found != target.record->aliases.end()) {
    current = &found->second;
  }
  if (!current) co_return Fail(req, AwsError::ResourceNotFound("Cannot find alias arn: " + arn));
  control::Alias updated = *current;
  if (body->contains("FunctionVersion"))
    updated.function_version = body->value("FunctionVersion", "");
  if (body->contains("Description")) updated.description = body->value("Description", "");
  if (auto invalid = ParseRouting(*body, updated.function_version, updated.additional_weights)) {
    co_return Fail(req, *invalid);
  }
  const std::string revision = body->value("RevisionId", "");
  updated.revision_id = control::NewRevisionId();
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    auto found = record.aliases.find(name);
    if (found == record.aliases.end()) {
      return control::Error{control::Error::Kind::kNotFound, "Cannot find alias arn: " + arn};
    }
    if (!revision.empty() && revision != found->second.revision_id) {
      return control::Error{control::Error::Kind::kPreconditionFailed, RevisionMismatch().message};
    }
    if (!record.Version(updated.function_version)) {
      return control_.FunctionNotFound(target.name, updated.function_version);
    }
    for (const auto& [other, weight] : updated.additional_weights) {
      if (!record.Version(other)) return control_.FunctionNotFound(target.name, other);
    }
    found->second = updated;
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return Ok(req, AliasJson(target.name, updated));
}

ManagementApi::Awaitable ManagementApi::DeleteAlias(http::Request& req, std::string_view function,
                                                    std::string_view alias) {
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  const std::string name = UrlDecode(alias);
  // Deleting an alias that is not there is not an error.
  if (!target.record->aliases.count(name)) co_return NoContent(req);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    record.aliases.erase(name);
    record.ForgetQualifier(name);
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

}  // namespace lambda_emu::api
