#pragma once
// FunctionConfiguration: a function as GetFunctionConfiguration, GetFunction,
// ListFunctions and ListVersionsByFunction describe it (botocore's
// FunctionConfiguration shape), built from the function's FunctionContext,
// the server's settings and its deployment package. The values Lambda has
// and lambda-emu does not (Role, RevisionId, RuntimeVersionArn) are derived
// here, each in one place, and documented in docs/compatibility.md.
// Pure functions; thread-safe.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/code_package.h"
#include "control/function_record.h"
#include "pool/services.h"

namespace lambda_emu::api {

// A layer as FunctionConfiguration.Layers lists it.
struct LayerReference {
  std::string arn;
  std::int64_t code_size = 0;
};

enum class ConfigurationView {
  kFull,     // GetFunction, GetFunctionConfiguration
  kListing,  // ListFunctions, ListVersionsByFunction: no State fields or RuntimeVersionConfig
};

// The FunctionConfiguration object of one version. `qualifier` ("$LATEST",
// a version, an alias, or empty for an unqualified request) is appended to
// FunctionArn. An empty RevisionId or Role in `state` is derived (file
// functions); State and LastUpdateStatus come from `state`.
nlohmann::json FunctionConfigurationJson(const config::FunctionConfig& config,
                                         const std::string& version,
                                         const control::VersionState& state,
                                         const std::vector<LayerReference>& layers,
                                         const pool::ServerSettings& settings,
                                         std::string_view qualifier, ConfigurationView view);

// The same for a file-defined function, from its deployment package.
nlohmann::json FunctionConfigurationJson(const pool::FunctionContext& function,
                                         const pool::ServerSettings& settings,
                                         const CodePackage& code,
                                         const std::vector<LayerReference>& layers,
                                         std::string_view qualifier, ConfigurationView view);

// The Role every function reports: lambda-emu runs with no IAM role.
std::string FunctionRole(const pool::ServerSettings& settings);

// A layer directory's ARN: its directory name (in a layer name's characters)
// as version 1 in this region and account.
std::string LayerArn(const pool::ServerSettings& settings, const std::filesystem::path& layer);

// Lambda's LastModified format: "2024-01-01T00:00:00.000+0000" (UTC).
std::string FormatLastModified(std::int64_t unix_ms);

// A UUID-shaped value (8-4-4-4-12 hex digits) taken from SHA-256 of `data`:
// the same data gives the same id.
std::string RevisionIdOf(std::string_view data);

}  // namespace lambda_emu::api
