// The management API's Function URL configs, kept with a function:
//   POST   /2021-10-31/functions/{FunctionName}/url?Qualifier=   CreateFunctionUrlConfig
//   GET    .../url?Qualifier=                           GetFunctionUrlConfig
//   PUT    .../url?Qualifier=                           UpdateFunctionUrlConfig
//   DELETE .../url?Qualifier=                           DeleteFunctionUrlConfig
//   GET    /2021-10-31/functions/{FunctionName}/urls?Marker=&MaxItems=
//                                                       ListFunctionUrlConfigs
// Each is stored in the function's record and reported as Lambda reports it
// (with the URL Lambda would give); the server does not serve API-made
// Function URLs yet. Only functions made through the API take these writes.

#include <ctime>

#include "api/code_package.h"
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

constexpr std::string_view kUrlQualifierPattern = R"(((?!^\d+$)^[0-9a-zA-Z-_]+$))";

// Unix milliseconds as an ISO-8601 time with microseconds, as the Function
// URL operations write CreationTime and LastModifiedTime.
std::string IsoTime(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(unix_ms % 1000) * 1000);
  return buffer;
}

std::optional<AwsError> CheckUrlQualifier(const std::optional<std::string>& qualifier) {
  if (!qualifier || IsAliasName(*qualifier)) {
    if (!qualifier || qualifier->size() <= 128) return std::nullopt;
  }
  ValidationErrors errors;
  if (qualifier->size() > 128) {
    errors.Add(*qualifier, "qualifier", "Member must have length less than or equal to 128");
  }
  if (!IsAliasName(*qualifier)) {
    errors.Add(
        *qualifier, "qualifier",
        "Member must satisfy regular expression pattern: " + std::string(kUrlQualifierPattern));
  }
  return Invalid(errors);
}

void CheckUrlConfig(const json& body, bool create, ValidationErrors& errors) {
  if (body.contains("AuthType") || create) {
    const json value = body.value("AuthType", json());
    if (value.is_null()) {
      errors.Add(kNull, "authType", "Member must not be null");
    } else if (value != "NONE" && value != "AWS_IAM") {
      errors.Add(Shown(value), "authType", "Member must satisfy enum value set: [AWS_IAM, NONE]");
    }
  }
  if (body.contains("InvokeMode")) {
    const json& value = body["InvokeMode"];
    if (value != "BUFFERED" && value != "RESPONSE_STREAM") {
      errors.Add(Shown(value), "invokeMode",
                 "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]");
    }
  }
}

// The host name Lambda would give the URL: 32 lowercase letters and digits
// derived from the function's (qualified) ARN, stable across restarts.
std::string UrlId(const std::string& qualified_arn) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string digest = Sha256(qualified_arn);
  std::string id;
  for (size_t i = 0; i < 32 && i < digest.size(); ++i) {
    id.push_back(kAlphabet[static_cast<unsigned char>(digest[i]) % 36]);
  }
  return id;
}

enum class UrlView { kCreate, kGet, kUpdate };

json UrlJson(const std::string& qualified_arn, const std::string& region, const json& stored,
             UrlView view) {
  json out = {
      {"AuthType", stored.value("AuthType", "NONE")},
      {"CreationTime", IsoTime(stored.value("CreationTime", std::int64_t{0}))},
      {"FunctionArn", qualified_arn},
      // Where Lambda would serve it; lambda-emu does not serve API-made URLs yet.
      {"FunctionUrl", "http://" + UrlId(qualified_arn) + ".lambda-url." + region + ".on.aws/"},
  };
  if (stored.contains("Cors")) out["Cors"] = stored["Cors"];
  if (stored.contains("InvokeMode")) {
    out["InvokeMode"] = stored["InvokeMode"];
  } else if (view == UrlView::kGet) {
    out["InvokeMode"] = "BUFFERED";
  }
  if (view != UrlView::kCreate) {
    out["LastModifiedTime"] = IsoTime(stored.value("LastModifiedTime", std::int64_t{0}));
  }
  return out;
}

}  // namespace

ManagementApi::Awaitable ManagementApi::CreateFunctionUrlConfig(http::Request& req,
                                                                std::string_view function,
                                                                std::string_view query) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  const Named named = NameOf(function, query, settings_);
  if (auto invalid = CheckUrlQualifier(named.qualifier)) co_return Fail(req, *invalid);
  ValidationErrors errors;
  CheckUrlConfig(*body, true, errors);
  if (!errors.empty()) co_return Fail(req, Invalid(errors));
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) {
    if (IsNotFound(*target.error)) {
      co_return Fail(req, AwsError::ResourceNotFound("Function does not exist"));
    }
    co_return Fail(req, *target.error);
  }
  const std::string qualifier = target.qualifier.value_or("");
  const std::string arn =
      control_.FunctionArn(target.name) + (qualifier.empty() ? "" : ":" + qualifier);
  json stored = {{"AuthType", (*body)["AuthType"]}};
  if (body->contains("Cors")) stored["Cors"] = (*body)["Cors"];
  if (body->contains("InvokeMode")) stored["InvokeMode"] = (*body)["InvokeMode"];
  stored["CreationTime"] = stored["LastModifiedTime"] = NowMs();
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    if (record.url_configs.count(qualifier)) {
      return control::Error{control::Error::Kind::kConflict,
                            "Failed to create function url config for [functionArn = " + arn +
                                "]. Error message:  FunctionUrlConfig exists for this Lambda "
                                "function"};
    }
    record.url_configs[qualifier] = stored;
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return Ok(req, UrlJson(arn, settings_.region, stored, UrlView::kCreate),
               http_ns::status::created);
}

http::Response ManagementApi::GetFunctionUrlConfig(const http::Request& req,
                                                   std::string_view function,
                                                   std::string_view query) {
  const Named named = NameOf(function, query, settings_);
  if (auto invalid = CheckUrlQualifier(named.qualifier)) return Fail(req, *invalid);
  const AwsError missing = AwsError::ResourceNotFound(std::string(kNoSuchResource));
  Target target = Resolve(function, query, true);
  if (target.error) return Fail(req, IsNotFound(*target.error) ? missing : *target.error);
  if (!target.record) return Fail(req, missing);
  const std::string qualifier = target.qualifier.value_or("");
  auto found = target.record->url_configs.find(qualifier);
  if (found == target.record->url_configs.end()) return Fail(req, missing);
  const std::string arn =
      control_.FunctionArn(target.record->name()) + (qualifier.empty() ? "" : ":" + qualifier);
  return Ok(req, UrlJson(arn, settings_.region, found->second, UrlView::kGet));
}

ManagementApi::Awaitable ManagementApi::UpdateFunctionUrlConfig(http::Request& req,
                                                                std::string_view function,
                                                                std::string_view query) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  const Named named = NameOf(function, query, settings_);
  if (auto invalid = CheckUrlQualifier(named.qualifier)) co_return Fail(req, *invalid);
  ValidationErrors errors;
  CheckUrlConfig(*body, false, errors);
  if (!errors.empty()) co_return Fail(req, Invalid(errors));
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) {
    if (IsNotFound(*target.error)) {
      co_return Fail(req, AwsError::ResourceNotFound("Function does not exist"));
    }
    co_return Fail(req, *target.error);
  }
  const std::string qualifier = target.qualifier.value_or("");
  const std::string arn =
      control_.FunctionArn(target.name) + (qualifier.empty() ? "" : ":" + qualifier);
  json stored;
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    auto found = record.url_configs.find(qualifier);
    if (found == record.url_configs.end()) {
      return control::Error{control::Error::Kind::kNotFound, std::string(kNoSuchResource)};
    }
    for (const char* key : {"AuthType", "Cors", "InvokeMode"}) {
      if (body->contains(key)) found->second[key] = (*body)[key];
    }
    found->second["LastModifiedTime"] = NowMs();
    stored = found->second;
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return Ok(req, UrlJson(arn, settings_.region, stored, UrlView::kUpdate));
}

ManagementApi::Awaitable ManagementApi::DeleteFunctionUrlConfig(http::Request& req,
                                                                std::string_view function,
                                                                std::string_view query) {
  const Named named = NameOf(function, query, settings_);
  if (auto invalid = CheckUrlQualifier(named.qualifier)) co_return Fail(req, *invalid);
  const AwsError missing = AwsError::ResourceNotFound(std::string(kNoSuchResource));
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) co_return Fail(req, IsNotFound(*target.error) ? missing : *target.error);
  const std::string qualifier = target.qualifier.value_or("");
  if (!target.record->url_configs.count(qualifier)) co_return Fail(req, missing);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    record.url_configs.erase(qualifier);
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

http::Response ManagementApi::ListFunctionUrlConfigs(const http::Request& req,
                                                     std::string_view function,
                                                     std::string_view query) {
  Target target = ResolveForListing(function, query);
  if (target.error) {
    if (IsNotFound(*target.error)) {
      return Fail(req, AwsError::ResourceNotFound("Function does not exist"));
    }
    return Fail(req, *target.error);
  }
  // In the order of their qualifiers (the function's own first); the marker
  // is a config's FunctionArn.
  std::vector<std::string> arns;
  std::vector<const json*> stored;
  if (target.record) {
    const std::string arn = control_.FunctionArn(target.record->name());
    for (const auto& [qualifier, config] : target.record->url_configs) {
      arns.push_back(arn + (qualifier.empty() ? "" : ":" + qualifier));
      stored.push_back(&config);
    }
  }
  ValidationErrors checked;  // by ResolveForListing
  return Ok(req,
            Listing(arns, query, PageSize(query, checked), "FunctionUrlConfigs", [&](size_t i) {
              return UrlJson(arns[i], settings_.region, *stored[i], UrlView::kGet);
            }));
}

}  // namespace lambda_emu::api
