#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/suggest.h"
#include "config/code_archive.h"
#include "config/event_invoke_config.h"
#include "config/event_source.h"

namespace lambda_emu::config {

namespace fs = std::filesystem;

namespace {

// Thrown inside this file only, turned into a Status at its boundary.
struct ConfigError {
  std::string message;
};

[[noreturn]] void Fail(const std::string& message) { throw ConfigError{message}; }

// The keys a function takes: those with an effect, then those accepted for
// compatibility with CreateFunction input that have none here.
const std::vector<std::string> kFunctionKeys = {"Runtime",
                                                "Handler",
                                                "Code",
                                                "CodeUri",
                                                "MemorySize",
                                                "Timeout",
                                                "Environment",
                                                "ReservedConcurrentExecutions",
                                                "ProvisionedConcurrency",
                                                "EphemeralStorage",
                                                "Description",
                                                "Architectures",
                                                "Layers",
                                                "Events",
                                                "FunctionUrlConfig",
                                                "Tags",
                                                "EventInvokeConfig",
                                                "DeadLetterConfig",
                                                "SnapStart"};
const std::vector<std::string> kIgnoredFunctionKeys = {"Role", "PackageType", "TracingConfig",
                                                       "LoggingConfig", "FunctionName"};
const std::vector<std::string> kTopLevelKeys = {"Functions", "Interpreters"};

std::vector<std::string> AllFunctionKeys() {
  std::vector<std::string> keys = kFunctionKeys;
  keys.insert(keys.end(), kIgnoredFunctionKeys.begin(), kIgnoredFunctionKeys.end());
  return keys;
}

int Integer(const YAML::Node& node, const std::string& key) {
  try {
    return node.as<int>();
  } catch (const YAML::Exception&) {
    Fail(key + ": must be an integer, got '" + (node.IsScalar() ? node.Scalar() : "?") + "'");
  }
}

std::string Scalar(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) Fail(key + ": must be a string");
  return node.Scalar();
}

void ParseEnvironment(const YAML::Node& node, FunctionConfig& f) {
  if (node.IsNull()) return;
  if (!node.IsMap()) Fail("Environment: must be a map of variables");
  const YAML::Node& vars = node["Variables"] ? node["Variables"] : node;
  if (!vars.IsMap() && !vars.IsNull()) Fail("Environment: Variables must be a map");
  for (const auto& kv : vars) {
    std::string key = kv.first.as<std::string>();
    if (!kv.second.IsScalar()) Fail("Environment: value of " + key + " must be a string");
    f.environment.emplace_back(key, kv.second.Scalar());
  }
}

void ParseTags(const YAML::Node& node, FunctionConfig& f) {
  if (node.IsNull()) return;
  if (!node.IsMap()) Fail("Tags: must be a map of tag names to values");
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (!kv.second.IsScalar()) Fail("Tags: value of " + key + " must be a string");
    f.tags.emplace_back(key, kv.second.Scalar());
  }
}

void ResolveCode(const YAML::Node& node, const fs::path& base_dir, const fs::path& unpack_dir,
                 FunctionConfig& f) {
  std::string raw;
  if (node.IsMap()) {  // CreateFunction shape: Code: {ZipFile|Directory: ...}
    if (node["Directory"])
      raw = Scalar(node["Directory"], "Code.Directory");
    else if (node["ZipFile"])
      raw = Scalar(node["ZipFile"], "Code.ZipFile");
    else
      Fail("Code: expected a path, or a map with Directory or ZipFile");
  } else {
    raw = Scalar(node, "Code");
  }
  fs::path path = fs::path(raw).is_absolute() ? fs::path(raw) : base_dir / raw;
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && path.extension() != ".zip") {
    // Lambda's Code is a package, never one source file: say so rather than
    // "no such directory", which reads wrong for a file that is right there.
    std::string folder = fs::path(raw).parent_path().string();
    Fail("Code: '" + raw +
         "' is a file; Code must be a directory or a .zip deployment package (the folder "
         "holding it would be Code: " +
         (folder.empty() ? "." : folder) + ")");
  }
  Status s = UseCode(path.lexically_normal(), unpack_dir, f);
  if (!s.ok()) Fail("Code: " + s.message());
}

FunctionConfig ParseFunction(const std::string& name, const YAML::Node& node,
                             const fs::path& base_dir, const fs::path& unpack_dir) {
  if (!node.IsMap()) Fail("must be a map of settings");
  FunctionConfig f;
  f.name = name;
  bool has_code = false;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "Runtime") {
      f.runtime = Scalar(v, key);
      auto family = ParseRuntime(f.runtime);
      if (!family) Fail("Runtime: " + UnsupportedRuntimeMessage(f.runtime));
      f.family = *family;
    } else if (key == "Handler") {
      f.handler = Scalar(v, key);
    } else if (key == "Code" || key == "CodeUri") {
      ResolveCode(v, base_dir, unpack_dir, f);
      has_code = true;
    } else if (key == "MemorySize") {
      f.memory_mb = Integer(v, key);
    } else if (key == "Timeout") {
      f.timeout_s = Integer(v, key);
    } else if (key == "Environment") {
      ParseEnvironment(v, f);
    } else if (key == "Tags") {
      ParseTags(v, f);
    } else if (key == "ReservedConcurrentExecutions") {
      f.reserved_concurrency = Integer(v, key);
    } else if (key == "ProvisionedConcurrency") {
      f.provisioned_concurrency = Integer(v, key);
    } else if (key == "EphemeralStorage") {
      f.ephemeral_storage_mb =
          v.IsMap() ? Integer(v["Size"], "EphemeralStorage.Size") : Integer(v, key);
    } else if (key == "Description") {
      f.description = Scalar(v, key);
    } else if (key == "Architectures") {
      if (!v.IsSequence() || v.size() != 1) Fail("Architectures: must be a list of one item");
      f.architecture = Scalar(v[0], key);
    } else if (key == "Layers") {
      if (!v.IsSequence()) Fail("Layers: must be a list of directories");
      for (const auto& layer : v) {
        fs::path p = Scalar(layer, key);
        if (p.is_relative()) p = base_dir / p;
        std::error_code ec;
        if (!fs::is_directory(p, ec)) Fail("Layers: no such directory: " + p.string());
        f.layers.push_back(fs::canonical(p, ec));
      }
    } else if (key == "Events") {  // SAM's shape: {Name: {Type: Api, Properties: {...}}}
      auto events = ParseEventSources(v, "Events");
      if (!events.ok()) Fail(events.status().message());
      f.events = std::move(events.value());
    } else if (key == "FunctionUrlConfig") {
      f.function_url_config = YamlToJson(v);
    } else if (key == "EventInvokeConfig") {  // PutFunctionEventInvokeConfig's members
      auto parsed = ParseEventInvokeConfig(v, key, EventInvokeSyntax{});
      if (!parsed.ok()) Fail(parsed.status().message());
      f.event_invoke_configs["$LATEST"] = std::move(parsed).value();
    } else if (key == "DeadLetterConfig") {
      auto parsed = ParseDeadLetterTarget(v, key, false);
      if (!parsed.ok()) Fail(parsed.status().message());
      f.dead_letter_arn = std::move(parsed).value();
    } else if (key == "SnapStart") {
      const bool given = v.IsMap() && v["ApplyOn"] && v["ApplyOn"].IsScalar();
      auto parsed = config::SnapStartApplyOn(given ? v["ApplyOn"].Scalar() : "");
      if (!parsed) Fail("SnapStart: needs ApplyOn: PublishedVersions or None");
      f.snap_start = *parsed;
    } else if (std::find(kIgnoredFunctionKeys.begin(), kIgnoredFunctionKeys.end(), key) !=
               kIgnoredFunctionKeys.end()) {
      // Accepted for compatibility with CreateFunction input; no local effect.
    } else {
      Fail(key + ": unknown key" + DidYouMean(key, AllFunctionKeys()));
    }
  }
  if (f.runtime.empty()) Fail("Runtime: required");
  if (!has_code) Fail("Code: required");
  Status s = Validate(f);
  if (!s.ok()) Fail(s.message());
  return f;
}

}  // namespace

Result<ServerConfig> ParseConfig(const std::string& text, const fs::path& base_dir,
                                 const fs::path& unpack_dir) {
  ServerConfig config;
  std::string where;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return Status::Error("expected a map with a 'Functions' key");
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key == "Functions") {
        if (!kv.second.IsMap() && !kv.second.IsNull()) {
          return Status::Error("Functions: must be a map of function name to settings");
        }
        for (const auto& fn : kv.second) {
          std::string name = fn.first.as<std::string>();
          where = "function '" + name + "': ";
          if (!IsValidFunctionName(name)) {
            Fail("name must be 1-64 characters of [A-Za-z0-9_-]");
          }
          config.functions.push_back(ParseFunction(name, fn.second, base_dir, unpack_dir));
        }
        where.clear();
      } else if (key == "Interpreters") {
        for (const auto& it : kv.second) {
          config.interpreters[it.first.as<std::string>()] = it.second.as<std::string>();
        }
      } else {
        return Status::Error(key + ": unknown top-level key" + DidYouMean(key, kTopLevelKeys) +
                             "; a config file has Functions and, optionally, Interpreters");
      }
    }
    // Lambda destinations name functions of this file; the server's region
    // and account are not known here, so only the name is compared.
    std::vector<std::string> names;
    for (const auto& f : config.functions) names.push_back(f.name);
    Status destinations =
        CheckFunctionDestinations(config.functions, names, "", "", "the config file");
    if (!destinations.ok()) return destinations;
  } catch (const ConfigError& e) {
    return Status::Error(where + e.message);
  } catch (const YAML::Exception& e) {
    return Status::Error(where + "invalid YAML: " + e.what());
  }
  return config;
}

Result<ServerConfig> LoadConfigFile(const fs::path& file, const fs::path& unpack_dir) {
  std::ifstream in(file);
  if (!in) return Status::Error(file.string() + ": cannot read config file");
  std::stringstream text;
  text << in.rdbuf();
  std::error_code ec;
  fs::path base = fs::absolute(file, ec).parent_path();
  auto result = ParseConfig(text.str(), base, unpack_dir);
  if (!result.ok()) return Status::Error(file.string() + ": " + result.status().message());
  return result;
}

}  // namespace lambda_emu::config
