#include "api/function_configuration.h"

#include <cstdio>
#include <ctime>

namespace lambda_emu::api {

namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

}  // namespace

std::string FunctionRole(const pool::ServerSettings& settings) {
  return "arn:aws:iam::" + settings.account_id + ":role/lambda-emu";
}

std::string LayerArn(const pool::ServerSettings& settings, const std::filesystem::path& layer) {
  std::string name = layer.filename().string();
  if (name.empty()) name = layer.parent_path().filename().string();
  for (char& c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) c = '-';
  }
  if (name.empty()) name = "layer";
  return "arn:aws:lambda:" + settings.region + ":" + settings.account_id + ":layer:" + name + ":1";
}

std::string FormatLastModified(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                utc.tm_sec, static_cast<int>(unix_ms % 1000));
  return buffer;
}

std::string RevisionIdOf(std::string_view data) {
  std::string hex = Hex(Sha256(data)).substr(0, 32);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

nlohmann::json FunctionConfigurationJson(const pool::FunctionContext& function,
                                         const pool::ServerSettings& settings,
                                         const CodePackage& code,
                                         const std::vector<LayerReference>& layers,
                                         std::string_view qualifier, ConfigurationView view) {
  control::VersionState state;
  state.code_sha256 = code.sha256_base64;
  state.code_size = static_cast<std::int64_t>(code.zip.size());
  state.last_modified_ms = code.last_modified_ms;
  return FunctionConfigurationJson(function.config, function.version, state, layers, settings,
                                   qualifier, view);
}

nlohmann::json FunctionConfigurationJson(const config::FunctionConfig& config,
                                         const std::string& version,
                                         const control::VersionState& state,
                                         const std::vector<LayerReference>& layers,
                                         const pool::ServerSettings& settings,
                                         std::string_view qualifier, ConfigurationView view) {
  const std::string arn =
      "arn:aws:lambda:" + settings.region + ":" + settings.account_id + ":function:" + config.name;
  nlohmann::json json = {
      {"FunctionName", config.name},
      {"FunctionArn", arn},
      {"Runtime", config.runtime},
      {"Role", state.role.empty() ? FunctionRole(settings) : state.role},
      {"Handler", config.handler},
      {"CodeSize", state.code_size},
      {"Description", config.description},
      {"Timeout", config.timeout_s},
      {"MemorySize", config.memory_mb},
      {"LastModified", FormatLastModified(state.last_modified_ms)},
      {"CodeSha256", state.code_sha256},
      {"Version", version},
      {"TracingConfig", {{"Mode", "PassThrough"}}},
      {"PackageType", "Zip"},
      {"Architectures", {config.architecture}},
      {"EphemeralStorage", {{"Size", config.ephemeral_storage_mb}}},
      // A published version of a SnapStart function is restored from its
      // snapshot; $LATEST is not.
      {"SnapStart",
       {{"ApplyOn", config.snap_start ? "PublishedVersions" : "None"},
        {"OptimizationStatus", config.snap_start && version != "$LATEST" ? "On" : "Off"}}},
      // Lambda names the runtime build a function runs; lambda-emu runs the
      // machine's interpreter, so the id only tells runtimes apart.
      {"RuntimeVersionConfig",
       {{"RuntimeVersionArn",
         "arn:aws:lambda:" + settings.region + "::runtime:" + Hex(Sha256(config.runtime))}}},
      {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + config.name}}},
  };
  if (!config.environment.empty()) {
    nlohmann::json variables = nlohmann::json::object();
    for (const auto& [key, value] : config.environment) variables[key] = value;
    json["Environment"] = {{"Variables", variables}};
  }
  if (!layers.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& layer : layers)
      list.push_back({{"Arn", layer.arn}, {"CodeSize", layer.code_size}});
    json["Layers"] = list;
  }
  // Configuration kept as given (DeadLetterConfig, VpcConfig, TracingConfig, ...).
  for (const auto& [key, value] : state.extra.items()) json[key] = value;
  // A file function's RevisionId: everything above is its configuration and
  // code, so any change to either gives another RevisionId, and nothing else
  // does. An API function's changes on every update, as Lambda's does.
  json["RevisionId"] = state.revision_id.empty() ? RevisionIdOf(json.dump()) : state.revision_id;
  if (view == ConfigurationView::kFull) {
    json["State"] = state.state;
    if (!state.state_reason.empty()) json["StateReason"] = state.state_reason;
    if (!state.state_reason_code.empty()) json["StateReasonCode"] = state.state_reason_code;
    json["LastUpdateStatus"] = state.last_update_status;
    if (!state.last_update_status_reason.empty()) {
      json["LastUpdateStatusReason"] = state.last_update_status_reason;
    }
    if (!state.last_update_status_reason_code.empty()) {
      json["LastUpdateStatusReasonCode"] = state.last_update_status_reason_code;
    }
  } else {
    // ListFunctions' documented subset: no State fields, no RuntimeVersionConfig.
    json.erase("RuntimeVersionConfig");
  }
  if (!qualifier.empty()) json["FunctionArn"] = arn + ":" + std::string(qualifier);
  return json;
}

}  // namespace lambda_emu::api
