// A template's asynchronous-invocation declarations: EventInvokeConfig,
// AWS::Lambda::EventInvokeConfig, dead-letter queues, the queues / topics /
// buses / buckets they name, and schedules from plain CloudFormation.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "template/sam_template.h"

namespace lambda_emu::templates {

namespace {

namespace fs = std::filesystem;
using config::FunctionConfig;
using nlohmann::json;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class AsyncTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lambda-emu-async-template-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "src");
    std::ofstream(dir_ / "src" / "app.py") << "def handler(event, context):\n    return event\n";
    options_.unpack_dir = dir_ / "unpacked";
    options_.pseudo.region = "eu-west-1";
    options_.pseudo.account_id = "123456789012";
  }
  void TearDown() override { fs::remove_all(dir_); }

  LoadedTemplate Load(const std::string& text) {
    auto r = ParseTemplate(text, dir_, options_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : LoadedTemplate{};
  }
  std::string ErrorOf(const std::string& text) {
    auto r = ParseTemplate(text, dir_, options_);
    EXPECT_FALSE(r.ok()) << "expected an error";
    return r.ok() ? "" : r.status().message();
  }
  static const FunctionConfig* Find(const LoadedTemplate& loaded, const std::string& name) {
    for (const auto& f : loaded.config.functions) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }
  static std::string Env(const FunctionConfig& f, const std::string& key) {
    for (const auto& [k, v] : f.environment) {
      if (k == key) return v;
    }
    return "<unset>";
  }
  static json Config(const FunctionConfig& f, const std::string& qualifier) {
    auto it = f.event_invoke_configs.find(qualifier);
    return it == f.event_invoke_configs.end() ? json() : json::parse(it->second);
  }

  fs::path dir_;
  TemplateOptions options_;
};

const char* kFunctionHead = R"(
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: { CodeUri: src, Handler: app.handler, Runtime: python3.12 }
Resources:
)";

}  // namespace

TEST_F(AsyncTemplateTest, SamEventInvokeConfigGoesUnderLatest) {
  auto loaded = Load(std::string(kFunctionHead) + R"(
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        MaximumEventAgeInSeconds: 3600
        DestinationConfig:
          OnSuccess: { Type: Lambda, Destination: !GetAtt Audit.Arn }
          OnFailure: { Type: SQS, Destination: !GetAtt Failed.Arn }
      DeadLetterQueue: { Type: SNS, TargetArn: !Ref Dead }
  Audit:
    Type: AWS::Serverless::Function
  Failed:
    Type: AWS::SQS::Queue
  Dead:
    Type: AWS::SNS::Topic
    Properties: { TopicName: dead-letters }
)");
  const FunctionConfig* f = Find(loaded, "Worker");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->event_invoke_configs.size(), 1u);
  EXPECT_EQ(Config(*f, "$LATEST"), json::parse(R"({
    "MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 3600,
    "DestinationConfig": {
      "OnSuccess": {"Destination": "arn:aws:lambda:eu-west-1:123456789012:function:Audit"},
      "OnFailure": {"Destination": "arn:aws:sqs:eu-west-1:123456789012:Failed"}}})"));
  EXPECT_EQ(f->dead_letter_arn, "arn:aws:sns:eu-west-1:123456789012:dead-letters");
  // Handled now: no "no local effect" silence and no warning either.
  auto warnings = loaded.function_warnings.find("Worker");
  EXPECT_TRUE(warnings == loaded.function_warnings.end()) << warnings->second.front();
}

TEST_F(AsyncTemplateTest, SamEventInvokeConfigGoesUnderTheAutoPublishAlias) {
  auto loaded = Load(std::string(kFunctionHead) + R"(
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
      EventInvokeConfig: { MaximumRetryAttempts: 0 }
)");
  const FunctionConfig* f = Find(loaded, "Worker");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->event_invoke_configs.size(), 1u);
  EXPECT_EQ(Config(*f, "live")["MaximumRetryAttempts"], 0);
}

TEST_F(AsyncTemplateTest, SamCreatesTheQueueOrTopicOfADestinationWithoutArn) {
  auto loaded = Load(std::string(kFunctionHead) + R"(
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess: { Type: SNS }
          OnFailure: { Type: SQS }
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          QUEUE_URL: !Ref WorkerEventInvokeConfigOnFailureQueue
          TOPIC: !Ref WorkerEventInvokeConfigOnSuccessTopic
)");
  const FunctionConfig* f = Find(loaded, "Worker");
  ASSERT_NE(f, nullptr);
  const json config = Config(*f, "$LATEST");
  EXPECT_EQ(config["DestinationConfig"]["OnSuccess"]["Destination"],
            "arn:aws:sns:eu-west-1:123456789012:WorkerEventInvokeConfigOnSuccessTopic");
  EXPECT_EQ(config["DestinationConfig"]["OnFailure"]["Destination"],
            "arn:aws:sqs:eu-west-1:123456789012:WorkerEventInvokeConfigOnFailureQueue");
  const FunctionConfig* reader = Find(loaded, "Reader");
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(
      Env(*reader, "QUEUE_URL"),
      "https://sqs.eu-west-1.amazonaws.com/123456789012/WorkerEventInvokeConfigOnFailureQueue");
  EXPECT_EQ(Env(*reader, "TOPIC"),
            "arn:aws:sns:eu-west-1:123456789012:WorkerEventInvokeConfigOnSuccessTopic");
}

TEST_F(AsyncTemplateTest, BadEventInvokeConfigIsALoadErrorNamingTheKey) {
  const std::string head = std::string(kFunctionHead) +
                           "  Worker:\n    Type: AWS::Serverless::Function\n    Properties:\n";
  EXPECT_EQ(ErrorOf(head + "      EventInvokeConfig: { MaximumEventAgeInSeconds: 30 }\n"),
            "Worker.EventInvokeConfig.MaximumEventAgeInSeconds: must be between 60 and 21600, "
            "got 30");
  EXPECT_TRUE(Contains(ErrorOf(head + "      EventInvokeConfig: { DestinationConfig: { OnSuccess: "
                                      "{ Type: EventBridge } } }\n"),
                       "Worker.EventInvokeConfig.DestinationConfig.OnSuccess.Destination: "
                       "required when Type is EventBridge"));
  EXPECT_TRUE(Contains(ErrorOf(head + "      DeadLetterQueue: { Type: SQS, TargetArn: "
                                      "'arn:aws:sns:eu-west-1:123456789012:t' }\n"),
                       "Worker.DeadLetterQueue: Type SQS does not match the TargetArn"));
}

TEST_F(AsyncTemplateTest, LambdaDestinationMustBeAFunctionOfTheTemplate) {
  const std::string head = std::string(kFunctionHead) +
                           "  Worker:\n    Type: AWS::Serverless::Function\n    Properties:\n";
  std::string e = ErrorOf(head +
                          "      EventInvokeConfig: { DestinationConfig: { OnFailure: { Type: "
                          "Lambda, Destination: "
                          "'arn:aws:lambda:eu-west-1:123456789012:function:Elsewhere' } } }\n");
  EXPECT_TRUE(Contains(e,
                       "function 'Worker': EventInvokeConfig.DestinationConfig.OnFailure."
                       "Destination: destination function Elsewhere is not defined in the "
                       "template"))
      << e;
  e = ErrorOf(head +
              "      EventInvokeConfig: { DestinationConfig: { OnSuccess: { Type: Lambda, "
              "Destination: !GetAtt Worker.Arn } } }\n");
  EXPECT_TRUE(Contains(e, "You can't specify the function as a destination for itself.")) << e;
}

TEST_F(AsyncTemplateTest, CloudFormationEventInvokeConfigAndDeadLetterConfig) {
  auto loaded = Load(R"(
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Code: src
      Handler: app.handler
      Runtime: python3.12
      DeadLetterConfig: { TargetArn: !GetAtt Dlq.Arn }
  Audit:
    Type: AWS::Lambda::Function
    Properties: { Code: src, Handler: app.handler, Runtime: python3.12 }
  WorkerAsync:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Worker
      Qualifier: $LATEST
      MaximumRetryAttempts: 2
      DestinationConfig:
        OnSuccess: { Destination: !Sub '${Audit.Arn}:prod' }
        OnFailure: { Destination: !GetAtt Bus.Arn }
  Dlq:
    Type: AWS::SQS::Queue
    Properties: { QueueName: work-dlq, FifoQueue: true }
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: orders }
)");
  const FunctionConfig* f = Find(loaded, "Worker");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->dead_letter_arn, "arn:aws:sqs:eu-west-1:123456789012:work-dlq.fifo");
  EXPECT_EQ(Config(*f, "$LATEST"), json::parse(R"({
    "MaximumRetryAttempts": 2,
    "DestinationConfig": {
      "OnSuccess": {"Destination": "arn:aws:lambda:eu-west-1:123456789012:function:Audit:prod"},
      "OnFailure": {"Destination": "arn:aws:events:eu-west-1:123456789012:event-bus/orders"}}})"));
  const auto& ignored = loaded.ignored_resources;
  EXPECT_TRUE(std::find(ignored.begin(), ignored.end(),
                        "WorkerAsync (AWS::Lambda::EventInvokeConfig)") == ignored.end());
}

TEST_F(AsyncTemplateTest, CloudFormationEventInvokeConfigErrors) {
  const std::string fn = R"(
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties: { Code: src, Handler: app.handler, Runtime: python3.12 }
)";
  EXPECT_EQ(ErrorOf(fn + R"(
  Async:
    Type: AWS::Lambda::EventInvokeConfig
    Properties: { FunctionName: Nobody, Qualifier: $LATEST, MaximumRetryAttempts: 1 }
)"),
            "Async.FunctionName: function Nobody is not defined in the template");
  EXPECT_EQ(ErrorOf(fn + R"(
  Async:
    Type: AWS::Lambda::EventInvokeConfig
    Properties: { FunctionName: !Ref Worker, MaximumRetryAttempts: 1 }
)"),
            "Async.Qualifier: required");
  EXPECT_TRUE(Contains(ErrorOf(fn + R"(
  Async:
    Type: AWS::Lambda::EventInvokeConfig
    Properties: { FunctionName: !Ref Worker, Qualifier: $LATEST, MaximumRetryAttempts: 1 }
  Again:
    Type: AWS::Lambda::EventInvokeConfig
    Properties: { FunctionName: !Ref Worker, Qualifier: $LATEST, MaximumRetryAttempts: 2 }
)"),
                       "function Worker already has an EventInvokeConfig for $LATEST"));
  EXPECT_TRUE(Contains(ErrorOf(fn + R"(
  Async:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Worker
      Qualifier: $LATEST
      DestinationConfig: { OnFailure: { Destination: !GetAtt Worker.Arn } }
)"),
                       "You can't specify the function as a destination for itself."));
}

TEST_F(AsyncTemplateTest, MessagingResourcesResolveAsCloudFormationWould) {
  auto loaded = Load(std::string(kFunctionHead) + R"(
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          QUEUE_REF: !Ref Jobs
          QUEUE_ARN: !GetAtt Jobs.Arn
          QUEUE_NAME: !GetAtt Jobs.QueueName
          QUEUE_URL: !GetAtt Jobs.QueueUrl
          FIFO_NAME: !GetAtt Ordered.QueueName
          TOPIC_REF: !Ref Alerts
          TOPIC_ARN: !GetAtt Alerts.TopicArn
          TOPIC_NAME: !GetAtt Alerts.TopicName
          BUS_REF: !Ref Bus
          BUS_ARN: !GetAtt Bus.Arn
          BUS_NAME: !GetAtt Bus.Name
          BUCKET_REF: !Ref Bucket
          BUCKET_ARN: !GetAtt Bucket.Arn
          SUBBED: !Sub 'arn:${Jobs.Arn}'
  Jobs:
    Type: AWS::SQS::Queue
    Properties: { QueueName: !Sub 'jobs-${AWS::Region}' }
  Ordered:
    Type: AWS::SQS::Queue
    Properties: { FifoQueue: true }
  Alerts:
    Type: AWS::SNS::Topic
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: orders }
  Bucket:
    Type: AWS::S3::Bucket
    Properties: { BucketName: my-bucket }
)");
  const FunctionConfig* f = Find(loaded, "Reader");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Env(*f, "QUEUE_REF"),
            "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-eu-west-1");
  EXPECT_EQ(Env(*f, "QUEUE_ARN"), "arn:aws:sqs:eu-west-1:123456789012:jobs-eu-west-1");
  EXPECT_EQ(Env(*f, "QUEUE_NAME"), "jobs-eu-west-1");
  EXPECT_EQ(Env(*f, "QUEUE_URL"), Env(*f, "QUEUE_REF"));
  EXPECT_EQ(Env(*f, "FIFO_NAME"), "Ordered.fifo");
  EXPECT_EQ(Env(*f, "TOPIC_REF"), "arn:aws:sns:eu-west-1:123456789012:Alerts");
  EXPECT_EQ(Env(*f, "TOPIC_ARN"), Env(*f, "TOPIC_REF"));
  EXPECT_EQ(Env(*f, "TOPIC_NAME"), "Alerts");
  EXPECT_EQ(Env(*f, "BUS_REF"), "orders");
  EXPECT_EQ(Env(*f, "BUS_ARN"), "arn:aws:events:eu-west-1:123456789012:event-bus/orders");
  EXPECT_EQ(Env(*f, "BUS_NAME"), "orders");
  EXPECT_EQ(Env(*f, "BUCKET_REF"), "my-bucket");
  EXPECT_EQ(Env(*f, "BUCKET_ARN"), "arn:aws:s3:::my-bucket");
  EXPECT_EQ(Env(*f, "SUBBED"), "arn:arn:aws:sqs:eu-west-1:123456789012:jobs-eu-west-1");
  EXPECT_TRUE(loaded.function_warnings.find("Reader") == loaded.function_warnings.end())
      << loaded.function_warnings["Reader"].front();
}

TEST_F(AsyncTemplateTest, EventsRuleScheduleBecomesAScheduleEvent) {
  auto loaded = Load(std::string(kFunctionHead) + R"(
  Ticker:
    Type: AWS::Serverless::Function
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      Name: nightly-report
      ScheduleExpression: cron(0 3 * * ? *)
      State: DISABLED
      Targets:
        - Id: ticker
          Arn: !GetAtt Ticker.Arn
          Input: '{"report": "daily"}'
        - Id: elsewhere
          Arn: arn:aws:sqs:eu-west-1:123456789012:other
  Minutely:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 minute)
      Targets: [{ Id: t, Arn: !GetAtt Ticker.Arn }]
  Pattern:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: { source: [aws.s3] }
      Targets: [{ Id: t, Arn: !GetAtt Ticker.Arn }]
  Foreign:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(5 minutes)
      Targets: [{ Id: t, Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:NotHere' }]
)");
  const FunctionConfig* f = Find(loaded, "Ticker");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->events.size(), 2u);
  EXPECT_EQ(f->events[0].name, "Nightly");
  EXPECT_EQ(f->events[0].type, "Schedule");
  EXPECT_EQ(f->events[0].summary, "cron(0 3 * * ? *)");
  EXPECT_EQ(json::parse(f->events[0].properties), json::parse(R"j({
    "Schedule": "cron(0 3 * * ? *)", "Input": "{\"report\": \"daily\"}",
    "State": "DISABLED", "Name": "nightly-report"})j"));
  EXPECT_EQ(f->events[1].name, "Minutely");
  EXPECT_EQ(json::parse(f->events[1].properties),
            json::parse(R"j({"Schedule": "rate(1 minute)"})j"));
  const auto& ignored = loaded.ignored_resources;
  EXPECT_TRUE(std::find(ignored.begin(), ignored.end(), "Foreign (AWS::Events::Rule)") !=
              ignored.end());
  EXPECT_TRUE(std::find(ignored.begin(), ignored.end(), "Pattern (AWS::Events::Rule)") !=
              ignored.end());
}

TEST_F(AsyncTemplateTest, SchedulerScheduleBecomesAScheduleV2Event) {
  auto loaded = Load(std::string(kFunctionHead) + R"(
  Ticker:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
  Hourly:
    Type: AWS::Scheduler::Schedule
    Properties:
      Name: hourly
      ScheduleExpression: rate(1 hour)
      ScheduleExpressionTimezone: Europe/Dublin
      State: ENABLED
      FlexibleTimeWindow: { Mode: 'OFF' }
      Target:
        Arn: !Sub '${Ticker.Arn}:live'
        RoleArn: arn:aws:iam::123456789012:role/scheduler
        Input: '{"hourly": true}'
)");
  const FunctionConfig* f = Find(loaded, "Ticker");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->events.size(), 1u);
  EXPECT_EQ(f->events[0].name, "Hourly");
  EXPECT_EQ(f->events[0].type, "ScheduleV2");
  EXPECT_EQ(f->events[0].summary, "rate(1 hour)");
  EXPECT_EQ(json::parse(f->events[0].properties), json::parse(R"j({
    "ScheduleExpression": "rate(1 hour)", "ScheduleExpressionTimezone": "Europe/Dublin",
    "Input": "{\"hourly\": true}", "State": "ENABLED", "Name": "hourly"})j"));
}

TEST_F(AsyncTemplateTest, GeneratedDestinationIsTheFunctionsReferableProperty) {
  auto loaded = Load(R"(
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: src
    Handler: app.handler
    Runtime: python3.12
    EventInvokeConfig:
      DestinationConfig:
        OnFailure: { Type: SQS }
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          DLQ_URL: !Ref Worker.DestinationQueue
          DLQ_ARN: !GetAtt Worker.DestinationQueue.Arn
)");
  const FunctionConfig* f = Find(loaded, "Worker");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(
      Env(*f, "DLQ_URL"),
      "https://sqs.eu-west-1.amazonaws.com/123456789012/WorkerEventInvokeConfigOnFailureQueue");
  EXPECT_EQ(Env(*f, "DLQ_ARN"),
            "arn:aws:sqs:eu-west-1:123456789012:WorkerEventInvokeConfigOnFailureQueue");
  EXPECT_EQ(Config(*f, "$LATEST")["DestinationConfig"]["OnFailure"]["Destination"],
            Env(*f, "DLQ_ARN"));
}

TEST_F(AsyncTemplateTest, UnresolvableDestinationIsAnErrorNotAGeneratedQueue) {
  std::string e = ErrorOf(std::string(kFunctionHead) + R"(
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      EventInvokeConfig:
        DestinationConfig:
          OnFailure: { Type: SQS, Destination: !GetAtt Table.StreamArn }
  Table:
    Type: AWS::DynamoDB::Table
)");
  EXPECT_TRUE(Contains(e,
                       "Worker.EventInvokeConfig.DestinationConfig.OnFailure.Destination: a "
                       "reference lambda-emu cannot resolve locally"))
      << e;
  e = ErrorOf(std::string(kFunctionHead) + R"(
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      DeadLetterQueue: { Type: SQS, TargetArn: !Ref Jobs }
  Jobs:
    Type: AWS::SQS::Queue
)");
  EXPECT_TRUE(Contains(e, "that is a queue URL: use the queue's ARN (!GetAtt Queue.Arn)")) << e;
}

}  // namespace lambda_emu::templates
