#pragma once
// TemplateLoader: the state of loading one template and its nested stacks,
// shared by sam_template.cc (the template, resources, layers, nesting) and
// function_resource.cc (a function resource's properties). Internal to
// src/template/; single-threaded, lives for one LoadTemplate call.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "template/intrinsics.h"
#include "template/sam_template.h"

namespace lambda_emu::templates {

inline constexpr const char* kServerlessFunction = "AWS::Serverless::Function";
inline constexpr const char* kLambdaFunction = "AWS::Lambda::Function";
inline constexpr const char* kServerlessLayer = "AWS::Serverless::LayerVersion";
inline constexpr const char* kLambdaLayer = "AWS::Lambda::LayerVersion";
inline constexpr const char* kServerlessApplication = "AWS::Serverless::Application";
inline constexpr const char* kCloudFormationStack = "AWS::CloudFormation::Stack";
inline constexpr const char* kServerlessApi = "AWS::Serverless::Api";
inline constexpr const char* kServerlessHttpApi = "AWS::Serverless::HttpApi";
inline constexpr const char* kLambdaEventInvokeConfig = "AWS::Lambda::EventInvokeConfig";
inline constexpr const char* kEventsRule = "AWS::Events::Rule";
inline constexpr const char* kSchedulerSchedule = "AWS::Scheduler::Schedule";

// One stack being loaded: the root template or a nested one.
struct Stack {
  std::filesystem::path base_dir;  // relative paths in the template start here
  std::string prefix;              // "" for the root, "Child/" or "Child/Grandchild/" below
  YAML::Node globals;              // Globals.Function
  YAML::Node api_globals;          // Globals.Api: explicit and implicit REST APIs
  YAML::Node http_api_globals;     // Globals.HttpApi
};

class TemplateLoader {
 public:
  explicit TemplateLoader(const TemplateOptions& options) : options_(options) {}

  // Loads `root` (a parsed template) as a stack; nested stacks recurse.
  void LoadStack(const YAML::Node& root, const Stack& stack, const ParameterOverrides& overrides,
                 int depth);
  LoadedTemplate Finish() {
    CheckDestinations();
    return std::move(out_);
  }

 private:
  void DeclareResources(const YAML::Node& resources, const Stack& stack, Resolver& resolver,
                        std::vector<std::string>& active);
  void DeclareGeneratedDestinations(const std::string& id, const YAML::Node& properties,
                                    SymbolTable::Resource& function, Resolver& resolver);
  void LoadLayer(const std::string& id, const YAML::Node& resource, const Stack& stack,
                 Resolver& resolver);
  void LoadApi(const std::string& id, const std::string& type, const YAML::Node& properties,
               const Stack& stack, Resolver& resolver);
  void LoadNested(const std::string& id, const YAML::Node& resource, const Stack& stack,
                  Resolver& resolver, int depth);
  // function_resource.cc
  void LoadFunction(const std::string& id, const YAML::Node& resource, const Stack& stack,
                    Resolver& resolver);
  std::filesystem::path InlineCode(const std::string& name, const std::string& runtime,
                                   const std::string& code);
  std::filesystem::path LayerDirectory(const std::string& arn, const std::string& where);
  // async_resources.cc. An AWS::Lambda::EventInvokeConfig, or a schedule
  // (AWS::Events::Rule, AWS::Scheduler::Schedule) targeting functions loaded
  // so far; false when the resource is none of these (or targets none).
  bool LoadAsyncResource(const std::string& id, const YAML::Node& resource, const Stack& stack,
                         Resolver& resolver);
  // Lambda destinations name functions of the template, never their own.
  void CheckDestinations();

  const TemplateOptions& options_;
  LoadedTemplate out_;
  // Layers declared by the templates, by the ARN a Ref to them gives: the
  // local directory laid out as /opt, or why there is none.
  std::map<std::string, std::filesystem::path> layer_dirs_;
  std::map<std::string, std::string> layer_problems_;
  // Function names taken so far (the root's first, then nested stacks'),
  // and the name each function resource gets, by its path "Child/Id".
  std::set<std::string> names_;
  std::map<std::string, std::string> function_names_;
};

// async_resources.cc: what Ref and GetAtt give for AWS::SQS::Queue,
// AWS::SNS::Topic, AWS::Events::EventBus and AWS::S3::Bucket.
bool IsMessagingResource(const std::string& type);
SymbolTable::Resource MessagingSymbol(const std::string& type, const std::string& id,
                                      const YAML::Node& properties, const std::string& path,
                                      const PseudoParameters& pseudo, Resolver& resolver);
std::string QueueUrl(const PseudoParameters& pseudo, const std::string& name);
// The queue or topic SAM creates for an EventInvokeConfig destination of
// Type SQS or SNS without a Destination: logical id
// <FunctionId>EventInvokeConfig<OnSuccess|OnFailure><Queue|Topic>.
std::string GeneratedDestinationId(const std::string& function_id, const std::string& side,
                                   const std::string& kind);
SymbolTable::Resource GeneratedDestinationSymbol(const std::string& id, const std::string& kind,
                                                 const PseudoParameters& pseudo);

// Fails when an EventInvokeConfig's destination or a dead-letter TargetArn
// in `node` is a reference that did not resolve.
void RequireResolvedArns(const YAML::Node& node, const std::string& where);

// The ARN a Ref to a local layer gives: arn:aws:lambda:REGION:ACCOUNT:layer:NAME:1.
std::string LayerArn(const PseudoParameters& pseudo, const std::string& name);

}  // namespace lambda_emu::templates
