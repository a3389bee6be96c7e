#include "config/event_invoke_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lambda_emu::config {

namespace {

using nlohmann::json;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Result<std::string> Parse(const std::string& yaml, bool sam = false) {
  EventInvokeSyntax syntax;
  syntax.sam = sam;
  syntax.generated_arn = [](const std::string& side, const std::string& kind) {
    return "arn:aws:" + std::string(kind == "Queue" ? "sqs" : "sns") +
           ":us-east-1:000000000000:FnEventInvokeConfig" + side + kind;
  };
  return ParseEventInvokeConfig(YAML::Load(yaml), "Fn.EventInvokeConfig", syntax);
}

std::string ErrorOf(const std::string& yaml, bool sam = false) {
  auto r = Parse(yaml, sam);
  EXPECT_FALSE(r.ok()) << yaml;
  return r.ok() ? "" : r.status().message();
}

FunctionConfig WithDestination(const std::string& name, const std::string& arn) {
  FunctionConfig f;
  f.name = name;
  f.event_invoke_configs["$LATEST"] =
      json{{"DestinationConfig",
            {{"OnSuccess", json::object()}, {"OnFailure", {{"Destination", arn}}}}}}
          .dump();
  return f;
}

}  // namespace

TEST(EventInvokeConfig, StoredInTheManagementApisShape) {
  auto r = Parse(R"(
MaximumRetryAttempts: 1
MaximumEventAgeInSeconds: 3600
DestinationConfig:
  OnSuccess: { Destination: "arn:aws:sqs:us-east-1:123456789012:done" }
)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(json::parse(r.value()),
            json::parse(R"({"MaximumRetryAttempts":1,"MaximumEventAgeInSeconds":3600,
              "DestinationConfig":{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:123456789012:done"},
              "OnFailure":{}}})"));
}

TEST(EventInvokeConfig, NumbersOnlyWhenGiven) {
  auto r = Parse("MaximumRetryAttempts: 0\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(json::parse(r.value()), json::parse(R"({"MaximumRetryAttempts":0,
              "DestinationConfig":{"OnSuccess":{},"OnFailure":{}}})"));
  // A template parameter resolves to a string: still a number.
  auto quoted = Parse("MaximumEventAgeInSeconds: '60'\n");
  ASSERT_TRUE(quoted.ok()) << quoted.status().message();
  EXPECT_EQ(json::parse(quoted.value())["MaximumEventAgeInSeconds"], 60);
}

TEST(EventInvokeConfig, OutOfRangeNumbersNameTheKey) {
  EXPECT_EQ(ErrorOf("MaximumRetryAttempts: 3\n"),
            "Fn.EventInvokeConfig.MaximumRetryAttempts: must be between 0 and 2, got 3");
  EXPECT_EQ(ErrorOf("MaximumEventAgeInSeconds: 59\n"),
            "Fn.EventInvokeConfig.MaximumEventAgeInSeconds: must be between 60 and 21600, got 59");
  EXPECT_EQ(ErrorOf("MaximumEventAgeInSeconds: 21601\n"),
            "Fn.EventInvokeConfig.MaximumEventAgeInSeconds: must be between 60 and 21600, got "
            "21601");
  EXPECT_TRUE(Contains(ErrorOf("MaximumRetryAttempts: two\n"), "must be a whole number"));
}

TEST(EventInvokeConfig, UnknownMembersSuggestTheKnownOnes) {
  EXPECT_EQ(ErrorOf("MaximumRetryAttempt: 1\n"),
            "Fn.EventInvokeConfig.MaximumRetryAttempt: unknown member (did you mean "
            "MaximumRetryAttempts?)");
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnSucess: {} }\n"),
                       "DestinationConfig.OnSucess: unknown member (did you mean OnSuccess?)"));
  EXPECT_TRUE(Contains(
      ErrorOf("DestinationConfig: { OnFailure: { Destinaton: arn:aws:sqs:us-east-1:1:q } }\n"),
      "OnFailure.Destinaton: unknown member"));
}

TEST(EventInvokeConfig, EmptyConfigIsLambdasError) {
  EXPECT_TRUE(Contains(ErrorOf("{}"),
                       "You must specify at least one of error handling or destination setting"));
}

TEST(EventInvokeConfig, DestinationMustBeAnArnOfADeliverableService) {
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnSuccess: { Destination: my-queue } }\n"),
                       "OnSuccess.Destination: 'my-queue' is not an ARN"));
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnFailure: { Destination: "
                               "'arn:aws:dynamodb:us-east-1:123456789012:table/t' } }\n"),
                       "Lambda cannot send records to arn:aws:dynamodb:"));
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnFailure: { Destination: "
                               "'arn:aws:lambda:us-east-1:123456789012:layer:x:1' } }\n"),
                       "is not a Lambda function ARN"));
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnSuccess: { Destination: "
                               "'arn:aws:s3:::bucket' } }\n"),
                       "an S3 bucket can only be an OnFailure destination"));
  auto s3 = Parse("DestinationConfig: { OnFailure: { Destination: 'arn:aws:s3:::bucket' } }\n");
  EXPECT_TRUE(s3.ok()) << s3.status().message();
  auto bus = Parse(
      "DestinationConfig: { OnSuccess: { Destination: "
      "'arn:aws:events:us-east-1:123456789012:event-bus/default' } }\n");
  EXPECT_TRUE(bus.ok()) << bus.status().message();
}

TEST(EventInvokeConfig, SamTypeIsRequiredAndMustMatchTheArn) {
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnSuccess: { Destination: "
                               "'arn:aws:sqs:us-east-1:123456789012:q' } }\n",
                               true),
                       "OnSuccess.Type: required"));
  EXPECT_EQ(ErrorOf("DestinationConfig: { OnSuccess: { Type: SNS, Destination: "
                    "'arn:aws:sqs:us-east-1:123456789012:q' } }\n",
                    true),
            "Fn.EventInvokeConfig.DestinationConfig.OnSuccess: Type SNS does not match the "
            "Destination arn:aws:sqs:us-east-1:123456789012:q, which is an SQS queue");
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnSuccess: { Type: Queue } }\n", true),
                       "OnSuccess.Type: must be one of SQS, SNS, Lambda, EventBridge or S3Bucket"));
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnFailure: { Type: Lambda } }\n", true),
                       "OnFailure.Destination: required when Type is Lambda"));
  EXPECT_TRUE(Contains(ErrorOf("DestinationConfig: { OnFailure: { Type: S3Bucket, Destination: "
                               "'arn:aws:sns:us-east-1:123456789012:t' } }\n",
                               true),
                       "Type S3Bucket does not match"));
}

TEST(EventInvokeConfig, SamSqsOrSnsWithoutDestinationGetsTheGeneratedResource) {
  auto r =
      Parse("DestinationConfig: { OnSuccess: { Type: SQS }, OnFailure: { Type: SNS } }\n", true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const json config = json::parse(r.value());
  EXPECT_EQ(config["DestinationConfig"]["OnSuccess"]["Destination"],
            "arn:aws:sqs:us-east-1:000000000000:FnEventInvokeConfigOnSuccessQueue");
  EXPECT_EQ(config["DestinationConfig"]["OnFailure"]["Destination"],
            "arn:aws:sns:us-east-1:000000000000:FnEventInvokeConfigOnFailureTopic");
}

TEST(EventInvokeConfig, PlainSyntaxTakesAnEmptySideAndNeedsNoType) {
  auto r = Parse(
      "DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: "
      "'arn:aws:sns:us-east-1:123456789012:t' } }\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(json::parse(r.value())["DestinationConfig"]["OnSuccess"], json::object());
}

TEST(DeadLetterTarget, SqsOrSnsOnly) {
  auto sqs =
      ParseDeadLetterTarget(YAML::Load("{ TargetArn: 'arn:aws:sqs:us-east-1:123456789012:dlq' }"),
                            "DeadLetterConfig", false);
  ASSERT_TRUE(sqs.ok()) << sqs.status().message();
  EXPECT_EQ(sqs.value(), "arn:aws:sqs:us-east-1:123456789012:dlq");
  auto lambda = ParseDeadLetterTarget(
      YAML::Load("{ TargetArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' }"),
      "DeadLetterConfig", false);
  ASSERT_FALSE(lambda.ok());
  EXPECT_EQ(lambda.status().message(),
            "DeadLetterConfig.TargetArn: arn:aws:lambda:us-east-1:123456789012:function:f is a "
            "Lambda function; a dead-letter queue is an SQS queue or an SNS topic");
  auto empty = ParseDeadLetterTarget(YAML::Load("{ TargetArn: '' }"), "DeadLetterConfig", false);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value(), "");
}

TEST(DeadLetterTarget, SamNeedsTypeAndTargetArnThatAgree) {
  auto missing = ParseDeadLetterTarget(YAML::Load("{ TargetArn: 'arn:aws:sqs:us-east-1:1:q' }"),
                                       "Fn.DeadLetterQueue", true);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "Fn.DeadLetterQueue.Type: required (SQS or SNS)");
  auto mismatch = ParseDeadLetterTarget(
      YAML::Load("{ Type: SNS, TargetArn: 'arn:aws:sqs:us-east-1:123456789012:q' }"),
      "Fn.DeadLetterQueue", true);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_TRUE(Contains(mismatch.status().message(), "Type SNS does not match the TargetArn"));
  auto unknown = ParseDeadLetterTarget(YAML::Load("{ Type: SQS, TargetArn: x, Arn: y }"),
                                       "Fn.DeadLetterQueue", true);
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(Contains(unknown.status().message(), "Fn.DeadLetterQueue.Arn: unknown member"));
}

TEST(FunctionDestinations, MustNameADefinedFunctionOtherThanItself) {
  const std::string other = "arn:aws:lambda:us-east-1:000000000000:function:other";
  std::vector<FunctionConfig> functions = {WithDestination("fn", other + ":live")};
  EXPECT_TRUE(CheckFunctionDestinations(functions, {"fn", "other"}, "us-east-1", "000000000000",
                                        "the template")
                  .ok());
  Status missing =
      CheckFunctionDestinations(functions, {"fn"}, "us-east-1", "000000000000", "the template");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(Contains(missing.message(),
                       "function 'fn': EventInvokeConfig.DestinationConfig.OnFailure.Destination: "
                       "destination function other is not defined in the template"))
      << missing.message();
  // The same name in another account is another function.
  EXPECT_FALSE(CheckFunctionDestinations(functions, {"fn", "other"}, "us-east-1", "111111111111",
                                         "the template")
                   .ok());
  // By name only when the region and account are not known (the config file).
  EXPECT_TRUE(
      CheckFunctionDestinations(functions, {"fn", "other"}, "", "", "the config file").ok());

  std::vector<FunctionConfig> self = {
      WithDestination("fn", "arn:aws:lambda:us-east-1:000000000000:function:fn")};
  Status own = CheckFunctionDestinations(self, {"fn"}, "", "", "the config file");
  ASSERT_FALSE(own.ok());
  EXPECT_TRUE(
      Contains(own.message(), "You can't specify the function as a destination for itself."));
}

// The same class of input fuzz/config_file_fuzzer.cc found crashing YamlToJson.
TEST(EventInvokeConfig, NonUtf8DestinationDoesNotThrow) {
  auto r = Parse(
      "DestinationConfig: { OnFailure: { Destination: \"arn:aws:sqs:us-east-1:"
      "123456789012:q\xff\" } }\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(Contains(r.value(), "arn:aws:sqs:us-east-1:123456789012:q"));
}

}  // namespace lambda_emu::config
