#include "config/config_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lambda_emu::config {

namespace fs = std::filesystem;

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("config-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "code");
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<ServerConfig> Parse(const std::string& text) {
    return ParseConfig(text, dir_, dir_ / "unpacked");
  }
  std::string ErrorOf(const std::string& text) {
    auto r = Parse(text);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? "" : r.status().message();
  }

  fs::path dir_;
};

TEST_F(ConfigFileTest, ParsesEveryKeyWithDefaults) {
  auto r = Parse(R"(
Functions:
  hello:
    Runtime: python3.12
    Handler: app.handler
    Code: ./code
    Environment: { GREETING: hi, N: 1 }
    ReservedConcurrentExecutions: 5
  second:
    Runtime: provided.al2023
    Code: code
    MemorySize: 1769
    Timeout: 900
    Environment: { Variables: { A: b } }
)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->functions.size(), 2u);
  const auto& hello = r->functions[0];
  EXPECT_EQ(hello.name, "hello");
  EXPECT_EQ(hello.family, RuntimeFamily::kPython);
  EXPECT_EQ(hello.memory_mb, 128);
  EXPECT_EQ(hello.timeout_s, 3);
  EXPECT_EQ(hello.code_dir, fs::canonical(dir_ / "code"));
  ASSERT_EQ(hello.environment.size(), 2u);
  EXPECT_EQ(hello.environment[1], (std::pair<std::string, std::string>{"N", "1"}));
  EXPECT_EQ(hello.reserved_concurrency, 5);
  const auto& second = r->functions[1];
  EXPECT_EQ(second.family, RuntimeFamily::kProvided);
  EXPECT_EQ(second.memory_mb, 1769);
  EXPECT_EQ(second.environment.at(0).first, "A");
}

// Found by fuzz/config_file_fuzzer.cc: invalid UTF-8 in an event's properties
// or in FunctionUrlConfig threw from the JSON encoding and terminated the server.
TEST_F(ConfigFileTest, InvalidUtf8InEventPropertiesAndUrlConfigBecomesReplacementCharacter) {
  std::string text =
      "Functions:\n  f:\n    Runtime: provided\n    Handler: bootstrap\n    Code: ./code\n"
      "    FunctionUrlConfig: { AuthType: \"N\xd1L\" }\n"
      "    Events:\n      Q: { Type: SQS, Properties: { Queue: \"q\xff\" } }\n";
  Result<ServerConfig> r(Status::Error("not parsed"));
  ASSERT_NO_THROW(r = Parse(text));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& f = r.value().functions.at(0);
  EXPECT_EQ(f.function_url_config, "{\"AuthType\":\"N\xef\xbf\xbdL\"}");
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].properties, "{\"Queue\":\"q\xef\xbf\xbd\"}");
}

TEST_F(ConfigFileTest, TagsAreAMapKeptInFileOrder) {
  auto r = Parse(
      "Functions:\n  f:\n    Runtime: python3.12\n    Handler: a.b\n    Code: code\n"
      "    Tags: { team: payments, stage: dev }\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  using Tags = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r->functions[0].tags, (Tags{{"team", "payments"}, {"stage", "dev"}}));
  std::string e = ErrorOf(
      "Functions:\n  f:\n    Runtime: python3.12\n    Handler: a.b\n    Code: code\n"
      "    Tags: [a, b]\n");
  EXPECT_NE(e.find("Tags: must be a map"), std::string::npos) << e;
}

TEST_F(ConfigFileTest, JsonIsAccepted) {
  auto r = Parse(R"({"Functions": {"f": {"Runtime": "nodejs20.x", "Handler": "index.handler",
                     "Code": "code"}}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->functions[0].family, RuntimeFamily::kNode);
}

TEST_F(ConfigFileTest, ErrorsNameTheFunctionTheKeyAndTheProblem) {
  std::string base =
      "Functions:\n  hello:\n    Runtime: python3.12\n    Handler: a.b\n    Code: code\n";
  std::string e = ErrorOf(base + "    Memory: 128\n");
  EXPECT_NE(e.find("function 'hello'"), std::string::npos) << e;
  EXPECT_NE(e.find("Memory: unknown key"), std::string::npos) << e;

  e = ErrorOf(base + "    MemorySize: 64\n");
  EXPECT_NE(e.find("MemorySize: must be between 128 and 10240, got 64"), std::string::npos) << e;

  e = ErrorOf(base + "    Timeout: 901\n");
  EXPECT_NE(e.find("Timeout"), std::string::npos) << e;

  e = ErrorOf(base + "    Timeout: soon\n");
  EXPECT_NE(e.find("Timeout: must be an integer"), std::string::npos) << e;

  e = ErrorOf("Functions:\n  hello:\n    Runtime: cobol\n    Code: code\n");
  EXPECT_NE(e.find("Runtime: unsupported runtime 'cobol'"), std::string::npos) << e;

  e = ErrorOf("Functions:\n  hello:\n    Runtime: provided\n    Code: missing\n");
  EXPECT_NE(e.find("Code: no such directory"), std::string::npos) << e;

  e = ErrorOf("Functions:\n  hello:\n    Runtime: python3.12\n    Code: code\n");
  EXPECT_NE(e.find("Handler: required"), std::string::npos) << e;

  e = ErrorOf(base + "    Environment: { AWS_REGION: x }\n");
  EXPECT_NE(e.find("Environment: AWS_REGION is reserved"), std::string::npos) << e;

  e = ErrorOf("Functoins: {}\n");
  EXPECT_NE(e.find("Functoins: unknown top-level key"), std::string::npos) << e;

  e = ErrorOf("Functions:\n  bad name:\n    Runtime: provided\n    Code: code\n");
  EXPECT_NE(e.find("function 'bad name'"), std::string::npos) << e;
}

TEST_F(ConfigFileTest, MisspeltKeySuggestsTheClosestKey) {
  std::string e = ErrorOf("Functions:\n  hello:\n    Runtim: python3.12\n    Code: code\n");
  EXPECT_NE(e.find("function 'hello': Runtim: unknown key (did you mean Runtime?)"),
            std::string::npos)
      << e;
  // Ignored CreateFunction keys are candidates too.
  e = ErrorOf("Functions:\n  hello:\n    Runtime: provided\n    Code: code\n    Rol: x\n");
  EXPECT_NE(e.find("Rol: unknown key (did you mean Role?)"), std::string::npos) << e;
  // Nothing close: no guess.
  e = ErrorOf("Functions:\n  hello:\n    Runtime: provided\n    Code: code\n    Vpc: x\n");
  EXPECT_NE(e.find("Vpc: unknown key"), std::string::npos) << e;
  EXPECT_EQ(e.find("did you mean"), std::string::npos) << e;
}

TEST_F(ConfigFileTest, MisspeltTopLevelKeySuggestsFunctions) {
  std::string e = ErrorOf("Functoins: {}\n");
  EXPECT_NE(e.find("Functoins: unknown top-level key (did you mean Functions?)"), std::string::npos)
      << e;
  e = ErrorOf("Interpeters: {}\n");
  EXPECT_NE(e.find("(did you mean Interpreters?)"), std::string::npos) << e;
}

TEST_F(ConfigFileTest, UnsupportedRuntimeListsEveryRuntimeAndPointsAtProvided) {
  std::string e = ErrorOf("Functions:\n  hello:\n    Runtime: ruby3.3\n    Code: code\n");
  EXPECT_NE(e.find("Runtime: unsupported runtime 'ruby3.3'; lambda-emu runs python3.9, "),
            std::string::npos)
      << e;
  for (const auto& runtime : SupportedRuntimes()) {
    EXPECT_NE(e.find(runtime), std::string::npos) << runtime << " missing from: " << e;
  }
  EXPECT_NE(e.find("runs as provided.al2023"), std::string::npos) << e;
  EXPECT_NE(e.find("`bootstrap`"), std::string::npos) << e;
  EXPECT_EQ(e.find("did you mean"), std::string::npos) << e;
}

TEST_F(ConfigFileTest, RuntimeTypoSuggestsTheRuntime) {
  std::string e =
      ErrorOf("Functions:\n  hello:\n    Runtime: nodejs20\n    Handler: a.b\n    Code: code\n");
  EXPECT_NE(e.find("unsupported runtime 'nodejs20' (did you mean nodejs20.x?)"), std::string::npos)
      << e;
}

TEST_F(ConfigFileTest, EverySupportedRuntimeParses) {
  for (const auto& runtime : SupportedRuntimes()) {
    auto r = Parse("Functions:\n  f:\n    Runtime: " + runtime +
                   "\n    Handler: app.handler\n    Code: code\n");
    EXPECT_TRUE(r.ok()) << runtime << ": " << r.status().message();
  }
  EXPECT_EQ(ParseRuntime("python3.12"), RuntimeFamily::kPython);
  EXPECT_EQ(ParseRuntime("nodejs24.x"), RuntimeFamily::kNode);
  EXPECT_EQ(ParseRuntime("provided.al2023"), RuntimeFamily::kProvided);
  EXPECT_EQ(ParseRuntime("python3.8"), std::nullopt);
  EXPECT_EQ(ParseRuntime("nodejs16.x"), std::nullopt);
  EXPECT_EQ(ParseRuntime("python3.12 "), std::nullopt);
}

TEST_F(ConfigFileTest, CodeThatIsASourceFileSaysDirectoryOrZip) {
  std::ofstream(dir_ / "code" / "app.py") << "def handler(e, c): return 1\n";
  std::string e = ErrorOf(
      "Functions:\n  hello:\n    Runtime: python3.12\n    Handler: app.handler\n"
      "    Code: code/app.py\n");
  EXPECT_NE(e.find("function 'hello': Code: 'code/app.py' is a file; Code must be a directory "
                   "or a .zip deployment package (the folder holding it would be Code: code)"),
            std::string::npos)
      << e;
  std::ofstream(dir_ / "app.py") << "\n";
  e = ErrorOf(
      "Functions:\n  hello:\n    Runtime: python3.12\n    Handler: app.handler\n"
      "    Code: app.py\n");
  EXPECT_NE(e.find("would be Code: .)"), std::string::npos) << e;
}

TEST_F(ConfigFileTest, ProvisionedMustNotExceedReserved) {
  std::string e = ErrorOf(
      "Functions:\n  f:\n    Runtime: provided\n    Code: code\n"
      "    ReservedConcurrentExecutions: 1\n    ProvisionedConcurrency: 2\n");
  EXPECT_NE(e.find("ProvisionedConcurrency"), std::string::npos) << e;
}

TEST_F(ConfigFileTest, EventInvokeConfigAndDeadLetterConfigFillTheFunction) {
  auto r = Parse(R"(
Functions:
  hello:
    Runtime: provided.al2023
    Code: code
    EventInvokeConfig:
      MaximumRetryAttempts: 0
      MaximumEventAgeInSeconds: 120
      DestinationConfig:
        OnSuccess: { Destination: "arn:aws:lambda:us-east-1:000000000000:function:audit" }
        OnFailure: { Destination: "arn:aws:sqs:us-east-1:000000000000:failed" }
    DeadLetterConfig: { TargetArn: "arn:aws:sns:us-east-1:000000000000:dead" }
  audit:
    Runtime: provided.al2023
    Code: code
)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& hello = r->functions[0];
  ASSERT_EQ(hello.event_invoke_configs.size(), 1u);
  EXPECT_EQ(hello.event_invoke_configs.at("$LATEST"),
            R"({"DestinationConfig":{"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:)"
            R"(000000000000:failed"},"OnSuccess":{"Destination":"arn:aws:lambda:us-east-1:)"
            R"(000000000000:function:audit"}},"MaximumEventAgeInSeconds":120,)"
            R"("MaximumRetryAttempts":0})");
  EXPECT_EQ(hello.dead_letter_arn, "arn:aws:sns:us-east-1:000000000000:dead");
  EXPECT_TRUE(r->functions[1].event_invoke_configs.empty());
}

TEST_F(ConfigFileTest, BadEventInvokeConfigNamesTheFunctionAndKey) {
  const std::string head = "Functions:\n  hello:\n    Runtime: provided\n    Code: code\n";
  EXPECT_EQ(ErrorOf(head + "    EventInvokeConfig: { MaximumRetryAttempts: 5 }\n"),
            "function 'hello': EventInvokeConfig.MaximumRetryAttempts: must be between 0 and 2, "
            "got 5");
  EXPECT_NE(
      ErrorOf(head + "    EventInvokeConfig: { DestinationConfig: { OnFailure: "
                     "{ Destination: 'arn:aws:dynamodb:us-east-1:000000000000:table/t' } } }\n")
          .find("function 'hello': EventInvokeConfig.DestinationConfig.OnFailure."
                "Destination: Lambda cannot send records to"),
      std::string::npos);
  EXPECT_NE(ErrorOf(head + "    DeadLetterConfig: { TargetArn: "
                           "'arn:aws:events:us-east-1:000000000000:event-bus/default' }\n")
                .find("function 'hello': DeadLetterConfig.TargetArn: "),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "    EventInvokeConfig: { MaxRetryAttempts: 1 }\n")
                .find("EventInvokeConfig.MaxRetryAttempts: unknown member (did you mean "
                      "MaximumRetryAttempts?)"),
            std::string::npos);
}

TEST_F(ConfigFileTest, LambdaDestinationMustBeAnotherFunctionOfTheFile) {
  const std::string head = "Functions:\n  hello:\n    Runtime: provided\n    Code: code\n";
  std::string e = ErrorOf(head +
                          "    EventInvokeConfig: { DestinationConfig: { OnSuccess: "
                          "{ Destination: 'arn:aws:lambda:us-east-1:000000000000:function:gone' } "
                          "} }\n");
  EXPECT_NE(e.find("function 'hello': EventInvokeConfig.DestinationConfig.OnSuccess.Destination: "
                   "destination function gone is not defined in the config file"),
            std::string::npos)
      << e;
  e = ErrorOf(head +
              "    EventInvokeConfig: { DestinationConfig: { OnFailure: "
              "{ Destination: 'arn:aws:lambda:us-east-1:000000000000:function:hello:1' } } }\n");
  EXPECT_NE(e.find("You can't specify the function as a destination for itself."),
            std::string::npos)
      << e;
}

TEST_F(ConfigFileTest, SnapStartTakesApplyOnAndPython312OrLater) {
  const std::string base = "Functions:\n  hello:\n    Handler: a.b\n    Code: code\n";
  auto r = Parse(base + "    Runtime: python3.12\n    SnapStart: { ApplyOn: PublishedVersions }\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->functions.at(0).snap_start);
  r = Parse(base + "    Runtime: python3.13\n    SnapStart: { ApplyOn: None }\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->functions.at(0).snap_start);

  std::string e = ErrorOf(base + "    Runtime: python3.12\n    SnapStart: { ApplyOn: Always }\n");
  EXPECT_NE(e.find("SnapStart: needs ApplyOn: PublishedVersions or None"), std::string::npos) << e;
  e = ErrorOf(base + "    Runtime: python3.12\n    SnapStart: PublishedVersions\n");
  EXPECT_NE(e.find("SnapStart: needs ApplyOn"), std::string::npos) << e;
  // Lambda's words for a runtime without SnapStart.
  e = ErrorOf(base + "    Runtime: python3.11\n    SnapStart: { ApplyOn: PublishedVersions }\n");
  EXPECT_NE(e.find("SnapStart: python3.11 is not supported for SnapStart enabled functions."),
            std::string::npos)
      << e;
  e = ErrorOf(base + "    Runtime: nodejs20.x\n    SnapStart: { ApplyOn: PublishedVersions }\n");
  EXPECT_NE(e.find("nodejs20.x is not supported for SnapStart"), std::string::npos) << e;
}

TEST(SnapStartRuntime, PythonFrom312Only) {
  for (const char* yes : {"python3.12", "python3.13", "python3.14"})
    EXPECT_TRUE(SnapStartRuntime(yes));
  for (const char* no : {"python3.9", "python3.11", "nodejs22.x", "provided.al2023", "python3."}) {
    EXPECT_FALSE(SnapStartRuntime(no)) << no;
  }
  EXPECT_EQ(SnapStartApplyOn("PublishedVersions"), true);
  EXPECT_EQ(SnapStartApplyOn("None"), false);
  EXPECT_EQ(SnapStartApplyOn("none"), std::nullopt);
}

}  // namespace lambda_emu::config
