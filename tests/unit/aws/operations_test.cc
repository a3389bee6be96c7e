#include "aws/operations.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lambda_emu::aws {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

Endpoint LocalStack() { return ParseEndpoint("http://localhost:4566").value(); }

Reply MakeReply(unsigned status, std::string body) {
  Reply reply;
  reply.result(status);
  reply.body() = std::move(body);
  return reply;
}

TEST(ParseEndpoint, AcceptsHostAndPortWithOptionalSlash) {
  Result<Endpoint> endpoint = ParseEndpoint("http://localhost:4566/");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().message();
  EXPECT_EQ(endpoint->host, "localhost");
  EXPECT_EQ(endpoint->port, "4566");
  EXPECT_EQ(endpoint->host_header, "localhost:4566");
  EXPECT_EQ(endpoint->base_url, "http://localhost:4566");

  Result<Endpoint> v6 = ParseEndpoint("http://[::1]:4566");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header, "[::1]:4566");

  Result<Endpoint> tls = ParseEndpoint("https://localhost.localstack.cloud:4566");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->base_url, "https://localhost.localstack.cloud:4566");
  Result<Endpoint> tls_default = ParseEndpoint("https://sqs.us-east-1.amazonaws.com/");
  ASSERT_TRUE(tls_default.ok());
  EXPECT_EQ(tls_default->port, "443");
  EXPECT_EQ(tls_default->host_header, "sqs.us-east-1.amazonaws.com");

  Result<Endpoint> no_port = ParseEndpoint("HTTP://aws.local");
  ASSERT_TRUE(no_port.ok());
  EXPECT_FALSE(no_port->tls);
  EXPECT_EQ(no_port->port, "80");
  EXPECT_EQ(no_port->host_header, "aws.local");
}

TEST(ParseEndpoint, RejectsWhatItCannotSendTo) {
  for (const char* url : {"ftp://localhost:4566", "localhost:4566", "http://", "http://:4566",
                          "http://h:0", "http://h:65536", "http://h:x", "http://h:",
                          "http://h/path", "http://h:1?x=1", "http://u@h:1", "http://[::1"}) {
    Result<Endpoint> endpoint = ParseEndpoint(url);
    EXPECT_FALSE(endpoint.ok()) << url;
  }
  EXPECT_NE(ParseEndpoint("http://h/path").status().message().find("expected http[s]://HOST"),
            std::string::npos);
}

TEST(ParseArn, SplitsTheSixParts) {
  auto arn = ParseArn("arn:aws:events:eu-west-1:123456789012:event-bus/default");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->service, "events");
  EXPECT_EQ(arn->region, "eu-west-1");
  EXPECT_EQ(arn->account, "123456789012");
  EXPECT_EQ(arn->resource, "event-bus/default");
  auto bucket = ParseArn("arn:aws:s3:::my-bucket");
  ASSERT_TRUE(bucket.has_value());
  EXPECT_EQ(bucket->region, "");
  EXPECT_EQ(bucket->resource, "my-bucket");
  EXPECT_FALSE(ParseArn("arn:aws:sqs").has_value());
  EXPECT_FALSE(ParseArn("urn:aws:sqs:r:a:q").has_value());
}

TEST(BuildOperation, SqsSendMessageIsJson10WithQueueUrlFromTheArn) {
  Message message;
  message.arn = "arn:aws:sqs:eu-west-1:000000000000:dlq";
  message.body = R"({"k":"v"})";
  message.attributes = {{"RequestID", "r-1"}, {"ErrorCode", "200", "Number"}};
  Result<Operation> op = BuildOperation(message, LocalStack(), "us-east-1");
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_EQ(op->service, "sqs");
  EXPECT_EQ(op->region, "eu-west-1");
  EXPECT_EQ(op->request.method(), http::verb::post);
  EXPECT_EQ(op->request.target(), "/");
  EXPECT_EQ(op->request[http::field::content_type], "application/x-amz-json-1.0");
  EXPECT_EQ(op->request["X-Amz-Target"], "AmazonSQS.SendMessage");
  json body = json::parse(op->request.body());
  EXPECT_EQ(body["QueueUrl"], "http://localhost:4566/000000000000/dlq");
  EXPECT_EQ(body["MessageBody"], message.body);
  EXPECT_EQ(body["MessageAttributes"]["RequestID"],
            json({{"DataType", "String"}, {"StringValue", "r-1"}}));
  EXPECT_EQ(body["MessageAttributes"]["ErrorCode"],
            json({{"DataType", "Number"}, {"StringValue", "200"}}));
  EXPECT_EQ(op->Describe(), "sqs SendMessage to arn:aws:sqs:eu-west-1:000000000000:dlq");
}

TEST(BuildOperation, SnsPublishIsFormEncodedQuery) {
  Message message;
  message.arn = "arn:aws:sns:us-east-2:000000000000:topic";
  message.body = R"({"a b":"&="})";
  message.attributes = {{"RequestID", "r 1"}, {"ErrorCode", "429", "Number"}};
  Result<Operation> op = BuildOperation(message, LocalStack(), "us-east-1");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->service, "sns");
  EXPECT_EQ(op->region, "us-east-2");
  EXPECT_EQ(op->request[http::field::content_type],
            "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(op->request.body(),
            "Action=Publish&Version=2010-03-31"
            "&TopicArn=arn%3Aaws%3Asns%3Aus-east-2%3A000000000000%3Atopic"
            "&Message=%7B%22a%20b%22%3A%22%26%3D%22%7D"
            "&MessageAttributes.entry.1.Name=RequestID"
            "&MessageAttributes.entry.1.Value.DataType=String"
            "&MessageAttributes.entry.1.Value.StringValue=r%201"
            "&MessageAttributes.entry.2.Name=ErrorCode"
            "&MessageAttributes.entry.2.Value.DataType=Number"
            "&MessageAttributes.entry.2.Value.StringValue=429");
}

TEST(BuildOperation, EventBridgePutEventsIsOneLambdaEntry) {
  Message message;
  message.arn = "arn:aws:events:us-east-1:000000000000:event-bus/default";
  message.body = R"({"version":"1.0"})";
  message.detail_type = "Lambda Function Invocation Result - Success";
  message.resources = {"arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST", message.arn};
  Result<Operation> op = BuildOperation(message, LocalStack(), "us-east-1");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->service, "events");
  EXPECT_EQ(op->request[http::field::content_type], "application/x-amz-json-1.1");
  EXPECT_EQ(op->request["X-Amz-Target"], "AWSEvents.PutEvents");
  json entry = json::parse(op->request.body())["Entries"][0];
  EXPECT_EQ(entry["Source"], "lambda");
  EXPECT_EQ(entry["DetailType"], message.detail_type);
  EXPECT_EQ(entry["Detail"], message.body);
  EXPECT_EQ(entry["EventBusName"], message.arn);
  EXPECT_EQ(entry["Resources"], json(message.resources));
}

TEST(BuildOperation, S3PutObjectIsPathStyleSignedForTheServersRegion) {
  Message message;
  message.arn = "arn:aws:s3:::failures";
  message.body = "{}";
  message.object_key = "aws/lambda/async/f/2024/01/02/2024-01-02T03.04.05-id";
  Result<Operation> op = BuildOperation(message, LocalStack(), "ap-south-1");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->service, "s3");
  EXPECT_EQ(op->region, "ap-south-1");
  EXPECT_EQ(op->request.method(), http::verb::put);
  EXPECT_EQ(op->request.target(), "/failures/aws/lambda/async/f/2024/01/02/2024-01-02T03.04.05-id");
  EXPECT_EQ(op->request.body(), "{}");

  message.object_key.clear();
  EXPECT_FALSE(BuildOperation(message, LocalStack(), "us-east-1").ok());
}

TEST(BuildOperation, RejectsOtherServices) {
  Message message;
  message.arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
  Result<Operation> op = BuildOperation(message, LocalStack(), "us-east-1");
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.status().message().find("not an SQS queue"), std::string::npos);
  message.arn = "nonsense";
  EXPECT_FALSE(BuildOperation(message, LocalStack(), "us-east-1").ok());
}

Operation SqsOperation() {
  Message message;
  message.arn = "arn:aws:sqs:us-east-1:000000000000:q";
  message.body = "{}";
  return BuildOperation(message, LocalStack(), "us-east-1").value();
}

TEST(CheckResponse, SqsQueryCompatibleErrorNamesTheQueryCode) {
  Reply reply = MakeReply(400, R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist",)"
                               R"("message":"The specified queue does not exist."})");
  reply.set("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender");
  EXPECT_EQ(CheckResponse(SqsOperation(), reply).message(),
            "sqs SendMessage to arn:aws:sqs:us-east-1:000000000000:q: HTTP 400 "
            "AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist.");
  reply.erase("x-amzn-query-error");
  EXPECT_NE(CheckResponse(SqsOperation(), reply).message().find("HTTP 400 QueueDoesNotExist: "),
            std::string::npos);
}

TEST(CheckResponse, XmlErrorsGiveCodeAndMessage) {
  Reply reply = MakeReply(404,
                          "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>"
                          "<Message>Topic does not exist &amp; never did</Message></Error>"
                          "</ErrorResponse>");
  EXPECT_NE(CheckResponse(SqsOperation(), reply)
                .message()
                .find("HTTP 404 NotFound: Topic does not exist & never did"),
            std::string::npos);
}

TEST(CheckResponse, AnyBodyIsAnErrorNotACrash) {
  EXPECT_TRUE(CheckResponse(SqsOperation(), MakeReply(200, "not json")).ok());
  Status status = CheckResponse(SqsOperation(), MakeReply(500, std::string(5000, '\xff')));
  EXPECT_FALSE(status.ok());
  EXPECT_LT(status.message().size(), 200u);
  EXPECT_FALSE(CheckResponse(SqsOperation(), MakeReply(503, "<Code>")).ok());
}

TEST(CheckResponse, PutEventsWithAFailedEntryIsAFailure) {
  Message message;
  message.arn = "arn:aws:events:us-east-1:000000000000:event-bus/default";
  Operation op = BuildOperation(message, LocalStack(), "us-east-1").value();
  EXPECT_TRUE(
      CheckResponse(op, MakeReply(200, R"({"FailedEntryCount":0,"Entries":[{"EventId":"e"}]})"))
          .ok());
  Status failed = CheckResponse(
      op, MakeReply(200, R"({"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure",)"
                         R"("ErrorMessage":"boom"}]})"));
  EXPECT_EQ(failed.message(),
            "events PutEvents to arn:aws:events:us-east-1:000000000000:event-bus/default: "
            "FailedEntryCount 1 InternalFailure: boom");
  EXPECT_FALSE(CheckResponse(op, MakeReply(200, "garbage")).ok());
}

TEST(S3DestinationKey, FollowsLambdasNamingConvention) {
  auto time = std::chrono::system_clock::from_time_t(1704164645);  // 2024-01-02T03:04:05Z
  EXPECT_EQ(S3DestinationKey("my-fn", time, "0f6c1a4e-6a48-4d9b-9c1e-2f3a4b5c6d7e"),
            "aws/lambda/async/my-fn/2024/01/02/2024-01-02T03.04.05-"
            "0f6c1a4e-6a48-4d9b-9c1e-2f3a4b5c6d7e");
}

}  // namespace
}  // namespace lambda_emu::aws
