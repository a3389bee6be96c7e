#pragma once
// FunctionConfig: one function's configuration, named as in Lambda's
// CreateFunction, after validation. ServerConfig: everything a config file
// declares. Both are plain values, built once by the loader (or, later, by the
// management API) and then shared read-only.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::config {

enum class RuntimeFamily { kPython, kNode, kProvided };

inline constexpr int kMinMemoryMb = 128;
inline constexpr int kMaxMemoryMb = 10240;
inline constexpr int kMinTimeoutS = 1;
inline constexpr int kMaxTimeoutS = 900;
inline constexpr int kMinEphemeralMb = 512;
inline constexpr int kMaxEphemeralMb = 10240;

struct FunctionConfig {
  std::string name;
  std::string runtime;  // as given, e.g. "python3.12"
  RuntimeFamily family = RuntimeFamily::kProvided;
  std::string handler;
  std::filesystem::path code_dir;     // absolute; a .zip is already extracted here
  std::filesystem::path code_source;  // what the config names: the directory or the .zip
  long long code_version = 0;         // a .zip's mtime, so a new package compares unequal
  int memory_mb = 128;
  int timeout_s = 3;
  int ephemeral_storage_mb = 512;
  std::vector<std::pair<std::string, std::string>> environment;  // in file order
  std::optional<int> reserved_concurrency;
  int provisioned_concurrency = 0;
  std::vector<std::filesystem::path> layers;  // absolute directories
  std::string description;
  std::string architecture = "x86_64";

  bool operator==(const FunctionConfig&) const = default;
};

struct ServerConfig {
  std::vector<FunctionConfig> functions;
  // Runtime name -> interpreter command, e.g. {"python3.12": "/usr/bin/python3"}.
  std::map<std::string, std::string> interpreters;
};

// Returns the family of a Lambda runtime identifier, or nullopt when we do
// not support it.
std::optional<RuntimeFamily> ParseRuntime(const std::string& runtime);

// True when `name` is a valid function name (1-64 of [A-Za-z0-9_-]).
bool IsValidFunctionName(std::string_view name);

// Checks ranges and cross-field rules; the message names the key.
Status Validate(const FunctionConfig& function);

}  // namespace lambda_emu::config
