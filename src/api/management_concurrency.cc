// The management API's concurrency settings:
//   PUT    /2017-10-31/functions/{FunctionName}/concurrency        PutFunctionConcurrency
//   DELETE /2017-10-31/functions/{FunctionName}/concurrency        DeleteFunctionConcurrency
//   PUT    /2019-09-30/functions/{FunctionName}/provisioned-concurrency?Qualifier=
//                                                    PutProvisionedConcurrencyConfig
//   GET    .../provisioned-concurrency?Qualifier=    GetProvisionedConcurrencyConfig
//   DELETE .../provisioned-concurrency?Qualifier=    DeleteProvisionedConcurrencyConfig
//   GET    .../provisioned-concurrency?List=ALL      ListProvisionedConcurrencyConfigs
// (GetFunctionConcurrency is in management_api.cc.) A reservation is the
// function's, shared by its versions; provisioned environments belong to a
// version (an alias's go to its version) and are reported READY once all of
// them finished init.

#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "api/management_api.h"
#include "api/management_internal.h"

namespace lambda_emu::api {

using namespace management;
namespace http_ns = beast::http;
using nlohmann::json;

namespace {

// Lambda keeps this much of the account's concurrency unreserved.
constexpr int kMinUnreserved = 100;

}  // namespace

ManagementApi::Awaitable ManagementApi::PutFunctionConcurrency(http::Request& req,
                                                               std::string_view function) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  auto ref = ParseFunctionRef(UrlDecode(function));
  if (ref && ref->qualifier) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "This operation is permitted on Lambda functions only. Aliases and "
                            "versions do not support this operation. Please specify either a "
                            "function name or an unqualified function ARN."));
  }
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) {
    // PutFunctionConcurrency names $LATEST in its not-found message.
    if (target.error->type == "ResourceNotFoundException" && ref && !ref->region) {
      target.error->message += ":$LATEST";
    }
    co_return Fail(req, *target.error);
  }
  const json& value = body->value("ReservedConcurrentExecutions", json());
  if (!value.is_number_integer() || value.get<long long>() < 0) {
    ValidationErrors errors;
    errors.Add(value.is_null() ? "null" : value.dump(), "reservedConcurrentExecutions",
               value.is_null() ? "Member must not be null"
                               : "Member must have value greater than or equal to 0");
    co_return Fail(req, AwsError::Validation(errors));
  }
  const int reserved = value.get<int>();
  const auto& account = registry_.account();
  int others = account.reserved() - target.record->reserved_concurrency.value_or(0);
  int floor = std::min(kMinUnreserved, account.limit());
  if (account.limit() - others - reserved < floor) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "Specified ReservedConcurrentExecutions for function decreases "
                            "account's UnreservedConcurrentExecution below its minimum value of [" +
                            std::to_string(floor) + "]."));
  }
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    record.reserved_concurrency = reserved;
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return Ok(req, {{"ReservedConcurrentExecutions", reserved}});
}

ManagementApi::Awaitable ManagementApi::DeleteFunctionConcurrency(http::Request& req,
                                                                  std::string_view function) {
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    record.reserved_concurrency.reset();
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

namespace {

// The version or alias a provisioned concurrency request names: the
// qualifier when it exists, or Lambda's error.
std::optional<AwsError> CheckProvisionedQualifier(const control::ControlPlane& control,
                                                  const control::FunctionRecord& record,
                                                  const std::string& qualifier, bool put) {
  if (qualifier.empty() || qualifier == "$LATEST") {
    return AwsError::InvalidParameterValue(
        put ? "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
            : "The function resource provided must be an alias or a published version.");
  }
  if (record.aliases.count(qualifier)) return std::nullopt;
  bool number = qualifier.find_first_not_of("0123456789") == std::string::npos;
  if (number) {
    if (record.Version(qualifier)) return std::nullopt;
    return FromControl(control.FunctionNotFound(record.name(), qualifier));
  }
  return AwsError::ResourceNotFound("Cannot find alias arn: " + control.FunctionArn(record.name()) +
                                    ":" + qualifier);
}

}  // namespace

json ManagementApi::ProvisionedJson(const control::FunctionRecord& record,
                                    const std::string& qualifier) const {
  int requested = record.provisioned.at(qualifier);
  std::string version = qualifier;
  if (auto alias = record.aliases.find(qualifier); alias != record.aliases.end()) {
    version = alias->second.function_version;
  }
  int ready = 0;
  if (pool::FunctionPool* pool = registry_.FindVersion(record.name(), version)) {
    ready = std::min(pool->ProvisionedReady(), requested);
  }
  std::int64_t modified = 0;
  if (auto it = record.provisioned_modified_ms.find(qualifier);
      it != record.provisioned_modified_ms.end()) {
    modified = it->second;
  }
  return {
      {"RequestedProvisionedConcurrentExecutions", requested},
      {"AvailableProvisionedConcurrentExecutions", ready},
      {"AllocatedProvisionedConcurrentExecutions", ready},
      {"Status", ready >= requested ? "READY" : "IN_PROGRESS"},
      {"LastModified", FormatLastModified(modified)},
  };
}

ManagementApi::Awaitable ManagementApi::PutProvisionedConcurrencyConfig(http::Request& req,
                                                                        std::string_view function,
                                                                        std::string_view query) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  const json& value = body->value("ProvisionedConcurrentExecutions", json());
  if (!value.is_number_integer() || value.get<long long>() < 1) {
    ValidationErrors errors;
    errors.Add(value.is_null() ? "null" : value.dump(), "provisionedConcurrentExecutions",
               value.is_null() ? "Member must not be null"
                               : "Member must have value greater than or equal to 1");
    co_return Fail(req, AwsError::Validation(errors));
  }
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) {
    // An alias that does not exist is worded as a missing alias.
    co_return Fail(req, *target.error);
  }
  const std::string qualifier = target.qualifier.value_or("");
  if (auto invalid = CheckProvisionedQualifier(control_, *target.record, qualifier, true)) {
    co_return Fail(req, *invalid);
  }
  const int requested = value.get<int>();
  const auto& account = registry_.account();
  if (requested > account.unreserved_limit() - kMinUnreserved &&
      !target.record->reserved_concurrency) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "Specified ConcurrentExecutions for function decreases account's "
                            "UnreservedConcurrentExecution below its minimum value of [" +
                            std::to_string(std::min(kMinUnreserved, account.limit())) + "]."));
  }
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    std::string version = qualifier;
    auto alias = record.aliases.find(qualifier);
    if (alias != record.aliases.end()) {
      version = alias->second.function_version;
      if (record.provisioned.count(version)) {
        return control::Error{control::Error::Kind::kConflict,
                              "Alias can't be used for Provisioned Concurrency configuration "
                              "on an already Provisioned version"};
      }
    } else {
      for (const auto& [other, count] : record.provisioned) {
        auto other_alias = record.aliases.find(other);
        if (other_alias != record.aliases.end() &&
            other_alias->second.function_version == qualifier) {
          return control::Error{control::Error::Kind::kConflict,
                                "Version is pointed by a Provisioned Concurrency alias"};
        }
      }
    }
    record.provisioned[qualifier] = requested;
    record.provisioned_modified_ms[qualifier] = NowMs();
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  json response = ProvisionedJson(*control_.Find(target.name), qualifier);
  co_return Ok(req, response, http_ns::status::accepted);
}

http::Response ManagementApi::GetProvisionedConcurrencyConfig(const http::Request& req,
                                                              std::string_view function,
                                                              std::string_view query) {
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) return Fail(req, *target.error);
  const std::string qualifier = target.qualifier.value_or("");
  if (auto invalid = CheckProvisionedQualifier(control_, *target.record, qualifier, false)) {
    return Fail(req, *invalid);
  }
  if (!target.record->provisioned.count(qualifier)) {
    return Fail(req, FromControl({control::Error::Kind::kProvisionedNotFound,
                                  "No Provisioned Concurrency Config found for this function"}));
  }
  return Ok(req, ProvisionedJson(*target.record, qualifier));
}

ManagementApi::Awaitable ManagementApi::DeleteProvisionedConcurrencyConfig(
    http::Request& req, std::string_view function, std::string_view query) {
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) co_return Fail(req, *target.error);
  const std::string qualifier = target.qualifier.value_or("");
  if (auto invalid = CheckProvisionedQualifier(control_, *target.record, qualifier, false)) {
    co_return Fail(req, *invalid);
  }
  if (!target.record->provisioned.count(qualifier)) co_return NoContent(req);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    record.provisioned.erase(qualifier);
    record.provisioned_modified_ms.erase(qualifier);
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

http::Response ManagementApi::ListProvisionedConcurrencyConfigs(const http::Request& req,
                                                                std::string_view function,
                                                                std::string_view query) {
  Target target = ResolveForListing(function, query);
  if (target.error) return Fail(req, *target.error);
  json configs = json::array();
  if (target.record) {
    for (const auto& [qualifier, count] : target.record->provisioned) {
      json item = ProvisionedJson(*target.record, qualifier);
      item["FunctionArn"] = control_.FunctionArn(target.record->name()) + ":" + qualifier;
      configs.push_back(std::move(item));
    }
  }
  return Ok(req, {{"ProvisionedConcurrencyConfigs", configs}});
}

}  // namespace lambda_emu::api
