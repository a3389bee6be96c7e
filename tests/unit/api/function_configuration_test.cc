#include "api/function_configuration.h"

#include <gtest/gtest.h>

#include <regex>

namespace lambda_emu::api {

namespace {

pool::FunctionContext Context() {
  pool::FunctionContext context;
  context.config.name = "hello";
  context.config.runtime = "python3.12";
  context.config.handler = "app.handler";
  context.config.memory_mb = 256;
  context.config.timeout_s = 10;
  context.config.description = "says hello";
  context.arn = "arn:aws:lambda:us-east-1:000000000000:function:hello";
  return context;
}

CodePackage Code(std::string zip = "zip bytes") {
  CodePackage code;
  code.zip = std::move(zip);
  code.sha256_base64 = "c2hh";
  code.last_modified_ms = 1704067200123;  // 2024-01-01T00:00:00.123Z
  return code;
}

const pool::ServerSettings kSettings;

nlohmann::json Json(const pool::FunctionContext& context, const CodePackage& code,
                    std::string_view qualifier = "",
                    ConfigurationView view = ConfigurationView::kFull) {
  return FunctionConfigurationJson(context, kSettings, code, {}, qualifier, view);
}

}  // namespace

TEST(FunctionConfiguration, ZipFunctionFields) {
  auto json = Json(Context(), Code());
  EXPECT_EQ(json["FunctionName"], "hello");
  EXPECT_EQ(json["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:hello");
  EXPECT_EQ(json["Runtime"], "python3.12");
  EXPECT_EQ(json["Role"], "arn:aws:iam::000000000000:role/lambda-emu");
  EXPECT_EQ(json["Handler"], "app.handler");
  EXPECT_EQ(json["CodeSize"], 9);
  EXPECT_EQ(json["Description"], "says hello");
  EXPECT_EQ(json["Timeout"], 10);
  EXPECT_EQ(json["MemorySize"], 256);
  EXPECT_EQ(json["LastModified"], "2024-01-01T00:00:00.123+0000");
  EXPECT_EQ(json["CodeSha256"], "c2hh");
  EXPECT_EQ(json["Version"], "$LATEST");
  EXPECT_EQ(json["TracingConfig"], nlohmann::json({{"Mode", "PassThrough"}}));
  EXPECT_EQ(json["State"], "Active");
  EXPECT_EQ(json["LastUpdateStatus"], "Successful");
  EXPECT_EQ(json["PackageType"], "Zip");
  EXPECT_EQ(json["Architectures"], nlohmann::json::array({"x86_64"}));
  EXPECT_EQ(json["EphemeralStorage"], nlohmann::json({{"Size", 512}}));
  EXPECT_EQ(json["SnapStart"],
            nlohmann::json({{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}));
  EXPECT_EQ(json["LoggingConfig"],
            nlohmann::json({{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/hello"}}));
  EXPECT_TRUE(std::regex_match(json["RuntimeVersionConfig"]["RuntimeVersionArn"].get<std::string>(),
                               std::regex("arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}")));
  EXPECT_TRUE(
      std::regex_match(json["RevisionId"].get<std::string>(),
                       std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
  // Absent when there is nothing to say, as Lambda leaves them out.
  EXPECT_FALSE(json.contains("Environment"));
  EXPECT_FALSE(json.contains("Layers"));
}

TEST(FunctionConfiguration, EnvironmentAndLayers) {
  auto context = Context();
  context.config.environment = {{"B", "2"}, {"A", "1"}};
  std::vector<LayerReference> layers = {{"arn:aws:lambda:us-east-1:000000000000:layer:deps:1", 42}};
  auto json =
      FunctionConfigurationJson(context, kSettings, Code(), layers, "", ConfigurationView::kFull);
  EXPECT_EQ(json["Environment"], nlohmann::json({{"Variables", {{"A", "1"}, {"B", "2"}}}}));
  EXPECT_EQ(json["Layers"],
            nlohmann::json::array({{{"Arn", "arn:aws:lambda:us-east-1:000000000000:layer:deps:1"},
                                    {"CodeSize", 42}}}));
}

TEST(FunctionConfiguration, QualifierIsAppendedToTheArn) {
  auto json = Json(Context(), Code(), "$LATEST");
  EXPECT_EQ(json["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:hello:$LATEST");
  // The same revision, however the function was asked for.
  EXPECT_EQ(json["RevisionId"], Json(Context(), Code())["RevisionId"]);
}

TEST(FunctionConfiguration, ListingLeavesOutWhatListFunctionsDoes) {
  auto json = Json(Context(), Code(), "", ConfigurationView::kListing);
  EXPECT_FALSE(json.contains("State"));
  EXPECT_FALSE(json.contains("LastUpdateStatus"));
  EXPECT_FALSE(json.contains("RuntimeVersionConfig"));
  EXPECT_TRUE(json.contains("CodeSha256"));
}

TEST(FunctionConfiguration, RevisionIdFollowsConfigurationAndCode) {
  const auto base = Json(Context(), Code())["RevisionId"];
  EXPECT_EQ(Json(Context(), Code())["RevisionId"], base);

  auto bigger = Context();
  bigger.config.memory_mb = 512;
  EXPECT_NE(Json(bigger, Code())["RevisionId"], base);

  auto other_code = Code();
  other_code.sha256_base64 = "b3RoZXI=";
  EXPECT_NE(Json(Context(), other_code)["RevisionId"], base);

  auto with_env = Context();
  with_env.config.environment = {{"A", "1"}};
  EXPECT_NE(Json(with_env, Code())["RevisionId"], base);
}

TEST(FunctionConfiguration, LastModifiedFormat) {
  EXPECT_EQ(FormatLastModified(0), "1970-01-01T00:00:00.000+0000");
  EXPECT_EQ(FormatLastModified(1704067200123), "2024-01-01T00:00:00.123+0000");
  EXPECT_EQ(FormatLastModified(1735689599999), "2024-12-31T23:59:59.999+0000");
}

TEST(FunctionConfiguration, LayerArnNamesTheDirectory) {
  EXPECT_EQ(LayerArn(kSettings, "/work/layers/deps"),
            "arn:aws:lambda:us-east-1:000000000000:layer:deps:1");
  EXPECT_EQ(LayerArn(kSettings, "/work/layers/my.deps/"),
            "arn:aws:lambda:us-east-1:000000000000:layer:my-deps:1");
}

TEST(FunctionConfiguration, SnapStartIsOnForPublishedVersionsOnly) {
  auto context = Context();
  context.config.snap_start = true;
  EXPECT_EQ(Json(context, Code())["SnapStart"],
            nlohmann::json({{"ApplyOn", "PublishedVersions"}, {"OptimizationStatus", "Off"}}));
  context.version = "3";
  EXPECT_EQ(Json(context, Code(), "3")["SnapStart"],
            nlohmann::json({{"ApplyOn", "PublishedVersions"}, {"OptimizationStatus", "On"}}));
}

}  // namespace lambda_emu::api
