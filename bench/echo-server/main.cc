// echo-server: the baseline for lambda-emu's benchmarks. A minimal Beast HTTP/1.1 server that
// answers every request with 200 and the request's own body, so one request through it costs one
// loopback HTTP round trip and nothing else. Same library, same parser and the same socket options
// as the emulator's front end, which is what makes the ratio meaningful.
//
// With --relay-to HOST:PORT it is the second baseline, the structural floor of an invoke: each
// request's body is sent on to another echo-server over a keep-alive connection (one per client
// connection) and that server's answer is returned. Two round trips through a middle process, four
// HTTP messages parsed or written by it: the shape of client -> lambda-emu -> runtime and back,
// with nothing else.
//
//   echo-server [--host 127.0.0.1] [--port 0] [--port-file F] [--threads 1] [--relay-to H:P]

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Where relayed requests go; unset when echoing.
std::optional<tcp::endpoint> relay_to;

// Sends `body` to the relay target on `upstream` (connecting it first if needed) and returns the
// answer's body; nullopt on any failure.
asio::awaitable<std::optional<std::string>> Relay(tcp::socket& upstream, beast::flat_buffer& buffer,
                                                  std::string body) {
  if (!upstream.is_open()) {
    auto [cec] = co_await upstream.async_connect(*relay_to, kNoThrow);
    if (cec) co_return std::nullopt;
    boost::system::error_code ignored;
    upstream.set_option(tcp::no_delay(true), ignored);
  }
  http::request<http::string_body> request{http::verb::post, "/", 11};
  request.set(http::field::host, "relay");
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  auto [wec, wn] = co_await http::async_write(upstream, request, kNoThrow);
  if (wec) co_return std::nullopt;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto [rec, rn] = co_await http::async_read(upstream, buffer, parser, kNoThrow);
  if (rec) co_return std::nullopt;
  co_return std::move(parser.get().body());
}

asio::awaitable<void> Serve(tcp::socket socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  beast::flat_buffer buffer;
  tcp::socket upstream(socket.get_executor());
  beast::flat_buffer upstream_buffer;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto [rec, rn] = co_await http::async_read(socket, buffer, parser, kNoThrow);
    if (rec) break;
    auto request = parser.release();
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    if (relay_to) {
      auto answer = co_await Relay(upstream, upstream_buffer, std::move(request.body()));
      if (!answer) break;
      response.body() = std::move(*answer);
    } else {
      response.body() = std::move(request.body());
    }
    response.prepare_payload();
    auto [wec, wn] = co_await http::async_write(socket, response, kNoThrow);
    if (wec || !response.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor) {
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;
    }
    // Each connection stays on the executor the acceptor handed it; with several threads the
    // io_context spreads handlers across them.
    asio::co_spawn(acceptor.get_executor(), Serve(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string port_file;
  unsigned threads = 1;
  std::string relay;
  CLI::App app{"echo-server: answers every HTTP request with its own body"};
  app.add_option("--host", host, "Address to bind");
  app.add_option("--port", port, "Port (0 picks a free one)");
  app.add_option("--port-file", port_file, "Write the bound port here once accepting");
  app.add_option("--threads", threads, "Threads running the io_context");
  app.add_option("--relay-to", relay, "HOST:PORT of an echo-server to pass each body through");
  CLI11_PARSE(app, argc, argv);
  if (!relay.empty()) {
    const auto colon = relay.rfind(':');
    boost::system::error_code aec;
    const auto address = asio::ip::make_address(relay.substr(0, colon), aec);
    if (colon == std::string::npos || aec) {
      std::cerr << "echo-server: --relay-to wants IP:PORT, not " << relay << "\n";
      return 2;
    }
    relay_to.emplace(address, static_cast<uint16_t>(std::stoi(relay.substr(colon + 1))));
  }

  asio::io_context ioc(static_cast<int>(threads));
  boost::system::error_code ec;
  tcp::acceptor acceptor(ioc);
  const tcp::endpoint endpoint(asio::ip::make_address(host, ec), port);
  if (ec) {
    std::cerr << "echo-server: bad host " << host << "\n";
    return 2;
  }
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "echo-server: cannot listen on " << host << ":" << port << ": " << ec.message()
              << "\n";
    return 1;
  }
  const auto bound = acceptor.local_endpoint().port();
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << bound << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  } else {
    std::cout << bound << std::endl;
  }

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    acceptor.close();
    ioc.stop();
  });
  asio::co_spawn(ioc, Accept(acceptor), asio::detached);
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
