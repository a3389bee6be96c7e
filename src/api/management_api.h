#pragma once
// Lambda's management API (paths and shapes as botocore's lambda model). The
// read side answers for every function: those the config file or template
// declares (from the registry and their code on disk) and those made through
// the API (from the control plane's records). Writes go to the control plane
// and are refused for file-defined functions (the file is their truth).
// Reads:
//   GET /2015-03-31/functions/                          ListFunctions
//   GET /2015-03-31/functions/{FunctionName}            GetFunction
//   GET /2015-03-31/functions/{FunctionName}/configuration
//                                                       GetFunctionConfiguration
//   GET /2015-03-31/functions/{FunctionName}/versions   ListVersionsByFunction
//   GET /2015-03-31/functions/{FunctionName}/aliases    ListAliases
//   GET /2019-09-30/functions/{FunctionName}/concurrency GetFunctionConcurrency
//   GET /2017-03-31/tags/{ARN}                          ListTags
//   GET /2016-08-19/account-settings/                   GetAccountSettings
// and GET /_emu/code/{name}.zip, the download GetFunction's Code.Location
// points at. Deployment packages are built on request (and cached while the
// files stay the same) on the state worker thread, never on the io thread. The writes (and the
// reads that sit beside them) are listed in management_functions.cc, management_versions.cc,
// management_concurrency.cc, management_event_invoke.cc, management_urls.cc, management_policy.cc,
// management_tags.cc, layers_api.cc and layer_permissions.cc, one file per
// group. io thread only.

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/aws_error.h"
#include "api/code_package.h"
#include "api/function_configuration.h"
#include "control/control_plane.h"
#include "http/server.h"
#include "pool/services.h"
#include "registry/function_registry.h"

namespace lambda_emu::api {

class ManagementApi {
 public:
  ManagementApi(registry::FunctionRegistry& registry, control::ControlPlane& control,
                const pool::ServerSettings& settings)
      : registry_(registry), control_(control), settings_(settings) {}
  using Awaitable = boost::asio::awaitable<http::Response>;

  // `function` is the raw {FunctionName} path segment, `query` the query string.
  // The reads that describe a file-defined function's code first build its
  // deployment package (and its layers') on the state worker.
  Awaitable GetFunction(const http::Request& req, std::string_view function,
                        std::string_view query);
  Awaitable GetFunctionConfiguration(const http::Request& req, std::string_view function,
                                     std::string_view query);
  Awaitable ListFunctions(const http::Request& req, std::string_view query);
  Awaitable ListVersionsByFunction(const http::Request& req, std::string_view function,
                                   std::string_view query);
  http::Response ListAliases(const http::Request& req, std::string_view function,
                             std::string_view query);
  http::Response GetFunctionConcurrency(const http::Request& req, std::string_view function);
  http::Response ListTags(const http::Request& req, std::string_view resource);
  Awaitable GetAccountSettings(const http::Request& req);
  // GET /_emu/code/{file}: `file` is "{name}.zip", or "{name}:{version}.zip".
  Awaitable DownloadCode(const http::Request& req, std::string_view file);

  // Functions (management_functions.cc).
  Awaitable CreateFunction(http::Request& req);
  Awaitable UpdateFunctionCode(http::Request& req, std::string_view function);
  Awaitable UpdateFunctionConfiguration(http::Request& req, std::string_view function);
  Awaitable DeleteFunction(http::Request& req, std::string_view function, std::string_view query);
  // Versions and aliases (management_versions.cc).
  Awaitable PublishVersion(http::Request& req, std::string_view function);
  Awaitable CreateAlias(http::Request& req, std::string_view function);
  http::Response GetAlias(const http::Request& req, std::string_view function,
                          std::string_view alias);
  Awaitable UpdateAlias(http::Request& req, std::string_view function, std::string_view alias);
  Awaitable DeleteAlias(http::Request& req, std::string_view function, std::string_view alias);
  // Concurrency (management_concurrency.cc).
  Awaitable PutFunctionConcurrency(http::Request& req, std::string_view function);
  Awaitable DeleteFunctionConcurrency(http::Request& req, std::string_view function);
  Awaitable PutProvisionedConcurrencyConfig(http::Request& req, std::string_view function,
                                            std::string_view query);
  http::Response GetProvisionedConcurrencyConfig(const http::Request& req,
                                                 std::string_view function, std::string_view query);
  Awaitable DeleteProvisionedConcurrencyConfig(http::Request& req, std::string_view function,
                                               std::string_view query);
  http::Response ListProvisionedConcurrencyConfigs(const http::Request& req,
                                                   std::string_view function,
                                                   std::string_view query);

  // Event-invoke configs (management_event_invoke.cc).
  Awaitable PutFunctionEventInvokeConfig(http::Request& req, std::string_view function,
                                         std::string_view query);
  Awaitable UpdateFunctionEventInvokeConfig(http::Request& req, std::string_view function,
                                            std::string_view query);
  http::Response GetFunctionEventInvokeConfig(const http::Request& req, std::string_view function,
                                              std::string_view query);
  Awaitable DeleteFunctionEventInvokeConfig(http::Request& req, std::string_view function,
                                            std::string_view query);
  http::Response ListFunctionEventInvokeConfigs(const http::Request& req, std::string_view function,
                                                std::string_view query);
  // Function URL configs (management_urls.cc).
  Awaitable CreateFunctionUrlConfig(http::Request& req, std::string_view function,
                                    std::string_view query);
  http::Response GetFunctionUrlConfig(const http::Request& req, std::string_view function,
                                      std::string_view query);
  Awaitable UpdateFunctionUrlConfig(http::Request& req, std::string_view function,
                                    std::string_view query);
  Awaitable DeleteFunctionUrlConfig(http::Request& req, std::string_view function,
                                    std::string_view query);
  http::Response ListFunctionUrlConfigs(const http::Request& req, std::string_view function,
                                        std::string_view query);
  // Permissions (management_policy.cc).
  Awaitable AddPermission(http::Request& req, std::string_view function, std::string_view query);
  Awaitable RemovePermission(http::Request& req, std::string_view function,
                             std::string_view statement, std::string_view query);
  http::Response GetPolicy(const http::Request& req, std::string_view function,
                           std::string_view query);
  // Tags (management_tags.cc).
  Awaitable TagResource(http::Request& req, std::string_view resource);
  Awaitable UntagResource(http::Request& req, std::string_view resource, std::string_view query);
  // Layers (layers_api.cc).
  Awaitable PublishLayerVersion(http::Request& req, std::string_view layer);
  http::Response GetLayerVersion(const http::Request& req, std::string_view layer,
                                 std::string_view version);
  http::Response GetLayerVersionByArn(const http::Request& req, std::string_view query);
  http::Response ListLayers(const http::Request& req, std::string_view query);
  http::Response ListLayerVersions(const http::Request& req, std::string_view layer,
                                   std::string_view query);
  Awaitable DeleteLayerVersion(http::Request& req, std::string_view layer,
                               std::string_view version);
  // Layer permissions (layer_permissions.cc).
  Awaitable AddLayerVersionPermission(http::Request& req, std::string_view layer,
                                      std::string_view version, std::string_view query);
  http::Response GetLayerVersionPolicy(const http::Request& req, std::string_view layer,
                                       std::string_view version);
  Awaitable RemoveLayerVersionPermission(http::Request& req, std::string_view layer,
                                         std::string_view version, std::string_view statement,
                                         std::string_view query);
  // GET /_emu/layers/{name}/{version}.zip: a layer version's package, where
  // GetLayerVersion's Content.Location points.
  Awaitable DownloadLayer(const http::Request& req, std::string_view layer, std::string_view file);

  // The largest request body each operation accepts (CreateFunction and
  // UpdateFunctionCode carry a base64 .zip), for the HTTP server's limit.
  static std::uint64_t BodyLimit(const http::Request& header);

 private:
  // The function a {FunctionName} segment names (and the qualifier it asks
  // for, from the name or the Qualifier parameter), or the error Lambda
  // gives. An API-made function is `record` (with `version`: $LATEST, a
  // number, or an alias's version); a file-defined one is `pool`.
  struct Target {
    pool::FunctionPool* pool = nullptr;
    const control::FunctionRecord* record = nullptr;
    const control::FunctionVersion* version = nullptr;
    std::optional<std::string> qualifier;
    std::optional<AwsError> error;
  };
  // What a write operation names: an API-made function, or the error.
  struct WriteTarget {
    const control::FunctionRecord* record = nullptr;
    std::string name;
    std::optional<std::string> qualifier;
    std::optional<AwsError> error;
  };
  WriteTarget ResolveWrite(std::string_view function, std::string_view query, bool qualified);
  // The layer version {LayerName}/{VersionNumber} names (an API-made layer's),
  // or the error Lambda gives.
  struct LayerTarget {
    const control::LayerRecord* record = nullptr;
    std::string name;
    int number = 0;
    std::optional<AwsError> error;
  };
  LayerTarget ResolveLayerVersion(std::string_view layer, std::string_view version);
  // A change to a layer version's policy: the error Lambda gives, or nullopt
  // once it has changed `stored`.
  using LayerPolicyChange =
      std::function<std::optional<AwsError>(const LayerTarget&, control::LayerVersion& stored)>;
  boost::asio::awaitable<std::optional<AwsError>> ChangeLayerPolicy(std::string_view layer,
                                                                    std::string_view version,
                                                                    LayerPolicyChange change);
  // The FunctionConfiguration of an API-made function's version, as
  // `qualifier` (empty, $LATEST, a number or an alias) asks for it.
  nlohmann::json Configuration(const control::FunctionVersion& version, std::string_view qualifier,
                               ConfigurationView view) const;
  nlohmann::json AliasJson(const std::string& function, const control::Alias& alias) const;
  // A ProvisionedConcurrencyConfig with its live counts.
  nlohmann::json ProvisionedJson(const control::FunctionRecord& record,
                                 const std::string& qualifier) const;
  // `qualified`: the operation takes a Qualifier (GetFunction and
  // GetFunctionConfiguration); the others ignore one in the name.
  Target Resolve(std::string_view function, std::string_view query, bool qualified);
  Target ResolveForListing(std::string_view function, std::string_view query);
  // A file-defined function's configuration, from the packages PreparePackages built.
  Result<nlohmann::json> Configuration(const pool::FunctionContext& function,
                                       std::string_view qualifier, ConfigurationView view);
  // Builds (or finds unchanged) the packages of `sources` on the state
  // worker: zipping and hashing a folder is file-system work the io thread
  // must not do. Configuration and the downloads then read them cached.
  boost::asio::awaitable<Status> PreparePackages(std::vector<std::filesystem::path> sources);
  // Every file-defined function's code (and, with `layers`, its layers).
  std::vector<std::filesystem::path> FileFunctionSources(bool layers) const;

  registry::FunctionRegistry& registry_;
  control::ControlPlane& control_;
  const pool::ServerSettings& settings_;
  CodePackages packages_;
};

}  // namespace lambda_emu::api
