// A function resource (AWS::Serverless::Function, AWS::Lambda::Function) of
// a template, turned into a FunctionConfig.

#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "common/suggest.h"
#include "config/code_archive.h"
#include "config/event_invoke_config.h"
#include "config/event_source.h"
#include "template/globals.h"
#include "template/template_loader.h"

namespace lambda_emu::templates {

namespace fs = std::filesystem;

namespace {

// Properties that configure something lambda-emu does not emulate (IAM,
// networking, tracing, deployment): accepted without a word.
const std::vector<std::string> kServerlessNoLocalEffect = {
    "Role",
    "Policies",
    "PermissionsBoundary",
    "RolePath",
    "AssumeRolePolicyDocument",
    "Tracing",
    "PropagateTags",
    "VpcConfig",
    "DeploymentPreference",
    "KmsKeyArn",
    "AutoPublishCodeSha256",
    "AutoPublishAliasAllProperties",
    "VersionDescription",
    "VersionDeletionPolicy",
    "CodeSigningConfigArn",
    "FunctionUrlConfig",
    "LoggingConfig",
    "RuntimeManagementConfig",
    "FileSystemConfigs",
    "RecursiveLoop",
    "SourceKMSKeyArn",
    "FunctionScalingConfig",
    "CapacityProviderConfig",
};
const std::vector<std::string> kServerlessHandled = {
    "Runtime",
    "Handler",
    "CodeUri",
    "InlineCode",
    "MemorySize",
    "Timeout",
    "Environment",
    "Layers",
    "FunctionName",
    "ReservedConcurrentExecutions",
    "Events",
    "PackageType",
    "Description",
    "EphemeralStorage",
    "Architectures",
    "AutoPublishAlias",
    "ProvisionedConcurrencyConfig",
    "ImageUri",
    "ImageConfig",
    "Tags",
    "EventInvokeConfig",
    "DeadLetterQueue",
    "SnapStart",
};
const std::vector<std::string> kLambdaNoLocalEffect = {
    "Role",          "TracingConfig",           "VpcConfig",
    "KmsKeyArn",     "CodeSigningConfigArn",    "FileSystemConfigs",
    "LoggingConfig", "RuntimeManagementConfig", "RecursiveLoop",
};
const std::vector<std::string> kLambdaHandled = {
    "Runtime",          "Handler",      "Code",
    "MemorySize",       "Timeout",      "Environment",
    "Layers",           "FunctionName", "ReservedConcurrentExecutions",
    "PackageType",      "Description",  "EphemeralStorage",
    "Architectures",    "ImageConfig",  "Tags",
    "DeadLetterConfig", "SnapStart",
};
const std::vector<std::string> kResourceAttributes = {
    "Type",           "Properties",          "Metadata",     "Condition",      "DependsOn",
    "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy", "Connectors",
    "IgnoreGlobals",
};

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string Text(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) Fail(where + ": must be a string");
  return node.Scalar();
}

int Integer(const YAML::Node& node, const std::string& where) {
  std::string text = node.IsScalar() ? node.Scalar() : "";
  try {
    size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  Fail(where + ": must be a whole number, got '" + text + "'");
}

// Globals.Function as it applies to one function: IgnoreGlobals '*' skips
// it, a list skips the properties it names.
YAML::Node Globals(const Stack& stack, const YAML::Node& resource) {
  const YAML::Node ignore = Field(resource, "IgnoreGlobals");
  if (ignore.IsScalar() && ignore.Scalar() == "*") return YAML::Node();
  if (!ignore.IsSequence() || !stack.globals.IsMap()) return stack.globals;
  YAML::Node globals = YAML::Clone(stack.globals);
  for (const auto& key : ignore) globals.remove(key.Scalar());
  return globals;
}

}  // namespace

fs::path TemplateLoader::InlineCode(const std::string& name, const std::string& runtime,
                                    const std::string& code) {
  // As CloudFormation lays out ZipFile code: index.py, index.js.
  const char* file = runtime.rfind("python", 0) == 0   ? "index.py"
                     : runtime.rfind("nodejs", 0) == 0 ? "index.js"
                                                       : "bootstrap";
  // One directory per version of the code: a new version is new code to
  // the pool (it drains), and Python cannot take a stale .pyc for it (its
  // cache compares whole-second mtimes and sizes).
  fs::path dir = options_.unpack_dir /
                 ("inline-" + name + "-" + std::to_string(std::hash<std::string>{}(code)));
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::path target = dir / file;
  if (!fs::exists(target, ec)) {
    std::ofstream out(target, std::ios::trunc);
    out << code;
    if (!out) Fail("cannot write inline code to " + target.string());
  }
  ::chmod(target.c_str(), 0755);
  return dir;
}

fs::path TemplateLoader::LayerDirectory(const std::string& arn, const std::string& where) {
  if (auto it = layer_dirs_.find(arn); it != layer_dirs_.end()) return it->second;
  if (auto it = options_.layer_dirs.find(arn); it != options_.layer_dirs.end()) {
    std::error_code ec;
    if (!fs::is_directory(it->second, ec)) {
      Fail(where + ": --layer-dir " + arn + "=" + it->second.string() + ": no such directory");
    }
    return fs::canonical(it->second, ec);
  }
  if (auto it = layer_problems_.find(arn); it != layer_problems_.end()) {
    Fail(where + ": layer " + arn + ": " + it->second);
  }
  Fail(where + ": layer " + arn +
       " is not a layer of this template; give its contents with --layer-dir " + arn + "=DIR");
}

void TemplateLoader::LoadFunction(const std::string& id, const YAML::Node& resource,
                                  const Stack& stack, Resolver& resolver) {
  const std::string path = stack.prefix + id;
  const std::string type = resource["Type"].Scalar();
  const bool serverless = type == kServerlessFunction;
  config::FunctionConfig f;
  f.name = function_names_.at(path);
  if (!stack.prefix.empty()) f.aliases.push_back(path);
  if (id != f.name && !names_.count(id)) f.aliases.push_back(id);
  std::vector<std::string> warnings;

  for (const auto& kv : resource) {
    const std::string key = kv.first.Scalar();
    if (!Contains(kResourceAttributes, key)) {
      warnings.push_back(path + ": " + key + " is not a resource attribute; ignored" +
                         DidYouMean(key, kResourceAttributes));
    }
  }
  // yaml-cpp's Node assignment writes through to the node assigned to, so
  // every node below is built fresh rather than reassigned.
  YAML::Node raw = serverless
                       ? MergeGlobals(Globals(stack, resource), Field(resource, "Properties"))
                       : Field(resource, "Properties");
  size_t reports_before = resolver.reports().size();
  YAML::Node props = resolver.Resolve(raw, path);
  if (!props.IsMap() && !props.IsNull()) Fail(path + ".Properties: must be a map");

  const auto& handled = serverless ? kServerlessHandled : kLambdaHandled;
  const auto& no_effect = serverless ? kServerlessNoLocalEffect : kLambdaNoLocalEffect;
  std::vector<std::string> known = handled;
  known.insert(known.end(), no_effect.begin(), no_effect.end());
  for (const auto& kv : props) {
    const std::string key = kv.first.Scalar();
    if (!Contains(known, key)) {
      warnings.push_back(path + ": " + key + " is not a property of " + type + "; ignored" +
                         DidYouMean(key, known));
    }
  }
  // A property's value; a null node when it is not set.
  auto prop = [&props](const char* key) { return Field(props, key); };
  auto where = [&path](const std::string& key) { return path + "." + key; };

  const YAML::Node& code = prop(serverless ? "CodeUri" : "Code");
  bool image = (prop("PackageType").IsScalar() && prop("PackageType").Scalar() == "Image") ||
               !prop("ImageUri").IsNull() || !Field(code, "ImageUri").IsNull();
  if (image) {
    std::string why = path +
                      ": PackageType: Image: container image functions are not supported "
                      "(lambda-emu runs functions without Docker); give the function a Runtime, "
                      "a Handler and a CodeUri with its code directory or .zip instead";
    out_.unsupported[f.name] = why;
    for (const auto& alias : f.aliases) out_.unsupported[alias] = why;
    return;
  }

  if (const auto v = prop("Runtime"); !v.IsNull()) f.runtime = Text(v, where("Runtime"));
  if (f.runtime.empty()) {
    Fail(path + ".Runtime: required" + (serverless ? " (here or in Globals.Function)" : ""));
  }
  if (auto family = config::ParseRuntime(f.runtime)) f.family = *family;
  if (const auto v = prop("Handler"); !v.IsNull()) f.handler = Text(v, where("Handler"));

  // The code: a directory or .zip, or inline source.
  fs::path code_path;
  std::string inline_code;
  if (serverless) {
    if (const auto v = prop("InlineCode"); !v.IsNull()) {
      inline_code = Text(v, where("InlineCode"));
    } else if (code && code.IsScalar()) {
      code_path = code.Scalar();
    } else if (!code.IsNull()) {
      Fail(where("CodeUri") +
           ": an S3 location is not local; run `sam build` (lambda-emu prefers "
           ".aws-sam/build/template.yaml) or point CodeUri at the code directory");
    } else {
      code_path = ".";  // SAM's default: the template's directory
    }
  } else if (code.IsScalar()) {  // what `sam build` writes
    code_path = code.Scalar();
  } else if (!Field(code, "ZipFile").IsNull()) {
    inline_code = Text(Field(code, "ZipFile"), where("Code.ZipFile"));
  } else if (const YAML::Node asset = Field(Field(resource, "Metadata"), "aws:asset:path");
             asset.IsScalar()) {  // cdk synth
    code_path = asset.Scalar();
  } else {
    Fail(where("Code") + ": needs ZipFile, or a local path as `sam build` or `cdk synth` write it");
  }
  if (code_path.string().rfind("s3://", 0) == 0) {
    Fail(where(serverless ? "CodeUri" : "Code") + ": " + code_path.string() +
         " is not local; run `sam build` or point it at the code directory");
  }
  if (!inline_code.empty()) {
    fs::path dir = InlineCode(f.name, f.runtime, inline_code);
    if (Status s = config::UseCode(dir, options_.unpack_dir, f); !s.ok()) {
      Fail(path + ": " + s.message());
    }
  } else {
    fs::path full = code_path.is_absolute() ? code_path : stack.base_dir / code_path;
    if (Status s = config::UseCode(full.lexically_normal(), options_.unpack_dir, f); !s.ok()) {
      Fail(where(serverless ? "CodeUri" : "Code") + ": " + s.message());
    }
  }

  if (const auto v = prop("MemorySize"); !v.IsNull()) f.memory_mb = Integer(v, where("MemorySize"));
  if (const auto v = prop("Timeout"); !v.IsNull()) f.timeout_s = Integer(v, where("Timeout"));
  if (const auto v = prop("Description"); !v.IsNull())
    f.description = v.IsScalar() ? v.Scalar() : "";
  if (const auto v = prop("ReservedConcurrentExecutions"); !v.IsNull()) {
    f.reserved_concurrency = Integer(v, where("ReservedConcurrentExecutions"));
  }
  if (const auto v = prop("ProvisionedConcurrencyConfig"); !v.IsNull()) {
    if (Field(v, "ProvisionedConcurrentExecutions").IsNull()) {
      Fail(where("ProvisionedConcurrencyConfig") + ": needs ProvisionedConcurrentExecutions");
    }
    f.provisioned_concurrency =
        Integer(v["ProvisionedConcurrentExecutions"],
                where("ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions"));
  }
  if (const auto v = prop("AutoPublishAlias"); !v.IsNull()) {
    f.auto_publish_alias = Text(v, where("AutoPublishAlias"));
  }
  if (const auto v = prop("SnapStart"); !v.IsNull()) {
    const YAML::Node apply_on = Field(v, "ApplyOn");
    auto parsed = config::SnapStartApplyOn(
        apply_on.IsNull() ? "" : Text(apply_on, where("SnapStart.ApplyOn")));
    if (!parsed) Fail(where("SnapStart") + ": needs ApplyOn: PublishedVersions or None");
    f.snap_start = *parsed;
  }
  if (const auto v = prop("EphemeralStorage"); !v.IsNull()) {
    if (Field(v, "Size").IsNull()) Fail(where("EphemeralStorage") + ": needs Size");
    f.ephemeral_storage_mb = Integer(v["Size"], where("EphemeralStorage.Size"));
  }
  if (const auto v = prop("Architectures"); !v.IsNull()) {
    if (!v.IsSequence() || v.size() != 1) Fail(where("Architectures") + ": must be a list of one");
    f.architecture = Text(v[0], where("Architectures"));
  }
  if (const auto v = prop("Environment"); !v.IsNull()) {
    const YAML::Node vars = Field(v, "Variables");
    if (vars.IsMap()) {
      for (const auto& var : vars) {
        const std::string name = var.first.Scalar();
        if (var.second.IsScalar()) {
          f.environment.emplace_back(name, var.second.Scalar());
        } else {
          // SAM CLI sets a value it cannot turn into a string to "".
          f.environment.emplace_back(name, "");
          warnings.push_back(where("Environment.Variables." + name) +
                             ": not a string after resolving; it is set to \"\"");
        }
      }
    } else if (!vars.IsNull()) {
      Fail(where("Environment.Variables") + ": must be a map");
    }
  }
  // Tags: a map in SAM, a list of {Key, Value} in CloudFormation. SAM tags
  // every function it creates lambda:createdBy=SAM, as AWS then lists it.
  if (const auto v = prop("Tags"); !v.IsNull()) {
    if (serverless && v.IsMap()) {
      for (const auto& tag : v) {
        const std::string key = tag.first.Scalar();
        f.tags.emplace_back(key, Text(tag.second, where("Tags." + key)));
      }
    } else if (!serverless && v.IsSequence()) {
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string item = where("Tags") + "[" + std::to_string(i) + "]";
        f.tags.emplace_back(Text(Field(v[i], "Key"), item + ".Key"),
                            Text(Field(v[i], "Value"), item + ".Value"));
      }
    } else {
      Fail(where("Tags") + (serverless ? ": must be a map" : ": must be a list of Key and Value"));
    }
  }
  if (serverless) f.tags.emplace_back("lambda:createdBy", "SAM");
  if (const auto v = prop("Layers"); !v.IsNull()) {
    if (!v.IsSequence()) Fail(where("Layers") + ": must be a list");
    for (size_t i = 0; i < v.size(); ++i) {
      std::string item_where = where("Layers") + "[" + std::to_string(i) + "]";
      f.layers.push_back(LayerDirectory(Text(v[i], item_where), item_where));
    }
  }
  if (const auto v = prop("Events"); serverless && !v.IsNull()) {
    auto events = config::ParseEventSources(v, where("Events"));
    if (!events.ok()) Fail(events.status().message());
    f.events = std::move(events.value());
  }
  if (const auto v = prop("FunctionUrlConfig"); serverless && !v.IsNull()) {
    f.function_url_config = config::YamlToJson(v);
  }

  // Asynchronous invocation: SAM's EventInvokeConfig applies to the alias
  // AutoPublishAlias makes, else to $LATEST, as SAM's generated
  // AWS::Lambda::EventInvokeConfig does.
  if (const auto v = prop("EventInvokeConfig"); serverless && !v.IsNull()) {
    config::EventInvokeSyntax syntax;
    syntax.sam = true;
    syntax.generated_arn = [&](const std::string& side, const std::string& kind) {
      const std::string generated = GeneratedDestinationId(id, side, kind);
      const auto symbol = GeneratedDestinationSymbol(generated, kind, options_.pseudo);
      return kind == "Queue" ? symbol.attributes.at("Arn") : symbol.ref;
    };
    RequireResolvedArns(v, where("EventInvokeConfig"));
    auto parsed = config::ParseEventInvokeConfig(v, where("EventInvokeConfig"), syntax);
    if (!parsed.ok()) Fail(parsed.status().message());
    const std::string qualifier = f.auto_publish_alias.empty() ? "$LATEST" : f.auto_publish_alias;
    f.event_invoke_configs[qualifier] = std::move(parsed).value();
  }
  const char* dlq_key = serverless ? "DeadLetterQueue" : "DeadLetterConfig";
  if (const auto v = prop(dlq_key); !v.IsNull()) {
    RequireResolvedArns(v, where(dlq_key));
    auto parsed = config::ParseDeadLetterTarget(v, where(dlq_key), serverless);
    if (!parsed.ok()) Fail(parsed.status().message());
    f.dead_letter_arn = std::move(parsed).value();
  }

  if (Status s = config::Validate(f); !s.ok()) Fail(path + ": " + s.message());
  static const EnvVarsFile kNoFile;
  ApplyEnvVars(f, options_.env_vars ? *options_.env_vars : kNoFile, options_.shell);

  const auto& reports = resolver.reports();
  warnings.insert(warnings.end(), reports.begin() + static_cast<std::ptrdiff_t>(reports_before),
                  reports.end());
  if (!warnings.empty()) out_.function_warnings[f.name] = std::move(warnings);
  out_.config.functions.push_back(std::move(f));
}

}  // namespace lambda_emu::templates
