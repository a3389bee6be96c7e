#include "control/function_record.h"

#include <random>

namespace lambda_emu::control {

namespace {

using nlohmann::json;

json VersionToJson(const FunctionVersion& v) {
  const config::FunctionConfig& c = v.config;
  json environment = json::array();
  for (const auto& [key, value] : c.environment) environment.push_back({key, value});
  const VersionState& s = v.state;
  return {
      {"Version", v.version},
      {"Runtime", c.runtime},
      {"Handler", c.handler},
      {"MemorySize", c.memory_mb},
      {"Timeout", c.timeout_s},
      {"EphemeralStorage", c.ephemeral_storage_mb},
      {"Environment", environment},
      {"Description", c.description},
      {"Architecture", c.architecture},
      {"SnapStart", c.snap_start},
      {"CodeSha256", s.code_sha256},
      {"CodeBlob", s.code_blob},
      {"CodeSize", s.code_size},
      {"LastModified", s.last_modified_ms},
      {"RevisionId", s.revision_id},
      {"Role", s.role},
      {"State", s.state},
      {"StateReason", s.state_reason},
      {"StateReasonCode", s.state_reason_code},
      {"LastUpdateStatus", s.last_update_status},
      {"LastUpdateStatusReason", s.last_update_status_reason},
      {"LastUpdateStatusReasonCode", s.last_update_status_reason_code},
      {"LayerArns", s.layer_arns},
      {"LayerBlobs", s.layer_blobs},
      {"LayerSizes", s.layer_sizes},
      {"Extra", s.extra},
  };
}

FunctionVersion VersionFromJson(
    const json& j, const std::string& name,
    const std::function<std::filesystem::path(const std::string&)>& unpack) {
  FunctionVersion v;
  v.version = j.at("Version").get<std::string>();
  config::FunctionConfig& c = v.config;
  c.name = name;
  c.runtime = j.at("Runtime").get<std::string>();
  c.family = config::ParseRuntime(c.runtime).value_or(config::RuntimeFamily::kProvided);
  c.handler = j.at("Handler").get<std::string>();
  c.memory_mb = j.at("MemorySize").get<int>();
  c.timeout_s = j.at("Timeout").get<int>();
  c.ephemeral_storage_mb = j.at("EphemeralStorage").get<int>();
  for (const auto& pair : j.at("Environment")) {
    c.environment.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  }
  c.description = j.at("Description").get<std::string>();
  c.architecture = j.at("Architecture").get<std::string>();
  c.snap_start = j.value("SnapStart", false);
  VersionState& s = v.state;
  s.code_sha256 = j.at("CodeSha256").get<std::string>();
  s.code_blob = j.at("CodeBlob").get<std::string>();
  s.code_size = j.at("CodeSize").get<std::int64_t>();
  s.last_modified_ms = j.at("LastModified").get<std::int64_t>();
  s.revision_id = j.at("RevisionId").get<std::string>();
  s.role = j.at("Role").get<std::string>();
  s.state = j.at("State").get<std::string>();
  s.state_reason = j.at("StateReason").get<std::string>();
  s.state_reason_code = j.at("StateReasonCode").get<std::string>();
  s.last_update_status = j.at("LastUpdateStatus").get<std::string>();
  s.last_update_status_reason = j.at("LastUpdateStatusReason").get<std::string>();
  s.last_update_status_reason_code = j.at("LastUpdateStatusReasonCode").get<std::string>();
  s.layer_arns = j.at("LayerArns").get<std::vector<std::string>>();
  s.layer_blobs = j.at("LayerBlobs").get<std::vector<std::string>>();
  s.layer_sizes = j.at("LayerSizes").get<std::vector<std::int64_t>>();
  s.extra = j.at("Extra");
  c.code_dir = unpack(s.code_blob);
  c.code_source = c.code_dir;
  for (const auto& blob : s.layer_blobs) c.layers.push_back(unpack(blob));
  return v;
}

}  // namespace

const FunctionVersion* FunctionRecord::Version(const std::string& qualifier) const {
  if (qualifier.empty() || qualifier == "$LATEST") return &latest;
  int number = 0;
  for (char c : qualifier) {
    if (c < '0' || c > '9' || number > 100000000) return nullptr;
    number = number * 10 + (c - '0');
  }
  auto it = versions.find(number);
  return it == versions.end() || std::to_string(number) != qualifier ? nullptr : &it->second;
}

void FunctionRecord::ForgetQualifier(const std::string& qualifier) {
  provisioned.erase(qualifier);
  provisioned_modified_ms.erase(qualifier);
  event_invoke_configs.erase(qualifier);
  url_configs.erase(qualifier);
  policies.erase(qualifier);
  policy_revisions.erase(qualifier);
}

std::string NewRevisionId() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) id.push_back('-');
    id.push_back(kHex[random() & 0xf]);
  }
  return id;
}

int PublishLatest(FunctionRecord& record, const std::string& description, std::int64_t now_ms) {
  const FunctionVersion& latest = record.latest;
  if (!record.versions.empty()) {
    const auto& [number, last] = *record.versions.rbegin();
    config::FunctionConfig unchanged = last.config;
    unchanged.description = latest.config.description;
    if (unchanged == latest.config && last.state.code_sha256 == latest.state.code_sha256 &&
        last.state.layer_arns == latest.state.layer_arns && last.state.role == latest.state.role &&
        last.state.extra == latest.state.extra) {
      return number;
    }
  }
  FunctionVersion version = latest;
  const int number = ++record.last_version;
  version.version = std::to_string(number);
  if (!description.empty()) version.config.description = description;
  version.state.revision_id = NewRevisionId();
  version.state.last_modified_ms = now_ms;
  record.versions[number] = std::move(version);
  return number;
}

json ToJson(const FunctionRecord& r) {
  json versions = json::array();
  for (const auto& [number, version] : r.versions) versions.push_back(VersionToJson(version));
  json aliases = json::array();
  for (const auto& [name, alias] : r.aliases) {
    aliases.push_back({{"Name", alias.name},
                       {"FunctionVersion", alias.function_version},
                       {"Description", alias.description},
                       {"RevisionId", alias.revision_id},
                       {"AdditionalVersionWeights", alias.additional_weights}});
  }
  json j = {
      {"Name", r.name()},
      {"Latest", VersionToJson(r.latest)},
      {"Versions", versions},
      {"LastVersion", r.last_version},
      {"Aliases", aliases},
      {"Provisioned", r.provisioned},
      {"ProvisionedModified", r.provisioned_modified_ms},
      {"EventInvokeConfigs", r.event_invoke_configs},
      {"UrlConfigs", r.url_configs},
      {"Policies", r.policies},
      {"PolicyRevisions", r.policy_revisions},
      {"Tags", r.tags},
  };
  j["ReservedConcurrency"] = r.reserved_concurrency ? json(*r.reserved_concurrency) : json();
  return j;
}

Result<FunctionRecord> FunctionRecordFromJson(
    const json& j, const std::function<std::filesystem::path(const std::string&)>& unpack) {
  try {
    FunctionRecord r;
    const std::string name = j.at("Name").get<std::string>();
    r.latest = VersionFromJson(j.at("Latest"), name, unpack);
    for (const auto& v : j.at("Versions")) {
      FunctionVersion version = VersionFromJson(v, name, unpack);
      int number = std::stoi(version.version);
      r.versions.emplace(number, std::move(version));
    }
    r.last_version = j.at("LastVersion").get<int>();
    for (const auto& a : j.at("Aliases")) {
      Alias alias;
      alias.name = a.at("Name").get<std::string>();
      alias.function_version = a.at("FunctionVersion").get<std::string>();
      alias.description = a.at("Description").get<std::string>();
      alias.revision_id = a.at("RevisionId").get<std::string>();
      alias.additional_weights =
          a.at("AdditionalVersionWeights").get<std::map<std::string, double>>();
      r.aliases.emplace(alias.name, std::move(alias));
    }
    if (!j.at("ReservedConcurrency").is_null()) {
      r.reserved_concurrency = j.at("ReservedConcurrency").get<int>();
    }
    r.provisioned = j.at("Provisioned").get<std::map<std::string, int>>();
    r.provisioned_modified_ms =
        j.at("ProvisionedModified").get<std::map<std::string, std::int64_t>>();
    r.event_invoke_configs = j.at("EventInvokeConfigs").get<std::map<std::string, json>>();
    r.url_configs = j.at("UrlConfigs").get<std::map<std::string, json>>();
    r.policies = j.at("Policies").get<std::map<std::string, std::vector<json>>>();
    r.tags = j.at("Tags").get<std::map<std::string, std::string>>();
    // Absent from state written before GetPolicy had a RevisionId of its own.
    if (j.contains("PolicyRevisions")) {
      r.policy_revisions = j.at("PolicyRevisions").get<std::map<std::string, std::string>>();
    }
    return r;
  } catch (const std::exception& e) {
    return Status::Error(std::string("unexpected function record: ") + e.what());
  }
}

}  // namespace lambda_emu::control
