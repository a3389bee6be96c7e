#pragma once
// FunctionRecord: everything the control plane knows about one function made
// through the management API — its $LATEST, its published versions (each
// immutable: code, handler, memory, timeout, environment), its aliases, its
// concurrency settings and the configurations stored with it (event-invoke,
// Function URL, resource policy, tags) — and its JSON form in the state
// directory. VersionState is what GetFunctionConfiguration says about a
// version beyond its FunctionConfig; file-defined functions get one too,
// derived from their code on request. Plain values; no locking.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"

namespace lambda_emu::control {

struct VersionState {
  std::string code_sha256;  // CodeSha256: base64 of the package's SHA-256
  std::string code_blob;    // the package in the state directory (hex SHA-256); API functions
  std::int64_t code_size = 0;
  std::int64_t last_modified_ms = 0;
  std::string revision_id;
  std::string role;
  // Pending | Active | Failed, with Lambda's reason texts.
  std::string state = "Active";
  std::string state_reason;
  std::string state_reason_code;
  // InProgress | Successful | Failed.
  std::string last_update_status = "Successful";
  std::string last_update_status_reason;
  std::string last_update_status_reason_code;
  std::vector<std::string> layer_arns;   // as the function's Layers names them
  std::vector<std::string> layer_blobs;  // their packages (hex SHA-256), in the same order
  std::vector<std::int64_t> layer_sizes;
  // Configuration kept and reported but not acted on (DeadLetterConfig,
  // TracingConfig, VpcConfig, KMSKeyArn, ...), by its Lambda key.
  nlohmann::json extra = nlohmann::json::object();
};

struct FunctionVersion {
  std::string version = "$LATEST";
  config::FunctionConfig config;
  VersionState state;
};

struct Alias {
  std::string name;
  std::string function_version;
  std::string description;
  std::string revision_id;
  std::map<std::string, double> additional_weights;  // RoutingConfig.AdditionalVersionWeights

  bool operator==(const Alias&) const = default;
};

struct FunctionRecord {
  FunctionVersion latest;
  std::map<int, FunctionVersion> versions;  // published, by number
  int last_version = 0;                     // numbers are never reused
  std::map<std::string, Alias> aliases;
  std::optional<int> reserved_concurrency;
  // ProvisionedConcurrencyConfig: qualifier (version or alias) -> requested.
  std::map<std::string, int> provisioned;
  std::map<std::string, std::int64_t> provisioned_modified_ms;
  // FunctionEventInvokeConfig by qualifier ("$LATEST", a version or alias), as stored.
  std::map<std::string, nlohmann::json> event_invoke_configs;
  // FunctionUrlConfig by qualifier ("" unqualified, or an alias), as stored.
  std::map<std::string, nlohmann::json> url_configs;
  // Resource-based policy statements, by qualifier ("" for the function).
  std::map<std::string, std::vector<nlohmann::json>> policies;
  // GetPolicy's RevisionId by qualifier: a new one on every change of that policy.
  std::map<std::string, std::string> policy_revisions;
  std::map<std::string, std::string> tags;

  const std::string& name() const { return latest.config.name; }
  // The version a qualifier names ($LATEST or a number), nullptr if none.
  const FunctionVersion* Version(const std::string& qualifier) const;
  // Drops what is kept per qualifier (provisioned concurrency, event-invoke
  // and URL configs, policy) when its version or alias is deleted.
  void ForgetQualifier(const std::string& qualifier);
};

// Another UUID for RevisionId (random).
std::string NewRevisionId();

// Publishes $LATEST as a new version (PublishVersion, and Publish on
// CreateFunction/UpdateFunctionCode) and returns its number; when nothing
// changed since the last published version, returns that one, as Lambda
// does. `description` (if not empty) replaces $LATEST's on the new version.
int PublishLatest(FunctionRecord& record, const std::string& description, std::int64_t now_ms);

// The record as stored in the state directory, and back. `unpack` turns a
// code blob's hex SHA-256 into the directory its files are unpacked in.
nlohmann::json ToJson(const FunctionRecord& record);
Result<FunctionRecord> FunctionRecordFromJson(
    const nlohmann::json& json,
    const std::function<std::filesystem::path(const std::string&)>& unpack);

}  // namespace lambda_emu::control
