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

// An event source a template declares for a function (SAM `Events`): kept
// for the front doors that serve them (API Gateway, schedules, queues).
struct EventSource {
  std::string name;        // the key under Events, e.g. "HelloWorld"
  std::string type;        // "Api", "HttpApi", "Schedule", "SQS", ...
  std::string summary;     // what it is in a few words: "GET /hello", "rate(5 minutes)"
  std::string properties;  // its resolved Properties, as JSON text

  bool operator==(const EventSource&) const = default;
};

struct FunctionConfig {
  std::string name;
  // Other names the function answers to: a template's logical id and, for
  // a nested stack's function, its path "ChildStack/LogicalId".
  std::vector<std::string> aliases;
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
  std::string auto_publish_alias;   // SAM AutoPublishAlias: also answers to this qualifier
  std::vector<EventSource> events;  // Events (template or config file)
  std::string function_url_config;  // FunctionUrlConfig as JSON text; empty: no URL
  std::vector<std::pair<std::string, std::string>> tags;  // Tags, in file order
  // Asynchronous invocation (SAM EventInvokeConfig, AWS::Lambda::EventInvokeConfig): qualifier
  // ("$LATEST", or an alias) -> the config as the management API stores it, JSON text:
  // {"MaximumRetryAttempts": 0-2, "MaximumEventAgeInSeconds": 60-21600, "DestinationConfig":
  // {"OnSuccess": {"Destination": ARN}, "OnFailure": {"Destination": ARN}}}, each member optional.
  std::map<std::string, std::string> event_invoke_configs;
  // DeadLetterQueue.TargetArn (SAM) or DeadLetterConfig.TargetArn: an SQS queue or SNS topic ARN.
  std::string dead_letter_arn;
  // SnapStart: {ApplyOn: PublishedVersions}: a published version's
  // environments are restored from a snapshot taken after its init
  // (docs/snapstart.md). Python 3.12 and later only, as on Lambda.
  bool snap_start = false;

  bool operator==(const FunctionConfig&) const = default;
};

// An API a template declares explicitly (AWS::Serverless::Api or
// AWS::Serverless::HttpApi), for the API Gateway front door.
struct ApiResource {
  std::string logical_id;  // "MyApi", or "Child/MyApi" in a nested stack
  std::string type;        // "AWS::Serverless::Api" or "AWS::Serverless::HttpApi"
  std::string properties;  // resolved Properties as JSON text (DefinitionUri read in)

  bool operator==(const ApiResource&) const = default;
};

struct ServerConfig {
  std::vector<FunctionConfig> functions;
  std::vector<ApiResource> apis;
  // Runtime name -> interpreter command, e.g. {"python3.12": "/usr/bin/python3"}.
  std::map<std::string, std::string> interpreters;
};

// Every Runtime lambda-emu runs, in the order people read them. The one
// list: parsing, error messages and docs/runtimes.md follow it.
const std::vector<std::string>& SupportedRuntimes();

// Returns the family of a Lambda runtime identifier, or nullopt when we do
// not support it.
std::optional<RuntimeFamily> ParseRuntime(const std::string& runtime);

// The problem with an unsupported `runtime`, for "Runtime: <this>": the
// closest supported name when it looks like a typo, the supported list, and
// how to run any other language (provided.al2023 with a bootstrap).
std::string UnsupportedRuntimeMessage(const std::string& runtime);

// Whether Lambda offers SnapStart for `runtime` (of those lambda-emu runs:
// python3.12 and later).
bool SnapStartRuntime(const std::string& runtime);
// SnapStart.ApplyOn: "PublishedVersions" true, "None" false, else nullopt.
std::optional<bool> SnapStartApplyOn(const std::string& apply_on);
// Lambda's message when a SnapStart function has a runtime without it.
std::string SnapStartRuntimeMessage(const std::string& runtime);

// True when `name` is a valid function name (1-64 of [A-Za-z0-9_-]).
bool IsValidFunctionName(std::string_view name);

// An environment variable name Lambda accepts ([a-zA-Z][a-zA-Z0-9_]*), and
// the names it keeps for itself (AWS_REGION, _HANDLER, ...).
bool IsValidVariableName(const std::string& key);
bool IsReservedVariable(const std::string& key);

// Checks ranges and cross-field rules; the message names the key.
Status Validate(const FunctionConfig& function);

}  // namespace lambda_emu::config
