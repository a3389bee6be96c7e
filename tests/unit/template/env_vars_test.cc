#include "template/env_vars.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lambda_emu::templates {

namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string>;
using Environment = std::vector<std::pair<std::string, std::string>>;

EnvVarsFile Parse(const std::string& json) {
  auto r = ParseEnvVars(json);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : EnvVarsFile{};
}

config::FunctionConfig Function(const std::string& name, Environment environment,
                                std::vector<std::string> aliases = {}) {
  config::FunctionConfig f;
  f.name = name;
  f.aliases = std::move(aliases);
  f.environment = std::move(environment);
  return f;
}

// --- ParseEnvVars ------------------------------------------------------------

TEST(ParseEnvVars, FunctionEntriesAndParameters) {
  EnvVarsFile file = Parse(R"({
    "HelloWorldFunction": {"TABLE": "local", "STAGE": "dev"},
    "Child/Fn": {"A": "b"},
    "Parameters": {"REGION": "eu-west-1"}
  })");
  EXPECT_EQ(file.parameters, (Vars{{"REGION", "eu-west-1"}}));
  ASSERT_EQ(file.functions.size(), 2u);
  EXPECT_EQ(file.functions["HelloWorldFunction"], (Vars{{"TABLE", "local"}, {"STAGE", "dev"}}));
  EXPECT_EQ(file.functions["Child/Fn"], (Vars{{"A", "b"}}));
  EXPECT_EQ(file.functions.count("Parameters"), 0u);
}

TEST(ParseEnvVars, EmptyObjectIsValid) {
  EnvVarsFile file = Parse("{}");
  EXPECT_TRUE(file.parameters.empty());
  EXPECT_TRUE(file.functions.empty());
}

TEST(ParseEnvVars, NumbersAndBooleansBecomeText) {
  EnvVarsFile file = Parse(R"({"Fn": {"N": 42, "F": 1.5, "T": true, "B": false}})");
  EXPECT_EQ(file.functions["Fn"], (Vars{{"N", "42"}, {"F", "1.5"}, {"T", "true"}, {"B", "false"}}));
}

TEST(ParseEnvVars, TopLevelNonObjectIsAnError) {
  EXPECT_FALSE(ParseEnvVars("[]").ok());
  EXPECT_FALSE(ParseEnvVars("\"text\"").ok());
  EXPECT_FALSE(ParseEnvVars("42").ok());
}

TEST(ParseEnvVars, FunctionEntryNonObjectIsAnErrorNamingIt) {
  auto r = ParseEnvVars(R"({"HelloFunction": "TABLE=local"})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("HelloFunction"), std::string::npos) << r.status().message();
}

TEST(ParseEnvVars, ParametersNonObjectIsAnError) {
  EXPECT_FALSE(ParseEnvVars(R"({"Parameters": ["A"]})").ok());
}

TEST(ParseEnvVars, NestedObjectValueIsAnError) {
  auto r = ParseEnvVars(R"({"Fn": {"A": {"nested": 1}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("A"), std::string::npos);
  EXPECT_FALSE(ParseEnvVars(R"({"Fn": {"A": [1, 2]}})").ok());
}

TEST(ParseEnvVars, InvalidJsonIsAnError) {
  EXPECT_FALSE(ParseEnvVars("{not json").ok());
  EXPECT_FALSE(ParseEnvVars("").ok());
  EXPECT_FALSE(ParseEnvVars(R"({"Fn": {"A": "b"},})").ok());
}

// --- LoadEnvVarsFile ---------------------------------------------------------

TEST(LoadEnvVarsFile, ReadsTheFile) {
  fs::path dir =
      fs::temp_directory_path() / ("lambda-emu-env-vars-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "env.json");
    out << R"({"Parameters": {"STAGE": "test"}})";
  }
  auto r = LoadEnvVarsFile(dir / "env.json");
  fs::remove_all(dir);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->parameters, (Vars{{"STAGE", "test"}}));
}

TEST(LoadEnvVarsFile, MissingFileIsAnErrorNamingIt) {
  auto r = LoadEnvVarsFile("/nonexistent/lambda-emu/env.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/lambda-emu/env.json"), std::string::npos)
      << r.status().message();
}

// --- ApplyEnvVars ------------------------------------------------------------

TEST(ApplyEnvVars, OnlyDeclaredVariablesChange) {
  auto f = Function("HelloFunction", {{"TABLE", "from-template"}, {"STAGE", "prod"}});
  EnvVarsFile file = Parse(R"({"HelloFunction": {"TABLE": "local", "NEW": "x"}})");
  ApplyEnvVars(f, file, nullptr);
  EXPECT_EQ(f.environment, (Environment{{"TABLE", "local"}, {"STAGE", "prod"}}));
}

TEST(ApplyEnvVars, ParametersApplyToEveryFunctionButOnlyDeclaredVariables) {
  EnvVarsFile file = Parse(R"({"Parameters": {"STAGE": "local", "UNDECLARED": "x"}})");
  auto a = Function("A", {{"STAGE", "prod"}});
  auto b = Function("B", {{"OTHER", "y"}});
  ApplyEnvVars(a, file, nullptr);
  ApplyEnvVars(b, file, nullptr);
  EXPECT_EQ(a.environment, (Environment{{"STAGE", "local"}}));
  EXPECT_EQ(b.environment, (Environment{{"OTHER", "y"}}));
}

TEST(ApplyEnvVars, TemplateValueKeptWithoutAnyOverride) {
  auto f = Function("Fn", {{"A", "template"}});
  Vars shell = {{"B", "shell"}};
  ApplyEnvVars(f, EnvVarsFile{}, &shell);
  EXPECT_EQ(f.environment, (Environment{{"A", "template"}}));
}

TEST(ApplyEnvVars, ShellBeatsTemplate) {
  auto f = Function("Fn", {{"A", "template"}});
  Vars shell = {{"A", "shell"}};
  ApplyEnvVars(f, EnvVarsFile{}, &shell);
  EXPECT_EQ(f.environment, (Environment{{"A", "shell"}}));
}

TEST(ApplyEnvVars, ShellNotConsultedWhenNull) {
  auto f = Function("Fn", {{"PATH", "template"}});
  ApplyEnvVars(f, EnvVarsFile{}, nullptr);
  EXPECT_EQ(f.environment, (Environment{{"PATH", "template"}}));
}

TEST(ApplyEnvVars, ParametersBeatShell) {
  auto f = Function("Fn", {{"A", "template"}});
  Vars shell = {{"A", "shell"}};
  ApplyEnvVars(f, Parse(R"({"Parameters": {"A": "parameters"}})"), &shell);
  EXPECT_EQ(f.environment, (Environment{{"A", "parameters"}}));
}

TEST(ApplyEnvVars, FunctionEntryBeatsParametersAndShell) {
  auto f =
      Function("Fn", {{"A", "template"}, {"B", "template"}, {"C", "template"}, {"D", "template"}});
  Vars shell = {{"A", "shell"}, {"B", "shell"}, {"C", "shell"}};
  ApplyEnvVars(f, Parse(R"({"Parameters": {"A": "parameters", "B": "parameters"},
                         "Fn": {"A": "function"}})"),
               &shell);
  EXPECT_EQ(
      f.environment,
      (Environment{{"A", "function"}, {"B", "parameters"}, {"C", "shell"}, {"D", "template"}}));
}

TEST(ApplyEnvVars, OtherFunctionsEntriesDoNotApply) {
  auto f = Function("Fn", {{"A", "template"}});
  ApplyEnvVars(f, Parse(R"({"Other": {"A": "other"}})"), nullptr);
  EXPECT_EQ(f.environment, (Environment{{"A", "template"}}));
}

TEST(ApplyEnvVars, LookupByFunctionName) {
  auto f = Function("hello-fn", {{"A", "template"}}, {"HelloFunction"});
  ApplyEnvVars(f, Parse(R"({"hello-fn": {"A": "by-name"}})"), nullptr);
  EXPECT_EQ(f.environment, (Environment{{"A", "by-name"}}));
}

TEST(ApplyEnvVars, LookupByLogicalIdAlias) {
  auto f = Function("hello-fn", {{"A", "template"}}, {"HelloFunction"});
  ApplyEnvVars(f, Parse(R"({"HelloFunction": {"A": "by-logical-id"}})"), nullptr);
  EXPECT_EQ(f.environment, (Environment{{"A", "by-logical-id"}}));
}

TEST(ApplyEnvVars, LookupByNestedPathAlias) {
  auto f = Function("Fn", {{"A", "template"}}, {"Child/Fn"});
  ApplyEnvVars(f, Parse(R"({"Child/Fn": {"A": "nested"}})"), nullptr);
  EXPECT_EQ(f.environment, (Environment{{"A", "nested"}}));
}

TEST(ApplyEnvVars, EmptyValueFromFileReplacesTemplateValue) {
  auto f = Function("Fn", {{"A", "template"}});
  ApplyEnvVars(f, Parse(R"({"Fn": {"A": ""}})"), nullptr);
  EXPECT_EQ(f.environment, (Environment{{"A", ""}}));
}

TEST(ApplyEnvVars, NumbersFromFileApplyAsText) {
  auto f = Function("Fn", {{"PORT", "80"}, {"DEBUG", "false"}});
  ApplyEnvVars(f, Parse(R"({"Fn": {"PORT": 8080, "DEBUG": true}})"), nullptr);
  EXPECT_EQ(f.environment, (Environment{{"PORT", "8080"}, {"DEBUG", "true"}}));
}

// --- ShellEnvironment --------------------------------------------------------

TEST(ShellEnvironment, ContainsTheProcessEnvironment) {
  ::setenv("LAMBDA_EMU_TEMPLATE_UNIT_VAR", "a=b c", 1);
  auto shell = ShellEnvironment();
  ::unsetenv("LAMBDA_EMU_TEMPLATE_UNIT_VAR");
  ASSERT_EQ(shell.count("LAMBDA_EMU_TEMPLATE_UNIT_VAR"), 1u);
  EXPECT_EQ(shell["LAMBDA_EMU_TEMPLATE_UNIT_VAR"], "a=b c");
}

}  // namespace

}  // namespace lambda_emu::templates
