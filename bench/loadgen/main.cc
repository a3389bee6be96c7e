// loadgen: a keep-alive HTTP/1.1 load generator for lambda-emu's benchmarks.
//
// N connections each run a closed loop (send one request, read the whole response, repeat) for a
// number of requests or a duration, spread over T threads with one io_context each. Every request's
// latency (first byte written to last byte read) goes into a per-thread LatencyHistogram; the
// histograms are merged at the end and printed as one JSON object on stdout.
//
// The request bytes are built once up front (one head per path, one shared payload) and written
// with a gather write, so the generator itself does no per-request formatting or copying.

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../common/latency_histogram.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using lambda_emu::bench::LatencyHistogram;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string path = "/";
  uint64_t path_count = 1;  // "{i}" in the path becomes path_start + request_index % path_count
  uint64_t path_start = 0;
  std::string method = "POST";
  uint64_t connections = 1;
  uint64_t threads = 1;
  uint64_t payload_size = 100;
  std::string payload_file;
  uint64_t requests = 0;  // count mode when > 0
  uint64_t warmup_requests = 0;
  double duration_s = 0;  // duration mode when > 0
  double warmup_s = 0;
  double max_seconds = 600;  // hard cap on the whole run
  bool verify_echo = false;
  bool no_body = false;  // no body and no Content-Type / Content-Length, as a browser's GET
  bool samples = false;  // print every recorded latency, in completion order
  std::vector<std::string> headers;
  std::string label;
};

// A JSON document of exactly `size` bytes: {"p":"xxxx..."} (or padded braces when tiny).
std::string MakePayload(uint64_t size) {
  if (size < 8) return std::string("{}") + std::string(size > 2 ? size - 2 : 0, ' ');
  std::string s = "{\"p\":\"";
  s.append(size - 8, 'x');
  s += "\"}";
  return s;
}

std::string ExpandPath(const std::string& tmpl, uint64_t i) {
  const auto at = tmpl.find("{i}");
  if (at == std::string::npos) return tmpl;
  return tmpl.substr(0, at) + std::to_string(i) + tmpl.substr(at + 3);
}

// State shared by every connection: which request comes next and when to stop.
struct Plan {
  explicit Plan(const Options& o) : opt(o) {}
  const Options& opt;
  std::vector<std::string> heads;  // one serialized request head per path
  std::string payload;
  std::atomic<uint64_t> issued{0};
  std::atomic<bool> stop{false};
  Clock::time_point warm_end{};
  Clock::time_point end{};
  std::atomic<int64_t> measure_start_ns{0};  // count mode: when the first measured request began

  struct Ticket {
    bool stop = false;
    bool record = false;
    size_t path = 0;
  };

  Ticket Next(Clock::time_point now) {
    Ticket t;
    if (stop.load(std::memory_order_relaxed)) return {true};
    const uint64_t k = issued.fetch_add(1, std::memory_order_relaxed);
    t.path = static_cast<size_t>(k % heads.size());
    if (opt.requests > 0) {
      if (k >= opt.warmup_requests + opt.requests) return {true};
      t.record = k >= opt.warmup_requests;
      if (k == opt.warmup_requests) {
        measure_start_ns.store(now.time_since_epoch().count(), std::memory_order_relaxed);
      }
    } else {
      if (now >= end) return {true};
      t.record = now >= warm_end;
    }
    return t;
  }
};

struct ThreadStats {
  LatencyHistogram histogram;
  std::map<std::string, uint64_t> errors;  // "status 429", "io: connection reset", ...
  std::map<unsigned, uint64_t> statuses;
  uint64_t completed = 0;
  uint64_t bytes_in = 0;
  std::vector<uint64_t> samples;
  Clock::time_point last_completion{};
};

asio::awaitable<bool> Connect(tcp::socket& socket, const tcp::resolver::results_type& endpoints,
                              ThreadStats& stats) {
  boost::system::error_code ignored;
  socket.close(ignored);
  auto [ec, ep] = co_await asio::async_connect(socket, endpoints, kNoThrow);
  if (ec) {
    ++stats.errors["connect: " + ec.message()];
    co_return false;
  }
  socket.set_option(tcp::no_delay(true), ignored);
  co_return true;
}

asio::awaitable<void> RunConnection(Plan& plan, tcp::resolver::results_type endpoints,
                                    ThreadStats& stats) {
  tcp::socket socket(co_await asio::this_coro::executor);
  beast::flat_buffer buffer;
  bool connected = false;
  int consecutive_connect_failures = 0;
  while (true) {
    if (!connected) {
      connected = co_await Connect(socket, endpoints, stats);
      if (!connected) {
        if (++consecutive_connect_failures > 50 || plan.stop.load()) co_return;
        asio::steady_timer backoff(socket.get_executor(), std::chrono::milliseconds(20));
        co_await backoff.async_wait(kNoThrow);
        continue;
      }
      consecutive_connect_failures = 0;
      buffer.clear();
    }
    const auto start = Clock::now();
    const auto ticket = plan.Next(start);
    if (ticket.stop) break;

    const std::string& head = plan.heads[ticket.path];
    std::array<asio::const_buffer, 2> request{asio::buffer(head), asio::buffer(plan.payload)};
    auto [wec, wn] = co_await asio::async_write(socket, request, kNoThrow);
    if (wec) {
      ++stats.errors["io: write: " + wec.message()];
      connected = false;
      continue;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    parser.header_limit(64 * 1024);
    auto [rec, rn] = co_await http::async_read(socket, buffer, parser, kNoThrow);
    const auto done = Clock::now();
    if (rec) {
      ++stats.errors["io: read: " + rec.message()];
      connected = false;
      continue;
    }
    const auto& response = parser.get();
    const unsigned status = response.result_int();
    ++stats.statuses[status];
    ++stats.completed;
    stats.bytes_in += response.body().size();
    stats.last_completion = done;
    bool ok = status >= 200 && status < 300;
    if (!ok) {
      ++stats.errors["status " + std::to_string(status)];
    } else if (plan.opt.verify_echo && response.body() != plan.payload) {
      ++stats.errors["echo mismatch"];
      ok = false;
    }
    const bool in_window = plan.opt.requests > 0 || done <= plan.end;
    if (ok && ticket.record && in_window) {
      const auto ns = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(done - start).count());
      stats.histogram.Record(ns);
      if (plan.opt.samples) stats.samples.push_back(ns);
    }
    if (!response.keep_alive()) connected = false;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

double Micros(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

double Round3(double v) {
  return static_cast<double>(static_cast<int64_t>(v * 1000.0 + 0.5)) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"loadgen: keep-alive HTTP/1.1 load generator; prints one JSON object"};
  app.add_option("--host", opt.host, "Server address");
  app.add_option("--port", opt.port, "Server port")->required();
  app.add_option("--path", opt.path,
                 "Request path; {i} becomes --path-start + request_index % --path-count");
  app.add_option("--path-count", opt.path_count, "How many distinct paths {i} cycles through");
  app.add_option("--path-start", opt.path_start, "First value of {i}");
  app.add_option("--method", opt.method, "HTTP method");
  app.add_option("-c,--connections", opt.connections, "Concurrent keep-alive connections");
  app.add_option("-t,--threads", opt.threads, "Threads (one io_context each)");
  app.add_option("-s,--payload-size", opt.payload_size, "Request body size in bytes (valid JSON)");
  app.add_option("--payload-file", opt.payload_file, "Use this file as the request body instead");
  app.add_option("-n,--requests", opt.requests, "Measured requests (count mode)");
  app.add_option("--warmup-requests", opt.warmup_requests,
                 "Unmeasured requests first (count mode)");
  app.add_option("-d,--duration", opt.duration_s, "Measured seconds (duration mode)");
  app.add_option("--warmup", opt.warmup_s, "Unmeasured seconds first (duration mode)");
  app.add_option("--max-seconds", opt.max_seconds, "Abort the run after this long");
  app.add_option("-H,--header", opt.headers, "Extra request header 'Name: value'");
  app.add_flag("--no-body", opt.no_body,
               "Send no body and no Content-Type/Content-Length (e.g. --method GET)");
  app.add_flag("--verify-echo", opt.verify_echo,
               "Count a response whose body differs from the request as an error");
  app.add_flag("--samples", opt.samples, "Include every measured latency (us) in the output");
  app.add_option("--label", opt.label, "Copied into the output");
  CLI11_PARSE(app, argc, argv);
  if ((opt.requests > 0) == (opt.duration_s > 0)) {
    std::cerr << "loadgen: give exactly one of --requests or --duration\n";
    return 2;
  }
  opt.connections = std::max<uint64_t>(opt.connections, 1);
  opt.threads = std::clamp<uint64_t>(opt.threads, 1, opt.connections);
  opt.path_count = std::max<uint64_t>(opt.path_count, 1);

  Plan plan(opt);
  if (opt.no_body) {
    // The payload stays empty.
  } else if (!opt.payload_file.empty()) {
    std::ifstream in(opt.payload_file, std::ios::binary);
    if (!in) {
      std::cerr << "loadgen: cannot read " << opt.payload_file << "\n";
      return 2;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    plan.payload = ss.str();
  } else {
    plan.payload = MakePayload(opt.payload_size);
  }
  std::string extra;
  if (!opt.no_body) {
    extra =
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(plan.payload.size()) +
        "\r\n";
  }
  for (const auto& h : opt.headers) extra += h + "\r\n";
  for (uint64_t i = 0; i < opt.path_count; ++i) {
    plan.heads.push_back(opt.method + " " + ExpandPath(opt.path, opt.path_start + i) +
                         " HTTP/1.1\r\nHost: " + opt.host + ":" + std::to_string(opt.port) +
                         "\r\n" + extra + "\r\n");
  }

  boost::system::error_code ec;
  asio::io_context resolve_ctx;
  tcp::resolver resolver(resolve_ctx);
  auto endpoints = resolver.resolve(opt.host, std::to_string(opt.port), ec);
  if (ec) {
    std::cerr << "loadgen: resolve " << opt.host << ": " << ec.message() << "\n";
    return 2;
  }

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<ThreadStats> stats(opt.threads);
  for (uint64_t t = 0; t < opt.threads; ++t)
    contexts.push_back(std::make_unique<asio::io_context>(1));

  const auto begin = Clock::now();
  plan.warm_end = begin + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(opt.warmup_s));
  plan.end = plan.warm_end + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(opt.duration_s));
  for (uint64_t c = 0; c < opt.connections; ++c) {
    const auto t = c % opt.threads;
    asio::co_spawn(*contexts[t], RunConnection(plan, endpoints, stats[t]), asio::detached);
  }

  std::atomic<bool> timed_out{false};
  std::thread watchdog([&] {
    const auto cap = begin + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(opt.max_seconds));
    while (Clock::now() < cap) {
      bool all_done = true;
      for (auto& ctx : contexts) all_done = all_done && ctx->stopped();
      if (all_done) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    timed_out = true;
    plan.stop = true;
    for (auto& ctx : contexts) ctx->stop();
  });
  std::vector<std::thread> workers;
  for (uint64_t t = 1; t < opt.threads; ++t) workers.emplace_back([&, t] { contexts[t]->run(); });
  contexts[0]->run();
  for (auto& w : workers) w.join();
  watchdog.join();

  ThreadStats total;
  for (auto& s : stats) {
    total.histogram.Merge(s.histogram);
    for (auto& [k, v] : s.errors) total.errors[k] += v;
    for (auto& [k, v] : s.statuses) total.statuses[k] += v;
    total.completed += s.completed;
    total.bytes_in += s.bytes_in;
    total.samples.insert(total.samples.end(), s.samples.begin(), s.samples.end());
    total.last_completion = std::max(total.last_completion, s.last_completion);
  }

  double window_s = opt.duration_s;
  if (opt.requests > 0) {
    const auto start_ns = plan.measure_start_ns.load();
    const auto end_ns = total.last_completion.time_since_epoch().count();
    window_s =
        start_ns > 0 && end_ns > start_ns ? static_cast<double>(end_ns - start_ns) / 1e9 : 0.0;
  }
  const auto& h = total.histogram;
  nlohmann::json out;
  if (!opt.label.empty()) out["label"] = opt.label;
  out["connections"] = opt.connections;
  out["threads"] = opt.threads;
  out["payload_bytes"] = plan.payload.size();
  out["path"] = opt.path;
  out["measured"] = h.Count();
  out["completed"] = total.completed;
  out["window_s"] = Round3(window_s);
  out["rps"] = window_s > 0 ? Round3(static_cast<double>(h.Count()) / window_s) : 0.0;
  out["latency_us"] = {
      {"min", Round3(Micros(h.Min()))},         {"mean", Round3(h.Mean() / 1000.0)},
      {"p50", Round3(Micros(h.ValueAt(0.50)))}, {"p90", Round3(Micros(h.ValueAt(0.90)))},
      {"p99", Round3(Micros(h.ValueAt(0.99)))}, {"p999", Round3(Micros(h.ValueAt(0.999)))},
      {"max", Round3(Micros(h.Max()))}};
  nlohmann::json statuses = nlohmann::json::object();
  for (auto& [k, v] : total.statuses) statuses[std::to_string(k)] = v;
  out["statuses"] = statuses;
  uint64_t error_count = 0;
  nlohmann::json errors = nlohmann::json::object();
  for (auto& [k, v] : total.errors) {
    errors[k] = v;
    error_count += v;
  }
  out["errors"] = errors;
  out["error_count"] = error_count;
  out["timed_out"] = timed_out.load();
  if (opt.samples) {
    nlohmann::json samples = nlohmann::json::array();
    for (auto ns : total.samples) samples.push_back(Round3(Micros(ns)));
    out["samples_us"] = samples;
  }
  std::cout << out.dump() << std::endl;
  return timed_out ? 3 : 0;
}
