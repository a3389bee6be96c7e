#include "aws/destination_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <utility>

#include "events/values.h"

namespace lambda_emu::aws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

std::string Duration(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
  return std::to_string(timeout.count()) + " ms";
}

}  // namespace

DestinationClient::DestinationClient(asio::io_context& io, std::string endpoint_url,
                                     Credentials credentials, std::string region)
    : io_(io),
      endpoint_url_(std::move(endpoint_url)),
      endpoint_(ParseEndpoint(endpoint_url_)),
      credentials_(std::move(credentials)),
      region_(std::move(region)) {}

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

  tcp::resolver resolver(io_);
  auto [resolve_error, addresses] =
      co_await resolver.async_resolve(endpoint.host, endpoint.port, kAwait);
  if (resolve_error)
    co_return fail("cannot resolve " + endpoint.host + ": " + resolve_error.message());

  beast::tcp_stream stream(io_);
  stream.expires_after(timeout_);
  auto [connect_error, connected] = co_await stream.async_connect(addresses, kAwait);
  if (connect_error == beast::error::timeout)
    co_return fail("connect timed out after " + Duration(timeout_));
  if (connect_error == asio::error::connection_refused) co_return fail("connection refused");
  if (connect_error) co_return fail("cannot connect: " + connect_error.message());

  stream.expires_after(timeout_);
  auto [write_error, written] = co_await http::async_write(stream, operation.request, kAwait);
  if (write_error == beast::error::timeout)
    co_return fail("no response within " + Duration(timeout_));
  if (write_error) co_return fail("cannot send the request: " + write_error.message());

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, kAwait);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (read_error == beast::error::timeout)
    co_return fail("no response within " + Duration(timeout_));
  if (read_error == http::error::body_limit) {
    co_return fail("response body over " + std::to_string(kResponseBodyLimit) + " bytes");
  }
  if (read_error == http::error::end_of_stream || read_error == asio::error::eof ||
      read_error == asio::error::connection_reset) {
    co_return fail("connection closed before a complete response (" + read_error.message() + ")");
  }
  if (read_error) co_return fail("unreadable response: " + read_error.message());
  co_return CheckResponse(operation, parser.get());
}

}  // namespace lambda_emu::aws
