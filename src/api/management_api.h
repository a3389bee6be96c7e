#pragma once
// The read side of Lambda's management API, for the functions the config
// file or template declares (paths and shapes as botocore's lambda model):
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
// files stay the same), never on the invoke path. io thread only.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/aws_error.h"
#include "api/code_package.h"
#include "api/function_configuration.h"
#include "http/server.h"
#include "pool/services.h"
#include "registry/function_registry.h"

namespace lambda_emu::api {

class ManagementApi {
 public:
  ManagementApi(registry::FunctionRegistry& registry, const pool::ServerSettings& settings)
      : registry_(registry), settings_(settings) {}

  // `function` is the raw {FunctionName} path segment, `query` the query string.
  http::Response GetFunction(const http::Request& req, std::string_view function,
                             std::string_view query);
  http::Response GetFunctionConfiguration(const http::Request& req, std::string_view function,
                                          std::string_view query);
  http::Response ListFunctions(const http::Request& req, std::string_view query);
  http::Response ListVersionsByFunction(const http::Request& req, std::string_view function,
                                        std::string_view query);
  http::Response ListAliases(const http::Request& req, std::string_view function,
                             std::string_view query);
  http::Response GetFunctionConcurrency(const http::Request& req, std::string_view function);
  http::Response ListTags(const http::Request& req, std::string_view resource);
  http::Response GetAccountSettings(const http::Request& req);
  // GET /_emu/code/{file}: `file` is "{name}.zip".
  http::Response DownloadCode(const http::Request& req, std::string_view file);

 private:
  struct Target;
  // `qualified`: the operation takes a Qualifier (GetFunction and
  // GetFunctionConfiguration); the others ignore one in the name.
  Target Resolve(std::string_view function, std::string_view query, bool qualified);
  Target ResolveForListing(std::string_view function, std::string_view query);
  Result<nlohmann::json> Configuration(const pool::FunctionContext& function,
                                       std::string_view qualifier, ConfigurationView view);

  registry::FunctionRegistry& registry_;
  const pool::ServerSettings& settings_;
  CodePackages packages_;
};

}  // namespace lambda_emu::api
