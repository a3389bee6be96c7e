#include "control/function_record.h"

#include <gtest/gtest.h>

#include <regex>

namespace lambda_emu::control {

namespace {

FunctionVersion Version(const std::string& number, const std::string& blob) {
  FunctionVersion v;
  v.version = number;
  v.config.name = "hello";
  v.config.runtime = "python3.12";
  v.config.family = config::RuntimeFamily::kPython;
  v.config.handler = "app.handler";
  v.config.memory_mb = 256;
  v.config.environment = {{"B", "2"}, {"A", "1"}};
  v.state.code_blob = blob;
  v.state.code_sha256 = "c2hh";
  v.state.code_size = 42;
  v.state.revision_id = NewRevisionId();
  v.state.role = "arn:aws:iam::000000000000:role/x";
  v.state.layer_arns = {"arn:aws:lambda:us-east-1:000000000000:layer:deps:3"};
  v.state.layer_blobs = {"layerblob"};
  v.state.layer_sizes = {7};
  v.state.extra = {{"TracingConfig", {{"Mode", "Active"}}}};
  return v;
}

std::filesystem::path Unpack(const std::string& blob) { return "/unpacked/" + blob; }

}  // namespace

TEST(FunctionRecord, JsonRoundTripKeepsEverythingAndPointsCodeAtTheUnpackedBlob) {
  FunctionRecord record;
  record.latest = Version("$LATEST", "latestblob");
  record.versions[1] = Version("1", "oneblob");
  record.last_version = 3;  // 2 and 3 were deleted: never reused
  record.aliases["live"] = {"live", "1", "prod", "rev", {{"2", 0.25}}};
  record.reserved_concurrency = 5;
  record.provisioned["1"] = 2;
  record.event_invoke_configs["$LATEST"] = {{"MaximumRetryAttempts", 1}};
  record.tags["team"] = "a";

  auto back = FunctionRecordFromJson(nlohmann::json::parse(ToJson(record).dump()), Unpack);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->name(), "hello");
  EXPECT_EQ(back->latest.config.code_dir, "/unpacked/latestblob");
  EXPECT_EQ(back->latest.config.layers, std::vector<std::filesystem::path>{"/unpacked/layerblob"});
  EXPECT_EQ(back->versions.at(1).config.code_dir, "/unpacked/oneblob");
  EXPECT_EQ(back->latest.config.environment, record.latest.config.environment);
  EXPECT_EQ(back->latest.state.revision_id, record.latest.state.revision_id);
  EXPECT_EQ(back->latest.state.extra, record.latest.state.extra);
  EXPECT_EQ(back->latest.state.layer_sizes, std::vector<std::int64_t>{7});
  EXPECT_EQ(back->last_version, 3);
  EXPECT_EQ(back->aliases.at("live"), record.aliases.at("live"));
  EXPECT_EQ(back->reserved_concurrency, 5);
  EXPECT_EQ(back->provisioned, record.provisioned);
  EXPECT_EQ(back->event_invoke_configs, record.event_invoke_configs);
  EXPECT_EQ(back->tags, record.tags);
}

TEST(FunctionRecord, ARecordWithAFieldMissingIsAnErrorNotAnEmptyFunction) {
  FunctionRecord record;
  record.latest = Version("$LATEST", "blob");
  nlohmann::json json = ToJson(record);
  json["Latest"].erase("Handler");
  auto back = FunctionRecordFromJson(json, Unpack);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("unexpected function record"), std::string::npos);
}

TEST(FunctionRecord, VersionFindsLatestAndPublishedNumbersOnly) {
  FunctionRecord record;
  record.latest = Version("$LATEST", "a");
  record.versions[1] = Version("1", "b");
  EXPECT_EQ(record.Version("$LATEST"), &record.latest);
  EXPECT_EQ(record.Version(""), &record.latest);
  EXPECT_EQ(record.Version("1"), &record.versions.at(1));
  EXPECT_EQ(record.Version("01"), nullptr);
  EXPECT_EQ(record.Version("2"), nullptr);
  EXPECT_EQ(record.Version("live"), nullptr);
  EXPECT_EQ(record.Version("99999999999999"), nullptr);
}

TEST(FunctionRecord, RevisionIdsAreUuidShapedAndDiffer) {
  std::string a = NewRevisionId();
  EXPECT_TRUE(std::regex_match(
      a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
  EXPECT_NE(a, NewRevisionId());
}

}  // namespace lambda_emu::control
