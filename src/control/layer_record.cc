#include "control/layer_record.h"

namespace lambda_emu::control {

using nlohmann::json;

json ToJson(const LayerRecord& layer) {
  json versions = json::array();
  for (const auto& [number, v] : layer.versions) {
    versions.push_back({{"Version", v.version},
                        {"Description", v.description},
                        {"LicenseInfo", v.license_info},
                        {"CompatibleRuntimes", v.compatible_runtimes},
                        {"CompatibleArchitectures", v.compatible_architectures},
                        {"Blob", v.blob},
                        {"CodeSha256", v.sha256_base64},
                        {"CodeSize", v.size},
                        {"Created", v.created_ms},
                        {"Policy", v.policy},
                        {"PolicyRevisionId", v.policy_revision_id}});
  }
  return {{"Name", layer.name}, {"LastVersion", layer.last_version}, {"Versions", versions}};
}

Result<LayerRecord> LayerRecordFromJson(
    const json& j, const std::function<std::filesystem::path(const std::string&)>& unpack) {
  try {
    LayerRecord layer;
    layer.name = j.at("Name").get<std::string>();
    layer.last_version = j.at("LastVersion").get<int>();
    for (const auto& item : j.at("Versions")) {
      LayerVersion v;
      v.version = item.at("Version").get<int>();
      v.description = item.at("Description").get<std::string>();
      v.license_info = item.at("LicenseInfo").get<std::string>();
      v.compatible_runtimes = item.at("CompatibleRuntimes").get<std::vector<std::string>>();
      v.compatible_architectures =
          item.at("CompatibleArchitectures").get<std::vector<std::string>>();
      v.blob = item.at("Blob").get<std::string>();
      v.sha256_base64 = item.at("CodeSha256").get<std::string>();
      v.size = item.at("CodeSize").get<std::int64_t>();
      v.created_ms = item.at("Created").get<std::int64_t>();
      // Absent before layer permissions existed.
      v.policy = item.value("Policy", json::array()).get<std::vector<json>>();
      v.policy_revision_id = item.value("PolicyRevisionId", "");
      v.dir = unpack(v.blob);
      layer.versions.emplace(v.version, std::move(v));
    }
    return layer;
  } catch (const std::exception& e) {
    return Status::Error(std::string("unexpected layer record: ") + e.what());
  }
}

}  // namespace lambda_emu::control
