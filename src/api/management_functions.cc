// The management API's function writes:
//   POST   /2015-03-31/functions                          CreateFunction
//   PUT    /2015-03-31/functions/{FunctionName}/code     UpdateFunctionCode
//   PUT    /2015-03-31/functions/{FunctionName}/configuration
//                                                        UpdateFunctionConfiguration
//   DELETE /2015-03-31/functions/{FunctionName}          DeleteFunction
// Each request is checked against botocore's model first (all violations in
// one ValidationException), then against Lambda's rules (InvalidParameterValue),
// then handed to the control plane, which makes it durable before we answer.

#include <set>

#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "api/management_api.h"
#include "api/management_internal.h"
#include "common/base64.h"

namespace lambda_emu::api {

using namespace management;
namespace http_ns = beast::http;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMaxCodeRequestBytes = 70167211;
constexpr size_t kMaxZippedBytes = 52428800;
constexpr size_t kMaxEnvironmentBytes = 4096;
constexpr size_t kMaxLayers = 5;
constexpr std::string_view kRolePattern =
    R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)";

bool MatchesRole(const std::string& role) {
  // arn:aws[...]:iam::<12 digits>:role/<name>
  static const std::string kPrefix = "arn:aws";
  if (role.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  auto iam = role.find(":iam::");
  if (iam == std::string::npos) return false;
  for (size_t i = kPrefix.size(); i < iam; ++i) {
    char c = role[i];
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  size_t account = iam + 6;
  if (role.size() < account + 12 + 6) return false;
  for (size_t i = account; i < account + 12; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(role[i]))) return false;
  }
  if (role.compare(account + 12, 5, ":role") != 0) return false;
  size_t rest = account + 17;
  if (rest < role.size() && role[rest] == '/') ++rest;
  if (rest >= role.size()) return false;
  for (size_t i = rest; i < role.size(); ++i) {
    char c = role[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("+=,.@-_/").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// The fields of a FunctionConfiguration a request may set (CreateFunction,
// UpdateFunctionConfiguration), after the model's checks. Absent fields are
// left as they are in `version`.
void CheckConfiguration(const json& body, ValidationErrors& errors) {
  if (body.contains("Role")) {
    const json& role = body["Role"];
    if (!role.is_string() || !MatchesRole(role.get<std::string>())) {
      errors.Add(Shown(role), "role",
                 "Member must satisfy regular expression pattern: " + std::string(kRolePattern));
    }
  }
  if (body.contains("Handler")) {
    const json& handler = body["Handler"];
    std::string text = Shown(handler);
    if (text.size() > 128)
      errors.Add(text, "handler", "Member must have length less than or equal to 128");
    if (!handler.is_string() || text.empty() ||
        text.find_first_of(" \t\r\n") != std::string::npos) {
      errors.Add(text, "handler", "Member must satisfy regular expression pattern: [^\\s]+");
    }
  }
  if (body.contains("MemorySize")) {
    CheckRange(body["MemorySize"], "memorySize", config::kMinMemoryMb, config::kMaxMemoryMb,
               errors);
  }
  if (body.contains("Timeout")) {
    CheckRange(body["Timeout"], "timeout", config::kMinTimeoutS, config::kMaxTimeoutS, errors);
  }
  if (body.contains("Description")) {
    const json& description = body["Description"];
    if (!description.is_string() || description.get<std::string>().size() > 256) {
      errors.Add(Shown(description), "description",
                 "Member must have length less than or equal to 256");
    }
  }
  if (body.contains("EphemeralStorage")) {
    CheckRange(body["EphemeralStorage"].value("Size", json()), "ephemeralStorage.size",
               config::kMinEphemeralMb, config::kMaxEphemeralMb, errors);
  }
  if (body.contains("SnapStart")) {
    const json& apply_on =
        body["SnapStart"].is_object() ? body["SnapStart"].value("ApplyOn", json()) : json();
    if (!apply_on.is_string() || !config::SnapStartApplyOn(apply_on.get<std::string>())) {
      errors.Add(Shown(apply_on), "snapStart.applyOn",
                 "Member must satisfy enum value set: [PublishedVersions, None]");
    }
  }
  if (body.contains("Architectures")) {
    const json& list = body["Architectures"];
    std::string shown = "[";
    bool valid = list.is_array();
    if (valid) {
      for (size_t i = 0; i < list.size(); ++i) {
        shown += (i ? ", " : "") + Shown(list[i]);
        valid = valid && (list[i] == "x86_64" || list[i] == "arm64");
      }
    }
    shown += "]";
    if (list.is_array() && list.size() > 1) {
      errors.Add(shown, "architectures", "Member must have length less than or equal to 1");
    } else if (!valid) {
      errors.Add(shown, "architectures",
                 "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, "
                 "arm64], Member must not be null]");
    }
  }
}

// Lambda's own rules, after the model's: runtime, environment size, layers.
std::optional<AwsError> ApplyConfiguration(const json& body, control::ControlPlane& control,
                                           control::FunctionVersion& version) {
  config::FunctionConfig& c = version.config;
  control::VersionState& s = version.state;
  if (body.contains("Runtime")) {
    std::string runtime = Shown(body["Runtime"]);
    if (!config::ParseRuntime(runtime)) {
      std::string list;
      for (const auto& name : config::SupportedRuntimes())
        list += (list.empty() ? "" : ", ") + name;
      return AwsError::InvalidParameterValue("Value " + runtime +
                                             " at 'runtime' failed to satisfy constraint: Member "
                                             "must satisfy enum value set: [" +
                                             list + "] or be a valid ARN");
    }
    c.runtime = runtime;
    c.family = *config::ParseRuntime(runtime);
  }
  if (body.contains("Role")) s.role = body["Role"].get<std::string>();
  if (body.contains("Handler")) c.handler = body["Handler"].get<std::string>();
  if (body.contains("MemorySize")) c.memory_mb = body["MemorySize"].get<int>();
  if (body.contains("Timeout")) c.timeout_s = body["Timeout"].get<int>();
  if (body.contains("Description")) c.description = body["Description"].get<std::string>();
  if (body.contains("EphemeralStorage")) {
    c.ephemeral_storage_mb = body["EphemeralStorage"]["Size"].get<int>();
  }
  if (body.contains("SnapStart")) {
    c.snap_start = *config::SnapStartApplyOn(body["SnapStart"]["ApplyOn"].get<std::string>());
  }
  if (c.snap_start && !config::SnapStartRuntime(c.runtime)) {
    return AwsError::InvalidParameterValue(config::SnapStartRuntimeMessage(c.runtime));
  }
  if (body.contains("Architectures") && !body["Architectures"].empty()) {
    c.architecture = body["Architectures"][0].get<std::string>();
  }
  if (body.contains("Environment")) {
    const json& variables = body["Environment"].value("Variables", json::object());
    if (!variables.is_object()) {
      return AwsError::InvalidParameterValue("Environment.Variables must be a map of strings");
    }
    json measured = json::object();
    c.environment.clear();
    for (const auto& [key, value] : variables.items()) {
      if (!value.is_string()) {
        return AwsError::InvalidParameterValue("Environment variable " + key + " must be a string");
      }
      c.environment.emplace_back(key, value.get<std::string>());
      measured[key] = value;
    }
    if (measured.dump().size() > kMaxEnvironmentBytes) {
      return AwsError::InvalidParameterValue(
          "Lambda was unable to configure your environment variables because the environment "
          "variables you have provided exceeded the 4KB limit. String measured: " +
          measured.dump());
    }
    std::string reserved;
    for (const auto& [key, value] : c.environment) {
      if (!config::IsValidVariableName(key)) {
        ValidationErrors invalid;
        invalid.Add(key, "environment.variables",
                    "Map keys must satisfy constraint: [Member must satisfy regular expression "
                    "pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
        return AwsError::Validation(invalid);
      }
      if (config::IsReservedVariable(key)) reserved += (reserved.empty() ? "" : ",") + key;
    }
    if (!reserved.empty()) {
      return AwsError::InvalidParameterValue(
          "Lambda was unable to configure your environment variables because the environment "
          "variables you have provided contains reserved keys that are currently not supported "
          "for modification. Reserved keys used in this request: " +
          reserved);
    }
  }
  if (body.contains("Layers")) {
    const json& layers = body["Layers"];
    if (!layers.is_array()) return AwsError::InvalidParameterValue("Layers must be a list");
    if (layers.size() > kMaxLayers) {
      return AwsError::InvalidParameterValue("Cannot reference more than 5 layers.");
    }
    s.layer_arns.clear();
    s.layer_blobs.clear();
    s.layer_sizes.clear();
    c.layers.clear();
    std::map<std::string, std::string> seen;  // layer ARN -> version ARN
    for (const auto& item : layers) {
      std::string arn = Shown(item);
      auto resolved = control.ResolveLayer(arn);
      if (auto* error = std::get_if<control::Error>(&resolved)) return FromControl(*error);
      std::string layer = arn.substr(0, arn.rfind(':'));
      if (auto other = seen.find(layer); other != seen.end()) {
        return AwsError::InvalidParameterValue(
            "Two different versions of the same layer are not allowed to be referenced in the "
            "same function. " +
            other->second + " and " + arn + " are versions of the same layer.");
      }
      seen[layer] = arn;
      const control::LayerVersion* version = std::get<const control::LayerVersion*>(resolved);
      s.layer_arns.push_back(arn);
      s.layer_blobs.push_back(version->blob);
      s.layer_sizes.push_back(version->size);
      c.layers.push_back(version->dir);
    }
  }
  // Kept and reported as given; lambda-emu does not act on them.
  for (const char* key : {"DeadLetterConfig", "TracingConfig", "VpcConfig", "KMSKeyArn",
                          "FileSystemConfigs", "ImageConfig", "LoggingConfig"}) {
    if (body.contains(key)) s.extra[key] = body[key];
  }
  return std::nullopt;
}

// The package in Code.ZipFile / ZipFile (base64), or the error Lambda gives.
std::optional<std::string> ZipFile(const json& value, std::optional<AwsError>& error) {
  if (!value.is_string()) {
    error = AwsError::InvalidParameterValue("ZipFile must be a base64-encoded .zip");
    return std::nullopt;
  }
  auto bytes = Base64Decode(value.get<std::string>());
  if (!bytes) {
    error = AwsError::InvalidParameterValue(
        "Could not unzip uploaded file. Please check your file, then try to upload again.");
    return std::nullopt;
  }
  if (bytes->size() > kMaxZippedBytes) {
    error = AwsError{http_ns::status::payload_too_large,
                     "RequestEntityTooLargeException",
                     "Zipped size must be smaller than 52428800 bytes",
                     {}};
    return std::nullopt;
  }
  return bytes;
}

// The response to CreateFunction and the Update operations: the version as
// stored, with the transitional state Lambda reports while it applies it.
void MarkTransition(json& configuration, bool created) {
  if (created) {
    configuration["State"] = "Pending";
    configuration["StateReason"] = "The function is being created.";
    configuration["StateReasonCode"] = "Creating";
    configuration.erase("LastUpdateStatus");
    configuration.erase("LastUpdateStatusReason");
    configuration.erase("LastUpdateStatusReasonCode");
  } else {
    configuration["LastUpdateStatus"] = "InProgress";
    configuration["LastUpdateStatusReason"] = "The function is being created.";
    configuration["LastUpdateStatusReasonCode"] = "Creating";
  }
}

}  // namespace

std::uint64_t ManagementApi::BodyLimit(const http::Request& header) {
  std::string_view target = header.target();
  auto method = header.method();
  bool code = (method == http_ns::verb::post &&
               (target == "/2015-03-31/functions" || target == "/2015-03-31/functions/" ||
                target.starts_with("/2018-10-31/layers/"))) ||
              (method == http_ns::verb::put && target.starts_with("/2015-03-31/functions/") &&
               target.ends_with("/code"));
  return code ? kMaxCodeRequestBytes : kMaxSyncPayloadBytes;
}

ManagementApi::WriteTarget ManagementApi::ResolveWrite(std::string_view function,
                                                       std::string_view query, bool qualified) {
  WriteTarget target;
  Target found = Resolve(function, query, qualified);
  if (found.error) {
    target.error = std::move(found.error);
    return target;
  }
  if (found.pool) {
    target.error = AwsError::InvalidParameterValue(
        "Function " + found.pool->function().config.name +
        " is defined in the config file or template; change it there (lambda-emu reloads it)");
    return target;
  }
  target.record = found.record;
  target.name = found.record->name();
  target.qualifier = std::move(found.qualifier);
  return target;
}

ManagementApi::Awaitable ManagementApi::CreateFunction(http::Request& req) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);

  ValidationErrors errors;
  std::string raw_name = body->contains("FunctionName") ? Shown((*body)["FunctionName"]) : "";
  std::optional<FunctionRef> ref;
  if (raw_name.size() > 140) {
    errors.Add(raw_name, "functionName", "Member must have length less than or equal to 140");
  } else {
    ref = ValidateFunctionName(raw_name, errors);
  }
  if (!body->contains("Role")) errors.Add("null", "role", "Member must not be null");
  CheckConfiguration(*body, errors);
  if (!errors.empty()) co_return Fail(req, AwsError::Validation(errors));
  if (ref->region && *ref->region != settings_.region) {
    co_return Fail(req, AwsError::ResourceNotFound("Functions from '" + *ref->region +
                                                   "' are not reachable in this region ('" +
                                                   settings_.region + "')"));
  }
  if (ref->name.size() > 64) {
    ValidationErrors length;
    length.Add(ref->name, "functionName", "Member must have length less than or equal to 64");
    co_return Fail(req, AwsError::InvalidParameterValue(length.Message()));
  }
  if (body->value("PackageType", "Zip") != "Zip") {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "lambda-emu runs Zip functions only: give Code.ZipFile"));
  }
  if (!body->contains("Runtime")) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "Runtime and Handler are required for a function of PackageType Zip."));
  }
  if (registry_.Find(ref->name) || control_.Busy(ref->name)) {
    co_return Fail(req, {http_ns::status::conflict,
                         "ResourceConflictException",
                         "Function already exist: " + ref->name,
                         {}});
  }

  control::FunctionRecord record;
  control::FunctionVersion& latest = record.latest;
  latest.config.name = ref->name;
  if (auto refused = ApplyConfiguration(*body, control_, latest)) co_return Fail(req, *refused);
  if (latest.config.handler.empty() && latest.config.family != config::RuntimeFamily::kProvided) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "Runtime and Handler are required for a function of PackageType Zip."));
  }
  const json& code = body->value("Code", json::object());
  if (!code.contains("ZipFile")) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "lambda-emu takes a function's code as Code.ZipFile (it has no S3 "
                            "bucket or container registry to fetch it from)"));
  }
  auto zip = ZipFile(code["ZipFile"], error);
  if (!zip) co_return Fail(req, *error);
  if (body->contains("Tags")) {
    for (const auto& [key, value] : (*body)["Tags"].items()) record.tags[key] = Shown(value);
  }

  if (auto full = control_.CheckCodeStorage(static_cast<std::int64_t>(zip->size()))) {
    co_return Fail(req, FromControl(*full));
  }
  auto stored = co_await control_.StoreCode(std::move(*zip));
  if (auto* refused = std::get_if<control::Error>(&stored))
    co_return Fail(req, FromControl(*refused));
  const control::StoredCode& package = std::get<control::StoredCode>(stored);
  latest.config.code_dir = package.dir;
  latest.config.code_source = package.dir;
  latest.state.code_blob = package.blob;
  latest.state.code_sha256 = package.sha256_base64;
  latest.state.code_size = package.size;
  latest.state.last_modified_ms = NowMs();
  latest.state.revision_id = control::NewRevisionId();
  std::optional<control::FunctionVersion> published;
  if (body->value("Publish", false)) {
    published = record.versions.at(control::PublishLatest(record, "", NowMs()));
  }

  control::FunctionRecord created = record;
  if (auto refused = co_await control_.Create(std::move(created))) {
    co_return Fail(req, FromControl(*refused));
  }
  json response = published
                      ? Configuration(*published, published->version, ConfigurationView::kFull)
                      : Configuration(record.latest, "", ConfigurationView::kFull);
  MarkTransition(response, true);
  co_return Ok(req, response, http_ns::status::created);
}

ManagementApi::Awaitable ManagementApi::UpdateFunctionCode(http::Request& req,
                                                           std::string_view function) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  ValidationErrors errors;
  if (body->contains("Architectures"))
    CheckConfiguration({{"Architectures", (*body)["Architectures"]}}, errors);
  if (!errors.empty()) co_return Fail(req, AwsError::Validation(errors));
  if (!body->contains("ZipFile")) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "lambda-emu takes a function's code as ZipFile (it has no S3 bucket "
                            "or container registry to fetch it from)"));
  }
  if (body->contains("RevisionId") &&
      (*body)["RevisionId"] != target.record->latest.state.revision_id) {
    co_return Fail(req, RevisionMismatch());
  }
  auto zip = ZipFile((*body)["ZipFile"], error);
  if (!zip) co_return Fail(req, *error);
  if (control_.Busy(target.name))
    co_return Fail(req, FromControl(control_.UpdateInProgress(target.name)));

  if (auto full = control_.CheckCodeStorage(static_cast<std::int64_t>(zip->size()))) {
    co_return Fail(req, FromControl(*full));
  }
  auto stored = co_await control_.StoreCode(std::move(*zip));
  if (auto* refused = std::get_if<control::Error>(&stored))
    co_return Fail(req, FromControl(*refused));
  const control::StoredCode package = std::get<control::StoredCode>(stored);
  const bool dry_run = body->value("DryRun", false);
  const bool publish = body->value("Publish", false);
  const std::optional<std::string> revision =
      body->contains("RevisionId") ? std::optional(Shown((*body)["RevisionId"])) : std::nullopt;
  std::string architecture;
  if (body->contains("Architectures") && !(*body)["Architectures"].empty()) {
    architecture = (*body)["Architectures"][0].get<std::string>();
  }
  auto apply = [&](control::FunctionVersion& latest) {
    latest.config.code_dir = package.dir;
    latest.config.code_source = package.dir;
    if (!architecture.empty()) latest.config.architecture = architecture;
    latest.state.code_blob = package.blob;
    latest.state.code_sha256 = package.sha256_base64;
    latest.state.code_size = package.size;
    latest.state.last_modified_ms = NowMs();
    latest.state.revision_id = control::NewRevisionId();
  };
  if (dry_run) {
    // Checked and answered as if applied; nothing changes.
    control::FunctionVersion preview = target.record->latest;
    apply(preview);
    co_return Ok(req, Configuration(preview, "", ConfigurationView::kFull));
  }
  std::optional<control::FunctionVersion> published;
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    if (revision && *revision != record.latest.state.revision_id) {
      return control::Error{control::Error::Kind::kPreconditionFailed, RevisionMismatch().message};
    }
    apply(record.latest);
    if (publish) published = record.versions.at(control::PublishLatest(record, "", NowMs()));
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  const control::FunctionRecord* record = control_.Find(target.name);
  if (published) {
    json response = Configuration(*published, published->version, ConfigurationView::kFull);
    MarkTransition(response, true);
    co_return Ok(req, response);
  }
  json response = Configuration(record->latest, "", ConfigurationView::kFull);
  MarkTransition(response, false);
  co_return Ok(req, response);
}

ManagementApi::Awaitable ManagementApi::UpdateFunctionConfiguration(http::Request& req,
                                                                    std::string_view function) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  WriteTarget target = ResolveWrite(function, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  ValidationErrors errors;
  CheckConfiguration(*body, errors);
  if (!errors.empty()) co_return Fail(req, AwsError::Validation(errors));
  const std::optional<std::string> revision =
      body->contains("RevisionId") ? std::optional(Shown((*body)["RevisionId"])) : std::nullopt;
  if (revision && *revision != target.record->latest.state.revision_id) {
    co_return Fail(req, RevisionMismatch());
  }
  // Checked on a copy first, so a refusal is answered before anything waits.
  control::FunctionVersion preview = target.record->latest;
  if (auto refused = ApplyConfiguration(*body, control_, preview)) co_return Fail(req, *refused);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    if (revision && *revision != record.latest.state.revision_id) {
      return control::Error{control::Error::Kind::kPreconditionFailed, RevisionMismatch().message};
    }
    if (auto invalid = ApplyConfiguration(*body, control_, record.latest)) {
      return control::Error{control::Error::Kind::kInvalidParameter, invalid->message};
    }
    record.latest.state.last_modified_ms = NowMs();
    record.latest.state.revision_id = control::NewRevisionId();
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  json response = Configuration(control_.Find(target.name)->latest, "", ConfigurationView::kFull);
  MarkTransition(response, false);
  co_return Ok(req, response);
}

ManagementApi::Awaitable ManagementApi::DeleteFunction(http::Request& req,
                                                       std::string_view function,
                                                       std::string_view query) {
  Target found = Resolve(function, query, true);
  if (found.error) {
    // Lambda names the unqualified function when it does not exist.
    if (found.error->type == "ResourceNotFoundException" && !control_.Find(UrlDecode(function))) {
      auto ref = ParseFunctionRef(UrlDecode(function));
      if (ref && !registry_.Find(ref->name) && !control_.Find(ref->name)) {
        co_return Fail(req, FromControl(control_.FunctionNotFound(ref->name)));
      }
    }
    co_return Fail(req, *found.error);
  }
  if (found.qualifier && *found.qualifier == "$LATEST") {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "$LATEST version cannot be deleted without deleting the function."));
  }
  WriteTarget target = ResolveWrite(function, query, true);
  if (target.error) co_return Fail(req, *target.error);
  if (!target.qualifier) {
    if (auto refused = co_await control_.Delete(target.name)) {
      co_return Fail(req, FromControl(*refused));
    }
    co_return NoContent(req);
  }
  const std::string qualifier = *target.qualifier;
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    if (record.aliases.count(qualifier)) {
      return control::Error{control::Error::Kind::kInvalidParameter,
                            "Deletion of aliases is not supported: use DeleteAlias"};
    }
    std::string users;
    for (const auto& [name, alias] : record.aliases) {
      bool routes =
          alias.function_version == qualifier || alias.additional_weights.count(qualifier) > 0;
      if (routes) users += (users.empty() ? "" : ", ") + name;
    }
    if (!users.empty()) {
      return control::Error{control::Error::Kind::kConflict,
                            "Unable to delete version because the following aliases "
                            "reference it: [" +
                                users + "]"};
    }
    record.versions.erase(std::stoi(qualifier));
    record.ForgetQualifier(qualifier);
    return std::nullopt;
  };
  // Moved in, not a temporary: GCC 12 destroys a co_await expression's
  // temporaries twice.
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

}  // namespace lambda_emu::api
