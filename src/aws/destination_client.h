#pragma once
// aws::DestinationClient: sends async invocation records and dead-letter
// events to an AWS-compatible endpoint (`serve --aws-endpoint-url`, e.g.
// LocalStack at http://localhost:4566) as the AWS SDKs send them: SQS
// SendMessage, SNS Publish, EventBridge PutEvents or S3 PutObject, chosen by
// the destination ARN's service (aws/operations.h), SigV4-signed with the
// server's Credentials (aws/sigv4.h).
//
// Each Send() opens its own connection, sends one request and reads one
// response; connecting, the TLS handshake (https), and then writing and
// reading each have `timeout` (10 s unless set). An https endpoint's
// certificate must chain to the system's CAs, or to AWS_CA_BUNDLE's when
// that is set, and name the endpoint's host. Every failure (unresolvable
// host, refused connection, timeout, reset, a non-HTTP or oversized answer,
// an AWS error) comes back as an error Status saying what was sent where and
// why it failed; nothing throws and nothing is retried here (the async queue
// decides that).
//
// Owned by the server, one per server. Threading: io thread only; Send() may
// run many times at once on it (each on its own socket).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aws/operations.h"
#include "aws/sigv4.h"
#include "lambda_emu/status.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace lambda_emu::aws {

class DestinationClient {
 public:
  // The largest response body read; a bigger one fails the send.
  static constexpr std::uint64_t kResponseBodyLimit = 1024 * 1024;
  static constexpr std::chrono::milliseconds kDefaultTimeout{10'000};

  // `region` signs requests whose ARN has none (S3 buckets); every other ARN
  // is signed for its own region. `endpoint_url` should have passed
  // CheckEndpoint; if not, every Send() fails with its error.
  DestinationClient(boost::asio::io_context& io, std::string endpoint_url, Credentials credentials,
                    std::string region = "us-east-1");
  ~DestinationClient();
  DestinationClient(const DestinationClient&) = delete;
  DestinationClient& operator=(const DestinationClient&) = delete;

  // For the flag: http[s]://HOST[:PORT][/]. URLs with a path, query or user
  // info are rejected with a message saying what is accepted.
  static Status CheckEndpoint(std::string_view url);

  // Sends one message. Status::Error says why it failed, e.g. "sqs SendMessage
  // to arn:...: HTTP 400 AWS.SimpleQueueService.NonExistentQueue: ...",
  // "... connection refused (http://localhost:4566)", "... no response within 10 s".
  boost::asio::awaitable<Status> Send(Message message);

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  const std::string& endpoint_url() const { return endpoint_url_; }
  const std::string& region() const { return region_; }

 private:
  boost::asio::io_context& io_;
  std::string endpoint_url_;
  Result<Endpoint> endpoint_;
  Credentials credentials_;
  std::string region_;
  std::chrono::milliseconds timeout_ = kDefaultTimeout;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // https endpoints only
  Status tls_error_;                                // the CA bundle could not be read
};

}  // namespace lambda_emu::aws
