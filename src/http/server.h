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
//
// Hostile clients (docs/reliability/http.md): a connection that sends
// nothing between requests is closed after `idle_timeout`; a request whose
// header does not complete within `header_timeout` of its first byte (or of
// the connection being opened), or whose body stops arriving for that long,
// gets 408 and is closed. The Handler's own time (a 15-minute invoke, a /next
// that waits hours) is never limited here. Unparsable requests get 400, a
// header section past kHeaderLimit 431, both with `Connection: close`. At
// `max_connections` a listener either stops accepting until one closes
// (kWait: clients queue in the kernel's backlog) or accepts and closes at
// once (kClose).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <unordered_set>

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
// A response written over time (Server-Sent Events): it takes the connection
// over once the request is read, writes its own head and body, and the
// connection closes when it returns. Not a request in progress: a graceful
// shutdown closes it at once.
using StreamHandler = std::function<asio::awaitable<void>(const Request&, tcp::socket&)>;
// The answer to a request that cannot be served at the HTTP level (400, 408,
// 431); `message` is a short English sentence. Sent with Connection: close.
using ProtocolErrorHandler = Response (*)(beast::http::status status, std::string_view message);

// The largest request header section (request line and fields) read.
inline constexpr std::uint32_t kHeaderLimit = 64 * 1024;

enum class OverCap {
  kWait,   // stop accepting until a connection closes (the backlog holds the rest)
  kClose,  // accept and close at once, so a flood neither fills the backlog nor spins
};

struct ServerOptions {
  std::uint64_t body_limit = 8 * 1024 * 1024;
  // When set, the limit for one request, from its header (an operation that
  // uploads a deployment package takes more than an invoke); else body_limit.
  std::uint64_t (*body_limit_for)(const Request& header) = nullptr;
  std::string server_name;  // "Server" header; empty means none
  // At the debug level each request is logged as "<log_name>: METHOD
  // target -> status (time)".
  std::string log_name;
  // Open connections at once; 0 = no cap.
  size_t max_connections = 0;
  OverCap over_cap = OverCap::kWait;
  // 0 = no timeout. See the class comment for what each one bounds.
  std::chrono::milliseconds idle_timeout{0};
  std::chrono::milliseconds header_timeout{0};
  // nullptr: a JSON {"message": ...} body (API Gateway's shape).
  ProtocolErrorHandler protocol_error = nullptr;
  // Requests `is_stream` picks are answered by `stream` instead of the Handler.
  bool (*is_stream)(const Request& req) = nullptr;
  StreamHandler stream;
};

// A snapshot of what every listener in the process refused or cut off, for
// /metrics. GetConnectionStats() reads atomics and may be called from any thread.
struct ConnectionStats {
  std::uint64_t refused = 0;  // over max_connections, closed at once (kClose)
  // Connections closed for sending nothing: idle_timeout between requests,
  // header_timeout before the first one.
  std::uint64_t idle_timeouts = 0;
  std::uint64_t request_timeouts = 0;  // requests cut off by header_timeout (408)
  std::uint64_t malformed = 0;         // requests answered 400 or 431
  std::uint64_t accept_errors = 0;     // accept() failures (EMFILE and friends)
};
ConnectionStats GetConnectionStats();

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
  struct Connection;
  using Clock = std::chrono::steady_clock;

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Serve(std::shared_ptr<Connection> connection);
  // Reads and drops `length` body bytes; false when the connection must close.
  asio::awaitable<bool> Discard(Connection& connection, beast::flat_buffer& buffer,
                                std::uint64_t length);
  // Stops sending and reads what the client still sends, briefly, before close.
  asio::awaitable<void> LingeringClose(Connection& connection);
  // Cancels `connection`'s pending I/O once `timeout` (0 = never) has passed;
  // replaces any earlier deadline.
  void SetDeadline(Connection& connection, std::chrono::milliseconds timeout);
  // Runs while some connection has a deadline; cancels the I/O of those past it.
  void ArmSweep();
  void Sweep();
  Response ProtocolError(beast::http::status status, std::string_view message) const;

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  ServerOptions options_;
  Handler handler_;
  OversizeHandler oversize_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  bool draining_ = false;  // StopAccepting() was called
  size_t in_progress_ = 0;
  std::unordered_set<Connection*> connections_;
  // Deadlines are checked by one timer per server, not one per connection, so
  // a request costs no timer operation (a clock read and a store).
  asio::steady_timer sweep_;
  bool sweeping_ = false;
  // kWait at the cap: AcceptLoop waits on this timer; a closing connection cancels it.
  asio::steady_timer slot_freed_;
  bool cap_logged_ = false;
};

// Small helpers shared by the API layers.
Response MakeResponse(const Request& req, beast::http::status status, std::string body,
                      std::string_view content_type = "application/json");

}  // namespace lambda_emu::http
