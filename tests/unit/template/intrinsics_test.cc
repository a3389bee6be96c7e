#include "template/intrinsics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lambda_emu::templates {

namespace {

// A symbol table as a template with a Stage parameter, a list parameter, the
// pseudo parameters, one function and one DynamoDB table would produce.
SymbolTable Symbols() {
  SymbolTable symbols;
  symbols.parameters["Stage"] = YAML::Node(std::string("dev"));
  symbols.parameters["Subnets"] = YAML::Load("[subnet-a, subnet-b, subnet-c]");
  symbols.parameters["AWS::Region"] = YAML::Node(std::string("eu-west-1"));
  symbols.parameters["AWS::AccountId"] = YAML::Node(std::string("123456789012"));
  symbols.parameters["AWS::StackName"] = YAML::Node(std::string("my-stack"));
  symbols.parameters["AWS::Partition"] = YAML::Node(std::string("aws"));
  symbols.parameters["AWS::URLSuffix"] = YAML::Node(std::string("amazonaws.com"));
  symbols.mappings = YAML::Load(R"(
RegionMap:
  eu-west-1: { Size: "256", Name: ireland }
  us-east-1: { Size: "128", Name: virginia }
)");
  symbols.conditions = YAML::Load(R"(
IsDev: !Equals [!Ref Stage, dev]
IsProd: !Equals [!Ref Stage, prod]
IsDevLong: { "Fn::Equals": [{ "Ref": "Stage" }, "dev"] }
InIreland: !Equals [eu-west-1, !Ref "AWS::Region"]
DevInIreland: !And [!Condition IsDev, !Condition InIreland]
DevAndProd: !And [!Condition IsDev, !Condition IsProd]
ProdOrDev: !Or [!Condition IsProd, !Condition IsDev]
ProdOrProd: !Or [!Condition IsProd, !Equals [a, b]]
NotProd: !Not [!Condition IsProd]
NotDev: !Not [!Condition IsDev]
LongForm: { "Fn::And": [{ "Condition": "IsDev" }, { "Fn::Not": [{ "Condition": "IsProd" }] }] }
LongOr: { "Fn::Or": [{ "Condition": "IsProd" }, { "Condition": "NotProd" }] }
Deep: !And [!Condition DevInIreland, !Condition NotProd, !Condition ProdOrDev]
DeepFalse: !And [!Condition Deep, !Condition NotDev]
)");
  symbols.resources["HelloFunction"] =
      SymbolTable::Resource{"AWS::Serverless::Function",
                            "hello-fn",
                            {{"Arn", "arn:aws:lambda:eu-west-1:123456789012:function:hello-fn"}}};
  symbols.resources["Table"] = SymbolTable::Resource{"AWS::DynamoDB::Table", "", {}};
  return symbols;
}

class ResolverTest : public ::testing::Test {
 protected:
  // Resolves the value of `v` in a YAML document.
  YAML::Node Eval(const std::string& yaml, const std::string& where = "HelloFunction Prop") {
    YAML::Node root = YAML::Load(yaml);
    return resolver_.Resolve(root["v"], where);
  }
  std::string Text(const std::string& yaml) {
    YAML::Node value = Eval(yaml);
    EXPECT_TRUE(value.IsScalar()) << yaml;
    return value.IsScalar() ? value.Scalar() : "<not a scalar>";
  }
  std::vector<std::string> List(const std::string& yaml) {
    YAML::Node value = Eval(yaml);
    EXPECT_TRUE(value.IsSequence()) << yaml;
    std::vector<std::string> out;
    if (value.IsSequence()) {
      for (const auto& item : value) out.push_back(item.Scalar());
    }
    return out;
  }
  bool Throws(const std::string& yaml) {
    try {
      Eval(yaml);
    } catch (const TemplateError&) {
      return true;
    }
    return false;
  }
  std::string ErrorOf(const std::string& yaml) {
    try {
      Eval(yaml);
    } catch (const TemplateError& e) {
      return e.message;
    }
    ADD_FAILURE() << "no TemplateError for " << yaml;
    return "";
  }

  Resolver resolver_{Symbols()};
};

using Strings = std::vector<std::string>;

// --- IntrinsicName, IsNoValue, IsUnresolved ---------------------------------

TEST(IntrinsicName, ShortTagsAndLongFormsNameTheFunction) {
  EXPECT_EQ(IntrinsicName(YAML::Load("!Ref Stage")), "Ref");
  EXPECT_EQ(IntrinsicName(YAML::Load("{ Ref: Stage }")), "Ref");
  EXPECT_EQ(IntrinsicName(YAML::Load("!Sub x")), "Fn::Sub");
  EXPECT_EQ(IntrinsicName(YAML::Load("{ 'Fn::Sub': x }")), "Fn::Sub");
  EXPECT_EQ(IntrinsicName(YAML::Load("!GetAtt A.B")), "Fn::GetAtt");
  EXPECT_EQ(IntrinsicName(YAML::Load("!If [C, a, b]")), "Fn::If");
  EXPECT_EQ(IntrinsicName(YAML::Load("!Condition C")), "Condition");
}

TEST(IntrinsicName, PlainValuesAreNotCalls) {
  EXPECT_EQ(IntrinsicName(YAML::Load("hello")), "");
  EXPECT_EQ(IntrinsicName(YAML::Load("{ Variables: { A: b } }")), "");
  EXPECT_EQ(IntrinsicName(YAML::Load("{ A: 1, B: 2 }")), "");
  EXPECT_EQ(IntrinsicName(YAML::Load("[a, b]")), "");
  EXPECT_EQ(IntrinsicName(YAML::Load("!!str 5")), "");
}

// --- Ref ---------------------------------------------------------------------

TEST_F(ResolverTest, RefGivesParameterValueInBothForms) {
  EXPECT_EQ(Text("v: !Ref Stage"), "dev");
  EXPECT_EQ(Text("v: { Ref: Stage }"), "dev");
  EXPECT_TRUE(resolver_.reports().empty());
}

TEST_F(ResolverTest, RefGivesPseudoParameters) {
  EXPECT_EQ(Text("v: !Ref AWS::Region"), "eu-west-1");
  EXPECT_EQ(Text("v: { Ref: 'AWS::AccountId' }"), "123456789012");
  EXPECT_EQ(Text("v: !Ref AWS::StackName"), "my-stack");
  EXPECT_EQ(Text("v: !Ref AWS::Partition"), "aws");
  EXPECT_EQ(Text("v: { Ref: 'AWS::URLSuffix' }"), "amazonaws.com");
  EXPECT_TRUE(resolver_.reports().empty());
}

TEST_F(ResolverTest, RefToListParameterGivesSequence) {
  EXPECT_EQ(List("v: !Ref Subnets"), (Strings{"subnet-a", "subnet-b", "subnet-c"}));
}

TEST_F(ResolverTest, RefNoValueDropsMapKey) {
  YAML::Node out = Eval("v: { Keep: x, Drop: !Ref AWS::NoValue, DropLong: { Ref: AWS::NoValue } }");
  ASSERT_TRUE(out.IsMap());
  EXPECT_EQ(out.size(), 1u);
  const YAML::Node& c = out;
  EXPECT_EQ(c["Keep"].Scalar(), "x");
  EXPECT_FALSE(c["Drop"].IsDefined());
  EXPECT_FALSE(c["DropLong"].IsDefined());
}

TEST_F(ResolverTest, RefNoValueDropsListItem) {
  EXPECT_EQ(List("v: [a, !Ref AWS::NoValue, b, { Ref: AWS::NoValue }]"), (Strings{"a", "b"}));
}

TEST_F(ResolverTest, RefNoValueItselfIsNoValue) {
  EXPECT_TRUE(IsNoValue(Eval("v: !Ref AWS::NoValue")));
  EXPECT_FALSE(IsNoValue(Eval("v: !Ref Stage")));
}

TEST_F(ResolverTest, RefToResourceWithRefGivesIt) {
  YAML::Node out = Eval("v: !Ref HelloFunction");
  EXPECT_EQ(out.Scalar(), "hello-fn");
  EXPECT_FALSE(IsUnresolved(out));
  EXPECT_TRUE(resolver_.reports().empty());
}

TEST_F(ResolverTest, RefToUnresolvableResourceGivesLogicalIdAndOneReport) {
  YAML::Node doc = YAML::Load("Environment: { Variables: { TABLE: !Ref Table } }");
  YAML::Node out = resolver_.Resolve(doc, "HelloFunction");
  YAML::Node value = out["Environment"]["Variables"]["TABLE"];
  EXPECT_EQ(value.Scalar(), "Table");
  EXPECT_TRUE(IsUnresolved(value));
  ASSERT_EQ(resolver_.reports().size(), 1u);
  const std::string& report = resolver_.reports()[0];
  EXPECT_NE(report.find("HelloFunction"), std::string::npos) << report;
  EXPECT_NE(report.find("Environment.Variables.TABLE"), std::string::npos) << report;
  EXPECT_NE(report.find("Table"), std::string::npos) << report;
}

TEST_F(ResolverTest, RefToUndefinedNameGivesTheNameUnresolvedWithReport) {
  // SAM CLI does not fail on names it cannot see (e.g. ServerlessRestApi,
  // which the SAM transform generates); it uses the name itself.
  YAML::Node out = Eval("v: !Ref ServerlessRestApi");
  EXPECT_EQ(out.Scalar(), "ServerlessRestApi");
  EXPECT_TRUE(IsUnresolved(out));
  ASSERT_EQ(resolver_.reports().size(), 1u);
  EXPECT_NE(resolver_.reports()[0].find("ServerlessRestApi"), std::string::npos);
}

TEST_F(ResolverTest, ResolvedValuesAreNotUnresolved) {
  EXPECT_FALSE(IsUnresolved(Eval("v: !Ref Stage")));
  EXPECT_FALSE(IsUnresolved(Eval("v: plain")));
}

// --- Fn::Sub -----------------------------------------------------------------

TEST_F(ResolverTest, SubStringFormUsesParameters) {
  EXPECT_EQ(Text("v: !Sub 'table-${Stage}'"), "table-dev");
  EXPECT_EQ(Text("v: { 'Fn::Sub': 'table-${Stage}' }"), "table-dev");
}

TEST_F(ResolverTest, SubStringFormUsesPseudoParameters) {
  EXPECT_EQ(Text("v: !Sub 'arn:${AWS::Partition}:s3:::${AWS::StackName}-${AWS::Region}-"
                 "${AWS::AccountId}.${AWS::URLSuffix}'"),
            "arn:aws:s3:::my-stack-eu-west-1-123456789012.amazonaws.com");
}

TEST_F(ResolverTest, SubStringFormUsesResourceAttributes) {
  EXPECT_EQ(Text("v: !Sub '${HelloFunction.Arn}/invocations'"),
            "arn:aws:lambda:eu-west-1:123456789012:function:hello-fn/invocations");
}

TEST_F(ResolverTest, SubStringFormUsesResourceRef) {
  EXPECT_EQ(Text("v: !Sub 'name=${HelloFunction}'"), "name=hello-fn");
}

TEST_F(ResolverTest, SubBangLiteralIsKeptWithoutTheBang) {
  EXPECT_EQ(Text("v: !Sub '${!Literal}-${Stage}'"), "${Literal}-dev");
  EXPECT_EQ(Text("v: { 'Fn::Sub': 'a ${!Stage} b' }"), "a ${Stage} b");
}

TEST_F(ResolverTest, SubWithoutVariablesIsUnchanged) {
  EXPECT_EQ(Text("v: !Sub 'no variables here'"), "no variables here");
}

TEST_F(ResolverTest, SubListFormUsesVariables) {
  EXPECT_EQ(Text("v: !Sub ['${Greeting}, ${Who}', { Greeting: hello, Who: world }]"),
            "hello, world");
  EXPECT_EQ(Text("v: { 'Fn::Sub': ['${A}-${Stage}', { A: x }] }"), "x-dev");
}

TEST_F(ResolverTest, SubListFormVariablesShadowParameters) {
  EXPECT_EQ(Text("v: !Sub ['${Stage}', { Stage: override }]"), "override");
}

TEST_F(ResolverTest, SubListFormVariableMayBeAnIntrinsic) {
  EXPECT_EQ(Text("v: !Sub ['${Fn}:${Region}', { Fn: !GetAtt HelloFunction.Arn, Region: !Ref "
                 "'AWS::Region' }]"),
            "arn:aws:lambda:eu-west-1:123456789012:function:hello-fn:eu-west-1");
  EXPECT_EQ(Text("v: !Sub ['${Joined}', { Joined: !Join ['+', [a, !Ref Stage]] }]"), "a+dev");
}

TEST_F(ResolverTest, SubOfUnresolvableResourceUsesLogicalIdAndReports) {
  YAML::Node out = Eval("v: !Sub 'table/${Table}'");
  EXPECT_EQ(out.Scalar(), "table/Table");
  EXPECT_EQ(resolver_.reports().size(), 1u);
}

// --- Fn::GetAtt --------------------------------------------------------------

TEST_F(ResolverTest, GetAttDottedFormGivesFunctionArn) {
  const std::string arn = "arn:aws:lambda:eu-west-1:123456789012:function:hello-fn";
  EXPECT_EQ(Text("v: !GetAtt HelloFunction.Arn"), arn);
  EXPECT_EQ(Text("v: { 'Fn::GetAtt': HelloFunction.Arn }"), arn);
  EXPECT_TRUE(resolver_.reports().empty());
}

TEST_F(ResolverTest, GetAttListFormGivesFunctionArn) {
  const std::string arn = "arn:aws:lambda:eu-west-1:123456789012:function:hello-fn";
  EXPECT_EQ(Text("v: !GetAtt [HelloFunction, Arn]"), arn);
  EXPECT_EQ(Text("v: { 'Fn::GetAtt': [HelloFunction, Arn] }"), arn);
}

TEST_F(ResolverTest, GetAttOfNonFunctionGivesEmptyAndReports) {
  YAML::Node out = Eval("v: !GetAtt Table.Arn", "HelloFunction Environment.Variables.TABLE_ARN");
  EXPECT_EQ(out.Scalar(), "");
  EXPECT_TRUE(IsUnresolved(out));
  ASSERT_EQ(resolver_.reports().size(), 1u);
  const std::string& report = resolver_.reports()[0];
  EXPECT_NE(report.find("Table.Arn"), std::string::npos) << report;
  EXPECT_NE(report.find("Environment.Variables.TABLE_ARN"), std::string::npos) << report;
}

TEST_F(ResolverTest, GetAttListFormOfNonFunctionGivesEmpty) {
  YAML::Node out = Eval("v: { 'Fn::GetAtt': [Table, StreamArn] }");
  EXPECT_EQ(out.Scalar(), "");
  EXPECT_TRUE(IsUnresolved(out));
  EXPECT_EQ(resolver_.reports().size(), 1u);
}

TEST_F(ResolverTest, GetAttOfUnknownFunctionAttributeGivesEmpty) {
  YAML::Node out = Eval("v: !GetAtt HelloFunction.SnapStartResponse");
  EXPECT_EQ(out.Scalar(), "");
  EXPECT_TRUE(IsUnresolved(out));
}

// --- Fn::Join, Fn::Split, Fn::Select -----------------------------------------

TEST_F(ResolverTest, JoinJoinsItemsInBothForms) {
  EXPECT_EQ(Text("v: !Join [',', [a, b, c]]"), "a,b,c");
  EXPECT_EQ(Text("v: { 'Fn::Join': ['', [x, !Ref Stage, y]] }"), "xdevy");
  EXPECT_EQ(Text("v: !Join ['-', []]"), "");
}

TEST_F(ResolverTest, JoinAcceptsNestedSplit) {
  EXPECT_EQ(Text("v: !Join ['/', !Split ['|', 'a|b|c']]"), "a/b/c");
  EXPECT_EQ(Text("v: { 'Fn::Join': [',', { 'Fn::Split': ['-', 'x-y'] }] }"), "x,y");
}

TEST_F(ResolverTest, JoinAcceptsListParameter) {
  EXPECT_EQ(Text("v: !Join [',', !Ref Subnets]"), "subnet-a,subnet-b,subnet-c");
}

TEST_F(ResolverTest, JoinSkipsNoValueItems) {
  EXPECT_EQ(Text("v: !Join ['-', [a, !Ref AWS::NoValue, b]]"), "a-b");
}

TEST_F(ResolverTest, JoinWithWrongArityThrows) {
  EXPECT_TRUE(Throws("v: !Join [',']"));
  EXPECT_TRUE(Throws("v: { 'Fn::Join': [',', [a], extra] }"));
}

TEST_F(ResolverTest, SplitGivesSequenceInBothForms) {
  EXPECT_EQ(List("v: !Split [',', 'a,b,c']"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(List("v: { 'Fn::Split': ['::', 'x::y'] }"), (Strings{"x", "y"}));
}

TEST_F(ResolverTest, SplitKeepsEmptyParts) {
  EXPECT_EQ(List("v: !Split [',', 'a,,b,']"), (Strings{"a", "", "b", ""}));
}

TEST_F(ResolverTest, SplitWithoutDelimiterInTextGivesOneItem) {
  EXPECT_EQ(List("v: !Split [',', !Ref Stage]"), (Strings{"dev"}));
}

TEST_F(ResolverTest, SelectPicksByIndexInBothForms) {
  EXPECT_EQ(Text("v: !Select [1, [a, b, c]]"), "b");
  EXPECT_EQ(Text("v: { 'Fn::Select': ['0', [a, b, c]] }"), "a");
  EXPECT_EQ(Text("v: !Select [2, !Ref Subnets]"), "subnet-c");
  EXPECT_EQ(Text("v: !Select [2, !Split [',', 'x,y,z']]"), "z");
}

TEST_F(ResolverTest, SelectOutOfRangeThrows) {
  EXPECT_TRUE(Throws("v: !Select [3, [a, b, c]]"));
  EXPECT_TRUE(Throws("v: { 'Fn::Select': [5, !Ref Subnets] }"));
  EXPECT_TRUE(Throws("v: !Select [0, []]"));
}

TEST_F(ResolverTest, SelectWithNonNumericIndexThrows) {
  EXPECT_TRUE(Throws("v: !Select [first, [a, b]]"));
}

// --- Conditions --------------------------------------------------------------

TEST_F(ResolverTest, EqualsComparesResolvedValues) {
  EXPECT_TRUE(resolver_.Condition("IsDev"));
  EXPECT_FALSE(resolver_.Condition("IsProd"));
  EXPECT_TRUE(resolver_.Condition("IsDevLong"));
  EXPECT_TRUE(resolver_.Condition("InIreland"));
}

TEST_F(ResolverTest, AndIsTrueOnlyWhenAllAre) {
  EXPECT_TRUE(resolver_.Condition("DevInIreland"));
  EXPECT_FALSE(resolver_.Condition("DevAndProd"));
  EXPECT_TRUE(resolver_.Condition("LongForm"));
}

TEST_F(ResolverTest, OrIsTrueWhenAnyIs) {
  EXPECT_TRUE(resolver_.Condition("ProdOrDev"));
  EXPECT_FALSE(resolver_.Condition("ProdOrProd"));
  EXPECT_TRUE(resolver_.Condition("LongOr"));
}

TEST_F(ResolverTest, NotNegates) {
  EXPECT_TRUE(resolver_.Condition("NotProd"));
  EXPECT_FALSE(resolver_.Condition("NotDev"));
}

TEST_F(ResolverTest, ConditionReferencingConditionsReferencingConditions) {
  EXPECT_TRUE(resolver_.Condition("Deep"));
  EXPECT_FALSE(resolver_.Condition("DeepFalse"));
  // Memoised: asking again gives the same answer.
  EXPECT_TRUE(resolver_.Condition("Deep"));
}

TEST_F(ResolverTest, UndefinedConditionThrows) {
  EXPECT_THROW(resolver_.Condition("NoSuchCondition"), TemplateError);
  EXPECT_TRUE(Throws("v: !If [NoSuchCondition, a, b]"));
}

TEST_F(ResolverTest, UndefinedConditionErrorNamesIt) {
  EXPECT_NE(ErrorOf("v: !If [NoSuchCondition, a, b]").find("NoSuchCondition"), std::string::npos);
}

TEST_F(ResolverTest, ConditionReferencingUndefinedConditionThrows) {
  resolver_.symbols().conditions["Broken"] = YAML::Load("!And [!Condition IsDev, !Condition Nope]");
  EXPECT_THROW(resolver_.Condition("Broken"), TemplateError);
}

TEST_F(ResolverTest, CyclicConditionThrows) {
  resolver_.symbols().conditions = YAML::Load(R"(
A: !And [!Condition B, !Equals [x, x]]
B: !Not [!Condition C]
C: !Or [!Condition A, !Equals [x, y]]
Self: { "Fn::Not": [{ "Condition": "Self" }] }
)");
  EXPECT_THROW(resolver_.Condition("A"), TemplateError);
  EXPECT_THROW(resolver_.Condition("Self"), TemplateError);
}

TEST_F(ResolverTest, IfPicksBranchByCondition) {
  EXPECT_EQ(Text("v: !If [IsDev, small, big]"), "small");
  EXPECT_EQ(Text("v: !If [IsProd, big, small]"), "small");
  EXPECT_EQ(Text("v: { 'Fn::If': [IsDev, !Ref Stage, other] }"), "dev");
  EXPECT_EQ(Text("v: { 'Fn::If': [NotDev, a, { 'Fn::Sub': '${Stage}-x' }] }"), "dev-x");
}

TEST_F(ResolverTest, IfBranchMayBeAMap) {
  YAML::Node out = Eval("v: !If [IsDev, { A: !Ref Stage }, { B: c }]");
  ASSERT_TRUE(out.IsMap());
  const YAML::Node& c = out;
  EXPECT_EQ(c["A"].Scalar(), "dev");
  EXPECT_FALSE(c["B"].IsDefined());
}

TEST_F(ResolverTest, IfWithNoValueRemovesProperty) {
  YAML::Node out = Eval(R"(
v:
  Timeout: !If [IsProd, 30, !Ref AWS::NoValue]
  MemorySize: { 'Fn::If': [IsDev, { Ref: 'AWS::NoValue' }, 1024] }
  Layers: [!If [IsProd, prod-layer, !Ref AWS::NoValue], common]
  Handler: app.handler
)");
  ASSERT_TRUE(out.IsMap());
  const YAML::Node& c = out;
  EXPECT_FALSE(c["Timeout"].IsDefined());
  EXPECT_FALSE(c["MemorySize"].IsDefined());
  ASSERT_TRUE(c["Layers"].IsSequence());
  ASSERT_EQ(c["Layers"].size(), 1u);
  EXPECT_EQ(c["Layers"][0].Scalar(), "common");
  EXPECT_EQ(c["Handler"].Scalar(), "app.handler");
}

TEST_F(ResolverTest, IfWithWrongArityThrows) { EXPECT_TRUE(Throws("v: !If [IsDev, a]")); }

// --- Fn::FindInMap -----------------------------------------------------------

TEST_F(ResolverTest, FindInMapLooksUpInBothForms) {
  EXPECT_EQ(Text("v: !FindInMap [RegionMap, !Ref 'AWS::Region', Size]"), "256");
  EXPECT_EQ(Text("v: { 'Fn::FindInMap': [RegionMap, us-east-1, Name] }"), "virginia");
}

TEST_F(ResolverTest, FindInMapMissingKeyThrows) {
  EXPECT_TRUE(Throws("v: !FindInMap [RegionMap, ap-south-1, Size]"));
  EXPECT_TRUE(Throws("v: !FindInMap [RegionMap, eu-west-1, Colour]"));
  EXPECT_TRUE(Throws("v: !FindInMap [NoSuchMap, eu-west-1, Size]"));
}

TEST_F(ResolverTest, FindInMapDefaultValueUsedWhenKeyMissing) {
  EXPECT_EQ(Text("v: !FindInMap [RegionMap, ap-south-1, Size, { DefaultValue: '64' }]"), "64");
  // A present key ignores the default.
  EXPECT_EQ(Text("v: !FindInMap [RegionMap, eu-west-1, Size, { DefaultValue: '64' }]"), "256");
}

// --- Fn::Base64, Fn::ImportValue ---------------------------------------------

TEST_F(ResolverTest, Base64EncodesInBothForms) {
  EXPECT_EQ(Text("v: !Base64 hello"), "aGVsbG8=");
  EXPECT_EQ(Text("v: { 'Fn::Base64': { 'Fn::Sub': '${Stage}' } }"), "ZGV2");
}

TEST_F(ResolverTest, ImportValueGivesEmptyAndReports) {
  YAML::Node out = Eval("v: !ImportValue shared-vpc-id");
  EXPECT_EQ(out.Scalar(), "");
  EXPECT_TRUE(IsUnresolved(out));
  YAML::Node long_form = Eval("v: { 'Fn::ImportValue': { 'Fn::Sub': '${Stage}-queue' } }");
  EXPECT_EQ(long_form.Scalar(), "");
  ASSERT_EQ(resolver_.reports().size(), 2u);
  EXPECT_NE(resolver_.reports()[0].find("shared-vpc-id"), std::string::npos)
      << resolver_.reports()[0];
  EXPECT_NE(resolver_.reports()[1].find("dev-queue"), std::string::npos) << resolver_.reports()[1];
}

// --- Reports -----------------------------------------------------------------

TEST_F(ResolverTest, SameReferenceTwiceGivesOneReport) {
  YAML::Node doc = YAML::Load("TABLE: !Ref Table");
  resolver_.Resolve(doc, "HelloFunction Environment.Variables");
  resolver_.Resolve(doc, "HelloFunction Environment.Variables");
  EXPECT_EQ(resolver_.reports().size(), 1u);
}

TEST_F(ResolverTest, SameReferenceTwiceInOneValueGivesOneReport) {
  EXPECT_EQ(Text("v: !Sub '${Table}/${Table}'"), "Table/Table");
  EXPECT_EQ(resolver_.reports().size(), 1u);
}

TEST_F(ResolverTest, ReportsKeepTheOrderMet) {
  YAML::Node doc = YAML::Load("{ A: !ImportValue first-export, B: !GetAtt Table.Arn }");
  resolver_.Resolve(doc, "HelloFunction");
  ASSERT_EQ(resolver_.reports().size(), 2u);
  EXPECT_NE(resolver_.reports()[0].find("first-export"), std::string::npos);
  EXPECT_NE(resolver_.reports()[1].find("Table.Arn"), std::string::npos);
}

TEST_F(ResolverTest, PlainValuesPassThroughUnchanged) {
  YAML::Node out = Eval("v: { A: 1, B: [x, y], C: { D: true } }");
  const YAML::Node& c = out;
  EXPECT_EQ(c["A"].Scalar(), "1");
  EXPECT_EQ(c["B"][1].Scalar(), "y");
  EXPECT_EQ(c["C"]["D"].Scalar(), "true");
  EXPECT_TRUE(resolver_.reports().empty());
}

TEST_F(ResolverTest, ResolveDoesNotChangeItsInput) {
  YAML::Node doc = YAML::Load("{ A: !Ref Stage, B: !Ref AWS::NoValue }");
  resolver_.Resolve(doc, "HelloFunction");
  EXPECT_EQ(IntrinsicName(doc["A"]), "Ref");
  EXPECT_EQ(doc.size(), 2u);
}

}  // namespace

}  // namespace lambda_emu::templates
