#include "events/sample_events.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/generate_event.h"
#include "common/base64.h"
#include "events/values.h"

namespace lambda_emu::events {
namespace {

const SampleEvent& Find(std::string_view service, std::string_view event) {
  const Service* s = FindService(service);
  if (s == nullptr) throw std::runtime_error("no service " + std::string(service));
  const SampleEvent* e = FindEvent(*s, event);
  if (e == nullptr) throw std::runtime_error("no event " + std::string(event));
  return *e;
}

EventJson Build(std::string_view service, std::string_view event, const OptionValues& given = {}) {
  return BuildEvent(Find(service, event), given);
}

std::string Gunzip(const std::string& data) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return {};
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  return rc == Z_STREAM_END ? out : std::string();
}

std::string Decode64(const EventJson& value) {
  auto decoded = Base64Decode(value.get<std::string>());
  return decoded ? *decoded : "<not base64>";
}

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && std::string_view("0123456789abcdef").find(s[i]) == std::string_view::npos)
      return false;
  }
  return true;
}

bool Near(std::int64_t epoch_ms) {
  std::int64_t now = NowMillis();
  return epoch_ms > now - 60'000 && epoch_ms <= now + 1000;
}

// The events the task requires, with SAM CLI's option names for each.
const std::map<std::pair<std::string, std::string>, std::vector<std::string>> kSamOptions = {
    {{"alb", "request"}, {"body", "method", "path", "account-id", "dns-suffix"}},
    {{"apigateway", "authorizer"},
     {"account-id", "partition", "region", "stage", "method", "resource", "restApiId"}},
    {{"apigateway", "request-authorizer"},
     {"account-id", "partition", "region", "stage", "method", "resource", "restApiId"}},
    {{"apigateway", "aws-proxy"},
     {"body", "stage", "method", "resource", "path", "account-id", "dns-suffix"}},
    {{"apigateway", "http-api-proxy"},
     {"body", "stage", "method", "path", "account-id", "dns-suffix"}},
    {{"cloudwatch", "logs"}, {}},
    {{"cloudwatch", "scheduled-event"}, {"account-id", "partition", "region", "rule"}},
    {{"dynamodb", "update"}, {"account-id", "partition", "region", "table"}},
    {{"kinesis", "get-records"}, {"region", "partition", "sequence", "data", "partition-key"}},
    {{"s3", "put"}, {"region", "partition", "bucket", "key"}},
    {{"s3", "delete"}, {"region", "partition", "bucket", "key"}},
    {{"sns", "notification"}, {"account-id", "partition", "region", "topic", "subject", "message"}},
    {{"sqs", "receive-message"}, {"partition", "region", "account-id", "queue-name", "body"}},
};

TEST(SampleEventCatalogue, HasEveryRequiredEventWithSamsOptionNames) {
  for (const auto& [key, names] : kSamOptions) {
    SCOPED_TRACE(key.first + " " + key.second);
    const SampleEvent& event = Find(key.first, key.second);
    std::vector<std::string> actual;
    for (const EventOption& option : event.options) actual.push_back(option.name);
    EXPECT_EQ(actual, names);
  }
  EXPECT_NE(FindService("eventbridge"), nullptr);
  EXPECT_EQ(FindService("nope"), nullptr);
}

TEST(SampleEventCatalogue, ServicesAndEventsAreSortedAndEveryEventBuilds) {
  std::string previous;
  for (const Service& service : Catalogue()) {
    EXPECT_LT(previous, service.name);
    previous = service.name;
    EXPECT_FALSE(service.events.empty()) << service.name;
    for (const SampleEvent& event : service.events) {
      SCOPED_TRACE(service.name + " " + event.name);
      EXPECT_FALSE(event.help.empty());
      EventJson json = BuildEvent(event);
      EXPECT_TRUE(json.is_object());
      EXPECT_FALSE(json.empty());
    }
  }
}

TEST(SampleEventCatalogue, UnknownOptionIsRejected) {
  EXPECT_THROW(Build("s3", "put", {{"no-such-option", "x"}}), std::invalid_argument);
}

TEST(SampleEventValues, Md5MatchesKnownDigests) {
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5Hex("Hello from SQS!"), "7b270e59b47ff90a553787216d55d91d");
  EXPECT_EQ(Md5Hex(std::string(200, 'a')), "887f30b43b2867f4a9accceee7d16e6c");
  EXPECT_EQ(Md5Hex("h\xc3\xa9llo"), "be50e8478cf24ff3595bc7307fb91b50");
}

TEST(SampleEventValues, KeysAreUrlEncodedAsS3Does) {
  EXPECT_EQ(UrlEncodeKey("test/key"), "test/key");
  EXPECT_EQ(UrlEncodeKey("my photo+1.jpg"), "my+photo%2B1.jpg");
  EXPECT_EQ(UrlEncodeKey("a=b&c"), "a%3Db%26c");
}

TEST(SampleEventValues, TimesAreFormattedInUtc) {
  const std::int64_t t = 1428582896123;  // 2015-04-09T12:34:56.123Z
  EXPECT_EQ(IsoTimeMillis(t), "2015-04-09T12:34:56.123Z");
  EXPECT_EQ(IsoTimeSeconds(t), "2015-04-09T12:34:56Z");
  EXPECT_EQ(ClfTime(t), "09/Apr/2015:12:34:56 +0000");
  EXPECT_EQ(AmzDate(t), "20150409T123456Z");
  EXPECT_TRUE(IsUuid(NewUuid()));
  EXPECT_NE(NewUuid(), NewUuid());
  EXPECT_EQ(Gunzip(Gzip("hello hello hello")), "hello hello hello");
}

TEST(ApiGatewayEvent, AwsProxyCarriesOptionsAndFreshIds) {
  EventJson e = Build("apigateway", "aws-proxy",
                      {{"body", "hi"},
                       {"stage", "dev"},
                       {"method", "PUT"},
                       {"path", "/a/b"},
                       {"account-id", "111122223333"},
                       {"dns-suffix", "eu-west-1.amazonaws.com"}});
  EXPECT_EQ(e["resource"], "/{proxy+}");
  EXPECT_EQ(e["path"], "/a/b");
  EXPECT_EQ(e["httpMethod"], "PUT");
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_EQ(Decode64(e["body"]), "hi");
  EXPECT_EQ(e["pathParameters"]["proxy"], "a/b");
  EXPECT_EQ(e["multiValueQueryStringParameters"]["foo"][0], "bar");
  std::string host = e["headers"]["Host"];
  EXPECT_TRUE(host.ends_with(".execute-api.eu-west-1.amazonaws.com")) << host;
  EXPECT_EQ(e["multiValueHeaders"]["Host"][0], host);
  const EventJson& c = e["requestContext"];
  EXPECT_EQ(c["accountId"], "111122223333");
  EXPECT_EQ(c["stage"], "dev");
  EXPECT_EQ(c["path"], "/dev/a/b");
  EXPECT_EQ(c["httpMethod"], "PUT");
  EXPECT_EQ(c["resourcePath"], "/{proxy+}");
  EXPECT_EQ(c["domainName"], host);
  EXPECT_TRUE(IsUuid(c["requestId"]));
  EXPECT_TRUE(Near(c["requestTimeEpoch"]));
  EXPECT_EQ(c["identity"]["sourceIp"], "127.0.0.1");
  for (const char* field : {"resourceId", "extendedRequestId", "requestTime", "protocol", "apiId"})
    EXPECT_TRUE(c.contains(field)) << field;

  EventJson again = Build("apigateway", "aws-proxy");
  EXPECT_NE(again["requestContext"]["requestId"], c["requestId"]);
  EXPECT_EQ(Decode64(again["body"]), R"({"test":"body"})");
  EXPECT_EQ(again["path"], "/path/to/resource");
  EXPECT_EQ(again["requestContext"]["stage"], "prod");
  EXPECT_EQ(again["httpMethod"], "POST");
}

TEST(ApiGatewayEvent, AwsProxyPathParametersFollowTheResource) {
  EventJson e =
      Build("apigateway", "aws-proxy", {{"resource", "/items/{id}"}, {"path", "items/42"}});
  EXPECT_EQ(e["pathParameters"], EventJson({{"id", "42"}}));
  e = Build("apigateway", "aws-proxy", {{"resource", "/items"}, {"path", "items"}});
  EXPECT_TRUE(e["pathParameters"].is_null());
}

TEST(ApiGatewayEvent, HttpApiProxyIsPayloadVersion2) {
  EventJson e = Build("apigateway", "http-api-proxy", {{"body", "x=1"}, {"method", "GET"}});
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_EQ(e["rawPath"], "/path/to/resource");
  EXPECT_EQ(Decode64(e["body"]), "x=1");
  EXPECT_EQ(e["isBase64Encoded"], true);
  const EventJson& c = e["requestContext"];
  EXPECT_EQ(c["http"]["method"], "GET");
  EXPECT_EQ(c["http"]["path"], "/path/to/resource");
  EXPECT_EQ(c["stage"], "$default");
  EXPECT_EQ(c["accountId"], "123456789012");
  EXPECT_TRUE(Near(c["timeEpoch"]));
  EXPECT_NE(Build("apigateway", "http-api-proxy")["requestContext"]["requestId"], c["requestId"]);

  EventJson staged = Build("apigateway", "http-api-proxy", {{"stage", "prod"}, {"path", "x"}});
  EXPECT_EQ(staged["rawPath"], "/prod/x");
  EXPECT_EQ(staged["requestContext"]["stage"], "prod");
}

TEST(ApiGatewayEvent, AuthorizersBuildTheMethodArnFromTheOptions) {
  EventJson token = Build("apigateway", "authorizer");
  EXPECT_EQ(token["type"], "TOKEN");
  EXPECT_TRUE(token.contains("authorizationToken"));
  EXPECT_EQ(token["methodArn"],
            "arn:aws:execute-api:us-east-1:123456789012:example/prod/POST/{proxy+}");
  token = Build("apigateway", "authorizer",
                {{"partition", "aws-cn"},
                 {"region", "cn-north-1"},
                 {"account-id", "1"},
                 {"restApiId", "abc"},
                 {"stage", "s"},
                 {"method", "GET"},
                 {"resource", "/r"}});
  EXPECT_EQ(token["methodArn"], "arn:aws-cn:execute-api:cn-north-1:1:abc/s/GET/r");

  EventJson request = Build("apigateway", "request-authorizer");
  EXPECT_EQ(request["type"], "REQUEST");
  EXPECT_EQ(request["methodArn"],
            "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request");
  EXPECT_EQ(request["resource"], "/request");
  EXPECT_EQ(request["httpMethod"], "GET");
  EXPECT_EQ(request["requestContext"]["apiId"], "abcdef123");
  EXPECT_EQ(request["requestContext"]["stage"], "test");
  EXPECT_TRUE(IsUuid(request["requestContext"]["requestId"]));
  for (const char* field : {"headers", "queryStringParameters", "pathParameters", "stageVariables"})
    EXPECT_TRUE(request.contains(field)) << field;
}

TEST(AlbEvent, RequestCarriesOptions) {
  EventJson e = Build("alb", "request",
                      {{"method", "GET"},
                       {"path", "lambda"},
                       {"body", "b"},
                       {"account-id", "111122223333"},
                       {"dns-suffix", "eu-west-1.elb.amazonaws.com"}});
  EXPECT_EQ(e["httpMethod"], "GET");
  EXPECT_EQ(e["path"], "/lambda");
  EXPECT_EQ(Decode64(e["body"]), "b");
  EXPECT_EQ(e["isBase64Encoded"], true);
  std::string arn = e["requestContext"]["elb"]["targetGroupArn"];
  EXPECT_TRUE(arn.starts_with("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/"))
      << arn;
  std::string host = e["headers"]["host"];
  EXPECT_TRUE(host.ends_with(".eu-west-1.elb.amazonaws.com")) << host;
  EXPECT_NE(Build("alb", "request")["headers"]["x-amzn-trace-id"], e["headers"]["x-amzn-trace-id"]);
}

TEST(SqsEvent, ReceiveMessageHasTheBodyAndItsMd5) {
  EventJson e =
      Build("sqs", "receive-message",
            {{"queue-name", "jobs"}, {"region", "eu-west-1"}, {"account-id", "111122223333"}});
  const EventJson& r = e["Records"][0];
  EXPECT_EQ(r["body"], "Hello from SQS!");
  EXPECT_EQ(r["md5OfBody"], "7b270e59b47ff90a553787216d55d91d");
  EXPECT_EQ(r["eventSource"], "aws:sqs");
  EXPECT_EQ(r["eventSourceARN"], "arn:aws:sqs:eu-west-1:111122223333:jobs");
  EXPECT_EQ(r["awsRegion"], "eu-west-1");
  EXPECT_TRUE(IsUuid(r["messageId"]));
  EXPECT_TRUE(Near(std::stoll(r["attributes"]["SentTimestamp"].get<std::string>())));
  EXPECT_EQ(r["attributes"]["ApproximateReceiveCount"], "1");
  EXPECT_FALSE(r["receiptHandle"].get<std::string>().empty());

  EventJson other = Build("sqs", "receive-message", {{"body", "other"}});
  EXPECT_EQ(other["Records"][0]["md5OfBody"], Md5Hex("other"));
  EXPECT_NE(other["Records"][0]["messageId"], r["messageId"]);
  EXPECT_TRUE(
      Build("sqs", "receive-message", {{"queue-name", "q.fifo"}})["Records"][0]["attributes"]
          .contains("MessageGroupId"));
}

TEST(SnsEvent, NotificationCarriesTopicSubjectAndMessage) {
  EventJson e =
      Build("sns", "notification",
            {{"topic", "orders"}, {"subject", "s"}, {"message", "m"}, {"region", "us-west-2"}});
  const EventJson& r = e["Records"][0];
  EXPECT_EQ(r["EventSource"], "aws:sns");
  EXPECT_EQ(r["EventVersion"], "1.0");
  const EventJson& sns = r["Sns"];
  EXPECT_EQ(sns["Type"], "Notification");
  EXPECT_EQ(sns["TopicArn"], "arn:aws:sns:us-west-2:123456789012:orders");
  EXPECT_TRUE(r["EventSubscriptionArn"].get<std::string>().starts_with(
      "arn:aws:sns:us-west-2:123456789012:orders:"));
  EXPECT_EQ(sns["Subject"], "s");
  EXPECT_EQ(sns["Message"], "m");
  EXPECT_TRUE(IsUuid(sns["MessageId"]));
  for (const char* field : {"Timestamp", "SignatureVersion", "Signature", "SigningCertUrl",
                            "UnsubscribeUrl", "MessageAttributes"})
    EXPECT_TRUE(sns.contains(field)) << field;
  EXPECT_NE(Build("sns", "notification")["Records"][0]["Sns"]["MessageId"], sns["MessageId"]);
}

TEST(S3Event, PutAndDeleteCarryBucketAndEncodedKey) {
  EventJson put = Build(
      "s3", "put", {{"bucket", "photos"}, {"key", "2024/my cat.jpg"}, {"region", "eu-west-1"}});
  const EventJson& r = put["Records"][0];
  EXPECT_EQ(r["eventSource"], "aws:s3");
  EXPECT_EQ(r["eventName"], "ObjectCreated:Put");
  EXPECT_EQ(r["awsRegion"], "eu-west-1");
  EXPECT_EQ(r["s3"]["bucket"]["name"], "photos");
  EXPECT_EQ(r["s3"]["bucket"]["arn"], "arn:aws:s3:::photos");
  EXPECT_EQ(r["s3"]["object"]["key"], "2024/my+cat.jpg");
  EXPECT_EQ(r["s3"]["object"]["size"], 1024);
  EXPECT_TRUE(r["s3"]["object"].contains("eTag"));
  EXPECT_TRUE(r["s3"]["object"].contains("sequencer"));
  EXPECT_EQ(r["eventTime"].get<std::string>().size(), 24u);
  EXPECT_NE(Build("s3", "put")["Records"][0]["responseElements"]["x-amz-request-id"],
            r["responseElements"]["x-amz-request-id"]);

  EventJson del = Build("s3", "delete", {{"partition", "aws-cn"}});
  const EventJson& d = del["Records"][0];
  EXPECT_EQ(d["eventName"], "ObjectRemoved:Delete");
  EXPECT_EQ(d["s3"]["object"]["key"], "test/key");
  EXPECT_EQ(d["s3"]["bucket"]["arn"], "arn:aws-cn:s3:::example-bucket");
  EXPECT_FALSE(d["s3"]["object"].contains("size"));
}

TEST(DynamoDbEvent, UpdateHasInsertModifyRemoveOnTheTableStream) {
  EventJson e = Build("dynamodb", "update", {{"table", "Orders"}, {"region", "eu-west-1"}});
  const EventJson& records = e["Records"];
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["eventName"], "INSERT");
  EXPECT_EQ(records[1]["eventName"], "MODIFY");
  EXPECT_EQ(records[2]["eventName"], "REMOVE");
  EXPECT_TRUE(records[1]["dynamodb"].contains("OldImage"));
  EXPECT_FALSE(records[2]["dynamodb"].contains("NewImage"));
  for (const EventJson& r : records) {
    EXPECT_EQ(r["eventSource"], "aws:dynamodb");
    EXPECT_EQ(r["awsRegion"], "eu-west-1");
    EXPECT_TRUE(r["eventSourceARN"].get<std::string>().starts_with(
        "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/stream/"));
    EXPECT_TRUE(
        Near(r["dynamodb"]["ApproximateCreationDateTime"].get<std::int64_t>() * 1000 + 999));
  }
  EXPECT_NE(Build("dynamodb", "update")["Records"][0]["eventID"], records[0]["eventID"]);
}

TEST(KinesisEvent, GetRecordsDataIsBase64) {
  EventJson e = Build("kinesis", "get-records",
                      {{"data", "payload"}, {"partition-key", "pk"}, {"sequence", "42"}});
  const EventJson& r = e["Records"][0];
  EXPECT_EQ(Decode64(r["kinesis"]["data"]), "payload");
  EXPECT_EQ(r["kinesis"]["partitionKey"], "pk");
  EXPECT_EQ(r["kinesis"]["sequenceNumber"], "42");
  EXPECT_EQ(r["eventID"], "shardId-000000000000:42");
  EXPECT_EQ(r["eventSource"], "aws:kinesis");
  EXPECT_EQ(r["eventName"], "aws:kinesis:record");
  double arrival = r["kinesis"]["approximateArrivalTimestamp"];
  EXPECT_TRUE(Near(static_cast<std::int64_t>(arrival * 1000)));
  EXPECT_EQ(Decode64(Build("kinesis", "get-records")["Records"][0]["kinesis"]["data"]),
            "Hello, this is a test 123.");
}

TEST(CloudWatchEvent, ScheduledEventNamesTheRule) {
  EventJson e =
      Build("cloudwatch", "scheduled-event", {{"rule", "Nightly"}, {"region", "eu-west-1"}});
  EXPECT_EQ(e["detail-type"], "Scheduled Event");
  EXPECT_EQ(e["source"], "aws.events");
  EXPECT_EQ(e["account"], "123456789012");
  EXPECT_EQ(e["region"], "eu-west-1");
  EXPECT_EQ(e["resources"][0], "arn:aws:events:eu-west-1:123456789012:rule/Nightly");
  EXPECT_TRUE(IsUuid(e["id"]));
  EXPECT_EQ(e["time"].get<std::string>().size(), 20u);
  EXPECT_NE(Build("cloudwatch", "scheduled-event")["id"], e["id"]);
}

TEST(CloudWatchEvent, LogsDataIsGzippedBase64OfASubscriptionBatch) {
  EventJson e = Build("cloudwatch", "logs");
  std::string json = Gunzip(Decode64(e["awslogs"]["data"]));
  ASSERT_FALSE(json.empty());
  nlohmann::json payload = nlohmann::json::parse(json);
  EXPECT_EQ(payload["messageType"], "DATA_MESSAGE");
  EXPECT_EQ(payload["logGroup"], "testLogGroup");
  ASSERT_EQ(payload["logEvents"].size(), 2u);
  EXPECT_TRUE(Near(payload["logEvents"][0]["timestamp"]));
  EXPECT_EQ(payload["logEvents"][0]["id"].get<std::string>().size(), 56u);
  nlohmann::json again =
      nlohmann::json::parse(Gunzip(Decode64(Build("cloudwatch", "logs")["awslogs"]["data"])));
  EXPECT_NE(again["logEvents"][0]["id"], payload["logEvents"][0]["id"]);
}

TEST(EventBridgeEvent, EventCarriesSourceDetailTypeAndDetail) {
  EventJson e =
      Build("eventbridge", "event",
            {{"source", "my.app"}, {"detail-type", "OrderPlaced"}, {"detail", R"({"id":7})"}});
  EXPECT_EQ(e["version"], "0");
  EXPECT_EQ(e["source"], "my.app");
  EXPECT_EQ(e["detail-type"], "OrderPlaced");
  EXPECT_EQ(e["detail"]["id"], 7);
  EXPECT_EQ(e["account"], "123456789012");
  EXPECT_TRUE(IsUuid(e["id"]));
}

// The CLI, driven through a CLI::App as main.cc builds it.
struct CliRun {
  std::string out;
  std::string error_name;  // empty when parsing succeeded
  std::string error;
};

CliRun RunCli(std::vector<std::string> args) {
  CLI::App app{"test"};
  app.require_subcommand(1);
  cli::AddGenerateEventCommand(app);
  std::vector<const char*> argv = {"lambda-emu"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream captured;
  struct Restore {
    std::streambuf* old;
    ~Restore() { std::cout.rdbuf(old); }
  } restore{std::cout.rdbuf(captured.rdbuf())};
  CliRun run;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    run.error_name = e.get_name();
    run.error = e.what();
  }
  run.out = captured.str();
  return run;
}

TEST(GenerateEventCommand, PrintsTheEventWithOptionsApplied) {
  CliRun run = RunCli({"generate-event", "s3", "put", "--bucket", "b1", "--key", "k"});
  ASSERT_EQ(run.error_name, "") << run.error;
  nlohmann::json e = nlohmann::json::parse(run.out);
  EXPECT_EQ(e["Records"][0]["s3"]["bucket"]["name"], "b1");
  EXPECT_EQ(e["Records"][0]["s3"]["object"]["key"], "k");

  run = RunCli({"generate-event", "apigateway", "authorizer", "--restApiId", "xyz"});
  ASSERT_EQ(run.error_name, "") << run.error;
  EXPECT_NE(run.out.find("xyz/prod/POST/{proxy+}"), std::string::npos) << run.out;
}

TEST(GenerateEventCommand, UnknownOrMissingNamesListTheChoices) {
  CliRun run = RunCli({"generate-event", "nope"});
  EXPECT_EQ(run.error_name, "ExtrasError");
  EXPECT_NE(run.error.find("'nope'"), std::string::npos) << run.error;
  EXPECT_NE(run.error.find("apigateway, cloudformation"), std::string::npos) << run.error;
  EXPECT_EQ(run.out, "");

  run = RunCli({"generate-event"});
  EXPECT_EQ(run.error_name, "RequiredError");
  EXPECT_NE(run.error.find("sqs"), std::string::npos) << run.error;

  run = RunCli({"generate-event", "s3", "get"});
  EXPECT_EQ(run.error_name, "ExtrasError");
  EXPECT_NE(run.error.find("batch-invocation, delete, put"), std::string::npos) << run.error;

  run = RunCli({"generate-event", "s3"});
  EXPECT_EQ(run.error_name, "RequiredError");
  EXPECT_NE(run.error.find("put"), std::string::npos) << run.error;

  run = RunCli({"generate-event", "s3", "put", "--colour", "red"});
  EXPECT_EQ(run.error_name, "ExtrasError");
  EXPECT_NE(run.error.find("--bucket"), std::string::npos) << run.error;
  EXPECT_EQ(run.out, "");

  run = RunCli({"generate-event", "s3", "put", "delete"});
  EXPECT_NE(run.error_name, "");
  EXPECT_EQ(run.out, "");
}

TEST(GenerateEventCommand, HelpAndInvalidJsonAreParseOutcomes) {
  EXPECT_EQ(RunCli({"generate-event", "--help"}).error_name, "CallForHelp");
  EXPECT_EQ(RunCli({"generate-event", "sqs", "--help"}).error_name, "CallForHelp");
  EXPECT_EQ(RunCli({"generate-event", "sqs", "receive-message", "--help"}).error_name,
            "CallForHelp");
  CliRun run = RunCli({"generate-event", "eventbridge", "event", "--detail", "{not json"});
  EXPECT_EQ(run.error_name, "ValidationError");
  EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace lambda_emu::events
