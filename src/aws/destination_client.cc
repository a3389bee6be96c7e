#include "aws/destination_client.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdlib>
#include <optional>
#include <utility>

#include "events/values.h"

namespace lambda_emu::aws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

std::string Duration(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
  return std::to_string(timeout.count()) + " ms";
}

// Why a send failed, without the operation and endpoint around it.
using Failure = std::optional<std::string>;

// Writes the request and reads the answer on a connected (and, for https,
// handshaken) stream; `reply` is set when an HTTP response came back whole.
template <typename Stream>
asio::awaitable<Failure> Exchange(Stream& stream, SignedRequest& request,
                                  std::chrono::milliseconds timeout, Reply& reply) {
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [write_error, written] = co_await http::async_write(stream, request, kAwait);
  if (write_error == beast::error::timeout) co_return "no response within " + Duration(timeout);
  if (write_error) co_return "cannot send the request: " + write_error.message();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(DestinationClient::kResponseBodyLimit);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, kAwait);
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (read_error == beast::error::timeout) co_return "no response within " + Duration(timeout);
  if (read_error == http::error::body_limit) {
    co_return "response body over " + std::to_string(DestinationClient::kResponseBodyLimit) +
        " bytes";
  }
  if (read_error == http::error::end_of_stream || read_error == asio::error::eof ||
      read_error == asio::error::connection_reset || read_error == ssl::error::stream_truncated) {
    co_return "connection closed before a complete response (" + read_error.message() + ")";
  }
  if (read_error) co_return "unreadable response: " + read_error.message();
  reply = parser.release();
  co_return std::nullopt;
}

}  // namespace

DestinationClient::DestinationClient(asio::io_context& io, std::string endpoint_url,
                                     Credentials credentials, std::string region)
    : io_(io),
      endpoint_url_(std::move(endpoint_url)),
      endpoint_(ParseEndpoint(endpoint_url_)),
      credentials_(std::move(credentials)),
      region_(std::move(region)) {
  if (!endpoint_.ok() || !endpoint_->tls) return;
  tls_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  tls_->set_verify_mode(ssl::verify_peer);
  beast::error_code error;
  // AWS_CA_BUNDLE: the SDKs' variable for a CA bundle to trust instead of the
  // system's (LocalStack's own certificate, a corporate proxy's).
  const char* bundle = std::getenv("AWS_CA_BUNDLE");
  if (bundle != nullptr && *bundle != '\0') {
    tls_->load_verify_file(bundle, error);
    if (error) {
      tls_error_ = Status::Error("AWS_CA_BUNDLE " + std::string(bundle) + ": " + error.message());
    }
  } else {
    tls_->set_default_verify_paths(error);
    if (error) tls_error_ = Status::Error("system CA certificates: " + error.message());
  }
}

DestinationClient::~DestinationClient() = default;

Status DestinationClient::CheckEndpoint(std::string_view url) {
  return ParseEndpoint(url).status();
}

asio::awaitable<Status> DestinationClient::Send(Message message) {
  if (!endpoint_.ok()) co_return endpoint_.status();
  const Endpoint& endpoint = endpoint_.value();
  std::optional<Arn> arn = ParseArn(message.arn);
  if (arn && arn->service == "s3" && message.object_key.empty() && !message.function_name.empty()) {
    auto time = message.time == std::chrono::system_clock::time_point()
                    ? std::chrono::system_clock::now()
                    : message.time;
    message.object_key = S3DestinationKey(message.function_name, time, events::NewUuid());
  }
  Result<Operation> built = BuildOperation(message, endpoint, region_);
  if (!built.ok()) co_return built.status();
  Operation& operation = built.value();
  Sign(operation.request, credentials_, operation.region, operation.service,
       std::chrono::system_clock::now());
  operation.request.prepare_payload();

  auto fail = [&](std::string why) {
    return Status::Error(operation.Describe() + ": " + why + " (" + endpoint.base_url + ")");
  };
  if (!tls_error_.ok()) co_return fail(tls_error_.message());

  tcp::resolver resolver(io_);
  auto [resolve_error, addresses] =
      co_await resolver.async_resolve(endpoint.host, endpoint.port, kAwait);
  if (resolve_error) {
    co_return fail("cannot resolve " + endpoint.host + ": " + resolve_error.message());
  }

  beast::tcp_stream stream(io_);
  stream.expires_after(timeout_);
  auto [connect_error, connected] = co_await stream.async_connect(addresses, kAwait);
  if (connect_error == beast::error::timeout) {
    co_return fail("connect timed out after " + Duration(timeout_));
  }
  if (connect_error == asio::error::connection_refused) co_return fail("connection refused");
  if (connect_error) co_return fail("cannot connect: " + connect_error.message());

  Reply reply;
  Failure failure;
  if (!endpoint.tls) {
    failure = co_await Exchange(stream, operation.request, timeout_, reply);
  } else {
    beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(stream), *tls_);
    // SNI for a host name (not for an IP address), and the certificate must
    // name the host: what every SDK checks.
    beast::error_code not_ip;
    asio::ip::make_address(endpoint.host, not_ip);
    if (not_ip && !SSL_set_tlsext_host_name(tls_stream.native_handle(), endpoint.host.c_str())) {
      co_return fail("cannot set the TLS server name");
    }
    tls_stream.set_verify_callback(ssl::host_name_verification(endpoint.host));
    beast::get_lowest_layer(tls_stream).expires_after(timeout_);
    auto [handshake_error] = co_await tls_stream.async_handshake(ssl::stream_base::client, kAwait);
    if (handshake_error == beast::error::timeout) {
      co_return fail("TLS handshake timed out after " + Duration(timeout_));
    }
    if (handshake_error) co_return fail("TLS handshake failed: " + handshake_error.message());
    failure = co_await Exchange(tls_stream, operation.request, timeout_, reply);
  }
  if (failure) co_return fail(*failure);
  co_return CheckResponse(operation, reply);
}

}  // namespace lambda_emu::aws
