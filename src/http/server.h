#pragma once
// http::Server: a Beast HTTP/1.1 listener and its keep-alive connections.
//
// Transport only: it reads a request, hands it to the Handler (a coroutine
// that may suspend, e.g. while an invoke runs or a /next long-poll waits) and
// writes the response back. A request whose body exceeds `body_limit` never
// reaches the Handler: the OversizeHandler answers it from its header and the
// connection is closed, because the rest of the body is not read.
//
// Used for the Invoke API (one server) and for each execution environment's
// Runtime API (one server per environment, on its own loopback port).
//
// Threading: everything runs on the single io_context thread that owns the
// server; none of its members may be touched from another thread. Owned by a
// shared_ptr; Stop() closes the acceptor and every open connection, after
// which connections drop their references and the server is freed.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <unordered_map>

#include "lambda_emu/status.h"

namespace lambda_emu {
namespace asio = boost::asio;
namespace beast = boost::beast;
}  // namespace lambda_emu

namespace lambda_emu::http {

using tcp = asio::ip::tcp;

using Request = beast::http::request<beast::http::string_body>;
using Response = beast::http::response<beast::http::string_body>;
using Handler = std::function<asio::awaitable<Response>(Request&)>;
using OversizeHandler = std::function<Response(const Request& header)>;

struct ServerOptions {
  std::uint64_t body_limit = 8 * 1024 * 1024;
  // When set, the limit for one request, from its header (an operation that
  // uploads a deployment package takes more than an invoke); else body_limit.
  std::uint64_t (*body_limit_for)(const Request& header) = nullptr;
  std::string server_name;  // "Server" header; empty means none
  // At the debug level each request is logged as "<log_name>: METHOD
  // target -> status (time)".
  std::string log_name;
};

class Server : public std::enable_shared_from_this<Server> {
 public:
  static Result<std::shared_ptr<Server>> Start(asio::io_context& io, const tcp::endpoint& endpoint,
                                               ServerOptions options, Handler handler,
                                               OversizeHandler oversize);
  ~Server();

  std::uint16_t port() const { return port_; }
  void Stop();
  // The first step of a graceful shutdown: closes the listener and the
  // connections waiting for a request; requests being handled finish and
  // are answered with `Connection: close`.
  void StopAccepting();
  // Requests being handled now (their answer not yet written).
  size_t requests_in_progress() const { return in_progress_; }

  // Internal; public for make_shared.
  Server(asio::io_context& io, ServerOptions options, Handler handler, OversizeHandler oversize);

 private:
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Serve(std::shared_ptr<tcp::socket> socket);
  // Reads and drops `length` body bytes; false when the connection must close.
  asio::awaitable<bool> Discard(tcp::socket& socket, beast::flat_buffer& buffer,
                                std::uint64_t length);

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  ServerOptions options_;
  Handler handler_;
  OversizeHandler oversize_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  bool draining_ = false;  // StopAccepting() was called
  size_t in_progress_ = 0;
  // Open connections; true while one is handling a request.
  std::unordered_map<tcp::socket*, bool> connections_;
};

// Small helpers shared by the API layers.
Response MakeResponse(const Request& req, beast::http::status status, std::string body,
                      std::string_view content_type = "application/json");

}  // namespace lambda_emu::http
