#include "config/function_config.h"

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>

#include "common/suggest.h"

namespace lambda_emu::config {

const std::vector<std::string>& SupportedRuntimes() {
  static const std::vector<std::string> kRuntimes = {
      "python3.9",  "python3.10",   "python3.11",     "python3.12", "python3.13",
      "python3.14", "nodejs18.x",   "nodejs20.x",     "nodejs22.x", "nodejs24.x",
      "provided",   "provided.al2", "provided.al2023"};
  return kRuntimes;
}

std::optional<RuntimeFamily> ParseRuntime(const std::string& runtime) {
  const auto& known = SupportedRuntimes();
  if (std::find(known.begin(), known.end(), runtime) == known.end()) return std::nullopt;
  if (runtime.rfind("python", 0) == 0) return RuntimeFamily::kPython;
  if (runtime.rfind("nodejs", 0) == 0) return RuntimeFamily::kNode;
  return RuntimeFamily::kProvided;
}

std::string UnsupportedRuntimeMessage(const std::string& runtime) {
  std::string list;
  for (const auto& name : SupportedRuntimes()) list += (list.empty() ? "" : ", ") + name;
  return "unsupported runtime '" + runtime + "'" + DidYouMean(runtime, SupportedRuntimes()) +
         "; lambda-emu runs " + list +
         ". Any other language runs as provided.al2023: put an executable `bootstrap` in the "
         "code that serves the Runtime API (docs/runtimes.md)";
}

bool SnapStartRuntime(const std::string& runtime) {
  return runtime.rfind("python3.", 0) == 0 && runtime.size() > 8 &&
         std::atoi(runtime.c_str() + 8) >= 12;
}

std::optional<bool> SnapStartApplyOn(const std::string& apply_on) {
  if (apply_on == "PublishedVersions") return true;
  if (apply_on == "None") return false;
  return std::nullopt;
}

std::string SnapStartRuntimeMessage(const std::string& runtime) {
  return runtime + " is not supported for SnapStart enabled functions.";
}

bool IsValidFunctionName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

namespace {
std::string Range(const char* key, int lo, int hi, int got) {
  return std::string(key) + ": must be between " + std::to_string(lo) + " and " +
         std::to_string(hi) + ", got " + std::to_string(got);
}
}  // namespace

bool IsValidVariableName(const std::string& key) {
  static const std::regex kKey(R"([a-zA-Z]([a-zA-Z0-9_])*)");
  return std::regex_match(key, kKey);
}

bool IsReservedVariable(const std::string& key) {
  static const std::set<std::string> kReserved = {"_HANDLER",
                                                  "_X_AMZN_TRACE_ID",
                                                  "AWS_DEFAULT_REGION",
                                                  "AWS_REGION",
                                                  "AWS_EXECUTION_ENV",
                                                  "AWS_LAMBDA_FUNCTION_NAME",
                                                  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                                  "AWS_LAMBDA_FUNCTION_VERSION",
                                                  "AWS_LAMBDA_INITIALIZATION_TYPE",
                                                  "AWS_LAMBDA_LOG_GROUP_NAME",
                                                  "AWS_LAMBDA_LOG_STREAM_NAME",
                                                  "AWS_ACCESS_KEY",
                                                  "AWS_ACCESS_KEY_ID",
                                                  "AWS_SECRET_ACCESS_KEY",
                                                  "AWS_SESSION_TOKEN",
                                                  "AWS_LAMBDA_RUNTIME_API",
                                                  "LAMBDA_TASK_ROOT",
                                                  "LAMBDA_RUNTIME_DIR"};
  return kReserved.count(key) > 0;
}

Status Validate(const FunctionConfig& f) {
  if (!IsValidFunctionName(f.name)) {
    return Status::Error("FunctionName: must be 1-64 characters of [A-Za-z0-9_-]");
  }
  if (!ParseRuntime(f.runtime)) {
    return Status::Error("Runtime: " + UnsupportedRuntimeMessage(f.runtime));
  }
  if (f.handler.empty() && ParseRuntime(f.runtime) != RuntimeFamily::kProvided) {
    return Status::Error("Handler: required for runtime " + f.runtime);
  }
  if (f.memory_mb < kMinMemoryMb || f.memory_mb > kMaxMemoryMb) {
    return Status::Error(Range("MemorySize", kMinMemoryMb, kMaxMemoryMb, f.memory_mb));
  }
  if (f.timeout_s < kMinTimeoutS || f.timeout_s > kMaxTimeoutS) {
    return Status::Error(Range("Timeout", kMinTimeoutS, kMaxTimeoutS, f.timeout_s));
  }
  if (f.ephemeral_storage_mb < kMinEphemeralMb || f.ephemeral_storage_mb > kMaxEphemeralMb) {
    return Status::Error(
        Range("EphemeralStorage", kMinEphemeralMb, kMaxEphemeralMb, f.ephemeral_storage_mb));
  }
  if (f.reserved_concurrency && *f.reserved_concurrency < 0) {
    return Status::Error("ReservedConcurrentExecutions: must be 0 or more, got " +
                         std::to_string(*f.reserved_concurrency));
  }
  if (f.provisioned_concurrency < 0) {
    return Status::Error("ProvisionedConcurrency: must be 0 or more");
  }
  if (f.reserved_concurrency && f.provisioned_concurrency > *f.reserved_concurrency) {
    return Status::Error("ProvisionedConcurrency: must not exceed ReservedConcurrentExecutions");
  }
  if (f.architecture != "x86_64" && f.architecture != "arm64") {
    return Status::Error("Architectures: must be [x86_64] or [arm64]");
  }
  if (f.snap_start && !SnapStartRuntime(f.runtime)) {
    return Status::Error("SnapStart: " + SnapStartRuntimeMessage(f.runtime));
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(f.code_dir, ec)) {
    return Status::Error("Code: directory not found: " + f.code_dir.string());
  }
  for (const auto& [key, value] : f.environment) {
    if (!IsValidVariableName(key)) {
      return Status::Error("Environment: invalid variable name '" + key + "'");
    }
    if (IsReservedVariable(key)) return Status::Error("Environment: " + key + " is reserved");
  }
  return Status::Ok();
}

}  // namespace lambda_emu::config
