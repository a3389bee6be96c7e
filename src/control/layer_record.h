#pragma once
// LayerRecord: one Lambda layer made through the management API
// (PublishLayerVersion): its versions, each an immutable package with the
// metadata GetLayerVersion reports and its permissions, and its JSON form in the state
// directory. Plain values; no locking.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::control {

struct LayerVersion {
  int version = 1;
  std::string description;
  std::string license_info;
  std::vector<std::string> compatible_runtimes;
  std::vector<std::string> compatible_architectures;
  std::string blob;           // the package (hex SHA-256)
  std::string sha256_base64;  // Content.CodeSha256
  std::int64_t size = 0;
  std::int64_t created_ms = 0;
  std::filesystem::path dir;  // unpacked: python/, nodejs/node_modules, bin/, lib/
  // The version's resource-based policy (AddLayerVersionPermission): its
  // statements, and the RevisionId it has had since its last change (empty
  // while there is none). Older state files have neither: empty.
  std::vector<nlohmann::json> policy;
  std::string policy_revision_id;
};

struct LayerRecord {
  std::string name;
  std::map<int, LayerVersion> versions;
  int last_version = 0;  // numbers are never reused, even after a delete
};

nlohmann::json ToJson(const LayerRecord& layer);
Result<LayerRecord> LayerRecordFromJson(
    const nlohmann::json& json,
    const std::function<std::filesystem::path(const std::string&)>& unpack);

}  // namespace lambda_emu::control
