#include "template/parameters.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "template/intrinsics.h"

namespace lambda_emu::templates {

namespace {

using Strings = std::vector<std::string>;

ParameterOverrides Overrides(const std::vector<std::string>& arguments) {
  auto r = ParseParameterOverrides(arguments);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : ParameterOverrides{};
}

// --- ParseParameterOverrides -------------------------------------------------

TEST(ParseParameterOverrides, SpaceSeparatedPairs) {
  EXPECT_EQ(Overrides({"A=1 B=2"}), (ParameterOverrides{{"A", "1"}, {"B", "2"}}));
}

TEST(ParseParameterOverrides, NoArgumentsGiveNothing) {
  EXPECT_TRUE(Overrides({}).empty());
  EXPECT_TRUE(Overrides({""}).empty());
}

TEST(ParseParameterOverrides, DoubleQuotedValueKeepsSpaces) {
  EXPECT_EQ(Overrides({"Greeting=\"hello big world\" Stage=dev"}),
            (ParameterOverrides{{"Greeting", "hello big world"}, {"Stage", "dev"}}));
}

TEST(ParseParameterOverrides, SingleQuotedValueKeepsSpaces) {
  EXPECT_EQ(Overrides({"Greeting='hi there'"}), (ParameterOverrides{{"Greeting", "hi there"}}));
}

TEST(ParseParameterOverrides, ValueMayContainEqualsSign) {
  EXPECT_EQ(Overrides({"Query=a=b"}), (ParameterOverrides{{"Query", "a=b"}}));
}

TEST(ParseParameterOverrides, ValueMayContainCommas) {
  EXPECT_EQ(Overrides({"Subnets=a,b,c"}), (ParameterOverrides{{"Subnets", "a,b,c"}}));
}

TEST(ParseParameterOverrides, EmptyValueIsAllowed) {
  EXPECT_EQ(Overrides({"Empty="}), (ParameterOverrides{{"Empty", ""}}));
}

TEST(ParseParameterOverrides, CloudFormationForm) {
  EXPECT_EQ(Overrides({"ParameterKey=Stage,ParameterValue=prod"}),
            (ParameterOverrides{{"Stage", "prod"}}));
}

TEST(ParseParameterOverrides, CloudFormationFormWithQuotedValue) {
  EXPECT_EQ(Overrides({"ParameterKey=Greeting,ParameterValue=\"hello world\" "
                       "ParameterKey=Stage,ParameterValue=prod"}),
            (ParameterOverrides{{"Greeting", "hello world"}, {"Stage", "prod"}}));
}

TEST(ParseParameterOverrides, SeveralArgumentsCombine) {
  EXPECT_EQ(Overrides({"A=1", "B=2 C=3", "ParameterKey=D,ParameterValue=4"}),
            (ParameterOverrides{{"A", "1"}, {"B", "2"}, {"C", "3"}, {"D", "4"}}));
}

TEST(ParseParameterOverrides, LaterValueWins) {
  EXPECT_EQ(Overrides({"A=1 A=2"}), (ParameterOverrides{{"A", "2"}}));
  EXPECT_EQ(Overrides({"A=1", "A=3"}), (ParameterOverrides{{"A", "3"}}));
  EXPECT_EQ(Overrides({"A=1", "ParameterKey=A,ParameterValue=4"}),
            (ParameterOverrides{{"A", "4"}}));
}

TEST(ParseParameterOverrides, TokenWithoutEqualsIsAnError) {
  auto r = ParseParameterOverrides({"A=1 oops"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("oops"), std::string::npos) << r.status().message();
}

TEST(ParseParameterOverrides, TokenWithoutKeyIsAnError) {
  EXPECT_FALSE(ParseParameterOverrides({"=value"}).ok());
}

// --- ResolveParameters -------------------------------------------------------

class ResolveParametersTest : public ::testing::Test {
 protected:
  std::map<std::string, YAML::Node> Resolve(const std::string& section,
                                            const ParameterOverrides& overrides = {}) {
    return ResolveParameters(YAML::Load(section), overrides, pseudo_, warnings_);
  }
  std::string ValueOf(const std::string& section, const std::string& name,
                      const ParameterOverrides& overrides = {}) {
    auto values = Resolve(section, overrides);
    auto it = values.find(name);
    if (it == values.end()) {
      ADD_FAILURE() << name << " missing";
      return "<missing>";
    }
    EXPECT_TRUE(it->second.IsScalar()) << name;
    return it->second.IsScalar() ? it->second.Scalar() : "<not a scalar>";
  }
  Strings ListOf(const std::string& section, const std::string& name,
                 const ParameterOverrides& overrides = {}) {
    auto values = Resolve(section, overrides);
    auto it = values.find(name);
    if (it == values.end()) {
      ADD_FAILURE() << name << " missing";
      return {};
    }
    EXPECT_TRUE(it->second.IsSequence()) << name;
    Strings out;
    if (it->second.IsSequence()) {
      for (const auto& item : it->second) out.push_back(item.Scalar());
    }
    return out;
  }
  std::string ErrorOf(const std::string& section, const ParameterOverrides& overrides = {}) {
    try {
      Resolve(section, overrides);
    } catch (const TemplateError& e) {
      return e.message;
    }
    ADD_FAILURE() << "no TemplateError for " << section;
    return "";
  }

  PseudoParameters pseudo_;
  std::vector<std::string> warnings_;
};

TEST_F(ResolveParametersTest, DefaultIsUsed) {
  EXPECT_EQ(ValueOf("Stage: { Type: String, Default: dev }", "Stage"), "dev");
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(ResolveParametersTest, OverrideWinsOverDefault) {
  EXPECT_EQ(ValueOf("Stage: { Type: String, Default: dev }", "Stage", {{"Stage", "prod"}}), "prod");
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(ResolveParametersTest, TypeDefaultsToString) {
  EXPECT_EQ(ValueOf("Name: { Default: abc }", "Name"), "abc");
}

TEST_F(ResolveParametersTest, NumberAcceptsNumbers) {
  const std::string section = "Memory: { Type: Number, Default: 128 }";
  EXPECT_EQ(ValueOf(section, "Memory"), "128");
  EXPECT_EQ(ValueOf(section, "Memory", {{"Memory", "1.5"}}), "1.5");
  EXPECT_EQ(ValueOf(section, "Memory", {{"Memory", "-3"}}), "-3");
}

TEST_F(ResolveParametersTest, NumberRejectsText) {
  std::string message = ErrorOf("Memory: { Type: Number, Default: 128 }", {{"Memory", "lots"}});
  EXPECT_NE(message.find("Memory"), std::string::npos) << message;
  EXPECT_NE(message.find("lots"), std::string::npos) << message;
}

TEST_F(ResolveParametersTest, AllowedValuesViolationThrowsListingThem) {
  std::string message = ErrorOf("Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }",
                                {{"Stage", "qa"}});
  EXPECT_NE(message.find("Stage"), std::string::npos) << message;
  EXPECT_NE(message.find("qa"), std::string::npos) << message;
  EXPECT_NE(message.find("dev"), std::string::npos) << message;
  EXPECT_NE(message.find("prod"), std::string::npos) << message;
}

TEST_F(ResolveParametersTest, AllowedValuesAcceptsListedValue) {
  EXPECT_EQ(ValueOf("Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }", "Stage",
                    {{"Stage", "prod"}}),
            "prod");
}

TEST_F(ResolveParametersTest, DefaultBreakingAllowedValuesThrows) {
  EXPECT_NE(ErrorOf("Stage: { Type: String, Default: qa, AllowedValues: [dev, prod] }").find("qa"),
            std::string::npos);
}

TEST_F(ResolveParametersTest, AllowedPatternIsChecked) {
  const std::string section = "Bucket: { Type: String, Default: abc, AllowedPattern: '[a-z]+' }";
  EXPECT_EQ(ValueOf(section, "Bucket", {{"Bucket", "lower"}}), "lower");
  std::string message = ErrorOf(section, {{"Bucket", "Upper1"}});
  EXPECT_NE(message.find("Bucket"), std::string::npos) << message;
  EXPECT_NE(message.find("Upper1"), std::string::npos) << message;
}

TEST_F(ResolveParametersTest, AllowedPatternMatchesTheWholeValue) {
  // CloudFormation anchors the pattern: "abc1" does not match [a-z]+.
  ErrorOf("Bucket: { Type: String, Default: abc, AllowedPattern: '[a-z]+' }", {{"Bucket", "abc1"}});
}

TEST_F(ResolveParametersTest, MinLengthAndMaxLengthAreChecked) {
  const std::string section = "Code: { Type: String, Default: abc, MinLength: 2, MaxLength: 4 }";
  EXPECT_EQ(ValueOf(section, "Code", {{"Code", "ab"}}), "ab");
  EXPECT_EQ(ValueOf(section, "Code", {{"Code", "abcd"}}), "abcd");
  EXPECT_NE(ErrorOf(section, {{"Code", "a"}}).find("Code"), std::string::npos);
  EXPECT_NE(ErrorOf(section, {{"Code", "abcde"}}).find("Code"), std::string::npos);
}

TEST_F(ResolveParametersTest, MinValueAndMaxValueAreChecked) {
  const std::string section = "Size: { Type: Number, Default: 5, MinValue: 1, MaxValue: 10 }";
  EXPECT_EQ(ValueOf(section, "Size", {{"Size", "1"}}), "1");
  EXPECT_EQ(ValueOf(section, "Size", {{"Size", "10"}}), "10");
  EXPECT_NE(ErrorOf(section, {{"Size", "0"}}).find("Size"), std::string::npos);
  EXPECT_NE(ErrorOf(section, {{"Size", "11"}}).find("Size"), std::string::npos);
}

TEST_F(ResolveParametersTest, CommaDelimitedListBecomesSequence) {
  const std::string section = "Subnets: { Type: CommaDelimitedList, Default: 'a,b,c' }";
  EXPECT_EQ(ListOf(section, "Subnets"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(ListOf(section, "Subnets", {{"Subnets", "x, y"}}), (Strings{"x", "y"}));
}

TEST_F(ResolveParametersTest, CommaDelimitedListDefaultMayBeYamlList) {
  EXPECT_EQ(ListOf("Subnets: { Type: CommaDelimitedList, Default: [a, b] }", "Subnets"),
            (Strings{"a", "b"}));
}

TEST_F(ResolveParametersTest, ListOfNumberBecomesSequence) {
  const std::string section = "Ports: { Type: 'List<Number>', Default: '80,443' }";
  EXPECT_EQ(ListOf(section, "Ports"), (Strings{"80", "443"}));
}

TEST_F(ResolveParametersTest, ListOfAwsTypeBecomesSequence) {
  EXPECT_EQ(ListOf("Subnets: { Type: 'List<AWS::EC2::Subnet::Id>', Default: 'subnet-1,subnet-2' }",
                   "Subnets"),
            (Strings{"subnet-1", "subnet-2"}));
}

TEST_F(ResolveParametersTest, ListOfNumberRejectsText) {
  std::string message =
      ErrorOf("Ports: { Type: 'List<Number>', Default: '80,443' }", {{"Ports", "80,http"}});
  EXPECT_NE(message.find("Ports"), std::string::npos) << message;
  EXPECT_NE(message.find("http"), std::string::npos) << message;
}

TEST_F(ResolveParametersTest, MissingDefaultAndOverrideWarnsAndGivesEmpty) {
  EXPECT_EQ(ValueOf("Secret: { Type: String }", "Secret"), "");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("Secret"), std::string::npos) << warnings_[0];
}

TEST_F(ResolveParametersTest, MissingDefaultWithOverrideDoesNotWarn) {
  EXPECT_EQ(ValueOf("Secret: { Type: String }", "Secret", {{"Secret", "s3cr3t"}}), "s3cr3t");
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(ResolveParametersTest, OverrideForUnknownParameterWarns) {
  auto values = Resolve("Stage: { Type: String, Default: dev }", {{"Stgae", "prod"}});
  EXPECT_EQ(values["Stage"].Scalar(), "dev");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("Stgae"), std::string::npos) << warnings_[0];
}

TEST_F(ResolveParametersTest, OverrideWithoutParametersSectionWarns) {
  auto values = ResolveParameters(YAML::Node(), {{"Stage", "prod"}}, pseudo_, warnings_);
  EXPECT_EQ(values.count("Stage"), 0u);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("Stage"), std::string::npos);
}

TEST_F(ResolveParametersTest, PseudoParametersHaveDefaults) {
  auto values = ResolveParameters(YAML::Node(), {}, PseudoParameters{}, warnings_);
  EXPECT_EQ(values["AWS::Region"].Scalar(), "us-east-1");
  EXPECT_EQ(values["AWS::AccountId"].Scalar(), "000000000000");
  EXPECT_EQ(values["AWS::StackName"].Scalar(), "local");
  EXPECT_EQ(values["AWS::Partition"].Scalar(), "aws");
  EXPECT_EQ(values["AWS::URLSuffix"].Scalar(), "amazonaws.com");
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(ResolveParametersTest, PseudoParametersUseTheGivenValues) {
  pseudo_.region = "eu-central-1";
  pseudo_.account_id = "123456789012";
  pseudo_.stack_name = "my-stack";
  auto values = Resolve("Stage: { Type: String, Default: dev }");
  EXPECT_EQ(values["AWS::Region"].Scalar(), "eu-central-1");
  EXPECT_EQ(values["AWS::AccountId"].Scalar(), "123456789012");
  EXPECT_EQ(values["AWS::StackName"].Scalar(), "my-stack");
  EXPECT_EQ(values["Stage"].Scalar(), "dev");
  ASSERT_TRUE(values.count("AWS::StackId"));
  const std::string stack_id = values["AWS::StackId"].Scalar();
  EXPECT_NE(stack_id.find("eu-central-1"), std::string::npos) << stack_id;
  EXPECT_NE(stack_id.find("123456789012"), std::string::npos) << stack_id;
  EXPECT_NE(stack_id.find("my-stack"), std::string::npos) << stack_id;
}

TEST_F(ResolveParametersTest, EveryParameterIsResolved) {
  auto values = Resolve(R"(
A: { Type: String, Default: a }
B: { Type: Number, Default: 2 }
C: { Type: CommaDelimitedList, Default: 'x,y' }
)",
                        {{"B", "3"}});
  EXPECT_EQ(values["A"].Scalar(), "a");
  EXPECT_EQ(values["B"].Scalar(), "3");
  EXPECT_TRUE(values["C"].IsSequence());
}

}  // namespace

}  // namespace lambda_emu::templates
