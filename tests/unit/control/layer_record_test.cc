#include "control/layer_record.h"

#include <gtest/gtest.h>

namespace lambda_emu::control {

namespace {

std::filesystem::path Unpack(const std::string& blob) { return "/unpacked/" + blob; }

LayerRecord Layer() {
  LayerRecord layer;
  layer.name = "deps";
  layer.last_version = 3;
  LayerVersion v;
  v.version = 3;
  v.description = "d";
  v.compatible_runtimes = {"python3.12"};
  v.blob = "blob";
  v.sha256_base64 = "c2hh";
  v.size = 7;
  v.created_ms = 1700000000000;
  layer.versions[3] = v;
  return layer;
}

}  // namespace

TEST(LayerRecord, PolicyRoundTrips) {
  LayerRecord layer = Layer();
  layer.versions[3].policy = {{{"Sid", "s1"}, {"Effect", "Allow"}, {"Principal", "*"}}};
  layer.versions[3].policy_revision_id = "rev";
  auto back = LayerRecordFromJson(nlohmann::json::parse(ToJson(layer).dump()), Unpack);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->versions.at(3).policy, layer.versions[3].policy);
  EXPECT_EQ(back->versions.at(3).policy_revision_id, "rev");
  EXPECT_EQ(back->versions.at(3).dir, std::filesystem::path("/unpacked/blob"));
}

TEST(LayerRecord, AStateFileFromBeforeLayerPermissionsLoadsWithNoPolicy) {
  nlohmann::json json = ToJson(Layer());
  json["Versions"][0].erase("Policy");
  json["Versions"][0].erase("PolicyRevisionId");
  auto back = LayerRecordFromJson(json, Unpack);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->versions.at(3).policy.empty());
  EXPECT_EQ(back->versions.at(3).policy_revision_id, "");
}

}  // namespace lambda_emu::control
