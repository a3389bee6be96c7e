// The management API's configurations kept with a function:
//   PUT    /2019-09-25/functions/{FunctionName}/event-invoke-config?Qualifier=
//                                                       PutFunctionEventInvokeConfig
//   POST   .../event-invoke-config?Qualifier=           UpdateFunctionEventInvokeConfig
//   GET    .../event-invoke-config?Qualifier=           GetFunctionEventInvokeConfig
//   DELETE .../event-invoke-config?Qualifier=           DeleteFunctionEventInvokeConfig
//   GET    .../event-invoke-config/list                 ListFunctionEventInvokeConfigs
//   POST   /2021-10-31/functions/{FunctionName}/url?Qualifier=   CreateFunctionUrlConfig
//   GET    .../url?Qualifier=                           GetFunctionUrlConfig
//   PUT    .../url?Qualifier=                           UpdateFunctionUrlConfig
//   DELETE .../url?Qualifier=                           DeleteFunctionUrlConfig
//   GET    /2021-10-31/functions/{FunctionName}/urls    ListFunctionUrlConfigs
//   POST   /2015-03-31/functions/{FunctionName}/policy?Qualifier=   AddPermission
//   DELETE .../policy/{StatementId}?Qualifier=&RevisionId=          RemovePermission
//   GET    .../policy?Qualifier=                        GetPolicy
//   POST   /2017-03-31/tags/{ARN}                       TagResource
//   DELETE /2017-03-31/tags/{ARN}?tagKeys=K&tagKeys=K2  UntagResource
// (ListTags is in management_api.cc.) Each is stored in the function's record
// and reported as Lambda reports it; none is acted on yet: asynchronous
// invokes do not follow the event-invoke config's retries or destinations,
// the server does not serve API-made Function URLs, and policies are not
// enforced. Only functions made through the API take these writes.

#include <regex>

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

constexpr std::string_view kDestinationPattern =
    R"(^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*))";
constexpr std::string_view kUrlQualifierPattern = R"(((?!^\d+$)^[0-9a-zA-Z-_]+$))";
constexpr std::string_view kPolicyQualifierPattern = "(|[a-zA-Z0-9$_-]+)";
constexpr std::string_view kTaggableResourcePattern =
    R"(arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+))";
constexpr size_t kMaxTags = 50;

// A missing member: Lambda writes "Value null at 'member'", unquoted, where
// ValidationErrors quotes every value.
constexpr std::string_view kNull = "\x01null";

AwsError Invalid(const ValidationErrors& errors) {
  std::string message = errors.Message();
  const std::string quoted = "'" + std::string(kNull) + "'";
  for (auto at = message.find(quoted); at != std::string::npos; at = message.find(quoted)) {
    message.replace(at, quoted.size(), "null");
  }
  return AwsError::Validation(message);
}
constexpr std::string_view kNoSuchResource = "The resource you requested does not exist.";

bool OnlyOf(const std::string& text, std::string_view allowed) {
  return text.find_first_not_of(allowed) == std::string::npos;
}

constexpr std::string_view kNameChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

bool IsNumber(const std::string& text) { return !text.empty() && OnlyOf(text, "0123456789"); }

// A qualifier that can only name an alias.
bool IsAliasName(const std::string& text) {
  return !text.empty() && !IsNumber(text) && OnlyOf(text, kNameChars);
}

std::string Shown(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

bool IsNotFound(const AwsError& error) {
  return error.type == "ResourceNotFoundException" &&
         error.message.starts_with("Function not found: ");
}

// What a {FunctionName} segment (and Qualifier) names, even when there is no
// such function: the messages of these operations quote it.
struct Named {
  std::string name;
  std::string arn;  // unqualified
  std::optional<std::string> qualifier;
};

Named NameOf(std::string_view function, std::string_view query,
             const pool::ServerSettings& settings) {
  Named named;
  std::string decoded = UrlDecode(function);
  std::optional<FunctionRef> ref = ParseFunctionRef(decoded);
  named.name = ref ? ref->name : decoded;
  named.arn = FunctionArn(settings.region,
                          ref && ref->account ? *ref->account : settings.account_id, named.name);
  named.qualifier = QueryParam(query, "Qualifier");
  if (named.qualifier && named.qualifier->empty()) named.qualifier.reset();
  if (!named.qualifier && ref) named.qualifier = ref->qualifier;
  return named;
}

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

// ---- Event-invoke configs ----------------------------------------------

// The model's constraints on a FunctionEventInvokeConfig request.
void CheckEventInvokeConfig(const json& body, ValidationErrors& errors) {
  if (body.contains("MaximumRetryAttempts")) {
    const json& value = body["MaximumRetryAttempts"];
    if (!value.is_number_integer() || value.get<long long>() < 0) {
      errors.Add(Shown(value), "maximumRetryAttempts",
                 "Member must have value greater than or equal to 0");
    } else if (value.get<long long>() > 2) {
      errors.Add(Shown(value), "maximumRetryAttempts",
                 "Member must have value less than or equal to 2");
    }
  }
  if (body.contains("MaximumEventAgeInSeconds")) {
    const json& value = body["MaximumEventAgeInSeconds"];
    if (!value.is_number_integer() || value.get<long long>() < 60) {
      errors.Add(Shown(value), "maximumEventAgeInSeconds",
                 "Member must have value greater than or equal to 60");
    } else if (value.get<long long>() > 21600) {
      errors.Add(Shown(value), "maximumEventAgeInSeconds",
                 "Member must have value less than or equal to 21600");
    }
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

// ---- Function URL configs ----------------------------------------------

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

// ---- Permissions ---------------------------------------------------------

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
  const json sid = body.value("StatementId", json());
  if (sid.is_null()) {
    errors.Add(kNull, "statementId", "Member must not be null");
  } else {
    std::string text = Shown(sid);
    if (text.size() > 100) {
      errors.Add(text, "statementId", "Member must have length less than or equal to 100");
    }
    if (!sid.is_string() || text.empty() || !OnlyOf(text, kNameChars)) {
      errors.Add(text, "statementId",
                 "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
    }
  }
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

// A statement's Principal as the policy writes it, or nullopt when Lambda
// does not accept the principal.
std::optional<json> PrincipalOf(const std::string& principal) {
  if (principal == "*") return json("*");
  if (principal.size() == 12 && IsNumber(principal)) {
    return json{{"AWS", "arn:aws:iam::" + principal + ":root"}};
  }
  if (principal.starts_with("arn:aws") && principal.find(":iam::") != std::string::npos) {
    return json{{"AWS", principal}};
  }
  for (std::string_view suffix : {".amazonaws.com", ".amazon.com", ".amazonaws.com.cn"}) {
    if (principal.size() > suffix.size() && principal.ends_with(suffix) &&
        OnlyOf(principal, "abcdefghijklmnopqrstuvwxyz0123456789-.")) {
      return json{{"Service", principal}};
    }
  }
  return std::nullopt;
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

// A statement in Lambda's key order (Sid, Effect, Principal, Action,
// Resource, Condition): the policy is a string and its readers see the order.
nlohmann::ordered_json Ordered(const json& statement) {
  nlohmann::ordered_json out;
  for (const char* key : {"Sid", "Effect", "Principal", "Action", "Resource", "Condition"}) {
    if (statement.contains(key)) out[key] = statement[key];
  }
  return out;
}

// ---- Tags ----------------------------------------------------------------

// The {ARN} of a tag operation, or the ValidationException ListTags gives.
std::optional<AwsError> CheckTaggable(const std::string& arn) {
  std::optional<FunctionRef> ref = ParseFunctionRef(arn);
  if (arn.size() <= kMaxFunctionNameLength && ref && ref->region && ref->account &&
      arn.find(":function:") != std::string::npos) {
    return std::nullopt;
  }
  ValidationErrors errors;
  if (arn.size() > kMaxFunctionNameLength) {
    errors.Add(arn, "resource", "Member must have length less than or equal to 256");
  }
  errors.Add(
      arn, "resource",
      "Member must satisfy regular expression pattern: " + std::string(kTaggableResourcePattern));
  return Invalid(errors);
}

std::optional<AwsError> RefuseQualifiedTagArn(const std::string& arn) {
  std::optional<FunctionRef> ref = ParseFunctionRef(arn);
  if (ref && ref->qualifier) {
    return AwsError::InvalidParameterValue(
        "Tags on function aliases and versions are not supported. Please specify a function ARN.");
  }
  return std::nullopt;
}

}  // namespace

// ---- Event-invoke configs ----------------------------------------------

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
  json configs = json::array();
  if (target.record) {
    const std::string arn = control_.FunctionArn(target.record->name());
    for (const auto& [qualifier, stored] : target.record->event_invoke_configs) {
      configs.push_back(EventInvokeJson(arn + ":" + qualifier, stored));
    }
  }
  return Ok(req, {{"FunctionEventInvokeConfigs", configs}});
}

// ---- Function URL configs ----------------------------------------------

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
  json configs = json::array();
  if (target.record) {
    const std::string arn = control_.FunctionArn(target.record->name());
    for (const auto& [qualifier, stored] : target.record->url_configs) {
      configs.push_back(UrlJson(arn + (qualifier.empty() ? "" : ":" + qualifier), settings_.region,
                                stored, UrlView::kGet));
    }
  }
  return Ok(req, {{"FunctionUrlConfigs", configs}});
}

// ---- Permissions ---------------------------------------------------------

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
      if (existing.value("Sid", "") == sid) {
        return control::Error{control::Error::Kind::kConflict,
                              "The statement id (" + sid +
                                  ") provided already exists. Please provide a new statement "
                                  "id, or remove the existing statement."};
      }
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
  nlohmann::ordered_json policy;
  policy["Version"] = "2012-10-17";
  policy["Id"] = "default";
  policy["Statement"] = nlohmann::ordered_json::array();
  for (const auto& statement : found->second) policy["Statement"].push_back(Ordered(statement));
  std::string revision;
  if (auto it = target.record->policy_revisions.find(qualifier);
      it != target.record->policy_revisions.end()) {
    revision = it->second;
  }
  return Ok(req, {{"Policy", policy.dump()}, {"RevisionId", revision}});
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
      return control::Error{control::Error::Kind::kNotFound,
                            "No policy is associated with the given resource."};
    }
    if (!revision.empty() && revision != record.policy_revisions[qualifier]) {
      return control::Error{control::Error::Kind::kPreconditionFailed, RevisionMismatch().message};
    }
    auto& statements = policy->second;
    auto it = std::find_if(statements.begin(), statements.end(),
                           [&](const json& s) { return s.value("Sid", "") == sid; });
    if (it == statements.end()) {
      return control::Error{control::Error::Kind::kNotFound,
                            "Statement " + sid + " is not found in resource policy."};
    }
    statements.erase(it);
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

// ---- Tags ----------------------------------------------------------------

ManagementApi::Awaitable ManagementApi::TagResource(http::Request& req, std::string_view resource) {
  const std::string arn = UrlDecode(resource);
  if (auto invalid = CheckTaggable(arn)) co_return Fail(req, *invalid);
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  if (auto refused = RefuseQualifiedTagArn(arn)) co_return Fail(req, *refused);
  const json tags = body->value("Tags", json());
  bool valid = tags.is_object() && !tags.empty();
  if (valid) {
    for (const auto& [key, value] : tags.items()) {
      valid = valid && value.is_string() && !key.empty();
    }
  }
  if (!valid) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "An error occurred and the request cannot be processed."));
  }
  WriteTarget target = ResolveWrite(arn, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    for (const auto& [key, value] : tags.items()) record.tags[key] = value.get<std::string>();
    if (record.tags.size() > kMaxTags) {
      return control::Error{control::Error::Kind::kInvalidParameter,
                            "Number of tags exceeds resource tag limit."};
    }
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

ManagementApi::Awaitable ManagementApi::UntagResource(http::Request& req, std::string_view resource,
                                                      std::string_view query) {
  const std::string arn = UrlDecode(resource);
  if (auto invalid = CheckTaggable(arn)) co_return Fail(req, *invalid);
  // tagKeys repeats, once per key.
  std::vector<std::string> keys;
  bool given = false;
  for (std::string_view rest = query; !rest.empty();) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == "tagKeys") {
      given = true;
      if (eq != std::string_view::npos) keys.push_back(UrlDecode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  if (!given) {
    ValidationErrors errors;
    errors.Add(kNull, "tagKeys", "Member must not be null");
    co_return Fail(req, Invalid(errors));
  }
  if (auto refused = RefuseQualifiedTagArn(arn)) co_return Fail(req, *refused);
  WriteTarget target = ResolveWrite(arn, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    for (const auto& key : keys) record.tags.erase(key);
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

}  // namespace lambda_emu::api
