// The management API's layers:
//   POST   /2018-10-31/layers/{LayerName}/versions                 PublishLayerVersion
//   GET    /2018-10-31/layers/{LayerName}/versions/{VersionNumber} GetLayerVersion
//   GET    /2018-10-31/layers?find=LayerVersion&Arn=ARN            GetLayerVersionByArn
//   GET    /2018-10-31/layers?CompatibleRuntime=&CompatibleArchitecture=   ListLayers
//   GET    /2018-10-31/layers/{LayerName}/versions                 ListLayerVersions
//   DELETE /2018-10-31/layers/{LayerName}/versions/{VersionNumber} DeleteLayerVersion
// and GET /_emu/layers/{name}/{version}.zip, where Content.Location points.
// A version is an immutable package, stored and unpacked by the control
// plane; a function's Layers name versions by ARN (control::ResolveLayer),
// and their unpacked directories reach the runtime as file-defined layers'
// do. Version numbers are never reused, even after a delete.

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "api/function_configuration.h"
#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "api/management_api.h"
#include "api/management_internal.h"
#include "common/base64.h"

namespace lambda_emu::api {

using namespace management;
namespace http_ns = beast::http;
using nlohmann::json;

namespace {

constexpr size_t kMaxZippedBytes = 52428800;

constexpr std::string_view kLayerNamePattern =
    "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";
constexpr std::string_view kLayerVersionArnPattern =
    R"(arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)";

// The Runtime enum of botocore's model (deprecated runtimes included): the
// values a layer may declare itself compatible with.
const std::vector<std::string>& LayerRuntimes() {
  static const std::vector<std::string> kRuntimes = {
      "nodejs",     "nodejs4.3",       "nodejs6.10",     "nodejs8.10",    "nodejs10.x",
      "nodejs12.x", "nodejs14.x",      "nodejs16.x",     "java8",         "java8.al2",
      "java11",     "python2.7",       "python3.6",      "python3.7",     "python3.8",
      "python3.9",  "dotnetcore1.0",   "dotnetcore2.0",  "dotnetcore2.1", "dotnetcore3.1",
      "dotnet6",    "dotnet8",         "nodejs4.3-edge", "go1.x",         "ruby2.5",
      "ruby2.7",    "provided",        "provided.al2",   "nodejs18.x",    "python3.10",
      "java17",     "ruby3.2",         "ruby3.3",        "ruby3.4",       "python3.11",
      "nodejs20.x", "provided.al2023", "python3.12",     "java21",        "python3.13",
      "nodejs22.x", "nodejs24.x",      "python3.14",     "java25",        "dotnet10",
      "ruby4.0"};
  return kRuntimes;
}

std::string RuntimeEnum() {
  std::string list;
  for (const auto& runtime : LayerRuntimes()) list += (list.empty() ? "" : ", ") + runtime;
  return "[" + list + "]";
}

bool IsRuntime(const json& value) {
  if (!value.is_string()) return false;
  const auto& runtimes = LayerRuntimes();
  return std::find(runtimes.begin(), runtimes.end(), value.get<std::string>()) != runtimes.end();
}

bool IsArchitecture(const json& value) { return value == "x86_64" || value == "arm64"; }

// "[a, b]", as Lambda quotes a list in a ValidationException.
std::string ShownList(const json& list) {
  std::string shown = "[";
  for (size_t i = 0; i < list.size(); ++i) shown += (i ? ", " : "") + Shown(list[i]);
  return shown + "]";
}

// A LayerVersionsListItem (ListLayerVersions, ListLayers' LatestMatchingVersion).
json ListItem(const pool::ServerSettings& settings, const std::string& name,
              const control::LayerVersion& version) {
  json item = {
      {"LayerVersionArn", LayerArnOf(settings, name) + ":" + std::to_string(version.version)},
      {"Version", version.version},
      {"Description", version.description},
      {"CreatedDate", FormatLastModified(version.created_ms)},
      {"CompatibleRuntimes", version.compatible_runtimes},
      {"CompatibleArchitectures", version.compatible_architectures},
  };
  if (!version.license_info.empty()) item["LicenseInfo"] = version.license_info;
  return item;
}

// GetLayerVersion's (and PublishLayerVersion's) answer.
json VersionJson(const pool::ServerSettings& settings, const std::string& host,
                 const std::string& name, const control::LayerVersion& version) {
  json body = ListItem(settings, name, version);
  body["LayerArn"] = LayerArnOf(settings, name);
  body["Content"] = {
      {"Location",
       "http://" + host + "/_emu/layers/" + name + "/" + std::to_string(version.version) + ".zip"},
      {"CodeSha256", version.sha256_base64},
      {"CodeSize", version.size},
  };
  return body;
}

std::string HostOf(const http::Request& req) {
  std::string host(req[http_ns::field::host]);
  return host.empty() ? "127.0.0.1" : host;
}

// The CompatibleRuntime / CompatibleArchitecture filters of the List
// operations, checked as the model checks them.
struct Filters {
  std::optional<std::string> runtime;
  std::optional<std::string> architecture;
  int page_size = 0;  // MaxItems, at most 50

  bool Match(const control::LayerVersion& version) const {
    auto has = [](const std::vector<std::string>& list, const std::string& value) {
      return std::find(list.begin(), list.end(), value) != list.end();
    };
    return (!runtime || has(version.compatible_runtimes, *runtime)) &&
           (!architecture || has(version.compatible_architectures, *architecture));
  }
};

std::optional<Filters> FiltersOf(std::string_view query, std::optional<AwsError>& error) {
  Filters filters;
  filters.runtime = QueryParam(query, "CompatibleRuntime");
  filters.architecture = QueryParam(query, "CompatibleArchitecture");
  ValidationErrors errors;
  if (filters.runtime && !IsRuntime(*filters.runtime)) {
    errors.Add(*filters.runtime, "compatibleRuntime",
               "Member must satisfy enum value set: " + RuntimeEnum());
  }
  if (filters.architecture && !IsArchitecture(*filters.architecture)) {
    errors.Add(*filters.architecture, "compatibleArchitecture",
               "Member must satisfy enum value set: [x86_64, arm64]");
  }
  filters.page_size = PageSize(query, errors);
  if (!errors.empty()) {
    error = Invalid(errors);
    return std::nullopt;
  }
  return filters;
}

}  // namespace

ManagementApi::Awaitable ManagementApi::PublishLayerVersion(http::Request& req,
                                                            std::string_view layer) {
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  const std::string name = LayerNameOf(layer);
  ValidationErrors errors;
  if (name.empty()) {
    errors.Add(UrlDecode(layer), "layerName",
               "Member must satisfy regular expression pattern: " + std::string(kLayerNamePattern));
  }
  const json runtimes = body->value("CompatibleRuntimes", json::array());
  const json architectures = body->value("CompatibleArchitectures", json::array());
  if (!runtimes.is_array() || runtimes.size() > 15) {
    errors.Add(Shown(runtimes), "compatibleRuntimes",
               "Member must have length less than or equal to 15");
  } else if (!std::all_of(runtimes.begin(), runtimes.end(), IsRuntime)) {
    errors.Add(ShownList(runtimes), "compatibleRuntimes",
               "Member must satisfy enum value set: " + RuntimeEnum());
  }
  if (!architectures.is_array() || architectures.size() > 2) {
    errors.Add(Shown(architectures), "compatibleArchitectures",
               "Member must have length less than or equal to 2");
  } else if (!std::all_of(architectures.begin(), architectures.end(), IsArchitecture)) {
    errors.Add(ShownList(architectures), "compatibleArchitectures",
               "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, "
               "arm64]]");
  }
  const json description = body->value("Description", json(""));
  if (!description.is_string() || description.get<std::string>().size() > 256) {
    errors.Add(Shown(description), "description",
               "Member must have length less than or equal to 256");
  }
  const json license = body->value("LicenseInfo", json(""));
  if (!license.is_string() || license.get<std::string>().size() > 512) {
    errors.Add(Shown(license), "licenseInfo", "Member must have length less than or equal to 512");
  }
  const json content = body->value("Content", json());
  if (content.is_null()) errors.Add(kNull, "content", "Member must not be null");
  if (!errors.empty()) co_return Fail(req, Invalid(errors));

  const json zip_file = content.is_object() ? content.value("ZipFile", json()) : json();
  if (!zip_file.is_string()) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "Content.ZipFile is required: lambda-emu cannot read a layer from "
                            "S3"));
  }
  auto zip = Base64Decode(zip_file.get<std::string>());
  if (!zip) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "Could not unzip uploaded file. Please check your file, then try to "
                            "upload again."));
  }
  if (zip->size() > kMaxZippedBytes) {
    co_return Fail(req, AwsError{http_ns::status::payload_too_large,
                                 "RequestEntityTooLargeException",
                                 "Zipped size must be smaller than 52428800 bytes",
                                 {}});
  }
  if (auto full = control_.CheckCodeStorage(static_cast<std::int64_t>(zip->size()))) {
    co_return Fail(req, FromControl(*full));
  }
  auto stored = co_await control_.StoreCode(std::move(*zip));
  if (auto* refused = std::get_if<control::Error>(&stored)) {
    co_return Fail(req, FromControl(*refused));
  }
  const control::StoredCode& code = std::get<control::StoredCode>(stored);
  if (LayersChanging().count(name)) {
    co_return Fail(req, LayerBusy(settings_, name));
  }
  control::LayerRecord record;
  record.name = name;
  if (const control::LayerRecord* existing = control_.FindLayer(name)) record = *existing;
  control::LayerVersion version;
  version.version = ++record.last_version;
  version.description = description.get<std::string>();
  version.license_info = license.get<std::string>();
  version.compatible_runtimes = runtimes.get<std::vector<std::string>>();
  version.compatible_architectures = architectures.get<std::vector<std::string>>();
  version.blob = code.blob;
  version.sha256_base64 = code.sha256_base64;
  version.size = code.size;
  version.created_ms = NowMs();
  version.dir = code.dir;
  record.versions[version.version] = version;
  LayersChanging().insert(name);
  auto refused = co_await control_.PutLayer(std::move(record));
  LayersChanging().erase(name);
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return Ok(req, VersionJson(settings_, HostOf(req), name, version), http_ns::status::created);
}

http::Response ManagementApi::GetLayerVersion(const http::Request& req, std::string_view layer,
                                              std::string_view version) {
  std::optional<AwsError> error;
  auto number = VersionNumberOf(version, error);
  if (!number) return Fail(req, *error);
  const AwsError missing = AwsError::ResourceNotFound(std::string(kNoSuchResource));
  const control::LayerRecord* record = control_.FindLayer(LayerNameOf(layer));
  if (!record) return Fail(req, missing);
  auto found = record->versions.find(*number);
  if (found == record->versions.end()) return Fail(req, missing);
  return Ok(req, VersionJson(settings_, HostOf(req), record->name, found->second));
}

http::Response ManagementApi::GetLayerVersionByArn(const http::Request& req,
                                                   std::string_view query) {
  const std::string arn = QueryParam(query, "Arn").value_or("");
  // arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    auto colon = arn.find(':', start);
    parts.push_back(arn.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  bool valid = parts.size() == 8 && parts[0] == "arn" && parts[1].starts_with("aws") &&
               parts[2] == "lambda" && !parts[3].empty() && parts[4].size() == 12 &&
               parts[4].find_first_not_of("0123456789") == std::string::npos &&
               parts[5] == "layer" && !parts[6].empty() && OnlyOf(parts[6], kNameChars) &&
               !parts[7].empty() && parts[7].find_first_not_of("0123456789") == std::string::npos;
  if (!valid || arn.size() > 140) {
    ValidationErrors errors;
    errors.Add(
        arn, "arn",
        "Member must satisfy regular expression pattern: " + std::string(kLayerVersionArnPattern));
    return Fail(req, Invalid(errors));
  }
  const AwsError missing = AwsError::ResourceNotFound(std::string(kNoSuchResource));
  if (parts[3] != settings_.region || parts[4] != settings_.account_id) return Fail(req, missing);
  std::optional<AwsError> error;
  auto number = VersionNumberOf(parts[7], error);
  if (!number) return Fail(req, *error);
  const control::LayerRecord* record = control_.FindLayer(parts[6]);
  if (!record || !record->versions.count(*number)) return Fail(req, missing);
  return Ok(req, VersionJson(settings_, HostOf(req), record->name, record->versions.at(*number)));
}

http::Response ManagementApi::ListLayers(const http::Request& req, std::string_view query) {
  std::optional<AwsError> error;
  auto filters = FiltersOf(query, error);
  if (!filters) return Fail(req, *error);
  // By name (the marker), each with its newest version that matches the
  // filters; a layer with none is not listed.
  std::vector<std::string> names;
  std::vector<json> items;
  for (const control::LayerRecord* record : control_.Layers()) {
    for (auto it = record->versions.rbegin(); it != record->versions.rend(); ++it) {
      if (!filters->Match(it->second)) continue;
      names.push_back(record->name);
      items.push_back({{"LayerName", record->name},
                       {"LayerArn", LayerArnOf(settings_, record->name)},
                       {"LatestMatchingVersion", ListItem(settings_, record->name, it->second)}});
      break;
    }
  }
  return Ok(req, Listing(names, query, filters->page_size, "Layers",
                         [&](size_t i) { return std::move(items[i]); }));
}

http::Response ManagementApi::ListLayerVersions(const http::Request& req, std::string_view layer,
                                                std::string_view query) {
  std::optional<AwsError> error;
  auto filters = FiltersOf(query, error);
  if (!filters) return Fail(req, *error);
  // Newest first; the marker is a version number.
  std::vector<std::string> numbers;
  std::vector<json> items;
  if (const control::LayerRecord* record = control_.FindLayer(LayerNameOf(layer))) {
    for (auto it = record->versions.rbegin(); it != record->versions.rend(); ++it) {
      if (!filters->Match(it->second)) continue;
      numbers.push_back(std::to_string(it->first));
      items.push_back(ListItem(settings_, record->name, it->second));
    }
  }
  // A marker that is not a number comes after every version.
  auto newer = [](const std::string& number, const std::string& marker) {
    return !IsNumber(marker) || marker.size() > 9 || std::stoi(number) > std::stoi(marker);
  };
  return Ok(req, Listing(
                     numbers, query, filters->page_size, "LayerVersions",
                     [&](size_t i) { return std::move(items[i]); }, newer));
}

ManagementApi::Awaitable ManagementApi::DeleteLayerVersion(http::Request& req,
                                                           std::string_view layer,
                                                           std::string_view version) {
  std::optional<AwsError> error;
  auto number = VersionNumberOf(version, error);
  if (!number) {
    // A version that cannot exist is deleted already, as Lambda sees it.
    if (error->type == "ResourceNotFoundException") co_return NoContent(req);
    co_return Fail(req, *error);
  }
  const std::string name = LayerNameOf(layer);
  const control::LayerRecord* existing = control_.FindLayer(name);
  if (!existing || !existing->versions.count(*number)) co_return NoContent(req);
  if (LayersChanging().count(name)) {
    co_return Fail(req, LayerBusy(settings_, name));
  }
  // The record stays (with no versions) so that its numbers are not reused;
  // functions using the version keep its unpacked files until the next
  // start-up finds nothing referring to them.
  control::LayerRecord record = *existing;
  record.versions.erase(*number);
  LayersChanging().insert(name);
  auto refused = co_await control_.PutLayer(std::move(record));
  LayersChanging().erase(name);
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

ManagementApi::Awaitable ManagementApi::DownloadLayer(const http::Request& req,
                                                      std::string_view layer,
                                                      std::string_view file) {
  constexpr std::string_view kSuffix = ".zip";
  const AwsError missing =
      AwsError::ResourceNotFound("No layer package at " + std::string(req.target()));
  if (file.size() <= kSuffix.size() || !file.ends_with(kSuffix)) co_return Fail(req, missing);
  std::optional<AwsError> error;
  auto number = VersionNumberOf(file.substr(0, file.size() - kSuffix.size()), error);
  const control::LayerRecord* record = control_.FindLayer(UrlDecode(layer));
  if (!number || !record || !record->versions.count(*number)) co_return Fail(req, missing);
  // Read on the state worker: a layer may be tens of MB.
  std::function<std::optional<std::string>()> read =
      [path =
           control_.BlobPath(record->versions.at(*number).blob)]() -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return std::move(bytes).str();
  };
  std::optional<std::string> bytes = co_await control_.worker().Run(std::move(read));
  if (!bytes) co_return Fail(req, missing);
  co_return http::MakeResponse(req, http_ns::status::ok, std::move(*bytes), "application/zip");
}

}  // namespace lambda_emu::api
