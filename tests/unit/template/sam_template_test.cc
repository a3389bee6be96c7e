#include "template/sam_template.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace lambda_emu::templates {

namespace {

namespace fs = std::filesystem;
using config::FunctionConfig;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool AnyContains(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return Contains(line, part); });
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool SamePath(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);
}

bool IsUnder(const fs::path& path, const fs::path& dir) {
  std::string p = fs::weakly_canonical(path).string();
  std::string d = fs::weakly_canonical(dir).string();
  return p.rfind(d, 0) == 0;
}

class SamTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lambda-emu-template-unit-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.unpack_dir = dir_ / "unpacked";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A code directory with a handler file in it.
  fs::path Code(const std::string& relative, const std::string& file = "app.py") {
    fs::path path = dir_ / relative;
    fs::create_directories(path);
    std::ofstream(path / file) << "def handler(event, context):\n    return event\n";
    return path;
  }
  void Write(const std::string& relative, const std::string& text) {
    fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  Result<LoadedTemplate> Parse(const std::string& text) {
    return ParseTemplate(text, dir_, options_);
  }
  LoadedTemplate Load(const std::string& text) {
    auto r = Parse(text);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : LoadedTemplate{};
  }
  std::string ErrorOf(const std::string& text) {
    auto r = Parse(text);
    EXPECT_FALSE(r.ok()) << "expected an error";
    return r.ok() ? "" : r.status().message();
  }

  // The function answering to `name` (its name or an alias), or nullptr.
  static const FunctionConfig* Find(const LoadedTemplate& loaded, const std::string& name) {
    for (const auto& f : loaded.config.functions) {
      if (f.name == name) return &f;
      if (std::find(f.aliases.begin(), f.aliases.end(), name) != f.aliases.end()) return &f;
    }
    return nullptr;
  }
  static std::string Env(const FunctionConfig& f, const std::string& key) {
    for (const auto& [k, v] : f.environment) {
      if (k == key) return v;
    }
    return "<unset>";
  }
  static std::string Warnings(const LoadedTemplate& loaded) {
    std::string out = Joined(loaded.warnings);
    for (const auto& [name, lines] : loaded.function_warnings) out += name + ": " + Joined(lines);
    return out;
  }

  fs::path dir_;
  TemplateOptions options_;
};

// --- IsTemplate --------------------------------------------------------------

TEST(IsTemplate, RecognisesTemplateTopLevelKeys) {
  EXPECT_TRUE(IsTemplate(YAML::Load("Resources: {}")));
  EXPECT_TRUE(IsTemplate(YAML::Load("AWSTemplateFormatVersion: '2010-09-09'")));
  EXPECT_TRUE(IsTemplate(YAML::Load("Transform: AWS::Serverless-2016-10-31")));
}

TEST(IsTemplate, ConfigFileIsNotATemplate) {
  EXPECT_FALSE(IsTemplate(YAML::Load("Functions: { hello: { Runtime: python3.12 } }")));
  EXPECT_FALSE(IsTemplate(YAML::Load("just text")));
  EXPECT_FALSE(IsTemplate(YAML::Load("[Resources]")));
  EXPECT_FALSE(IsTemplate(YAML::Node()));
}

// --- Serverless functions ----------------------------------------------------

TEST_F(SamTemplateTest, ServerlessFunctionBecomesFunctionConfig) {
  Code("hello_world");
  auto loaded = Load(R"(
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 256
      Timeout: 10
      Description: says hello
      Environment:
        Variables:
          GREETING: hi
          COUNT: 3
          ENABLED: true
)");
  ASSERT_EQ(loaded.config.functions.size(), 1u);
  const FunctionConfig& f = loaded.config.functions[0];
  EXPECT_EQ(f.name, "HelloFunction");
  EXPECT_EQ(f.runtime, "python3.12");
  EXPECT_EQ(f.family, config::RuntimeFamily::kPython);
  EXPECT_EQ(f.handler, "app.handler");
  EXPECT_TRUE(f.code_dir.is_absolute()) << f.code_dir;
  EXPECT_TRUE(SamePath(f.code_dir, dir_ / "hello_world")) << f.code_dir;
  EXPECT_EQ(f.memory_mb, 256);
  EXPECT_EQ(f.timeout_s, 10);
  EXPECT_EQ(f.description, "says hello");
  EXPECT_EQ(f.environment, (std::vector<std::pair<std::string, std::string>>{
                               {"GREETING", "hi"}, {"COUNT", "3"}, {"ENABLED", "true"}}));
  EXPECT_TRUE(f.events.empty());
  EXPECT_TRUE(loaded.unsupported.empty());
}

TEST_F(SamTemplateTest, DefaultsMatchLambda) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->memory_mb, 128);
  EXPECT_EQ(f->timeout_s, 3);
  EXPECT_EQ(f->ephemeral_storage_mb, 512);
  EXPECT_EQ(f->architecture, "x86_64");
  EXPECT_FALSE(f->reserved_concurrency.has_value());
  EXPECT_EQ(f->provisioned_concurrency, 0);
  EXPECT_TRUE(f->layers.empty());
  EXPECT_EQ(f->auto_publish_alias, "");
}

TEST_F(SamTemplateTest, NodeFunctionGetsNodeFamily) {
  Code("node", "app.mjs");
  auto loaded = Load(R"(
Resources:
  NodeFn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: node/, Handler: app.handler, Runtime: nodejs20.x }
)");
  const FunctionConfig* f = Find(loaded, "NodeFn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->family, config::RuntimeFamily::kNode);
}

TEST_F(SamTemplateTest, GlobalsMergeIntoFunctions) {
  Code("src");
  Code("layers/global");
  Code("layers/own");
  auto loaded = Load(R"(
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 20
    MemorySize: 256
    Environment:
      Variables:
        STAGE: global-stage
        TABLE: global-table
    Layers:
      - !Ref GlobalLayer
Resources:
  GlobalLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: { ContentUri: layers/global }
  OwnLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: { ContentUri: layers/own }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      MemorySize: 1024
      Environment:
        Variables:
          TABLE: own-table
          EXTRA: x
      Layers:
        - !Ref OwnLayer
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->runtime, "python3.12");
  EXPECT_EQ(f->timeout_s, 20);
  EXPECT_EQ(f->memory_mb, 1024);
  EXPECT_EQ(Env(*f, "STAGE"), "global-stage");
  EXPECT_EQ(Env(*f, "TABLE"), "own-table");
  EXPECT_EQ(Env(*f, "EXTRA"), "x");
  EXPECT_EQ(f->environment.size(), 3u);
  ASSERT_EQ(f->layers.size(), 2u);
  EXPECT_TRUE(SamePath(f->layers[0], dir_ / "layers/global")) << f->layers[0];
  EXPECT_TRUE(SamePath(f->layers[1], dir_ / "layers/own")) << f->layers[1];
}

TEST_F(SamTemplateTest, SnapStartFromGlobalsOrTheFunction) {
  Code("src");
  auto loaded = Load(R"(
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    SnapStart:
      ApplyOn: PublishedVersions
Resources:
  Snapped:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, AutoPublishAlias: live }
  NotSnapped:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, SnapStart: { ApplyOn: None } }
)");
  ASSERT_NE(Find(loaded, "Snapped"), nullptr);
  EXPECT_TRUE(Find(loaded, "Snapped")->snap_start);
  ASSERT_NE(Find(loaded, "NotSnapped"), nullptr);
  EXPECT_FALSE(Find(loaded, "NotSnapped")->snap_start);
  EXPECT_EQ(Warnings(loaded), "");

  std::string e = ErrorOf(R"(
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.11,
                  SnapStart: { ApplyOn: PublishedVersions } }
)");
  EXPECT_NE(e.find("python3.11 is not supported for SnapStart enabled functions."),
            std::string::npos)
      << e;
}

TEST_F(SamTemplateTest, GlobalsDoNotApplyToLambdaFunctions) {
  Code("src");
  auto loaded = Load(R"(
Globals:
  Function:
    Timeout: 20
Resources:
  Plain:
    Type: AWS::Lambda::Function
    Properties: { Code: src, Handler: app.handler, Runtime: python3.12 }
)");
  const FunctionConfig* f = Find(loaded, "Plain");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->timeout_s, 3);
}

TEST_F(SamTemplateTest, FunctionNameBecomesNameWithLogicalIdAlias) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: hello-fn
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
)");
  ASSERT_EQ(loaded.config.functions.size(), 1u);
  const FunctionConfig& f = loaded.config.functions[0];
  EXPECT_EQ(f.name, "hello-fn");
  EXPECT_NE(std::find(f.aliases.begin(), f.aliases.end(), "HelloFunction"), f.aliases.end());
}

TEST_F(SamTemplateTest, FunctionNameMayBeAnIntrinsic) {
  Code("src");
  auto loaded = Load(R"(
Parameters:
  Stage: { Type: String, Default: dev }
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub 'hello-${Stage}'
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
)");
  EXPECT_NE(Find(loaded, "hello-dev"), nullptr);
}

TEST_F(SamTemplateTest, InlineCodeWrittenUnderUnpackDir) {
  auto loaded = Load(R"(
Resources:
  InlineFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      InlineCode: |
        def handler(event, context):
            return "inline"
)");
  const FunctionConfig* f = Find(loaded, "InlineFn");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(IsUnder(f->code_dir, options_.unpack_dir)) << f->code_dir;
  ASSERT_TRUE(fs::exists(f->code_dir / "index.py")) << f->code_dir;
  EXPECT_TRUE(Contains(ReadFile(f->code_dir / "index.py"), "return \"inline\""));
}

// --- AWS::Lambda::Function ---------------------------------------------------

TEST_F(SamTemplateTest, LambdaFunctionZipFileWrittenAsIndexPy) {
  auto loaded = Load(R"(
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  InlineFunction:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: cfn-inline
      Runtime: python3.12
      Handler: index.handler
      MemorySize: 256
      Code:
        ZipFile: |
          def handler(event, context):
              return "zipfile"
)");
  const FunctionConfig* f = Find(loaded, "cfn-inline");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->memory_mb, 256);
  EXPECT_TRUE(IsUnder(f->code_dir, options_.unpack_dir)) << f->code_dir;
  ASSERT_TRUE(fs::exists(f->code_dir / "index.py")) << f->code_dir;
  EXPECT_TRUE(Contains(ReadFile(f->code_dir / "index.py"), "return \"zipfile\""));
}

TEST_F(SamTemplateTest, LambdaFunctionZipFileForNodeWrittenAsIndexJs) {
  auto loaded = Load(R"(
Resources:
  InlineNode:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Code:
        ZipFile: |
          exports.handler = async (event) => event;
)");
  const FunctionConfig* f = Find(loaded, "InlineNode");
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(fs::exists(f->code_dir / "index.js")) << f->code_dir;
  EXPECT_TRUE(Contains(ReadFile(f->code_dir / "index.js"), "exports.handler"));
}

TEST_F(SamTemplateTest, LambdaFunctionCodeAsPlainPath) {
  Code("PathFunction");
  auto loaded = Load(R"(
Resources:
  PathFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: PathFunction
      Timeout: 7
)");
  const FunctionConfig* f = Find(loaded, "PathFunction");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(SamePath(f->code_dir, dir_ / "PathFunction")) << f->code_dir;
  EXPECT_EQ(f->timeout_s, 7);
}

TEST_F(SamTemplateTest, MissingCodeDirectoryIsAnErrorNamingTheResource) {
  std::string message = ErrorOf(R"(
Resources:
  Broken:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: does-not-exist/, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_TRUE(Contains(message, "Broken")) << message;
}

TEST_F(SamTemplateTest, CodeUriNamingASourceFileSaysCodeIsADirectoryOrZip) {
  Code("src");
  std::string message = ErrorOf(R"(
Resources:
  OneFile:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src/app.py, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_TRUE(Contains(message, "OneFile")) << message;
  EXPECT_TRUE(Contains(message, "CodeUri: ")) << message;
  EXPECT_TRUE(Contains(message,
                       "app.py is a file; a function's code is a directory or a .zip "
                       "deployment package (the folder holding it is "))
      << message;
}

TEST_F(SamTemplateTest, TagsAreAMapInSamAndKeyValuePairsInCloudFormation) {
  Code("src");
  auto loaded = Load(R"(
Globals:
  Function:
    Tags: { project: shop }
Resources:
  Sam:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12, Tags: { team: a } }
  Cfn:
    Type: AWS::Lambda::Function
    Properties:
      Code: src
      Handler: app.handler
      Runtime: python3.12
      Tags: [ { Key: owner, Value: ada } ]
)");
  using Tags = std::vector<std::pair<std::string, std::string>>;
  const FunctionConfig* sam = Find(loaded, "Sam");
  ASSERT_NE(sam, nullptr);
  // Globals merged; then the tag SAM puts on every function it creates.
  EXPECT_EQ(sam->tags, (Tags{{"project", "shop"}, {"team", "a"}, {"lambda:createdBy", "SAM"}}));
  const FunctionConfig* cfn = Find(loaded, "Cfn");
  ASSERT_NE(cfn, nullptr);
  EXPECT_EQ(cfn->tags, (Tags{{"owner", "ada"}}));

  std::string message = ErrorOf(R"(
Resources:
  Bad:
    Type: AWS::Lambda::Function
    Properties: { Code: src, Handler: app.handler, Runtime: python3.12, Tags: { a: b } }
)");
  EXPECT_TRUE(Contains(message, "Tags: must be a list of Key and Value")) << message;
}

// --- Layers ------------------------------------------------------------------

TEST_F(SamTemplateTest, ServerlessLayerRefGivesItsDirectory) {
  Code("src");
  Code("layer/python", "shared.py");
  auto loaded = Load(R"(
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: shared
      ContentUri: layer/
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Layers: [!Ref SharedLayer]
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->layers.size(), 1u);
  EXPECT_TRUE(f->layers[0].is_absolute());
  EXPECT_TRUE(SamePath(f->layers[0], dir_ / "layer")) << f->layers[0];
  // A layer is not a function.
  EXPECT_EQ(Find(loaded, "SharedLayer"), nullptr);
}

TEST_F(SamTemplateTest, LambdaLayerVersionRefGivesItsDirectory) {
  Code("src");
  Code("utils-layer/python", "utils.py");
  auto loaded = Load(R"(
Resources:
  UtilsLayer:
    Type: AWS::Lambda::LayerVersion
    Properties: { LayerName: utils, Content: utils-layer }
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code: src
      Handler: app.handler
      Runtime: python3.12
      Layers: [!Ref UtilsLayer]
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->layers.size(), 1u);
  EXPECT_TRUE(SamePath(f->layers[0], dir_ / "utils-layer")) << f->layers[0];
}

TEST_F(SamTemplateTest, UnknownLayerArnIsAnErrorNamingIt) {
  Code("src");
  std::string message = ErrorOf(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - arn:aws:lambda:us-east-1:123456789012:layer:shared-utils:3
)");
  EXPECT_TRUE(Contains(message, "arn:aws:lambda:us-east-1:123456789012:layer:shared-utils:3"))
      << message;
}

TEST_F(SamTemplateTest, LayerArnMappedByLayerDirsIsUsed) {
  Code("src");
  fs::path layer = Code("local-layers/shared/python", "shared.py").parent_path();
  const std::string arn = "arn:aws:lambda:us-east-1:123456789012:layer:shared-utils:3";
  options_.layer_dirs[arn] = layer;
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - arn:aws:lambda:us-east-1:123456789012:layer:shared-utils:3
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->layers.size(), 1u);
  EXPECT_TRUE(SamePath(f->layers[0], layer)) << f->layers[0];
}

// --- Conditions, parameters --------------------------------------------------

TEST_F(SamTemplateTest, ResourceWithFalseConditionIsSkipped) {
  Code("src");
  auto loaded = Load(R"(
Parameters:
  Stage: { Type: String, Default: dev }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  ProdOnly:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
  DevOnly:
    Type: AWS::Serverless::Function
    Condition: IsDev
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_EQ(Find(loaded, "ProdOnly"), nullptr);
  EXPECT_NE(Find(loaded, "DevOnly"), nullptr);
  EXPECT_EQ(loaded.config.functions.size(), 1u);
}

TEST_F(SamTemplateTest, ConditionFollowsParameterOverride) {
  Code("src");
  options_.parameter_overrides = {{"Stage", "prod"}};
  auto loaded = Load(R"(
Parameters:
  Stage: { Type: String, Default: dev }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  ProdOnly:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_NE(Find(loaded, "ProdOnly"), nullptr);
}

TEST_F(SamTemplateTest, IfWithNoValueRemovesProperty) {
  Code("src");
  auto loaded = Load(R"(
Parameters:
  Stage: { Type: String, Default: dev }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Timeout: !If [IsProd, 30, !Ref AWS::NoValue]
      MemorySize: !If [IsProd, 2048, 512]
      Environment:
        Variables:
          ALWAYS: yes-please
          PROD_ONLY: !If [IsProd, set, !Ref AWS::NoValue]
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->timeout_s, 3);
  EXPECT_EQ(f->memory_mb, 512);
  EXPECT_EQ(Env(*f, "ALWAYS"), "yes-please");
  EXPECT_EQ(Env(*f, "PROD_ONLY"), "<unset>");
}

TEST_F(SamTemplateTest, ParametersAndOverridesApplyInEnvironment) {
  Code("src");
  options_.parameter_overrides = {{"Stage", "prod"}};
  auto loaded = Load(R"(
Parameters:
  Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }
  Color: { Type: String, Default: green }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          STAGE: !Ref Stage
          COLOR: !Ref Color
          NAME: !Sub 'svc-${Stage}-${Color}'
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Env(*f, "STAGE"), "prod");
  EXPECT_EQ(Env(*f, "COLOR"), "green");
  EXPECT_EQ(Env(*f, "NAME"), "svc-prod-green");
}

TEST_F(SamTemplateTest, PseudoParametersApplyInEnvironment) {
  Code("src");
  options_.pseudo.region = "eu-west-1";
  options_.pseudo.account_id = "123456789012";
  options_.pseudo.stack_name = "my-stack";
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          WHERE: !Sub '${AWS::Partition}:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}'
          SUFFIX: !Ref AWS::URLSuffix
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Env(*f, "WHERE"), "aws:eu-west-1:123456789012:my-stack");
  EXPECT_EQ(Env(*f, "SUFFIX"), "amazonaws.com");
}

TEST_F(SamTemplateTest, MappingsApplyInProperties) {
  Code("src");
  options_.pseudo.region = "eu-west-1";
  auto loaded = Load(R"(
Mappings:
  SizeByRegion:
    eu-west-1: { Memory: 512 }
    us-east-1: { Memory: 256 }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      MemorySize: !FindInMap [SizeByRegion, !Ref 'AWS::Region', Memory]
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->memory_mb, 512);
}

TEST_F(SamTemplateTest, AllowedValuesViolationIsAnError) {
  Code("src");
  options_.parameter_overrides = {{"Stage", "qa"}};
  std::string message = ErrorOf(R"(
Parameters:
  Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_TRUE(Contains(message, "Stage")) << message;
  EXPECT_TRUE(Contains(message, "qa")) << message;
}

TEST_F(SamTemplateTest, OverrideForUnknownParameterWarns) {
  Code("src");
  options_.parameter_overrides = {{"Stgae", "prod"}};
  auto loaded = Load(R"(
Parameters:
  Stage: { Type: String, Default: dev }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_TRUE(AnyContains(loaded.warnings, "Stgae")) << Warnings(loaded);
}

// --- What cannot run here ----------------------------------------------------

TEST_F(SamTemplateTest, ImageFunctionIsUnsupported) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  ImageFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: image-fn
      PackageType: Image
      ImageUri: hello:latest
    Metadata:
      Dockerfile: Dockerfile
      DockerContext: ./hello
  ZipFunction:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_EQ(Find(loaded, "ImageFunction"), nullptr);
  EXPECT_EQ(Find(loaded, "image-fn"), nullptr);
  EXPECT_NE(Find(loaded, "ZipFunction"), nullptr);
  ASSERT_EQ(loaded.unsupported.count("ImageFunction"), 1u);
  EXPECT_TRUE(Contains(Lower(loaded.unsupported["ImageFunction"]), "container image"))
      << loaded.unsupported["ImageFunction"];
  EXPECT_EQ(loaded.unsupported.count("image-fn"), 1u) << "unsupported is keyed by every name";
}

TEST_F(SamTemplateTest, LambdaImageFunctionIsUnsupported) {
  auto loaded = Load(R"(
Resources:
  ImageFunction:
    Type: AWS::Lambda::Function
    Properties:
      PackageType: Image
      Code: { ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:latest }
)");
  EXPECT_TRUE(loaded.config.functions.empty());
  ASSERT_EQ(loaded.unsupported.count("ImageFunction"), 1u);
  EXPECT_TRUE(Contains(Lower(loaded.unsupported["ImageFunction"]), "container image"));
}

TEST_F(SamTemplateTest, MisspeltPropertyWarnsWithDidYouMean) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      MemorySise: 1024
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->memory_mb, 128);
  ASSERT_EQ(loaded.function_warnings.count("Fn"), 1u) << Warnings(loaded);
  const auto& warnings = loaded.function_warnings["Fn"];
  EXPECT_TRUE(AnyContains(warnings, "MemorySise")) << Joined(warnings);
  EXPECT_TRUE(AnyContains(warnings, "MemorySize")) << Joined(warnings);
}

TEST_F(SamTemplateTest, KnownPropertiesDoNotWarn) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 256
      Timeout: 5
      Description: d
      Architectures: [x86_64]
      Tracing: Active
      Policies: [AWSLambdaBasicExecutionRole]
      Tags: { team: a }
)");
  EXPECT_EQ(loaded.function_warnings.count("Fn"), 0u) << Warnings(loaded);
}

TEST_F(SamTemplateTest, UnknownResourceTypesAreIgnored) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
  Bucket:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_EQ(loaded.config.functions.size(), 1u);
  const auto& ignored = loaded.ignored_resources;
  EXPECT_NE(std::find(ignored.begin(), ignored.end(), "Table (AWS::DynamoDB::Table)"),
            ignored.end())
      << Joined(ignored);
  EXPECT_NE(std::find(ignored.begin(), ignored.end(), "Bucket (AWS::S3::Bucket)"), ignored.end())
      << Joined(ignored);
  EXPECT_FALSE(AnyContains(ignored, "Fn ")) << Joined(ignored);
}

// --- Events ------------------------------------------------------------------

TEST_F(SamTemplateTest, EventsAreParsed) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: GET
        Every5:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->events.size(), 2u);
  const config::EventSource* api = nullptr;
  const config::EventSource* schedule = nullptr;
  for (const auto& e : f->events) {
    if (e.name == "HelloWorld") api = &e;
    if (e.name == "Every5") schedule = &e;
  }
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->type, "Api");
  EXPECT_TRUE(Contains(api->summary, "GET")) << api->summary;
  EXPECT_TRUE(Contains(api->summary, "/hello")) << api->summary;
  nlohmann::json properties = nlohmann::json::parse(api->properties, nullptr, false);
  ASSERT_TRUE(properties.is_object()) << api->properties;
  EXPECT_EQ(properties.value("Path", ""), "/hello");
  ASSERT_NE(schedule, nullptr);
  EXPECT_EQ(schedule->type, "Schedule");
  EXPECT_TRUE(Contains(schedule->summary, "rate(5 minutes)")) << schedule->summary;
}

TEST_F(SamTemplateTest, EventPropertiesAreResolved) {
  Code("src");
  auto loaded = Load(R"(
Parameters:
  Stage: { Type: String, Default: dev }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Events:
        Hello:
          Type: HttpApi
          Properties:
            Path: !Sub '/${Stage}/hello'
            Method: post
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->events.size(), 1u);
  EXPECT_EQ(f->events[0].type, "HttpApi");
  EXPECT_TRUE(Contains(f->events[0].summary, "/dev/hello")) << f->events[0].summary;
  nlohmann::json properties = nlohmann::json::parse(f->events[0].properties, nullptr, false);
  ASSERT_TRUE(properties.is_object()) << f->events[0].properties;
  EXPECT_EQ(properties.value("Path", ""), "/dev/hello");
}

// --- References --------------------------------------------------------------

TEST_F(SamTemplateTest, RefToTableGivesLogicalIdAndWarns) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          TABLE_NAME: !Ref Table
          TABLE_ARN: !GetAtt Table.Arn
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Env(*f, "TABLE_NAME"), "Table");
  EXPECT_EQ(Env(*f, "TABLE_ARN"), "");
  ASSERT_EQ(loaded.function_warnings.count("Fn"), 1u) << Warnings(loaded);
  const auto& warnings = loaded.function_warnings["Fn"];
  EXPECT_TRUE(AnyContains(warnings, "Environment.Variables.TABLE_NAME")) << Joined(warnings);
  EXPECT_TRUE(AnyContains(warnings, "Environment.Variables.TABLE_ARN")) << Joined(warnings);
}

TEST_F(SamTemplateTest, RefToFunctionGivesItsName) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  Other:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: other-fn
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
  Unnamed:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
  Caller:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          PEER: !Ref Other
          PEER2: !Ref Unnamed
)");
  const FunctionConfig* f = Find(loaded, "Caller");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Env(*f, "PEER"), "other-fn");
  EXPECT_EQ(Env(*f, "PEER2"), "Unnamed");
  EXPECT_EQ(loaded.function_warnings.count("Caller"), 0u) << Warnings(loaded);
}

TEST_F(SamTemplateTest, GetAttFunctionArnGivesLocalArn) {
  Code("src");
  options_.pseudo.region = "eu-west-1";
  options_.pseudo.account_id = "123456789012";
  auto loaded = Load(R"(
Resources:
  Other:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: other-fn
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
  Plain:
    Type: AWS::Lambda::Function
    Properties: { Code: src, Handler: app.handler, Runtime: python3.12 }
  Caller:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          PEER_ARN: !GetAtt Other.Arn
          PLAIN_ARN: !GetAtt [Plain, Arn]
          SUBBED: !Sub '${Other.Arn}:live'
)");
  const FunctionConfig* f = Find(loaded, "Caller");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Env(*f, "PEER_ARN"), "arn:aws:lambda:eu-west-1:123456789012:function:other-fn");
  EXPECT_EQ(Env(*f, "PLAIN_ARN"), "arn:aws:lambda:eu-west-1:123456789012:function:Plain");
  EXPECT_EQ(Env(*f, "SUBBED"), "arn:aws:lambda:eu-west-1:123456789012:function:other-fn:live");
}

// --- Concurrency, storage, architecture --------------------------------------

TEST_F(SamTemplateTest, ConcurrencyStorageAliasAndArchitecture) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      ReservedConcurrentExecutions: 5
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 2
      EphemeralStorage:
        Size: 1024
      Architectures: [arm64]
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->reserved_concurrency, 5);
  EXPECT_EQ(f->provisioned_concurrency, 2);
  EXPECT_EQ(f->auto_publish_alias, "live");
  EXPECT_EQ(f->ephemeral_storage_mb, 1024);
  EXPECT_EQ(f->architecture, "arm64");
}

TEST_F(SamTemplateTest, InvalidMemorySizeIsAnErrorNamingTheResource) {
  Code("src");
  std::string message = ErrorOf(R"(
Resources:
  TinyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 64
)");
  EXPECT_TRUE(Contains(message, "TinyFunction")) << message;
  EXPECT_TRUE(Contains(message, "MemorySize")) << message;
}

TEST_F(SamTemplateTest, UnsupportedRuntimeIsAnErrorNamingTheResource) {
  Code("src");
  std::string message = ErrorOf(R"(
Resources:
  JavaFunction:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: a.B::handle, Runtime: java21 }
)");
  EXPECT_TRUE(Contains(message, "JavaFunction")) << message;
  EXPECT_TRUE(Contains(message, "java21")) << message;
}

// --- Nested applications -----------------------------------------------------

TEST_F(SamTemplateTest, NestedApplicationLoadsChildWithParentParameters) {
  Code("parent");
  Code("child/src");
  Write("child/template.yaml", R"(
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: { Type: String, Default: child-default }
  Color: { Type: String, Default: green }
Resources:
  ChildFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 192
      Environment:
        Variables:
          GREETING: !Ref Greeting
          COLOR: !Ref Color
)");
  options_.parameter_overrides = {{"Stage", "prod"}};
  auto loaded = Load(R"(
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String, Default: dev }
Resources:
  ParentFunction:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: parent/, Handler: app.handler, Runtime: python3.12 }
  ChildApp:
    Type: AWS::Serverless::Application
    Properties:
      Location: child/template.yaml
      Parameters:
        Greeting: !Sub 'hello from ${Stage}'
)");
  EXPECT_NE(Find(loaded, "ParentFunction"), nullptr);
  const FunctionConfig* child = Find(loaded, "ChildApp/ChildFunction");
  ASSERT_NE(child, nullptr) << "no function answers to ChildApp/ChildFunction";
  EXPECT_NE(std::find(child->aliases.begin(), child->aliases.end(), "ChildApp/ChildFunction"),
            child->aliases.end());
  EXPECT_TRUE(SamePath(child->code_dir, dir_ / "child/src")) << child->code_dir;
  EXPECT_EQ(child->memory_mb, 192);
  EXPECT_EQ(Env(*child, "GREETING"), "hello from prod");
  EXPECT_EQ(Env(*child, "COLOR"), "green");
  EXPECT_TRUE(std::any_of(loaded.files.begin(), loaded.files.end(), [&](const fs::path& p) {
    return SamePath(p, dir_ / "child/template.yaml");
  })) << "files must list the nested template";
}

TEST_F(SamTemplateTest, NestedCloudFormationStackWithLocalTemplate) {
  Code("child/src");
  Write("child/template.yaml", R"(
Parameters:
  Greeting: { Type: String, Default: child-default }
Resources:
  ChildFunction:
    Type: AWS::Lambda::Function
    Properties:
      Code: src
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          GREETING: !Ref Greeting
)");
  auto loaded = Load(R"(
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child/template.yaml
      Parameters:
        Greeting: from-parent
)");
  const FunctionConfig* child = Find(loaded, "Child/ChildFunction");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(Env(*child, "GREETING"), "from-parent");
}

TEST_F(SamTemplateTest, EnvVarsFileAddressesNestedFunctionByPath) {
  Code("child/src");
  Write("child/template.yaml", R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Environment: { Variables: { A: template } }
)");
  auto file = ParseEnvVars(R"({"Child/Fn": {"A": "from-env-vars"}})");
  ASSERT_TRUE(file.ok());
  options_.env_vars = &file.value();
  auto loaded = Load(R"(
Resources:
  Child:
    Type: AWS::Serverless::Application
    Properties: { Location: child/template.yaml }
)");
  const FunctionConfig* child = Find(loaded, "Child/Fn");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(Env(*child, "A"), "from-env-vars");
}

// --- --env-vars --------------------------------------------------------------

TEST_F(SamTemplateTest, EnvVarsOptionAppliedWithSamSemantics) {
  Code("src");
  auto file = ParseEnvVars(R"({
    "HelloFunction": {"TABLE": "local-table", "UNDECLARED": "x"},
    "Parameters": {"STAGE": "test", "REGION_NAME": "from-parameters"}
  })");
  ASSERT_TRUE(file.ok()) << file.status().message();
  std::map<std::string, std::string> shell = {
      {"FROM_SHELL", "shell-value"}, {"REGION_NAME", "shell-region"}, {"NOT_DECLARED", "y"}};
  options_.env_vars = &file.value();
  options_.shell = &shell;
  auto loaded = Load(R"(
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: hello-fn
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          TABLE: template-table
          STAGE: template-stage
          FROM_SHELL: template
          REGION_NAME: template
          KEPT: template
)");
  const FunctionConfig* f = Find(loaded, "hello-fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Env(*f, "TABLE"), "local-table");
  EXPECT_EQ(Env(*f, "STAGE"), "test");
  EXPECT_EQ(Env(*f, "FROM_SHELL"), "shell-value");
  EXPECT_EQ(Env(*f, "REGION_NAME"), "from-parameters");
  EXPECT_EQ(Env(*f, "KEPT"), "template");
  EXPECT_EQ(Env(*f, "UNDECLARED"), "<unset>");
  EXPECT_EQ(Env(*f, "NOT_DECLARED"), "<unset>");
  EXPECT_EQ(f->environment.size(), 5u);
}

// --- More of what SAM CLI users write ---------------------------------------

TEST_F(SamTemplateTest, IgnoreGlobalsStarSkipsAllGlobals) {
  Code("src");
  auto loaded = Load(R"(
Globals:
  Function:
    Runtime: python3.12
    Timeout: 20
    Environment: { Variables: { FROM_GLOBALS: 'yes' } }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    IgnoreGlobals: '*'
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.13 }
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->runtime, "python3.13");
  EXPECT_EQ(f->timeout_s, 3) << "IgnoreGlobals: '*' must keep Globals.Function.Timeout out";
  EXPECT_EQ(Env(*f, "FROM_GLOBALS"), "<unset>");
}

TEST_F(SamTemplateTest, IgnoreGlobalsListSkipsNamedGlobals) {
  Code("src");
  auto loaded = Load(R"(
Globals:
  Function:
    Runtime: python3.12
    Timeout: 20
    MemorySize: 256
Resources:
  Fn:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [Timeout]
    Properties: { CodeUri: src, Handler: app.handler }
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->runtime, "python3.12");
  EXPECT_EQ(f->memory_mb, 256);
  EXPECT_EQ(f->timeout_s, 3) << "IgnoreGlobals: [Timeout] must keep Globals.Function.Timeout out";
}

TEST_F(SamTemplateTest, MissingCodeUriMeansTheTemplateDirectory) {
  std::ofstream(dir_ / "app.py") << "def handler(event, context):\n    return 1\n";
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Handler: app.handler, Runtime: python3.12 }
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(SamePath(f->code_dir, dir_)) << f->code_dir;
}

TEST_F(SamTemplateTest, ZipCodeUriIsExtractedUnderUnpackDir) {
  const fs::path zip = fs::path(LAMBDA_EMU_TEST_DATA_DIR) / "template-unit/hello-python.zip";
  ASSERT_TRUE(fs::exists(zip)) << zip;
  auto loaded = Load(R"(
Resources:
  Zipped:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: )" + zip.string() +
                     R"(
      Handler: app.handler
      Runtime: python3.12
)");
  const FunctionConfig* f = Find(loaded, "Zipped");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(IsUnder(f->code_dir, options_.unpack_dir)) << f->code_dir;
  EXPECT_TRUE(fs::exists(f->code_dir / "app.py")) << f->code_dir;
  EXPECT_TRUE(SamePath(f->code_source, zip)) << f->code_source;
}

TEST_F(SamTemplateTest, JsonTemplateWithLongFormIntrinsics) {
  Code("src");
  auto loaded = Load(R"({
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
  "Resources": {
    "Fn": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Code": "src",
        "Handler": "app.handler",
        "Runtime": "python3.12",
        "Environment": {"Variables": {
          "STAGE": {"Ref": "Stage"},
          "NAME": {"Fn::Join": ["-", ["svc", {"Ref": "Stage"}]]}
        }}
      }
    }
  }
})");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Env(*f, "STAGE"), "dev");
  EXPECT_EQ(Env(*f, "NAME"), "svc-dev");
}

TEST_F(SamTemplateTest, UnbuiltPythonLayerIsLaidOutUnderPython) {
  Code("src");
  Code("layer-src", "shared.py");  // sources at the top, as before `sam build`
  auto loaded = Load(R"(
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: { ContentUri: layer-src/ }
    Metadata: { BuildMethod: python3.12 }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Layers: [!Ref SharedLayer]
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->layers.size(), 1u);
  EXPECT_TRUE(fs::exists(f->layers[0] / "python" / "shared.py")) << f->layers[0];
}

TEST_F(SamTemplateTest, RefToLayerGivesItsArn) {
  Code("src");
  Code("layer/python", "shared.py");
  options_.pseudo.region = "eu-west-1";
  options_.pseudo.account_id = "123456789012";
  auto loaded = Load(R"(
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: { LayerName: shared, ContentUri: layer/ }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      Environment: { Variables: { LAYER: !Ref SharedLayer } }
)");
  const FunctionConfig* f = Find(loaded, "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(Contains(Env(*f, "LAYER"), "arn:aws:lambda:eu-west-1:123456789012:layer:shared"))
      << Env(*f, "LAYER");
}

TEST_F(SamTemplateTest, NestedFunctionWithParentsLogicalIdGetsItsOwnName) {
  Code("parent");
  Code("child/src");
  Write("child/template.yaml", R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  auto loaded = Load(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: parent, Handler: app.handler, Runtime: python3.12 }
  ChildApp:
    Type: AWS::Serverless::Application
    Properties: { Location: child/template.yaml }
)");
  ASSERT_EQ(loaded.config.functions.size(), 2u);
  const FunctionConfig* parent = Find(loaded, "Fn");
  const FunctionConfig* child = Find(loaded, "ChildApp/Fn");
  ASSERT_NE(parent, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_NE(parent, child);
  EXPECT_TRUE(SamePath(parent->code_dir, dir_ / "parent")) << parent->code_dir;
  EXPECT_TRUE(SamePath(child->code_dir, dir_ / "child/src")) << child->code_dir;
  EXPECT_NE(child->name, parent->name);
  EXPECT_TRUE(config::IsValidFunctionName(child->name)) << child->name;
}

TEST_F(SamTemplateTest, NestedApplicationFromServerlessRepoIsIgnored) {
  Code("src");
  auto loaded = Load(R"(
Resources:
  FromRepo:
    Type: AWS::Serverless::Application
    Properties:
      Location:
        ApplicationId: arn:aws:serverlessrepo:us-east-1:123456789012:applications/x
        SemanticVersion: 1.0.0
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_NE(Find(loaded, "Fn"), nullptr);
  EXPECT_TRUE(AnyContains(loaded.ignored_resources, "FromRepo"))
      << Joined(loaded.ignored_resources);
}

TEST_F(SamTemplateTest, DuplicateFunctionNameIsAnError) {
  Code("src");
  std::string message = ErrorOf(R"(
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: { FunctionName: same, CodeUri: src, Handler: app.handler, Runtime: python3.12 }
  B:
    Type: AWS::Serverless::Function
    Properties: { FunctionName: same, CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_TRUE(Contains(message, "same")) << message;
}

TEST_F(SamTemplateTest, UndefinedResourceConditionIsAnError) {
  Code("src");
  std::string message = ErrorOf(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Condition: NoSuchCondition
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_TRUE(Contains(message, "NoSuchCondition")) << message;
}

TEST_F(SamTemplateTest, MissingRuntimeIsAnErrorNamingTheResource) {
  Code("src");
  std::string message = ErrorOf(R"(
Resources:
  NoRuntime:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler }
)");
  EXPECT_TRUE(Contains(message, "NoRuntime")) << message;
  EXPECT_TRUE(Contains(message, "Runtime")) << message;
}

TEST_F(SamTemplateTest, MisspeltTopLevelSectionWarnsWithDidYouMean) {
  Code("src");
  auto loaded = Load(R"(
Globls:
  Function: { Timeout: 20 }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  EXPECT_TRUE(AnyContains(loaded.warnings, "Globls")) << Warnings(loaded);
  EXPECT_TRUE(AnyContains(loaded.warnings, "Globals")) << Warnings(loaded);
}

// --- LoadTemplate ------------------------------------------------------------

TEST_F(SamTemplateTest, LoadTemplateReadsFileAndResolvesRelativeToIt) {
  Code("app/src");
  Write("app/template.yaml", R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
)");
  auto r = LoadTemplate(dir_ / "app/template.yaml", options_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const FunctionConfig* f = Find(r.value(), "Fn");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(SamePath(f->code_dir, dir_ / "app/src")) << f->code_dir;
  EXPECT_TRUE(std::any_of(r->files.begin(), r->files.end(), [&](const fs::path& p) {
    return SamePath(p, dir_ / "app/template.yaml");
  }));
}

TEST_F(SamTemplateTest, LoadTemplateMissingFileIsAnError) {
  auto r = LoadTemplate(dir_ / "nope.yaml", options_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "nope.yaml")) << r.status().message();
}

TEST_F(SamTemplateTest, InvalidYamlIsAnError) { EXPECT_FALSE(Parse("Resources: [unclosed").ok()); }

}  // namespace

}  // namespace lambda_emu::templates
