#include "api/management_api.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "api/aws_error.h"
#include "api/function_configuration.h"
#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "api/management_internal.h"
#include "pool/ids.h"

namespace lambda_emu::api {

namespace http_ns = beast::http;

namespace {

// Lambda's default account quotas (GetAccountSettings.AccountLimit).
constexpr std::int64_t kCodeSizeUnzipped = 262144000;
constexpr std::int64_t kCodeSizeZipped = 52428800;

// The List operations answer at most this many items per page, whatever
// MaxItems asks for.
constexpr int kMaxPageItems = 50;

}  // namespace

namespace management {

http::Response Ok(const http::Request& req, const nlohmann::json& body, http_ns::status status) {
  http::Response res = http::MakeResponse(req, status, JsonBody(body));
  res.set("x-amzn-RequestId", pool::NewRequestId());
  return res;
}

http::Response NoContent(const http::Request& req) {
  http::Response res{http_ns::status::no_content, req.version()};
  res.set("x-amzn-RequestId", pool::NewRequestId());
  return res;
}

http::Response Fail(const http::Request& req, const AwsError& error) {
  return ToResponse(error, req, pool::NewRequestId());
}

AwsError FromControl(const control::Error& error) {
  using Kind = control::Error::Kind;
  switch (error.kind) {
    case Kind::kNotFound:
      return AwsError::ResourceNotFound(error.message);
    case Kind::kConflict:
      return {http_ns::status::conflict, "ResourceConflictException", error.message, {}};
    case Kind::kInvalidParameter:
      return AwsError::InvalidParameterValue(error.message);
    case Kind::kValidation:
      return AwsError::Validation(error.message);
    case Kind::kPreconditionFailed:
      return {
          http_ns::status::precondition_failed, "PreconditionFailedException", error.message, {}};
    case Kind::kCodeStorageExceeded:
      return {http_ns::status::bad_request, "CodeStorageExceededException", error.message, {}};
    case Kind::kProvisionedNotFound:
      return {http_ns::status::not_found,
              "ProvisionedConcurrencyConfigNotFoundException",
              error.message,
              {}};
    case Kind::kService:
      break;
  }
  return AwsError::Service(error.message);
}

std::optional<nlohmann::json> Body(const http::Request& req, std::optional<AwsError>& error) {
  std::string_view text = req.body();
  if (text.empty()) text = "{}";
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    error = AwsError::InvalidRequestContent("Could not parse request body into json");
    return std::nullopt;
  }
  return body;
}

AwsError RevisionMismatch(std::string_view read) {
  return {http_ns::status::precondition_failed,
          "PreconditionFailedException",
          "The Revision Id provided does not match the latest Revision Id. Call the " +
              std::string(read) + " API to retrieve the latest Revision Id",
          {}};
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

}  // namespace management

using namespace management;

namespace {

// A function's Tags as GetFunction and ListTags give them: {"KEY": "VALUE"}.
nlohmann::json TagsJson(const config::FunctionConfig& config) {
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [key, value] : config.tags) tags[key] = value;
  return tags;
}

}  // namespace

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

  const bool own_account = !ref->account || *ref->account == settings_.account_id;
  if (own_account) {
    if (const control::FunctionRecord* record = control_.Find(ref->name)) {
      target.record = record;
      target.version = &record->latest;
      if (qualifier) {
        target.version = record->Version(*qualifier);
        if (auto alias = record->aliases.find(*qualifier); alias != record->aliases.end()) {
          target.version = record->Version(alias->second.function_version);
        }
      }
      if (target.version) {
        target.qualifier = std::move(qualifier);
        return target;
      }
      target.record = nullptr;
    } else {
      target.pool = qualifier ? registry_.Find(ref->name, *qualifier) : registry_.Find(ref->name);
    }
  }
  if (!target.pool || (qualifier && *qualifier != target.pool->function().version &&
                       *qualifier != target.pool->function().config.auto_publish_alias)) {
    // Unlike Invoke's, the message names the qualifier only when one was given.
    std::string arn =
        FunctionArn(settings_.region, ref->account.value_or(settings_.account_id), ref->name);
    if (qualifier) arn += ":" + *qualifier;
    target.pool = nullptr;
    target.error = AwsError::ResourceNotFound("Function not found: " + arn);
    return target;
  }
  target.qualifier = std::move(qualifier);
  return target;
}

nlohmann::json ManagementApi::Configuration(const control::FunctionVersion& version,
                                            std::string_view qualifier,
                                            ConfigurationView view) const {
  std::vector<LayerReference> layers;
  const auto& state = version.state;
  for (size_t i = 0; i < state.layer_arns.size(); ++i) {
    layers.push_back(
        {state.layer_arns[i], i < state.layer_sizes.size() ? state.layer_sizes[i] : 0});
  }
  auto json = FunctionConfigurationJson(version.config, version.version, state, layers, settings_,
                                        qualifier, view);
  // A SnapStart version is Pending until its snapshot is made (its init has
  // run); one that cannot be made runs its init on demand, and is Active.
  if (view == ConfigurationView::kFull && version.config.snap_start &&
      version.version != "$LATEST" && registry_.spares()) {
    const pool::FunctionPool* pool = registry_.FindVersion(version.config.name, version.version);
    const auto* snapshot = pool ? pool->function().forked_runtime.get() : nullptr;
    if (snapshot && snapshot->snapshot && registry_.spares()->SnapshotPending(snapshot->key)) {
      json["State"] = "Pending";
      json["StateReason"] = "The function is being created.";
      json["StateReasonCode"] = "Creating";
    }
  }
  return json;
}

namespace {

const std::filesystem::path& CodeSource(const config::FunctionConfig& config) {
  return config.code_source.empty() ? config.code_dir : config.code_source;
}

std::vector<std::filesystem::path> PackageSources(const pool::FunctionContext& function) {
  std::vector<std::filesystem::path> sources{CodeSource(function.config)};
  sources.insert(sources.end(), function.config.layers.begin(), function.config.layers.end());
  return sources;
}

// A package PreparePackages did not build: the function changed (a reload)
// while the request waited for the worker.
Status NotPrepared(const std::filesystem::path& source) {
  return Status::Error("the deployment package of " + source.string() +
                       " changed while it was read; try again");
}

}  // namespace

boost::asio::awaitable<Status> ManagementApi::PreparePackages(
    std::vector<std::filesystem::path> sources) {
  std::function<Status()> build = [this, sources = std::move(sources)] {
    for (const auto& source : sources) {
      auto package = packages_.Get(source);
      if (!package.ok()) return package.status();
    }
    return Status::Ok();
  };
  co_return co_await control_.worker().Run(std::move(build));
}

std::vector<std::filesystem::path> ManagementApi::FileFunctionSources(bool layers) const {
  std::vector<std::filesystem::path> sources;
  for (const auto& name : registry_.Names()) {
    if (control_.Find(name)) continue;
    const pool::FunctionPool* pool = registry_.Find(name);
    if (!pool) continue;
    const auto& config = pool->function().config;
    sources.push_back(CodeSource(config));
    if (layers) sources.insert(sources.end(), config.layers.begin(), config.layers.end());
  }
  return sources;
}

Result<nlohmann::json> ManagementApi::Configuration(const pool::FunctionContext& function,
                                                    std::string_view qualifier,
                                                    ConfigurationView view) {
  auto code = packages_.Cached(CodeSource(function.config));
  if (!code) return NotPrepared(CodeSource(function.config));
  std::vector<LayerReference> layers;
  for (const auto& dir : function.config.layers) {
    auto layer = packages_.Cached(dir);
    if (!layer) return NotPrepared(dir);
    layers.push_back({LayerArn(settings_, dir), static_cast<std::int64_t>(layer->zip.size())});
  }
  return FunctionConfigurationJson(function, settings_, *code, layers, qualifier, view);
}

ManagementApi::Awaitable ManagementApi::GetFunction(const http::Request& req,
                                                    std::string_view function,
                                                    std::string_view query) {
  Target target = Resolve(function, query, true);
  if (target.error) co_return Fail(req, *target.error);
  // Code.Location is on this server, reached the way the caller reached it.
  std::string host(req[http_ns::field::host]);
  if (host.empty()) host = "127.0.0.1";
  nlohmann::json body;
  std::map<std::string, std::string> tags;
  std::optional<int> reserved;
  if (target.record) {
    const control::FunctionVersion& version = *target.version;
    std::string file = target.record->name();
    if (version.version != "$LATEST") file += ":" + version.version;
    body["Configuration"] =
        Configuration(version, target.qualifier.value_or(""), ConfigurationView::kFull);
    body["Code"] = {{"RepositoryType", "S3"},
                    {"Location", "http://" + host + "/_emu/code/" + file + ".zip"}};
    tags = target.record->tags;
    reserved = target.record->reserved_concurrency;
  } else {
    // Held: the function may be reloaded while the package is built.
    std::shared_ptr<const pool::FunctionContext> held = target.pool->function_ptr();
    const pool::FunctionContext& context = *held;
    std::vector<std::filesystem::path> sources = PackageSources(context);
    Status prepared = co_await PreparePackages(std::move(sources));
    if (!prepared.ok()) co_return Fail(req, AwsError::Service(prepared.message()));
    auto configuration =
        Configuration(context, target.qualifier.value_or(""), ConfigurationView::kFull);
    if (!configuration.ok()) {
      co_return Fail(req, AwsError::Service(configuration.status().message()));
    }
    body["Configuration"] = std::move(*configuration);
    body["Code"] = {{"RepositoryType", "S3"},
                    {"Location", "http://" + host + "/_emu/code/" + context.config.name + ".zip"}};
    tags.insert(context.config.tags.begin(), context.config.tags.end());
    reserved = context.config.reserved_concurrency;
  }
  if (!tags.empty()) body["Tags"] = tags;
  if (reserved) body["Concurrency"] = {{"ReservedConcurrentExecutions", *reserved}};
  co_return Ok(req, body);
}

ManagementApi::Awaitable ManagementApi::GetFunctionConfiguration(const http::Request& req,
                                                                 std::string_view function,
                                                                 std::string_view query) {
  Target target = Resolve(function, query, true);
  if (target.error) co_return Fail(req, *target.error);
  if (target.record) {
    co_return Ok(req, Configuration(*target.version, target.qualifier.value_or(""),
                                    ConfigurationView::kFull));
  }
  std::shared_ptr<const pool::FunctionContext> held = target.pool->function_ptr();
  std::vector<std::filesystem::path> sources = PackageSources(*held);
  Status prepared = co_await PreparePackages(std::move(sources));
  if (!prepared.ok()) co_return Fail(req, AwsError::Service(prepared.message()));
  auto configuration =
      Configuration(*held, target.qualifier.value_or(""), ConfigurationView::kFull);
  if (!configuration.ok()) {
    co_return Fail(req, AwsError::Service(configuration.status().message()));
  }
  co_return Ok(req, *configuration);
}

ManagementApi::Awaitable ManagementApi::ListFunctions(const http::Request& req,
                                                      std::string_view query) {
  ValidationErrors errors;
  auto master_region = QueryParam(query, "MasterRegion");
  auto function_version = QueryParam(query, "FunctionVersion");
  if (function_version && *function_version != "ALL") {
    errors.Add(*function_version, "functionVersion", "Member must satisfy enum value set: [ALL]");
  }
  int page_size = PageSize(query, errors);
  if (!errors.empty()) co_return Fail(req, AwsError::Validation(errors));
  if (master_region && !function_version) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "MasterRegion must be specified with FunctionVersion=ALL"));
  }
  // Every page lists from the same state: the packages first, then the
  // entries (no suspension after this point).
  std::vector<std::filesystem::path> sources = FileFunctionSources(/*layers=*/true);
  Status prepared = co_await PreparePackages(std::move(sources));
  if (!prepared.ok()) co_return Fail(req, AwsError::Service(prepared.message()));

  // Sorted by name, as Lambda lists them (with FunctionVersion=ALL each
  // function's versions follow it, $LATEST first). The marker is the entry
  // the next page starts at: "NAME", or "NAME:VERSION" within a function.
  struct Entry {
    std::string key;
    std::string name;
    const control::FunctionVersion* version = nullptr;  // API-made; else the file's pool
  };
  std::vector<Entry> entries;
  std::vector<std::string> names = registry_.Names();
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const control::FunctionRecord* record = control_.Find(name);
    entries.push_back({name, name, record ? &record->latest : nullptr});
    if (!record || !function_version) continue;
    for (const auto& [number, version] : record->versions) {
      // Keys sort within their function: "NAME:" + a zero-padded number.
      char key[16];
      std::snprintf(key, sizeof key, "%010d", number);
      entries.push_back({name + ":" + key, name, &version});
    }
  }
  auto begin = entries.begin();
  if (auto marker = QueryParam(query, "Marker"); marker && !marker->empty()) {
    begin = std::lower_bound(entries.begin(), entries.end(), *marker,
                             [](const Entry& e, const std::string& m) { return e.key < m; });
  }
  // MasterRegion lists Lambda@Edge replicas, which lambda-emu has none of.
  if (master_region) begin = entries.end();

  nlohmann::json functions = nlohmann::json::array();
  nlohmann::json body = nlohmann::json::object();
  for (auto it = begin; it != entries.end(); ++it) {
    if (static_cast<int>(functions.size()) == page_size) {
      body["NextMarker"] = it->key;
      break;
    }
    if (it->version) {
      // With FunctionVersion=ALL every version is listed by its qualified ARN.
      functions.push_back(Configuration(*it->version, function_version ? it->version->version : "",
                                        ConfigurationView::kListing));
      continue;
    }
    pool::FunctionPool* pool = registry_.Find(it->name);
    if (!pool) continue;
    auto configuration = Configuration(pool->function(), function_version ? "$LATEST" : "",
                                       ConfigurationView::kListing);
    if (!configuration.ok()) {
      co_return Fail(req, AwsError::Service(configuration.status().message()));
    }
    functions.push_back(std::move(*configuration));
  }
  body["Functions"] = std::move(functions);
  co_return Ok(req, body);
}

ManagementApi::Awaitable ManagementApi::ListVersionsByFunction(const http::Request& req,
                                                               std::string_view function,
                                                               std::string_view query) {
  Target target = ResolveForListing(function, query);
  if (target.error) co_return Fail(req, *target.error);
  nlohmann::json versions = nlohmann::json::array();
  if (target.record) {
    versions.push_back(
        Configuration(target.record->latest, "$LATEST", ConfigurationView::kListing));
    for (const auto& [number, version] : target.record->versions) {
      versions.push_back(Configuration(version, version.version, ConfigurationView::kListing));
    }
    co_return Ok(req, {{"Versions", std::move(versions)}});
  }
  // A file-defined function publishes no versions: $LATEST is the only one.
  std::shared_ptr<const pool::FunctionContext> held = target.pool->function_ptr();
  std::vector<std::filesystem::path> sources = PackageSources(*held);
  Status prepared = co_await PreparePackages(std::move(sources));
  if (!prepared.ok()) co_return Fail(req, AwsError::Service(prepared.message()));
  auto configuration = Configuration(*held, "$LATEST", ConfigurationView::kListing);
  if (!configuration.ok()) {
    co_return Fail(req, AwsError::Service(configuration.status().message()));
  }
  versions.push_back(std::move(*configuration));
  co_return Ok(req, {{"Versions", std::move(versions)}});
}

http::Response ManagementApi::ListAliases(const http::Request& req, std::string_view function,
                                          std::string_view query) {
  Target target = ResolveForListing(function, query);
  if (target.error) return Fail(req, *target.error);
  nlohmann::json aliases = nlohmann::json::array();
  auto version = QueryParam(query, "FunctionVersion");
  if (target.record) {
    for (const auto& [name, alias] : target.record->aliases) {
      if (version && *version != alias.function_version) continue;
      aliases.push_back(AliasJson(target.record->name(), alias));
    }
    return Ok(req, {{"Aliases", std::move(aliases)}});
  }
  const pool::FunctionContext& context = target.pool->function();
  // A SAM AutoPublishAlias is the one alias; it runs $LATEST's code (with
  // SnapStart, a version published from it).
  const std::string& alias = context.config.auto_publish_alias;
  const pool::FunctionPool* aliased =
      alias.empty() ? nullptr : registry_.Find(context.config.name, alias);
  const std::string& aliased_version = aliased ? aliased->function().version : context.version;
  if (!alias.empty() && (!version || *version == aliased_version)) {
    std::string arn = context.arn + ":" + alias;
    aliases.push_back({{"AliasArn", arn},
                       {"Name", alias},
                       {"FunctionVersion", aliased_version},
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
  if (target.record) {
    if (auto reserved = target.record->reserved_concurrency) {
      body["ReservedConcurrentExecutions"] = *reserved;
    }
  } else if (auto reserved = target.pool->function().config.reserved_concurrency) {
    body["ReservedConcurrentExecutions"] = *reserved;
  }
  return Ok(req, body);
}

http::Response ManagementApi::ListTags(const http::Request& req, std::string_view resource) {
  std::string arn = UrlDecode(resource);
  if (auto invalid = CheckTaggable(arn)) return Fail(req, *invalid);
  Target target = Resolve(arn, {}, false);
  if (target.error) return Fail(req, *target.error);
  if (target.record) {
    nlohmann::json tags = nlohmann::json::object();
    for (const auto& [key, value] : target.record->tags) tags[key] = value;
    return Ok(req, {{"Tags", tags}});
  }
  return Ok(req, {{"Tags", TagsJson(target.pool->function().config)}});
}

ManagementApi::Awaitable ManagementApi::GetAccountSettings(const http::Request& req) {
  std::vector<std::filesystem::path> sources = FileFunctionSources(/*layers=*/false);
  Status prepared = co_await PreparePackages(std::move(sources));
  if (!prepared.ok()) co_return Fail(req, AwsError::Service(prepared.message()));
  std::int64_t total_code_size = 0;
  std::vector<std::string> names = registry_.Names();
  for (const auto& name : names) {
    if (const control::FunctionRecord* record = control_.Find(name)) {
      total_code_size += record->latest.state.code_size;
      for (const auto& [number, version] : record->versions) {
        total_code_size += version.state.code_size;
      }
      continue;
    }
    pool::FunctionPool* pool = registry_.Find(name);
    if (!pool) continue;
    auto code = packages_.Cached(CodeSource(pool->function().config));
    if (code) total_code_size += static_cast<std::int64_t>(code->zip.size());
  }
  const auto& account = registry_.account();
  nlohmann::json body = {
      {"AccountLimit",
       {{"TotalCodeSize", settings_.code_storage_limit},
        {"CodeSizeUnzipped", kCodeSizeUnzipped},
        {"CodeSizeZipped", kCodeSizeZipped},
        {"ConcurrentExecutions", account.limit()},
        {"UnreservedConcurrentExecutions", account.unreserved_limit()}}},
      {"AccountUsage", {{"TotalCodeSize", total_code_size}, {"FunctionCount", names.size()}}},
  };
  co_return Ok(req, body);
}

ManagementApi::Awaitable ManagementApi::DownloadCode(const http::Request& req,
                                                     std::string_view file) {
  constexpr std::string_view kSuffix = ".zip";
  auto not_found = [&] {
    return Fail(
        req, AwsError::ResourceNotFound("No deployment package at " + std::string(req.target())));
  };
  if (file.size() <= kSuffix.size() || file.substr(file.size() - kSuffix.size()) != kSuffix) {
    co_return not_found();
  }
  std::string name = UrlDecode(file.substr(0, file.size() - kSuffix.size()));
  std::string version = "$LATEST";
  if (auto colon = name.find(':'); colon != std::string::npos) {
    version = name.substr(colon + 1);
    name.resize(colon);
  }
  std::filesystem::path source;
  if (const control::FunctionRecord* record = control_.Find(name)) {
    const control::FunctionVersion* found = record->Version(version);
    if (!found) co_return not_found();
    source = control_.BlobPath(found->state.code_blob);
  } else {
    pool::FunctionPool* pool = version == "$LATEST" ? registry_.Find(name) : nullptr;
    if (!pool) co_return not_found();
    source = CodeSource(pool->function().config);
  }
  std::vector<std::filesystem::path> sources{source};
  Status prepared = co_await PreparePackages(std::move(sources));
  if (!prepared.ok()) co_return Fail(req, AwsError::Service(prepared.message()));
  auto code = packages_.Cached(source);
  if (!code) co_return Fail(req, AwsError::Service(NotPrepared(source).message()));
  co_return http::MakeResponse(req, http_ns::status::ok, code->zip, "application/zip");
}

nlohmann::json ManagementApi::AliasJson(const std::string& function,
                                        const control::Alias& alias) const {
  nlohmann::json json = {
      {"AliasArn", control_.FunctionArn(function) + ":" + alias.name},
      {"Name", alias.name},
      {"FunctionVersion", alias.function_version},
      {"Description", alias.description},
      {"RevisionId", alias.revision_id},
  };
  if (!alias.additional_weights.empty()) {
    json["RoutingConfig"] = {{"AdditionalVersionWeights", alias.additional_weights}};
  }
  return json;
}

}  // namespace lambda_emu::api
