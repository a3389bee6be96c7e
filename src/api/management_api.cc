#include "api/management_api.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "api/aws_error.h"
#include "api/function_configuration.h"
#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "pool/ids.h"

namespace lambda_emu::api {

namespace http_ns = beast::http;

namespace {

// Lambda's default account quotas (GetAccountSettings.AccountLimit).
constexpr std::int64_t kTotalCodeSize = 80530636800;
constexpr std::int64_t kCodeSizeUnzipped = 262144000;
constexpr std::int64_t kCodeSizeZipped = 52428800;

// The List operations answer at most this many items per page, whatever
// MaxItems asks for.
constexpr int kMaxPageItems = 50;

constexpr std::string_view kTaggableResourcePattern =
    R"(arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+))";

http::Response Ok(const http::Request& req, const nlohmann::json& body) {
  http::Response res = http::MakeResponse(req, http_ns::status::ok, body.dump());
  res.set("x-amzn-RequestId", pool::NewRequestId());
  return res;
}

http::Response Fail(const http::Request& req, const AwsError& error) {
  return ToResponse(error, req, pool::NewRequestId());
}

// MaxItems (1-10000) into `errors`; the page size it asks for.
int PageSize(std::string_view query, ValidationErrors& errors) {
  auto raw = QueryParam(query, "MaxItems");
  if (!raw) return kMaxPageItems;
  long long value = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size()) {
    errors.Add(*raw, "maxItems", "Member must be an integer");
    return kMaxPageItems;
  }
  if (value < 1) {
    errors.Add(*raw, "maxItems", "Member must have value greater than or equal to 1");
  } else if (value > 10000) {
    errors.Add(*raw, "maxItems", "Member must have value less than or equal to 10000");
  }
  return static_cast<int>(std::clamp<long long>(value, 1, kMaxPageItems));
}

// A function's Tags as GetFunction and ListTags give them: {"KEY": "VALUE"}.
nlohmann::json TagsJson(const config::FunctionConfig& config) {
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [key, value] : config.tags) tags[key] = value;
  return tags;
}

}  // namespace

// The function a {FunctionName} segment names (and the qualifier it asks
// for, from the name or the Qualifier parameter), or the error Lambda gives.
struct ManagementApi::Target {
  pool::FunctionPool* pool = nullptr;
  std::optional<std::string> qualifier;
  std::optional<AwsError> error;
};

// The per-function listings (versions, aliases) check MaxItems before the
// function, as Lambda does.
ManagementApi::Target ManagementApi::ResolveForListing(std::string_view function,
                                                       std::string_view query) {
  ValidationErrors errors;
  PageSize(query, errors);
  if (!errors.empty()) {
    Target target;
    target.error = AwsError::Validation(errors);
    return target;
  }
  return Resolve(function, query, false);
}

ManagementApi::Target ManagementApi::Resolve(std::string_view function, std::string_view query,
                                             bool qualified) {
  Target target;
  std::string decoded = UrlDecode(function);
  std::optional<std::string> qualifier;
  if (qualified) {
    qualifier = QueryParam(query, "Qualifier");
    if (qualifier && qualifier->empty()) qualifier.reset();
  }

  ValidationErrors errors;
  std::optional<FunctionRef> ref = ValidateFunctionName(decoded, registry_, errors);
  if (qualifier) ValidateQualifier(*qualifier, errors);
  if (!errors.empty()) {
    target.error = AwsError::Validation(errors);
    return target;
  }
  if (ref->region && *ref->region != settings_.region) {
    target.error = AwsError::ResourceNotFound("Functions from '" + *ref->region +
                                              "' are not reachable in this region ('" +
                                              settings_.region + "')");
    return target;
  }
  if (qualified) {
    if (ref->qualifier && qualifier && *ref->qualifier != *qualifier) {
      target.error = AwsError::InvalidParameterValue(
          "The derived qualifier from the function name does not match the specified qualifier.");
      return target;
    }
    if (!qualifier) qualifier = ref->qualifier;
  }

  pool::FunctionPool* pool = nullptr;
  if (!ref->account || *ref->account == settings_.account_id) pool = registry_.Find(ref->name);
  if (!pool || (qualifier && *qualifier != pool->function().version &&
                *qualifier != pool->function().config.auto_publish_alias)) {
    // Unlike Invoke's, the message names the qualifier only when one was given.
    std::string arn =
        FunctionArn(settings_.region, ref->account.value_or(settings_.account_id), ref->name);
    if (qualifier) arn += ":" + *qualifier;
    target.error = AwsError::ResourceNotFound("Function not found: " + arn);
    return target;
  }
  target.pool = pool;
  target.qualifier = std::move(qualifier);
  return target;
}

Result<nlohmann::json> ManagementApi::Configuration(const pool::FunctionContext& function,
                                                    std::string_view qualifier,
                                                    ConfigurationView view) {
  auto code = packages_.Get(function.config.code_source.empty() ? function.config.code_dir
                                                                : function.config.code_source);
  if (!code.ok()) return code.status();
  std::vector<LayerReference> layers;
  for (const auto& dir : function.config.layers) {
    auto layer = packages_.Get(dir);
    if (!layer.ok()) return layer.status();
    layers.push_back({LayerArn(settings_, dir), static_cast<std::int64_t>((*layer)->zip.size())});
  }
  return FunctionConfigurationJson(function, settings_, **code, layers, qualifier, view);
}

http::Response ManagementApi::GetFunction(const http::Request& req, std::string_view function,
                                          std::string_view query) {
  Target target = Resolve(function, query, true);
  if (target.error) return Fail(req, *target.error);
  const pool::FunctionContext& context = target.pool->function();
  auto configuration =
      Configuration(context, target.qualifier.value_or(""), ConfigurationView::kFull);
  if (!configuration.ok()) return Fail(req, AwsError::Service(configuration.status().message()));

  // Code.Location is on this server, reached the way the caller reached it.
  std::string host(req[http_ns::field::host]);
  if (host.empty()) host = "127.0.0.1";
  nlohmann::json body = {
      {"Configuration", std::move(*configuration)},
      {"Code",
       {{"RepositoryType", "S3"},
        {"Location", "http://" + host + "/_emu/code/" + context.config.name + ".zip"}}},
  };
  if (!context.config.tags.empty()) body["Tags"] = TagsJson(context.config);
  if (context.config.reserved_concurrency) {
    body["Concurrency"] = {{"ReservedConcurrentExecutions", *context.config.reserved_concurrency}};
  }
  return Ok(req, body);
}

http::Response ManagementApi::GetFunctionConfiguration(const http::Request& req,
                                                       std::string_view function,
                                                       std::string_view query) {
  Target target = Resolve(function, query, true);
  if (target.error) return Fail(req, *target.error);
  auto configuration = Configuration(target.pool->function(), target.qualifier.value_or(""),
                                     ConfigurationView::kFull);
  if (!configuration.ok()) return Fail(req, AwsError::Service(configuration.status().message()));
  return Ok(req, *configuration);
}

http::Response ManagementApi::ListFunctions(const http::Request& req, std::string_view query) {
  ValidationErrors errors;
  auto master_region = QueryParam(query, "MasterRegion");
  auto function_version = QueryParam(query, "FunctionVersion");
  if (function_version && *function_version != "ALL") {
    errors.Add(*function_version, "functionVersion", "Member must satisfy enum value set: [ALL]");
  }
  int page_size = PageSize(query, errors);
  if (!errors.empty()) return Fail(req, AwsError::Validation(errors));
  if (master_region && !function_version) {
    return Fail(req, AwsError::InvalidParameterValue(
                         "MasterRegion must be specified with FunctionVersion=ALL"));
  }

  // Sorted by name, as Lambda lists them. The marker is the name the next
  // page starts at.
  std::vector<std::string> names = registry_.Names();
  std::sort(names.begin(), names.end());
  auto begin = names.begin();
  if (auto marker = QueryParam(query, "Marker"); marker && !marker->empty()) {
    begin = std::lower_bound(names.begin(), names.end(), *marker);
  }
  // MasterRegion lists Lambda@Edge replicas, which lambda-emu has none of.
  if (master_region) begin = names.end();

  nlohmann::json functions = nlohmann::json::array();
  nlohmann::json body = nlohmann::json::object();
  for (auto it = begin; it != names.end(); ++it) {
    if (static_cast<int>(functions.size()) == page_size) {
      body["NextMarker"] = *it;
      break;
    }
    pool::FunctionPool* pool = registry_.Find(*it);
    if (!pool) continue;
    // With FunctionVersion=ALL every version is listed by its qualified ARN.
    auto configuration = Configuration(pool->function(), function_version ? "$LATEST" : "",
                                       ConfigurationView::kListing);
    if (!configuration.ok()) return Fail(req, AwsError::Service(configuration.status().message()));
    functions.push_back(std::move(*configuration));
  }
  body["Functions"] = std::move(functions);
  return Ok(req, body);
}

http::Response ManagementApi::ListVersionsByFunction(const http::Request& req,
                                                     std::string_view function,
                                                     std::string_view query) {
  Target target = ResolveForListing(function, query);
  if (target.error) return Fail(req, *target.error);
  // No version is published yet: $LATEST is the only one.
  auto configuration =
      Configuration(target.pool->function(), "$LATEST", ConfigurationView::kListing);
  if (!configuration.ok()) return Fail(req, AwsError::Service(configuration.status().message()));
  return Ok(req, {{"Versions", nlohmann::json::array({std::move(*configuration)})}});
}

http::Response ManagementApi::ListAliases(const http::Request& req, std::string_view function,
                                          std::string_view query) {
  Target target = ResolveForListing(function, query);
  if (target.error) return Fail(req, *target.error);
  const pool::FunctionContext& context = target.pool->function();
  nlohmann::json aliases = nlohmann::json::array();
  auto version = QueryParam(query, "FunctionVersion");
  // A SAM AutoPublishAlias is the one alias; it runs $LATEST's code.
  const std::string& alias = context.config.auto_publish_alias;
  if (!alias.empty() && (!version || *version == context.version)) {
    std::string arn = context.arn + ":" + alias;
    aliases.push_back({{"AliasArn", arn},
                       {"Name", alias},
                       {"FunctionVersion", context.version},
                       {"Description", ""},
                       {"RevisionId", RevisionIdOf(arn)}});
  }
  return Ok(req, {{"Aliases", std::move(aliases)}});
}

http::Response ManagementApi::GetFunctionConcurrency(const http::Request& req,
                                                     std::string_view function) {
  Target target = Resolve(function, {}, false);
  if (target.error) return Fail(req, *target.error);
  nlohmann::json body = nlohmann::json::object();
  if (auto reserved = target.pool->function().config.reserved_concurrency) {
    body["ReservedConcurrentExecutions"] = *reserved;
  }
  return Ok(req, body);
}

http::Response ManagementApi::ListTags(const http::Request& req, std::string_view resource) {
  std::string arn = UrlDecode(resource);
  std::optional<FunctionRef> ref = ParseFunctionRef(arn);
  if (arn.size() > kMaxFunctionNameLength || !ref || !ref->region || !ref->account ||
      arn.find(":function:") == std::string::npos) {
    ValidationErrors errors;
    if (arn.size() > kMaxFunctionNameLength) {
      errors.Add(arn, "resource", "Member must have length less than or equal to 256");
    }
    errors.Add(
        arn, "resource",
        "Member must satisfy regular expression pattern: " + std::string(kTaggableResourcePattern));
    return Fail(req, AwsError::Validation(errors));
  }
  Target target = Resolve(arn, {}, false);
  if (target.error) return Fail(req, *target.error);
  return Ok(req, {{"Tags", TagsJson(target.pool->function().config)}});
}

http::Response ManagementApi::GetAccountSettings(const http::Request& req) {
  std::int64_t total_code_size = 0;
  std::vector<std::string> names = registry_.Names();
  for (const auto& name : names) {
    pool::FunctionPool* pool = registry_.Find(name);
    if (!pool) continue;
    const auto& config = pool->function().config;
    auto code = packages_.Get(config.code_source.empty() ? config.code_dir : config.code_source);
    if (code.ok()) total_code_size += static_cast<std::int64_t>((*code)->zip.size());
  }
  const auto& account = registry_.account();
  nlohmann::json body = {
      {"AccountLimit",
       {{"TotalCodeSize", kTotalCodeSize},
        {"CodeSizeUnzipped", kCodeSizeUnzipped},
        {"CodeSizeZipped", kCodeSizeZipped},
        {"ConcurrentExecutions", account.limit()},
        {"UnreservedConcurrentExecutions", account.unreserved_limit()}}},
      {"AccountUsage", {{"TotalCodeSize", total_code_size}, {"FunctionCount", names.size()}}},
  };
  return Ok(req, body);
}

http::Response ManagementApi::DownloadCode(const http::Request& req, std::string_view file) {
  constexpr std::string_view kSuffix = ".zip";
  pool::FunctionPool* pool = nullptr;
  if (file.size() > kSuffix.size() && file.substr(file.size() - kSuffix.size()) == kSuffix) {
    pool = registry_.Find(UrlDecode(file.substr(0, file.size() - kSuffix.size())));
  }
  if (!pool) {
    return Fail(
        req, AwsError::ResourceNotFound("No deployment package at " + std::string(req.target())));
  }
  const auto& config = pool->function().config;
  auto code = packages_.Get(config.code_source.empty() ? config.code_dir : config.code_source);
  if (!code.ok()) return Fail(req, AwsError::Service(code.status().message()));
  return http::MakeResponse(req, http_ns::status::ok, (*code)->zip, "application/zip");
}

}  // namespace lambda_emu::api
