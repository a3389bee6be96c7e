#pragma once
// AsyncServices: the server's asynchronous invocation, put together from
// its flags: the event store in the state directory (or in memory with
// --ephemeral), the queue that runs events with retries and destinations,
// the schedules, and the sender for AWS destinations (--aws-endpoint-url).
// Owned by RunServe, built after the registry and control plane and
// destroyed before them; io thread only.

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "invoke/async_queue.h"
#include "invoke/schedules.h"
#include "lambda_emu/status.h"
#include "state/event_store.h"

namespace lambda_emu::aws {
class DestinationClient;
}
namespace lambda_emu::control {
class ControlPlane;
}
namespace lambda_emu::registry {
class FunctionRegistry;
}
namespace lambda_emu::pool {
struct ServerSettings;
}

namespace lambda_emu::cli {

struct AsyncFlags {
  std::string retry_delays = "60,120";  // seconds between a failed attempt and the next
  std::string aws_endpoint_url;         // where SQS/SNS/EventBridge/S3 destinations go
  std::string schedules = "on";         // "off": schedules fire only through the admin API
};

void AddAsyncOptions(CLI::App* serve, AsyncFlags& flags);

// "60,120" -> {60 s, 120 s}; any non-negative seconds, fractions allowed.
Result<std::vector<std::chrono::milliseconds>> ParseRetryDelays(std::string_view text);

class AsyncServices {
 public:
  struct Setup {
    boost::asio::io_context* io = nullptr;
    registry::FunctionRegistry* registry = nullptr;
    const control::ControlPlane* control = nullptr;
    const pool::ServerSettings* settings = nullptr;
    std::filesystem::path state_dir;  // empty: ephemeral
    AsyncFlags flags;
  };
  // Opens the store and recovers the events the last run left; builds the
  // schedules of `functions` (not started until Start()).
  static Result<std::unique_ptr<AsyncServices>> Open(
      const Setup& setup, const std::vector<config::FunctionConfig>& functions);
  ~AsyncServices();

  // Starts the schedules (unless --schedules off).
  void Start();
  // The config file changed: its schedules are rebuilt.
  Status Reload(const std::vector<config::FunctionConfig>& functions);
  // Shutdown: no more attempts or firings; unfinished events stay stored.
  void Stop();

  invoke::AsyncQueue& queue() { return *queue_; }
  invoke::Schedules& schedules() { return *schedules_; }
  void PrintBanner(std::ostream& out) const;

 private:
  AsyncServices() = default;

  Setup setup_;
  std::unique_ptr<state::EventStore> store_;
  std::unique_ptr<aws::DestinationClient> aws_;  // --aws-endpoint-url
  std::unique_ptr<invoke::AsyncQueue> queue_;
  std::unique_ptr<invoke::Schedules> schedules_;
  std::vector<invoke::Schedule> pending_schedules_;
};

}  // namespace lambda_emu::cli
