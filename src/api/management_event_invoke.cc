// The management API's event-invoke configs (asynchronous invocation's retries
// and destinations), kept with a function:
//   PUT    /2019-09-25/functions/{FunctionName}/event-invoke-config?Qualifier=
//                                                       PutFunctionEventInvokeConfig
//   POST   .../event-invoke-config?Qualifier=           UpdateFunctionEventInvokeConfig
//   GET    .../event-invoke-config?Qualifier=           GetFunctionEventInvokeConfig
//   DELETE .../event-invoke-config?Qualifier=           DeleteFunctionEventInvokeConfig
//   GET    .../event-invoke-config/list?Marker=&MaxItems=   ListFunctionEventInvokeConfigs
// Each is stored in the function's record and reported as Lambda reports it;
// asynchronous invocation (invoke/async_policy) reads it at every attempt.
// Only functions made through the API take these writes (a template's
// functions have theirs in the template).

#include <regex>

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

constexpr std::string_view kDestinationPattern =
    R"(^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*))";

// The model's constraints on a FunctionEventInvokeConfig request.
void CheckEventInvokeConfig(const json& body, ValidationErrors& errors) {
  if (body.contains("MaximumRetryAttempts")) {
    CheckRange(body["MaximumRetryAttempts"], "maximumRetryAttempts", 0, 2, errors);
  }
  if (body.contains("MaximumEventAgeInSeconds")) {
    CheckRange(body["MaximumEventAgeInSeconds"], "maximumEventAgeInSeconds", 60, 21600, errors);
  }
  const json destinations = body.value("DestinationConfig", json::object());
  if (!destinations.is_object()) return;
  static const std::regex kDestination{std::string(kDestinationPattern)};
  for (const auto& [key, member] :
       {std::pair{"OnSuccess", "onSuccess"}, std::pair{"OnFailure", "onFailure"}}) {
    const json side = destinations.value(key, json::object());
    if (!side.is_object() || !side.contains("Destination")) continue;
    const json& arn = side["Destination"];
    if (!arn.is_string() || !std::regex_match(arn.get<std::string>(), kDestination)) {
      errors.Add(
          Shown(arn), std::string("destinationConfig.") + member + ".destination",
          "Member must satisfy regular expression pattern: " + std::string(kDestinationPattern));
    }
  }
}

// DestinationConfig as stored and reported: both sides, each {} or
// {"Destination": ARN}.
json NormalDestinations(const json& destinations, json base) {
  if (!base.is_object()) base = json::object();
  for (const char* key : {"OnSuccess", "OnFailure"}) {
    if (!base.contains(key)) base[key] = json::object();
    if (!destinations.is_object() || !destinations.contains(key)) continue;
    const json& side = destinations[key];
    json normal = json::object();
    if (side.is_object() && side.value("Destination", json()).is_string() &&
        !side["Destination"].get<std::string>().empty()) {
      normal["Destination"] = side["Destination"];
    }
    base[key] = normal;
  }
  return base;
}

json EventInvokeJson(const std::string& arn, const json& stored) {
  json out = {
      {"FunctionArn", arn},
      {"LastModified", static_cast<double>(stored.value("LastModified", std::int64_t{0})) / 1000.0},
      {"DestinationConfig", NormalDestinations(json(), stored.value("DestinationConfig", json()))},
  };
  for (const char* key : {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}) {
    if (stored.contains(key)) out[key] = stored[key];
  }
  return out;
}

}  // namespace

ManagementApi::Awaitable ManagementApi::PutFunctionEventInvokeConfig(http::Request& req,
                                                                     std::string_view function,
                                                                     std::string_view query) {
  co_return co_await UpdateFunctionEventInvokeConfig(req, function, query);
}

ManagementApi::Awaitable ManagementApi::UpdateFunctionEventInvokeConfig(http::Request& req,
                                                                        std::string_view function,
                                                                        std::string_view query) {
  // PutFunctionEventInvokeConfig (PUT) comes here too: Put replaces the
  // config, Update (POST) merges into the one there is.
  const bool replace = req.method() == http_ns::verb::put;
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  ValidationErrors errors;
  CheckEventInvokeConfig(*body, errors);
  if (!errors.empty()) co_return Fail(req, Invalid(errors));
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) {
    if (IsNotFound(*target.error)) {
      co_return Fail(req, AwsError::ResourceNotFound("The function doesn't exist."));
    }
    co_return Fail(req, *target.error);
  }
  const std::string qualifier = target.qualifier.value_or("$LATEST");
  const std::string arn = control_.FunctionArn(target.name) + ":" + qualifier;
  if (!body->contains("MaximumRetryAttempts") && !body->contains("MaximumEventAgeInSeconds") &&
      !body->contains("DestinationConfig")) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "You must specify at least one of error handling or destination "
                            "setting."));
  }
  // Destinations: services Lambda can deliver to; a function must exist and
  // not be this one.
  const json destinations = body->value("DestinationConfig", json::object());
  std::string success = "null";
  std::string failure = "null";
  bool unsupported = false;
  for (const auto& [key, shown] :
       {std::pair{"OnSuccess", &success}, std::pair{"OnFailure", &failure}}) {
    if (!destinations.is_object() || !destinations.contains(key)) continue;
    std::string destination = destinations[key].value("Destination", "");
    *shown =
        std::string(key) + "(destination=" + (destination.empty() ? "null" : destination) + ")";
    if (destination.empty()) continue;
    // arn:PARTITION:SERVICE:...
    auto partition_end = destination.find(':', 4);
    std::string service = destination.substr(
        partition_end + 1, destination.find(':', partition_end + 1) - partition_end - 1);
    if (service != "lambda" && service != "sqs" && service != "sns" && service != "events" &&
        service != "s3") {
      unsupported = true;
      continue;
    }
    if (service != "lambda") continue;
    std::optional<FunctionRef> ref = ParseFunctionRef(destination);
    if (ref && ref->name == target.name) {
      co_return Fail(req, AwsError::InvalidParameterValue(
                              "You can't specify the function as a destination for itself."));
    }
    if (!ref || (!control_.Find(ref->name) && !registry_.Find(ref->name))) {
      co_return Fail(req, AwsError::InvalidParameterValue("The destination ARN " + destination +
                                                          " is invalid."));
    }
  }
  if (unsupported) {
    // Lambda quotes the request in its own (Java) notation.
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "The provided destination config DestinationConfig(onSuccess=" +
                            success + ", onFailure=" + failure + ") is invalid."));
  }
  json stored;
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    auto existing = record.event_invoke_configs.find(qualifier);
    if (!replace && existing == record.event_invoke_configs.end()) {
      return control::Error{control::Error::Kind::kNotFound,
                            "The function " + arn + " doesn't have an EventInvokeConfig"};
    }
    json config = replace ? json::object() : existing->second;
    for (const char* key : {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}) {
      if (body->contains(key)) config[key] = (*body)[key];
    }
    config["DestinationConfig"] =
        NormalDestinations(destinations, config.value("DestinationConfig", json::object()));
    config["LastModified"] = NowMs();
    record.event_invoke_configs[qualifier] = config;
    stored = std::move(config);
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return Ok(req, EventInvokeJson(arn, stored));
}

http::Response ManagementApi::GetFunctionEventInvokeConfig(const http::Request& req,
                                                           std::string_view function,
                                                           std::string_view query) {
  const Named named = NameOf(function, query, settings_);
  const std::string arn = named.arn + ":" + named.qualifier.value_or("$LATEST");
  const AwsError missing =
      AwsError::ResourceNotFound("The function " + arn + " doesn't have an EventInvokeConfig");
  Target target = Resolve(function, query, true);
  if (target.error) return Fail(req, IsNotFound(*target.error) ? missing : *target.error);
  if (!target.record) return Fail(req, missing);
  auto found = target.record->event_invoke_configs.find(target.qualifier.value_or("$LATEST"));
  if (found == target.record->event_invoke_configs.end()) return Fail(req, missing);
  return Ok(req, EventInvokeJson(control_.FunctionArn(target.record->name()) + ":" + found->first,
                                 found->second));
}

ManagementApi::Awaitable ManagementApi::DeleteFunctionEventInvokeConfig(http::Request& req,
                                                                        std::string_view function,
                                                                        std::string_view query) {
  const Named named = NameOf(function, query, settings_);
  const std::string arn = named.arn + ":" + named.qualifier.value_or("$LATEST");
  const AwsError missing =
      AwsError::ResourceNotFound("The function " + arn + " doesn't have an EventInvokeConfig");
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) co_return Fail(req, IsNotFound(*target.error) ? missing : *target.error);
  const std::string qualifier = target.qualifier.value_or("$LATEST");
  if (!target.record->event_invoke_configs.count(qualifier)) co_return Fail(req, missing);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    record.event_invoke_configs.erase(qualifier);
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

http::Response ManagementApi::ListFunctionEventInvokeConfigs(const http::Request& req,
                                                             std::string_view function,
                                                             std::string_view query) {
  Target target = ResolveForListing(function, query);
  if (target.error) {
    if (IsNotFound(*target.error)) {
      return Fail(req, AwsError::ResourceNotFound("The function doesn't exist."));
    }
    return Fail(req, *target.error);
  }
  // In the order of their qualifiers; the marker is a config's FunctionArn.
  std::vector<std::string> arns;
  std::vector<const json*> stored;
  if (target.record) {
    const std::string arn = control_.FunctionArn(target.record->name());
    for (const auto& [qualifier, config] : target.record->event_invoke_configs) {
      arns.push_back(arn + ":" + qualifier);
      stored.push_back(&config);
    }
  }
  ValidationErrors checked;  // by ResolveForListing
  return Ok(req, Listing(arns, query, PageSize(query, checked), "FunctionEventInvokeConfigs",
                         [&](size_t i) { return EventInvokeJson(arns[i], *stored[i]); }));
}

}  // namespace lambda_emu::api
