#include "template/globals.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "template/intrinsics.h"

namespace lambda_emu::templates {

namespace {

using Strings = std::vector<std::string>;

YAML::Node Merge(const std::string& global, const std::string& local) {
  return MergeGlobals(YAML::Load(global), YAML::Load(local));
}

Strings Items(const YAML::Node& node) {
  Strings out;
  EXPECT_TRUE(node.IsSequence());
  for (const auto& item : node) out.push_back(item.Scalar());
  return out;
}

TEST(MergeGlobals, MapsMergeKeyByKey) {
  const YAML::Node out = Merge("{ Timeout: 10, Runtime: python3.12 }", "{ Handler: app.handler }");
  ASSERT_TRUE(out.IsMap());
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(out["Timeout"].Scalar(), "10");
  EXPECT_EQ(out["Runtime"].Scalar(), "python3.12");
  EXPECT_EQ(out["Handler"].Scalar(), "app.handler");
}

TEST(MergeGlobals, EnvironmentVariablesMergeFunctionWinsPerKey) {
  const YAML::Node out =
      Merge("{ Environment: { Variables: { STAGE: global, TABLE: global-table } } }",
            "{ Environment: { Variables: { TABLE: my-table, EXTRA: x } } }");
  const YAML::Node vars = out["Environment"]["Variables"];
  ASSERT_TRUE(vars.IsMap());
  EXPECT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars["STAGE"].Scalar(), "global");
  EXPECT_EQ(vars["TABLE"].Scalar(), "my-table");
  EXPECT_EQ(vars["EXTRA"].Scalar(), "x");
}

TEST(MergeGlobals, MapsMergeRecursivelyAtEveryDepth) {
  const YAML::Node out = Merge("{ A: { B: { C: 1, D: 2 } } }", "{ A: { B: { D: 3, E: 4 } } }");
  const YAML::Node b = out["A"]["B"];
  EXPECT_EQ(b["C"].Scalar(), "1");
  EXPECT_EQ(b["D"].Scalar(), "3");
  EXPECT_EQ(b["E"].Scalar(), "4");
}

TEST(MergeGlobals, ListsCombineGlobalsFirst) {
  const YAML::Node out = Merge("{ Layers: [global-a, global-b] }", "{ Layers: [mine] }");
  EXPECT_EQ(Items(out["Layers"]), (Strings{"global-a", "global-b", "mine"}));
}

TEST(MergeGlobals, ListsOfRefsCombine) {
  const YAML::Node out = Merge("{ Layers: [!Ref SharedLayer] }", "{ Layers: [!Ref OwnLayer] }");
  const YAML::Node layers = out["Layers"];
  ASSERT_TRUE(layers.IsSequence());
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(IntrinsicName(layers[0]), "Ref");
  EXPECT_EQ(layers[0].Scalar(), "SharedLayer");
  EXPECT_EQ(layers[1].Scalar(), "OwnLayer");
}

TEST(MergeGlobals, ScalarFunctionWins) {
  const YAML::Node out = Merge("{ Timeout: 10, MemorySize: 256 }", "{ MemorySize: 512 }");
  EXPECT_EQ(out["Timeout"].Scalar(), "10");
  EXPECT_EQ(out["MemorySize"].Scalar(), "512");
}

TEST(MergeGlobals, KindMismatchFunctionWins) {
  const YAML::Node out = Merge("{ Tags: { a: b }, Layers: [x], Timeout: 3 }",
                               "{ Tags: plain, Layers: { odd: map }, Timeout: [1] }");
  EXPECT_TRUE(out["Tags"].IsScalar());
  EXPECT_EQ(out["Tags"].Scalar(), "plain");
  ASSERT_TRUE(out["Layers"].IsMap());
  EXPECT_EQ(out["Layers"]["odd"].Scalar(), "map");
  EXPECT_TRUE(out["Timeout"].IsSequence());
}

TEST(MergeGlobals, FunctionRefBeatsGlobalMap) {
  const YAML::Node out =
      Merge("{ Environment: { Variables: { A: '1' } } }", "{ Environment: !Ref EnvParam }");
  EXPECT_EQ(IntrinsicName(out["Environment"]), "Ref");
  EXPECT_EQ(out["Environment"].Scalar(), "EnvParam");
}

TEST(MergeGlobals, FunctionLongFormIntrinsicBeatsGlobalMap) {
  const YAML::Node out = Merge("{ Environment: { Variables: { A: '1' } } }",
                               "{ Environment: { 'Fn::If': [IsProd, { Variables: { B: '2' } }, "
                               "{ Ref: 'AWS::NoValue' }] } }");
  const YAML::Node env = out["Environment"];
  EXPECT_EQ(IntrinsicName(env), "Fn::If");
  EXPECT_EQ(env.size(), 1u) << "the global Variables must not be merged into the Fn::If";
}

TEST(MergeGlobals, GlobalIfUnderFunctionMapFunctionWins) {
  const YAML::Node out =
      Merge("{ Environment: !If [IsProd, { Variables: { A: '1' } }, { Variables: { A: '2' } }] }",
            "{ Environment: { Variables: { B: '3' } } }");
  const YAML::Node env = out["Environment"];
  EXPECT_EQ(IntrinsicName(env), "");
  ASSERT_TRUE(env.IsMap());
  const YAML::Node vars = env["Variables"];
  EXPECT_EQ(vars.size(), 1u);
  EXPECT_EQ(vars["B"].Scalar(), "3");
}

TEST(MergeGlobals, GlobalLongFormIfUnderFunctionMapFunctionWins) {
  const YAML::Node out =
      Merge("{ Environment: { 'Fn::If': [IsProd, { Variables: { A: '1' } }, { Variables: {} }] } }",
            "{ Environment: { Variables: { B: '3' } } }");
  const YAML::Node env = out["Environment"];
  ASSERT_TRUE(env.IsMap());
  EXPECT_FALSE(env["Fn::If"].IsDefined());
  EXPECT_EQ(env["Variables"]["B"].Scalar(), "3");
}

TEST(MergeGlobals, IntrinsicsInsideMergedMapsAreKept) {
  const YAML::Node out = Merge("{ Environment: { Variables: { STAGE: !Ref Stage } } }",
                               "{ Environment: { Variables: { TABLE: !GetAtt Table.Arn } } }");
  const YAML::Node vars = out["Environment"]["Variables"];
  EXPECT_EQ(IntrinsicName(vars["STAGE"]), "Ref");
  EXPECT_EQ(IntrinsicName(vars["TABLE"]), "Fn::GetAtt");
}

TEST(MergeGlobals, UndefinedGlobalGivesFunction) {
  const YAML::Node out = MergeGlobals(YAML::Node(), YAML::Load("{ Timeout: 5 }"));
  EXPECT_EQ(out["Timeout"].Scalar(), "5");
}

TEST(MergeGlobals, UndefinedFunctionGivesGlobal) {
  const YAML::Node out = MergeGlobals(YAML::Load("{ Timeout: 7 }"), YAML::Node());
  EXPECT_EQ(out["Timeout"].Scalar(), "7");
}

TEST(MergeGlobals, BothUndefinedGivesNothing) {
  const YAML::Node out = MergeGlobals(YAML::Node(), YAML::Node());
  EXPECT_TRUE(!out.IsDefined() || out.IsNull());
}

TEST(MergeGlobals, ResultIsIndependentOfInputs) {
  YAML::Node global = YAML::Load("{ Timeout: 7, Environment: { Variables: { A: '1' } } }");
  YAML::Node out = MergeGlobals(global, YAML::Node());
  out["Timeout"] = 99;
  out["Environment"]["Variables"]["A"] = "changed";
  EXPECT_EQ(global["Timeout"].Scalar(), "7");
  EXPECT_EQ(global["Environment"]["Variables"]["A"].Scalar(), "1");

  YAML::Node local = YAML::Load("{ Layers: [a] }");
  YAML::Node merged = MergeGlobals(YAML::Load("{ Layers: [g] }"), local);
  merged["Layers"].push_back("b");
  EXPECT_EQ(local["Layers"].size(), 1u);
}

}  // namespace

}  // namespace lambda_emu::templates
