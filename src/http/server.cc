#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <limits>
#include <optional>

namespace lambda_emu::http {

namespace http = beast::http;
namespace {
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
}

Response MakeResponse(const Request& req, http::status status, std::string body,
                      std::string_view content_type) {
  Response res{status, req.version()};
  if (!content_type.empty()) res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

Server::Server(asio::io_context& io, ServerOptions options, Handler handler,
               OversizeHandler oversize)
    : io_(io),
      acceptor_(io),
      options_(std::move(options)),
      handler_(std::move(handler)),
      oversize_(std::move(oversize)) {}

Server::~Server() = default;

Result<std::shared_ptr<Server>> Server::Start(asio::io_context& io, const tcp::endpoint& endpoint,
                                              ServerOptions options, Handler handler,
                                              OversizeHandler oversize) {
  auto server =
      std::make_shared<Server>(io, std::move(options), std::move(handler), std::move(oversize));
  boost::system::error_code ec;
  auto& a = server->acceptor_;
  if (a.open(endpoint.protocol(), ec); ec) return Status::Error("socket: " + ec.message());
  if (a.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return Status::Error("SO_REUSEADDR: " + ec.message());
  }
  if (a.bind(endpoint, ec); ec) {
    return Status::Error("cannot bind " + endpoint.address().to_string() + ":" +
                         std::to_string(endpoint.port()) + ": " + ec.message());
  }
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::Error("listen: " + ec.message());
  }
  server->port_ = a.local_endpoint(ec).port();
  asio::co_spawn(io, server->AcceptLoop(), asio::detached);
  return server;
}

void Server::Stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& [socket, busy] : connections_) {
    socket->shutdown(tcp::socket::shutdown_both, ec);
    socket->close(ec);
  }
}

void Server::StopAccepting() {
  if (draining_ || stopped_) return;
  draining_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& [socket, busy] : connections_) {
    if (!busy) socket->shutdown(tcp::socket::shutdown_both, ec);  // its read ends now
  }
}

asio::awaitable<void> Server::AcceptLoop() {
  auto self = shared_from_this();
  while (!stopped_) {
    auto socket = std::make_shared<tcp::socket>(io_);
    auto [ec] = co_await acceptor_.async_accept(*socket, kAwait);
    if (ec) {
      if (stopped_ || ec == asio::error::operation_aborted) break;
      // EMFILE and friends: back off briefly rather than spin.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer timer(io_, std::chrono::milliseconds(50));
      co_await timer.async_wait(kAwait);
      continue;
    }
    boost::system::error_code ignored;
    socket->set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<bool> Server::Discard(tcp::socket& socket, beast::flat_buffer& buffer,
                                      std::uint64_t length) {
  constexpr std::uint64_t kMaxDiscard = 64ull << 20;
  if (length > kMaxDiscard) co_return false;
  std::uint64_t buffered = std::min<std::uint64_t>(buffer.size(), length);
  buffer.consume(static_cast<size_t>(buffered));
  length -= buffered;
  std::vector<char> scratch(64 * 1024);
  while (length > 0) {
    size_t want = static_cast<size_t>(std::min<std::uint64_t>(length, scratch.size()));
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(scratch.data(), want), kAwait);
    if (ec) co_return false;
    length -= n;
  }
  co_return true;
}

namespace {

// --log-level debug: one line per request, written when the answer is ready
// (a long-polled /next is logged when its event arrives).
struct RequestLogEntry {
  explicit RequestLogEntry(const Request& req)
      : method(req.method_string()), target(req.target()), started(Clock::now()) {}

  void Write(const std::string& server, const Response& res) const {
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    spdlog::debug("{}: {} {} -> {} ({:.2f} ms)", server.empty() ? "http" : server, method, target,
                  res.result_int(), ms);
  }

  using Clock = std::chrono::steady_clock;
  std::string method;
  std::string target;
  Clock::time_point started;
};

}  // namespace

asio::awaitable<void> Server::Serve(std::shared_ptr<tcp::socket> socket) {
  auto self = shared_from_this();
  if (stopped_) co_return;
  if (draining_) co_return;
  connections_.emplace(socket.get(), false);
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    // Beast rejects a too-long Content-Length while reading the header; lift
    // the limit until then so the oversize answer can be given from it.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(64 * 1024);
    auto [ec, n] = co_await http::async_read_header(*socket, buffer, parser, kAwait);
    if (ec || draining_) break;
    connections_[socket.get()] = true;
    ++in_progress_;

    Response res;
    bool close_after = false;
    const auto length = parser.content_length();
    const std::uint64_t body_limit =
        options_.body_limit_for ? options_.body_limit_for(parser.get()) : options_.body_limit;
    if (length && *length > body_limit) {
      res = oversize_(parser.get());
      // Read and drop the body, so the client sees our answer instead of a
      // reset while it is still sending (up to a bound; beyond it, close).
      close_after = !co_await Discard(*socket, buffer, *length);
    } else {
      parser.body_limit(body_limit);  // also bounds chunked bodies
      std::tie(ec, n) = co_await http::async_read(*socket, buffer, parser, kAwait);
      if (ec == http::error::body_limit) {
        res = oversize_(parser.get());
        close_after = true;
      } else if (ec) {
        break;
      } else {
        Request& req = parser.get();
        std::optional<RequestLogEntry> logged;
        if (spdlog::should_log(spdlog::level::debug)) logged.emplace(req);
        try {
          res = co_await handler_(req);
        } catch (const std::exception& e) {
          spdlog::error("request {} {} failed: {}", std::string(req.method_string()),
                        std::string(req.target()), e.what());
          res = MakeResponse(req, http::status::internal_server_error,
                             R"({"Type":"Service","message":"internal error"})");
          res.set("x-amzn-ErrorType", "ServiceException");
        }
        close_after = !req.keep_alive();
        if (logged) logged->Write(options_.log_name, res);
      }
    }
    if (stopped_) break;
    res.keep_alive(!close_after && !draining_);
    if (!options_.server_name.empty()) res.set(http::field::server, options_.server_name);
    res.prepare_payload();
    auto [wec, written] = co_await http::async_write(*socket, res, kAwait);
    connections_[socket.get()] = false;
    --in_progress_;
    if (wec || close_after || draining_) break;
  }
  if (connections_[socket.get()]) --in_progress_;  // left with a request unanswered
  connections_.erase(socket.get());
  boost::system::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_send, ignored);
  socket->close(ignored);
}

}  // namespace lambda_emu::http
