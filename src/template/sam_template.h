#pragma once
// Reading a CloudFormation / SAM template (template.yaml, or what `sam build`
// writes to .aws-sam/build/template.yaml) into the same FunctionConfig values
// a lambda-emu config file produces, the way SAM CLI resolves a template
// locally:
//  - AWS::Serverless::Function and AWS::Lambda::Function become functions;
//    AWS::Serverless::LayerVersion and AWS::Lambda::LayerVersion local
//    layers; AWS::Serverless::Application (and AWS::CloudFormation::Stack)
//    with a local template are loaded as nested stacks whose functions are
//    addressed as "Child/LogicalId"; other resource types are listed as
//    ignored.
//  - Globals.Function is merged into each serverless function; Parameters,
//    --parameter-overrides, Mappings, Conditions, pseudo parameters and the
//    intrinsic functions are evaluated (template/intrinsics.h).
//  - What cannot be resolved locally, unknown properties and event sources
//    are reported as warnings; what makes a function unusable is an error.
// No I/O beyond reading the template files and their code (and unpacking
// .zip packages and inline code into `unpack_dir`). Thread-compatible.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"
#include "template/env_vars.h"
#include "template/parameters.h"

namespace lambda_emu::templates {

struct TemplateOptions {
  ParameterOverrides parameter_overrides;
  PseudoParameters pseudo;
  // --layer-dir ARN=DIR: layers the template names by ARN, found locally.
  std::map<std::string, std::filesystem::path> layer_dirs;
  const EnvVarsFile* env_vars = nullptr;                      // --env-vars, if given
  const std::map<std::string, std::string>* shell = nullptr;  // for env-vars semantics
  std::filesystem::path unpack_dir;  // .zip packages, inline code, layer views
};

struct LoadedTemplate {
  config::ServerConfig config;
  // Warnings about one function (unknown properties, unresolvable
  // references in its properties), by function name.
  std::map<std::string, std::vector<std::string>> function_warnings;
  std::vector<std::string> warnings;           // about the template as a whole
  std::vector<std::string> ignored_resources;  // "Table (AWS::DynamoDB::Table)"
  // Functions that cannot run here, by every name they answer to, with why
  // (container images).
  std::map<std::string, std::string> unsupported;
  std::vector<std::filesystem::path> files;  // the template files read, nested ones too
};

// True when a parsed YAML document is a template rather than a lambda-emu
// config: its top level has Resources, AWSTemplateFormatVersion or Transform.
bool IsTemplate(const YAML::Node& root);

Result<LoadedTemplate> LoadTemplate(const std::filesystem::path& file,
                                    const TemplateOptions& options);

// The same from text; `base_dir` resolves relative paths. For tests.
Result<LoadedTemplate> ParseTemplate(const std::string& text, const std::filesystem::path& base_dir,
                                     const TemplateOptions& options);

}  // namespace lambda_emu::templates
