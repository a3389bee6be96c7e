#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
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

struct AtomicStats {
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> idle_timeouts{0};
  std::atomic<std::uint64_t> request_timeouts{0};
  std::atomic<std::uint64_t> malformed{0};
  std::atomic<std::uint64_t> accept_errors{0};
};
AtomicStats g_stats;

// The interval at which deadlines are checked: a quarter of the shortest
// timeout, so one fires at most 25% late; at least 25 ms, at most 1 s.
std::chrono::milliseconds SweepInterval(const ServerOptions& o) {
  std::chrono::milliseconds shortest{1000 * 4};
  for (auto t : {o.idle_timeout, o.header_timeout}) {
    if (t.count() > 0) shortest = std::min(shortest, t);
  }
  return std::clamp(shortest / 4, std::chrono::milliseconds(25), std::chrono::milliseconds(1000));
}

// A request Beast could not parse (as opposed to the peer going away).
bool IsParseError(const boost::system::error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::bad_method).category()) return false;
  return ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::need_more && ec != http::error::need_buffer;
}

std::string_view DescribeParseError(const boost::system::error_code& ec) {
  switch (static_cast<http::error>(ec.value())) {
    case http::error::bad_method:
    case http::error::bad_target:
    case http::error::bad_version:
      return "Malformed request line";
    case http::error::bad_content_length:
    case http::error::multiple_content_length:
      return "Invalid Content-Length";
    case http::error::bad_transfer_encoding:
      return "Invalid Transfer-Encoding";
    case http::error::bad_chunk:
    case http::error::bad_chunk_extension:
      return "Invalid chunked encoding";
    default:
      return "Malformed request";
  }
}

}  // namespace

ConnectionStats GetConnectionStats() {
  return ConnectionStats{g_stats.refused.load(), g_stats.idle_timeouts.load(),
                         g_stats.request_timeouts.load(), g_stats.malformed.load(),
                         g_stats.accept_errors.load()};
}

struct Server::Connection {
  explicit Connection(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;  // the sweep cancelled its I/O
  bool busy = false;       // between a request's header and its answer
};

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
      oversize_(std::move(oversize)),
      sweep_(io),
      slot_freed_(io) {}

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
  sweep_.cancel();
  slot_freed_.cancel();
  for (Connection* connection : connections_) {
    connection->socket.shutdown(tcp::socket::shutdown_both, ec);
    connection->socket.close(ec);
  }
}

void Server::StopAccepting() {
  if (draining_ || stopped_) return;
  draining_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  slot_freed_.cancel();
  for (Connection* connection : connections_) {
    // Its read of the next request ends now.
    if (!connection->busy) connection->socket.shutdown(tcp::socket::shutdown_both, ec);
  }
}

void Server::SetDeadline(Connection& connection, std::chrono::milliseconds timeout) {
  connection.timed_out = false;
  if (timeout.count() <= 0) {
    connection.deadline = Clock::time_point::max();
    return;
  }
  connection.deadline = Clock::now() + timeout;
  ArmSweep();
}

void Server::ArmSweep() {
  if (sweeping_ || stopped_) return;
  sweeping_ = true;
  sweep_.expires_after(SweepInterval(options_));
  sweep_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self) return;
    self->sweeping_ = false;
    if (!ec && !self->stopped_) self->Sweep();
  });
}

void Server::Sweep() {
  const auto now = Clock::now();
  bool pending = false;
  for (Connection* connection : connections_) {
    if (connection->deadline == Clock::time_point::max()) continue;
    if (connection->deadline > now) {
      pending = true;
      continue;
    }
    connection->deadline = Clock::time_point::max();
    connection->timed_out = true;
    boost::system::error_code ignored;
    connection->socket.cancel(ignored);  // the pending read or write completes with an error
  }
  if (pending) ArmSweep();
}

Response Server::ProtocolError(http::status status, std::string_view message) const {
  Response res;
  if (options_.protocol_error) {
    res = options_.protocol_error(status, message);
  } else {
    res = Response{status, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = "{\"message\":\"" + std::string(message) + "\"}";
  }
  res.keep_alive(false);
  return res;
}

asio::awaitable<void> Server::AcceptLoop() {
  auto self = shared_from_this();
  const size_t cap = options_.max_connections;
  while (!stopped_ && !draining_) {
    if (cap && options_.over_cap == OverCap::kWait && connections_.size() >= cap) {
      // Clients wait in the listen backlog until a connection closes.
      if (!cap_logged_) {
        cap_logged_ = true;
        spdlog::warn("{}: {} connections at once; new ones wait until one closes",
                     options_.log_name.empty() ? "http" : options_.log_name, cap);
      }
      slot_freed_.expires_at(asio::steady_timer::time_point::max());
      co_await slot_freed_.async_wait(kAwait);
      continue;
    }
    auto connection = std::make_shared<Connection>(io_);
    auto [ec] = co_await acceptor_.async_accept(connection->socket, kAwait);
    if (ec) {
      if (stopped_ || draining_ || ec == asio::error::operation_aborted) break;
      // EMFILE and friends: back off briefly rather than spin.
      g_stats.accept_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("{}: accept failed: {}", options_.log_name.empty() ? "http" : options_.log_name,
                   ec.message());
      asio::steady_timer timer(io_, std::chrono::milliseconds(50));
      co_await timer.async_wait(kAwait);
      continue;
    }
    boost::system::error_code ignored;
    if (cap && connections_.size() >= cap) {
      // kClose: the descriptor is given back at once, so a client opening
      // connections in a loop costs the server nothing it keeps.
      g_stats.refused.fetch_add(1, std::memory_order_relaxed);
      if (!cap_logged_) {
        cap_logged_ = true;
        spdlog::warn("{}: more than {} connections at once; further ones are closed",
                     options_.log_name.empty() ? "http" : options_.log_name, cap);
      }
      connection->socket.close(ignored);
      continue;
    }
    connection->socket.set_option(tcp::no_delay(true), ignored);
    connections_.insert(connection.get());
    asio::co_spawn(io_, Serve(std::move(connection)), asio::detached);
  }
}

asio::awaitable<bool> Server::Discard(Connection& connection, beast::flat_buffer& buffer,
                                      std::uint64_t length) {
  constexpr std::uint64_t kMaxDiscard = 64ull << 20;
  if (length > kMaxDiscard) co_return false;
  std::uint64_t buffered = std::min<std::uint64_t>(buffer.size(), length);
  buffer.consume(static_cast<size_t>(buffered));
  length -= buffered;
  std::vector<char> scratch(64 * 1024);
  while (length > 0) {
    size_t want = static_cast<size_t>(std::min<std::uint64_t>(length, scratch.size()));
    SetDeadline(connection, options_.header_timeout);
    auto [ec, n] =
        co_await connection.socket.async_read_some(asio::buffer(scratch.data(), want), kAwait);
    if (ec) co_return false;
    length -= n;
  }
  co_return true;
}

// After an error answer the client may still be sending (the rest of a 100 KB
// header): closing a socket with unread data makes the kernel send a reset,
// which can discard our answer before the client reads it. So stop sending
// and read what comes for a little while first (Apache's lingering close).
asio::awaitable<void> Server::LingeringClose(Connection& connection) {
  constexpr std::uint64_t kMaxLinger = 1 << 20;
  boost::system::error_code ignored;
  connection.socket.shutdown(tcp::socket::shutdown_send, ignored);
  SetDeadline(connection, std::chrono::seconds(2));
  std::vector<char> scratch(16 * 1024);
  std::uint64_t read = 0;
  while (read < kMaxLinger) {
    auto [ec, n] = co_await connection.socket.async_read_some(asio::buffer(scratch), kAwait);
    if (ec) break;
    read += n;
  }
  SetDeadline(connection, std::chrono::milliseconds(0));
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

asio::awaitable<void> Server::Serve(std::shared_ptr<Connection> connection) {
  auto self = shared_from_this();
  tcp::socket& socket = connection->socket;
  beast::flat_buffer buffer;
  bool first_request = true;
  while (!stopped_) {
    http::request_parser<http::string_body> parser;
    // Beast rejects a too-long Content-Length while reading the header; lift
    // the limit until then so the oversize answer can be given from it.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(kHeaderLimit);

    // Wait for the request's first byte apart, so that a keep-alive
    // connection's silence (idle) and a request that stalls half-way
    // (slowloris) have their own timeouts. Beast parses what is already in
    // the buffer before it reads, so this costs no extra read.
    if (buffer.size() == 0) {
      SetDeadline(*connection, first_request ? options_.header_timeout : options_.idle_timeout);
      auto [ec, n] =
          co_await socket.async_read_some(buffer.prepare(beast::read_size(buffer, 65536)), kAwait);
      buffer.commit(n);
      if (ec) {
        if (connection->timed_out) g_stats.idle_timeouts.fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    if (draining_) break;
    first_request = false;
    connection->busy = true;
    ++in_progress_;
    SetDeadline(*connection, options_.header_timeout);
    auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, kAwait);

    Response res;
    bool close_after = true;
    bool linger = true;  // a protocol error: see LingeringClose
    if (ec) {
      if (connection->timed_out) {
        g_stats.request_timeouts.fetch_add(1, std::memory_order_relaxed);
        res = ProtocolError(http::status::request_timeout,
                            "The request header was not received in time");
      } else if (ec == http::error::header_limit) {
        g_stats.malformed.fetch_add(1, std::memory_order_relaxed);
        res = ProtocolError(http::status::request_header_fields_too_large,
                            "Request header fields too large");
      } else if (IsParseError(ec)) {
        g_stats.malformed.fetch_add(1, std::memory_order_relaxed);
        res = ProtocolError(http::status::bad_request, DescribeParseError(ec));
      } else {
        break;  // the peer went away
      }
    } else {
      linger = false;
      const auto length = parser.content_length();
      const std::uint64_t body_limit =
          options_.body_limit_for ? options_.body_limit_for(parser.get()) : options_.body_limit;
      if (length && *length > body_limit) {
        res = oversize_(parser.get());
        // Read and drop the body, so the client sees our answer instead of a
        // reset while it is still sending (up to a bound; beyond it, close).
        const bool drained = co_await Discard(*connection, buffer, *length);
        close_after = !drained || !parser.get().keep_alive();
      } else {
        parser.body_limit(body_limit);  // also bounds chunked bodies
        // The body must keep arriving: each read gets header_timeout anew.
        while (!ec && !parser.is_done()) {
          SetDeadline(*connection, options_.header_timeout);
          std::tie(ec, n) = co_await http::async_read_some(socket, buffer, parser, kAwait);
        }
        if (ec == http::error::body_limit) {
          res = oversize_(parser.get());
        } else if (ec && connection->timed_out) {
          linger = true;
          g_stats.request_timeouts.fetch_add(1, std::memory_order_relaxed);
          res = ProtocolError(http::status::request_timeout,
                              "The request body was not received in time");
        } else if (ec && IsParseError(ec)) {
          linger = true;
          g_stats.malformed.fetch_add(1, std::memory_order_relaxed);
          res = ProtocolError(http::status::bad_request, DescribeParseError(ec));
        } else if (ec) {
          break;
        } else {
          SetDeadline(*connection, std::chrono::milliseconds(0));  // handler time is not bounded
          Request& req = parser.get();
          if (options_.is_stream && options_.is_stream(req)) {
            connection->busy = false;
            --in_progress_;
            co_await options_.stream(req, socket);
            break;
          }
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
    }
    if (stopped_) break;
    res.keep_alive(!close_after && !draining_);
    if (!options_.server_name.empty()) res.set(http::field::server, options_.server_name);
    res.prepare_payload();
    // A client that does not read its answer is cut off like an idle one.
    SetDeadline(*connection, options_.idle_timeout.count() > 0 ? options_.idle_timeout
                                                               : options_.header_timeout);
    auto [wec, written] = co_await http::async_write(socket, res, kAwait);
    connection->busy = false;
    --in_progress_;
    if (!wec && linger) co_await LingeringClose(*connection);
    if (wec || close_after || draining_) break;
  }
  if (connection->busy) --in_progress_;  // left with a request unanswered
  connections_.erase(connection.get());
  if (options_.max_connections) slot_freed_.cancel();
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace lambda_emu::http
