// DestinationClient against an in-process fake endpoint: a Beast listener on
// 127.0.0.1:0 in the same io_context that records each request and answers
// as the test tells it (an AWS reply, silence, garbage, a reset, a huge body).

#include "aws/destination_client.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace lambda_emu::aws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

enum class Behaviour { kReply, kSilent, kGarbage, kReset, kHugeBody };

class FakeEndpoint {
 public:
  explicit FakeEndpoint(asio::io_context& io)
      : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, Accept(), asio::detached);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

  Behaviour behaviour = Behaviour::kReply;
  unsigned status = 200;
  std::string body = R"({"MessageId":"m-1","MD5OfMessageBody":"x"})";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<SignedRequest> requests;

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [error, socket] = co_await acceptor_.async_accept(kAwait);
      if (error) co_return;
      asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> Serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    SignedRequest request;
    auto [read_error, read] = co_await http::async_read(socket, buffer, request, kAwait);
    if (read_error) co_return;
    requests.push_back(request);
    switch (behaviour) {
      case Behaviour::kReply: {
        http::response<http::string_body> reply(static_cast<http::status>(status), 11);
        for (const auto& [name, value] : headers) reply.set(name, value);
        reply.body() = body;
        reply.prepare_payload();
        co_await http::async_write(socket, reply, kAwait);
        break;
      }
      case Behaviour::kSilent: {
        asio::steady_timer wait(io_, std::chrono::seconds(30));
        co_await wait.async_wait(kAwait);
        break;
      }
      case Behaviour::kGarbage: {
        std::string garbage = "SSH-2.0-OpenSSH_9.2\r\n\r\n\x01\x02\x03";
        co_await asio::async_write(socket, asio::buffer(garbage), kAwait);
        break;
      }
      case Behaviour::kReset: {
        socket.set_option(asio::socket_base::linger(true, 0));
        break;
      }
      case Behaviour::kHugeBody: {
        std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 4194304\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(head), kAwait);
        std::string chunk(64 * 1024, 'x');
        for (int i = 0; i < 64; ++i) {
          auto [error, n] = co_await asio::async_write(socket, asio::buffer(chunk), kAwait);
          if (error) break;
        }
        break;
      }
    }
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
};

class DestinationClientTest : public ::testing::Test {
 protected:
  Status SendAndWait(DestinationClient& client, Message message) {
    std::optional<Status> result;
    asio::co_spawn(io_, client.Send(std::move(message)),
                   [&](std::exception_ptr error, Status status) {
                     result = error ? Status::Error("exception") : std::move(status);
                   });
    while (!result) io_.run_one();
    return *result;
  }

  asio::io_context io_;
  FakeEndpoint fake_{io_};
  Credentials keys_{"AKIDTEST", "secret", ""};
};

Message SqsMessage() {
  Message message;
  message.arn = "arn:aws:sqs:eu-west-1:000000000000:dlq";
  message.body = R"({"key":"value"})";
  message.attributes = {
      {"RequestID", "req-1"}, {"ErrorCode", "200", "Number"}, {"ErrorMessage", "boom"}};
  return message;
}

// Recomputes the signature over the request as it arrived on the wire.
void ExpectValidSignature(const SignedRequest& received, const Credentials& keys,
                          std::string_view region, std::string_view service) {
  std::string amz_date(received["X-Amz-Date"]);
  ASSERT_EQ(amz_date.size(), 16u);
  std::tm utc{};
  strptime(amz_date.c_str(), "%Y%m%dT%H%M%SZ", &utc);
  SignedRequest copy = received;
  Sign(copy, keys, region, service, std::chrono::system_clock::from_time_t(timegm(&utc)));
  EXPECT_EQ(copy[http::field::authorization], received[http::field::authorization]);
}

TEST_F(DestinationClientTest, SendsSignedSqsSendMessage) {
  DestinationClient client(io_, fake_.url(), keys_);
  Status status = SendAndWait(client, SqsMessage());
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(fake_.requests.size(), 1u);
  const SignedRequest& request = fake_.requests[0];
  EXPECT_EQ(request["X-Amz-Target"], "AmazonSQS.SendMessage");
  EXPECT_EQ(request[http::field::host], fake_.url().substr(7));
  EXPECT_NE(request[http::field::authorization].find("Credential=AKIDTEST/"), std::string::npos);
  EXPECT_NE(request[http::field::authorization].find("/eu-west-1/sqs/aws4_request"),
            std::string::npos);
  json body = json::parse(request.body());
  EXPECT_EQ(body["QueueUrl"], fake_.url() + "/000000000000/dlq");
  EXPECT_EQ(body["MessageAttributes"]["ErrorMessage"]["StringValue"], "boom");
  ExpectValidSignature(request, keys_, "eu-west-1", "sqs");
}

TEST_F(DestinationClientTest, SessionTokenTravelsSigned) {
  keys_.session_token = "token-1";
  DestinationClient client(io_, fake_.url(), keys_);
  ASSERT_TRUE(SendAndWait(client, SqsMessage()).ok());
  EXPECT_EQ(fake_.requests[0]["X-Amz-Security-Token"], "token-1");
  EXPECT_NE(fake_.requests[0][http::field::authorization].find("x-amz-security-token"),
            std::string::npos);
  ExpectValidSignature(fake_.requests[0], keys_, "eu-west-1", "sqs");
}

TEST_F(DestinationClientTest, S3PutObjectCarriesContentSha256) {
  DestinationClient client(io_, fake_.url(), keys_, "eu-central-1");
  fake_.body = "";
  Message message;
  message.arn = "arn:aws:s3:::bucket";
  message.body = R"({"version":"1.0"})";
  message.object_key = "aws/lambda/async/fn/2024/01/02/2024-01-02T03.04.05-u";
  ASSERT_TRUE(SendAndWait(client, message).ok());
  const SignedRequest& request = fake_.requests[0];
  EXPECT_EQ(request.method(), http::verb::put);
  EXPECT_EQ(request.target(), "/bucket/" + message.object_key);
  EXPECT_EQ(request["x-amz-content-sha256"], Sha256Hex(message.body));
  EXPECT_EQ(request.body(), message.body);
  ExpectValidSignature(request, keys_, "eu-central-1", "s3");
}

TEST_F(DestinationClientTest, S3KeyIsMadeFromTheFunctionWhenNotGiven) {
  DestinationClient client(io_, fake_.url(), keys_);
  fake_.body = "";
  Message message;
  message.arn = "arn:aws:s3:::bucket";
  message.body = "{}";
  message.function_name = "fn";
  message.time = std::chrono::system_clock::from_time_t(1704164645);
  ASSERT_TRUE(SendAndWait(client, message).ok());
  const std::string prefix = "/bucket/aws/lambda/async/fn/2024/01/02/2024-01-02T03.04.05-";
  std::string target(fake_.requests[0].target());
  EXPECT_TRUE(target.starts_with(prefix)) << target;
  EXPECT_EQ(target.size(), prefix.size() + 36) << target;  // a UUID
}

TEST_F(DestinationClientTest, AwsErrorBecomesStatusWithCodeAndMessage) {
  fake_.status = 400;
  fake_.body =
      R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})";
  fake_.headers = {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}};
  DestinationClient client(io_, fake_.url(), keys_);
  Status status = SendAndWait(client, SqsMessage());
  EXPECT_EQ(status.message(),
            "sqs SendMessage to arn:aws:sqs:eu-west-1:000000000000:dlq: HTTP 400 "
            "AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist.");
}

TEST_F(DestinationClientTest, PutEventsFailedEntryIsAnError) {
  fake_.body =
      R"({"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure","ErrorMessage":"x"}]})";
  DestinationClient client(io_, fake_.url(), keys_);
  Message message;
  message.arn = "arn:aws:events:us-east-1:000000000000:event-bus/default";
  message.body = "{}";
  message.detail_type = "Lambda Function Invocation Result - Failure";
  Status status = SendAndWait(client, message);
  EXPECT_NE(status.message().find("FailedEntryCount 1 InternalFailure"), std::string::npos)
      << status.message();
}

TEST_F(DestinationClientTest, SilenceTimesOut) {
  fake_.behaviour = Behaviour::kSilent;
  DestinationClient client(io_, fake_.url(), keys_);
  client.set_timeout(std::chrono::milliseconds(300));
  Status status = SendAndWait(client, SqsMessage());
  EXPECT_NE(status.message().find("no response within 300 ms"), std::string::npos)
      << status.message();
}

TEST_F(DestinationClientTest, GarbageResetAndHugeBodiesAreErrors) {
  DestinationClient client(io_, fake_.url(), keys_);
  fake_.behaviour = Behaviour::kGarbage;
  Status garbage = SendAndWait(client, SqsMessage());
  EXPECT_NE(garbage.message().find("unreadable response"), std::string::npos) << garbage.message();
  fake_.behaviour = Behaviour::kReset;
  Status reset = SendAndWait(client, SqsMessage());
  EXPECT_NE(reset.message().find("connection closed before a complete response"), std::string::npos)
      << reset.message();
  fake_.behaviour = Behaviour::kHugeBody;
  Status huge = SendAndWait(client, SqsMessage());
  EXPECT_NE(huge.message().find("response body over 1048576 bytes"), std::string::npos)
      << huge.message();
}

TEST_F(DestinationClientTest, ConnectionRefusedIsAnError) {
  // A port that was just free: bind, learn it, close.
  unsigned short port;
  {
    tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  DestinationClient client(io_, "http://127.0.0.1:" + std::to_string(port), keys_);
  Status status = SendAndWait(client, SqsMessage());
  EXPECT_NE(status.message().find("connection refused (http://127.0.0.1:"), std::string::npos)
      << status.message();
}

TEST_F(DestinationClientTest, BadEndpointOrArnFailsWithoutSending) {
  DestinationClient bad(io_, "ftp://localhost:4566", keys_);
  EXPECT_FALSE(SendAndWait(bad, SqsMessage()).ok());
  EXPECT_FALSE(DestinationClient::CheckEndpoint("localhost:4566").ok());
  EXPECT_TRUE(DestinationClient::CheckEndpoint("http://localhost:4566/").ok());
  EXPECT_TRUE(DestinationClient::CheckEndpoint("https://localhost.localstack.cloud:4566").ok());
  DestinationClient client(io_, fake_.url(), keys_);
  Message message = SqsMessage();
  message.arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
  EXPECT_FALSE(SendAndWait(client, message).ok());
  EXPECT_TRUE(fake_.requests.empty());
}

// End to end against tests/lib/fake_aws.py, which checks each signature with
// botocore: tests/integration/test_fake_aws.py starts the fake and runs this
// test with LAMBDA_EMU_FAKE_AWS_URL set, then checks what the fake recorded.
// Skipped when the variable is unset (a plain unit test run).
TEST(DestinationClientFakeAws, SendsEachServiceSignedAsBotocoreExpects) {
  const char* url = std::getenv("LAMBDA_EMU_FAKE_AWS_URL");
  if (url == nullptr) GTEST_SKIP() << "LAMBDA_EMU_FAKE_AWS_URL not set";
  asio::io_context io;
  DestinationClient client(io, url, Credentials{"test", "test", ""}, "eu-central-1");
  auto send = [&](DestinationClient& with, Message message) {
    std::optional<Status> result;
    asio::co_spawn(io, with.Send(std::move(message)), [&](std::exception_ptr error, Status status) {
      result = error ? Status::Error("exception") : std::move(status);
    });
    while (!result) io.run_one();
    return *result;
  };
  std::vector<MessageAttribute> attributes = {{"RequestID", "cpp-request-1"},
                                              {"ErrorCode", "200", "Number"},
                                              {"ErrorMessage", "boom: x=1&y=2 + \xc3\xa9 / ~"}};

  Message sqs;
  sqs.arn = "arn:aws:sqs:us-east-1:000000000000:cpp-dlq";
  sqs.body = R"({"from":"cpp","service":"sqs","text":"a b&c=d \u00e9"})";
  sqs.attributes = attributes;
  Status sqs_status = send(client, sqs);
  EXPECT_TRUE(sqs_status.ok()) << sqs_status.message();

  Message sns;
  sns.arn = "arn:aws:sns:eu-west-1:000000000000:cpp-topic";
  sns.body = R"({"from":"cpp","service":"sns","text":"a b&c=d +%"})";
  sns.attributes = attributes;
  Status sns_status = send(client, sns);
  EXPECT_TRUE(sns_status.ok()) << sns_status.message();

  Message events;
  events.arn = "arn:aws:events:us-east-1:000000000000:event-bus/default";
  events.body = R"({"from":"cpp","service":"events"})";
  events.detail_type = "Lambda Function Invocation Result - Success";
  events.resources = {"arn:aws:lambda:us-east-1:000000000000:function:cpp-fn:$LATEST", events.arn};
  Status events_status = send(client, events);
  EXPECT_TRUE(events_status.ok()) << events_status.message();

  Message s3;
  s3.arn = "arn:aws:s3:::cpp-failures";
  s3.body = R"({"from":"cpp","service":"s3"})";
  s3.object_key = S3DestinationKey("cpp-fn", std::chrono::system_clock::from_time_t(1704164645),
                                   "0f6c1a4e-6a48-4d9b-9c1e-2f3a4b5c6d7e");
  Status s3_status = send(client, s3);
  EXPECT_TRUE(s3_status.ok()) << s3_status.message();

  DestinationClient wrong_secret(io, url, Credentials{"test", "not-the-secret", ""});
  Message rejected = sqs;
  rejected.arn = "arn:aws:sqs:us-east-1:000000000000:never";
  Status rejected_status = send(wrong_secret, rejected);
  EXPECT_NE(rejected_status.message().find("HTTP 403 SignatureDoesNotMatch"), std::string::npos)
      << rejected_status.message();
}

}  // namespace
}  // namespace lambda_emu::aws
