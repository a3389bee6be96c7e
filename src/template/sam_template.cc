#include "template/sam_template.h"

#include <fstream>
#include <sstream>

#include "api/function_ref.h"
#include "common/suggest.h"
#include "config/code_archive.h"
#include "config/event_source.h"
#include "template/globals.h"
#include "template/template_loader.h"

namespace lambda_emu::templates {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxNesting = 8;

const std::vector<std::string> kTopLevelKeys = {"AWSTemplateFormatVersion",
                                                "Transform",
                                                "Description",
                                                "Metadata",
                                                "Parameters",
                                                "Mappings",
                                                "Conditions",
                                                "Resources",
                                                "Outputs",
                                                "Globals",
                                                "Rules"};
const std::vector<std::string> kGlobalsSections = {"Function",    "Api",          "HttpApi",
                                                   "SimpleTable", "LayerVersion", "StateMachine"};

bool IsFunction(const std::string& type) {
  return type == kServerlessFunction || type == kLambdaFunction;
}
bool IsLayer(const std::string& type) { return type == kServerlessLayer || type == kLambdaLayer; }
bool IsApi(const std::string& type) { return type == kServerlessApi || type == kServerlessHttpApi; }
bool IsNestedStack(const std::string& type) {
  return type == kServerlessApplication || type == kCloudFormationStack;
}

// "Child/Grandchild/" -> "Child-Grandchild-", for names that must be valid
// Lambda names.
std::string NamePrefix(const std::string& prefix) {
  std::string out = prefix;
  for (char& c : out) {
    if (c == '/') c = '-';
  }
  return out;
}

YAML::Node ParseYaml(const std::string& text, const std::string& what) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Fail(what + ": invalid YAML: " + e.what());
  }
}

std::string ReadFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) Fail(file.string() + ": cannot read the template");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string LayerArn(const PseudoParameters& pseudo, const std::string& name) {
  return "arn:aws:lambda:" + pseudo.region + ":" + pseudo.account_id + ":layer:" + name + ":1";
}

bool IsTemplate(const YAML::Node& root) {
  return root.IsMap() &&
         (root["Resources"] || root["AWSTemplateFormatVersion"] || root["Transform"]);
}

void TemplateLoader::LoadStack(const YAML::Node& root, const Stack& parent,
                               const ParameterOverrides& overrides, int depth) {
  if (!root.IsMap()) Fail("a template must be a map with a Resources section");
  const std::string where = parent.prefix.empty() ? "" : parent.prefix;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key) == kTopLevelKeys.end()) {
      out_.warnings.push_back(where + key + ": not a template section; ignored" +
                              DidYouMean(key, kTopLevelKeys));
    }
  }
  std::vector<std::string>& parameter_warnings = out_.warnings;
  size_t before = parameter_warnings.size();
  SymbolTable symbols;
  symbols.parameters =
      ResolveParameters(Field(root, "Parameters"), overrides, options_.pseudo, parameter_warnings);
  for (size_t i = before; i < parameter_warnings.size(); ++i) {
    parameter_warnings[i] = where + parameter_warnings[i];
  }
  symbols.mappings = Field(root, "Mappings");
  symbols.conditions = Field(root, "Conditions");
  Resolver resolver(std::move(symbols));

  // A fresh Stack: assigning to a copied YAML::Node would write through to
  // the parent's globals.
  const YAML::Node globals = Field(root, "Globals");
  const Stack stack{parent.base_dir, parent.prefix, Field(globals, "Function"),
                    Field(globals, "Api"), Field(globals, "HttpApi")};
  if (globals.IsMap()) {
    for (const auto& kv : globals) {
      const std::string section = kv.first.Scalar();
      if (std::find(kGlobalsSections.begin(), kGlobalsSections.end(), section) ==
          kGlobalsSections.end()) {
        out_.warnings.push_back(where + "Globals." + section + ": not a Globals section; ignored" +
                                DidYouMean(section, kGlobalsSections));
      }
    }
  }

  const YAML::Node resources = Field(root, "Resources");
  if (resources.IsNull()) return;
  if (!resources.IsMap()) Fail(where + "Resources: must be a map of logical id to resource");
  std::vector<std::string> active;
  DeclareResources(resources, stack, resolver, active);

  // Layers first, so functions find them whatever the order in the file.
  for (const auto& id : active) {
    const YAML::Node& resource = resources[id];
    if (IsLayer(resource["Type"].Scalar())) LoadLayer(id, resource, stack, resolver);
  }
  std::vector<std::string> rest;
  for (const auto& id : active) {
    const YAML::Node& resource = resources[id];
    const std::string type = resource["Type"].Scalar();
    if (IsFunction(type)) {
      LoadFunction(id, resource, stack, resolver);
    } else if (IsNestedStack(type)) {
      LoadNested(id, resource, stack, resolver, depth);
    } else if (IsApi(type)) {
      LoadApi(id, type, Field(resource, "Properties"), stack, resolver);
    } else if (!IsLayer(type)) {
      rest.push_back(id);
    }
  }
  // Event-invoke configs and schedules after the functions they name.
  for (const auto& id : rest) {
    const YAML::Node& resource = resources[id];
    if (!LoadAsyncResource(id, resource, stack, resolver)) {
      out_.ignored_resources.push_back(stack.prefix + id + " (" + resource["Type"].Scalar() + ")");
    }
  }
  // The implicit APIs SAM makes for Api / HttpApi events take Globals.Api
  // and Globals.HttpApi (Cors, BinaryMediaTypes, Auth, ...).
  auto declared = [&](const char* id) {
    return std::find(active.begin(), active.end(), id) != active.end();
  };
  if (!stack.api_globals.IsNull() && !declared("ServerlessRestApi")) {
    LoadApi("ServerlessRestApi", kServerlessApi, YAML::Node(YAML::NodeType::Map), stack, resolver);
  }
  if (!stack.http_api_globals.IsNull() && !declared("ServerlessHttpApi")) {
    LoadApi("ServerlessHttpApi", kServerlessHttpApi, YAML::Node(YAML::NodeType::Map), stack,
            resolver);
  }
  // What was reported outside any function (layers, nested stacks' parameters).
  for (const auto& report : resolver.reports()) {
    bool attributed = false;
    for (const auto& [name, warnings] : out_.function_warnings) {
      attributed =
          attributed || std::find(warnings.begin(), warnings.end(), report) != warnings.end();
    }
    if (!attributed) out_.warnings.push_back(report);
  }
}

void TemplateLoader::DeclareResources(const YAML::Node& resources, const Stack& stack,
                                      Resolver& resolver, std::vector<std::string>& active) {
  for (const auto& kv : resources) {
    const std::string id = kv.first.Scalar();
    const YAML::Node& resource = kv.second;
    const std::string path = stack.prefix + id;
    if (!resource.IsMap() || !Field(resource, "Type").IsScalar()) {
      Fail(path + ": a resource must be a map with a Type");
    }
    if (const YAML::Node condition = Field(resource, "Condition"); condition.IsScalar()) {
      if (!resolver.Condition(condition.Scalar())) continue;
    }
    active.push_back(id);
    const std::string type = resource["Type"].Scalar();
    SymbolTable::Resource symbol{type, "", {}};
    const YAML::Node properties = Field(resource, "Properties");
    if (IsFunction(type)) {
      std::string name;
      if (properties.IsMap() && properties["FunctionName"]) {
        YAML::Node resolved = resolver.Resolve(properties["FunctionName"], path + ".FunctionName");
        if (!resolved.IsScalar() || IsUnresolved(resolved) || resolved.Scalar().empty()) {
          Fail(path + ".FunctionName: must resolve to a name");
        }
        name = resolved.Scalar();
        if (names_.count(name)) Fail(path + ".FunctionName: another function is named " + name);
      } else {
        name = id;
        if (names_.count(name)) name = NamePrefix(stack.prefix) + id;
        if (names_.count(name)) Fail(path + ": another function is named " + name);
      }
      names_.insert(name);
      function_names_[path] = name;
      symbol.ref = name;
      symbol.attributes["Arn"] =
          api::FunctionArn(options_.pseudo.region, options_.pseudo.account_id, name);
      if (type == kServerlessFunction) {
        // Globals.Function may hold the EventInvokeConfig (IgnoreGlobals
        // lists are not applied here; LoadFunction applies them).
        const YAML::Node merged = Field(resource, "IgnoreGlobals").IsNull()
                                      ? MergeGlobals(stack.globals, properties)
                                      : properties;
        DeclareGeneratedDestinations(id, merged, symbol, resolver);
      }
    } else if (IsApi(type)) {
      symbol.ref = stack.prefix + id;  // what a RestApiId / ApiId names
    } else if (IsLayer(type)) {
      std::string name = NamePrefix(stack.prefix) + id;
      if (properties.IsMap() && properties["LayerName"]) {
        YAML::Node resolved = resolver.Resolve(properties["LayerName"], path + ".LayerName");
        if (resolved.IsScalar() && !resolved.Scalar().empty()) name = resolved.Scalar();
      }
      symbol.ref = LayerArn(options_.pseudo, name);
    } else if (IsMessagingResource(type)) {
      symbol = MessagingSymbol(type, id, properties, path, options_.pseudo, resolver);
    }
    resolver.symbols().resources[id] = symbol;
  }
}

void TemplateLoader::DeclareGeneratedDestinations(const std::string& id,
                                                  const YAML::Node& properties,
                                                  SymbolTable::Resource& function,
                                                  Resolver& resolver) {
  // SAM creates a queue or topic for an EventInvokeConfig destination of
  // Type SQS or SNS without a Destination; other resources name it by its
  // logical id or as the function's referable property: !Ref
  // Fn.DestinationQueue, !GetAtt Fn.DestinationQueue.Arn (with two, the
  // OnFailure one, as SAM resolves it).
  const YAML::Node destinations =
      Field(Field(properties, "EventInvokeConfig"), "DestinationConfig");
  for (const char* side : {"OnSuccess", "OnFailure"}) {
    const YAML::Node config = Field(destinations, side);
    const YAML::Node type = Field(config, "Type");
    if (!type.IsScalar() || !Field(config, "Destination").IsNull()) continue;
    const char* kind = type.Scalar() == "SQS" ? "Queue" : type.Scalar() == "SNS" ? "Topic" : "";
    if (*kind == '\0') continue;
    const std::string generated = GeneratedDestinationId(id, side, kind);
    const SymbolTable::Resource symbol =
        GeneratedDestinationSymbol(generated, kind, options_.pseudo);
    resolver.symbols().resources[generated] = symbol;
    const std::string property = std::string("Destination") + kind;
    resolver.symbols().resources[id + "." + property] = symbol;
    for (const auto& [attribute, value] : symbol.attributes) {
      function.attributes[property + "." + attribute] = value;
    }
  }
}

void TemplateLoader::LoadLayer(const std::string& id, const YAML::Node& resource,
                               const Stack& stack, Resolver& resolver) {
  const std::string path = stack.prefix + id;
  const bool serverless = resource["Type"].Scalar() == kServerlessLayer;
  const char* content_key = serverless ? "ContentUri" : "Content";
  YAML::Node properties = resolver.Resolve(resource["Properties"], path);
  const std::string arn = resolver.symbols().resources[id].ref;
  const YAML::Node metadata = Field(resource, "Metadata");

  std::string raw;
  const YAML::Node content = Field(properties, content_key);
  if (content && content.IsScalar()) {
    raw = content.Scalar();
  } else if (metadata.IsMap() && metadata["aws:asset:path"]) {  // cdk synth
    raw = metadata["aws:asset:path"].Scalar();
  }
  if (raw.empty() || raw.rfind("s3://", 0) == 0) {
    layer_problems_[arn] = path + "." + content_key +
                           " is not a local path (run `sam build`, or give --layer-dir " + arn +
                           "=DIR)";
    return;
  }
  fs::path dir = fs::path(raw).is_absolute() ? fs::path(raw) : stack.base_dir / raw;
  dir = dir.lexically_normal();
  std::error_code ec;
  const std::string name = arn.substr(arn.find(":layer:") + 7);
  if (fs::is_regular_file(dir, ec) && dir.extension() == ".zip") {
    auto stamp = fs::last_write_time(dir, ec).time_since_epoch().count();
    fs::path target = options_.unpack_dir / ("layer-" + name + "-" + std::to_string(stamp));
    if (!fs::is_directory(target, ec)) {
      if (Status s = config::ExtractZip(dir, target); !s.ok()) {
        layer_problems_[arn] = path + "." + content_key + ": " + s.message();
        return;
      }
    }
    dir = target;
  } else if (!fs::is_directory(dir, ec)) {
    layer_problems_[arn] =
        path + "." + content_key + ": no such directory or .zip file: " + dir.string();
    return;
  }
  dir = fs::canonical(dir, ec);
  // A layer that `sam build` has not built yet holds its Python or Node.js
  // sources at the top; built, they sit under python/ or nodejs/. Lay out an
  // /opt view that points at the sources, so they import as on Lambda.
  std::string build_method =
      metadata.IsMap() && metadata["BuildMethod"] ? metadata["BuildMethod"].Scalar() : "";
  const char* folder = build_method.rfind("python", 0) == 0   ? "python"
                       : build_method.rfind("nodejs", 0) == 0 ? "nodejs"
                                                              : nullptr;
  if (folder && !fs::exists(dir / folder, ec)) {
    fs::path view = options_.unpack_dir / ("layer-view-" + name);
    fs::create_directories(view, ec);
    fs::remove(view / folder, ec);
    fs::create_directory_symlink(dir, view / folder, ec);
    if (!ec) dir = view;
  }
  layer_dirs_[arn] = dir;
}

void TemplateLoader::LoadNested(const std::string& id, const YAML::Node& resource,
                                const Stack& stack, Resolver& resolver, int depth) {
  const std::string path = stack.prefix + id;
  const std::string type = resource["Type"].Scalar();
  YAML::Node properties = resolver.Resolve(resource["Properties"], path);
  const char* key = type == kServerlessApplication ? "Location" : "TemplateURL";
  const YAML::Node location = Field(properties, key);
  std::string raw = location.IsScalar() ? location.Scalar() : "";
  if (raw.empty() || raw.find("://") != std::string::npos) {
    out_.ignored_resources.push_back(path + " (" + type + ", " + key + " is not a local template)");
    return;
  }
  if (depth >= kMaxNesting) Fail(path + ": nested stacks deeper than 8 levels");
  fs::path file = fs::path(raw).is_absolute() ? fs::path(raw) : stack.base_dir / raw;
  file = file.lexically_normal();
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "template.yaml";
  if (!fs::is_regular_file(file, ec))
    Fail(path + "." + key + ": no such template: " + file.string());

  ParameterOverrides overrides;
  if (const YAML::Node parameters = Field(properties, "Parameters"); parameters.IsMap()) {
    for (const auto& kv : parameters) {
      const YAML::Node& v = kv.second;
      std::string value;
      if (v.IsSequence()) {
        for (size_t i = 0; i < v.size(); ++i) value += (i ? "," : "") + v[i].Scalar();
      } else if (v.IsScalar()) {
        value = v.Scalar();
      }
      overrides[kv.first.Scalar()] = value;
    }
  }
  out_.files.push_back(file);
  YAML::Node child = ParseYaml(ReadFile(file), file.string());
  Stack nested{file.parent_path(), path + "/", YAML::Node(), YAML::Node(), YAML::Node()};
  LoadStack(child, nested, overrides, depth + 1);
}

void TemplateLoader::LoadApi(const std::string& id, const std::string& type, const YAML::Node& raw,
                             const Stack& stack, Resolver& resolver) {
  const std::string path = stack.prefix + id;
  const YAML::Node& globals = type == kServerlessApi ? stack.api_globals : stack.http_api_globals;
  YAML::Node properties = resolver.Resolve(MergeGlobals(globals, raw), path);
  config::ApiResource api{path, type, ""};
  // DefinitionUri: a local OpenAPI file stands for a DefinitionBody.
  const YAML::Node uri = Field(properties, "DefinitionUri");
  if (uri.IsScalar() && Field(properties, "DefinitionBody").IsNull() &&
      uri.Scalar().find("://") == std::string::npos) {
    fs::path file = fs::path(uri.Scalar()).is_absolute() ? fs::path(uri.Scalar())
                                                         : stack.base_dir / uri.Scalar();
    YAML::Node definition = ParseYaml(ReadFile(file), file.string());
    YAML::Node copy = YAML::Clone(properties);
    copy["DefinitionBody"] = resolver.Resolve(definition, path + ".DefinitionUri");
    out_.files.push_back(file);
    api.properties = config::YamlToJson(copy);
  } else {
    api.properties = config::YamlToJson(properties);
  }
  out_.config.apis.push_back(std::move(api));
}

namespace {

Result<LoadedTemplate> Load(const std::string& text, const fs::path& base_dir,
                            const TemplateOptions& options, const fs::path* file) {
  try {
    TemplateLoader loader(options);
    YAML::Node root = ParseYaml(text, file ? file->string() : "template");
    loader.LoadStack(root, Stack{base_dir, "", YAML::Node(), YAML::Node(), YAML::Node()},
                     options.parameter_overrides, 0);
    LoadedTemplate out = loader.Finish();
    if (file) out.files.insert(out.files.begin(), *file);
    return out;
  } catch (const TemplateError& e) {
    return Status::Error(e.message);
  } catch (const YAML::Exception& e) {
    return Status::Error(std::string("invalid YAML: ") + e.what());
  }
}

}  // namespace

Result<LoadedTemplate> ParseTemplate(const std::string& text, const fs::path& base_dir,
                                     const TemplateOptions& options) {
  return Load(text, base_dir, options, nullptr);
}

Result<LoadedTemplate> LoadTemplate(const fs::path& file, const TemplateOptions& options) {
  std::error_code ec;
  fs::path absolute = fs::absolute(file, ec);
  std::ifstream in(absolute);
  if (!in) return Status::Error(file.string() + ": cannot read the template");
  std::stringstream text;
  text << in.rdbuf();
  auto loaded = Load(text.str(), absolute.parent_path(), options, &absolute);
  if (!loaded.ok()) return Status::Error(file.string() + ": " + loaded.status().message());
  return loaded;
}

}  // namespace lambda_emu::templates
