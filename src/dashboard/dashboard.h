#pragma once
// Dashboard: the live dashboard and what it reads (docs/insight.md, the
// contract in docs/dashboard-api.md), on the Invoke API's port:
//   GET  /_emu/ui[/FILE]                   the page and its assets (compiled in)
//   GET  /_emu/events                      Server-Sent Events (live_updates.h)
//   GET  /_emu/invocations[?function=&limit=]   the last invocations
//   GET  /_emu/invocations/{requestId}     one, with its log lines
//   POST /_emu/tune                        starts a memory power tuning run
//   GET  /_emu/tune[/{id}[/chart.svg]]     runs, one run, its chart
// It owns the invocation feed (the pools' InvocationObserver) and at most
// one tuning run at a time. io thread only.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dashboard/activity_feed.h"
#include "dashboard/live_updates.h"
#include "http/server.h"
#include "pool/services.h"
#include "registry/function_registry.h"
#include "sandbox/runtime_command.h"
#include "tune/power_tuning.h"

namespace lambda_emu::dashboard {

class Dashboard {
 public:
  // Tuning runs kept for GET /_emu/tune (the oldest go first).
  static constexpr size_t kKeptTuneRuns = 20;

  Dashboard(pool::PoolServices& services, registry::FunctionRegistry& registry,
            sandbox::RuntimeLocator& runtimes);
  ~Dashboard();

  pool::InvocationObserver* observer() { return &feed_; }
  void SetAsync(const invoke::AsyncQueue* queue, const invoke::Schedules* schedules) {
    live_.SetAsync(queue, schedules);
  }
  // The answer when `segments` (the path, split at '/') is one of the
  // dashboard's endpoints, else nullopt.
  std::optional<http::Response> Handle(const http::Request& req,
                                       const std::vector<std::string_view>& segments,
                                       std::string_view query);
  // GET /_emu/events (http::ServerOptions::is_stream / stream).
  static bool IsStream(const http::Request& req);
  boost::asio::awaitable<void> Stream(const http::Request& req, http::tcp::socket& socket) {
    return live_.Serve(req, socket);
  }
  // The server is stopping: streams end, a tuning run stops.
  void Stop();

 private:
  struct TuneJob {
    std::string id;
    std::shared_ptr<tune::TuneRun> run;
  };
  http::Response Asset(const http::Request& req, std::string_view name) const;
  http::Response Invocations(const http::Request& req, std::string_view query) const;
  http::Response Invocation(const http::Request& req, std::string_view request_id) const;
  http::Response StartTune(const http::Request& req);
  http::Response TuneRuns(const http::Request& req) const;
  http::Response Tune(const http::Request& req, std::string_view id, bool chart) const;
  static nlohmann::json TuneView(const TuneJob& job);

  pool::PoolServices& services_;
  registry::FunctionRegistry& registry_;
  sandbox::RuntimeLocator& runtimes_;
  ActivityFeed feed_;
  LiveUpdates live_;
  std::vector<TuneJob> tune_runs_;
  int next_tune_id_ = 1;
};

}  // namespace lambda_emu::dashboard
