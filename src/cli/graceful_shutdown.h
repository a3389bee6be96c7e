#pragma once
// GracefulShutdown: what SIGTERM (or SIGINT, or SIGHUP from a closed
// terminal) does to a running server. Listeners stop accepting at once;
// invocations in flight (synchronous and Event) get up to the grace period
// (--shutdown-grace) to finish and be answered; whatever is still running
// then is stopped and its caller answered with an error (500
// ServiceException) rather than a dropped connection; then `finished` runs.
// A second signal skips what is left of the grace period.
//
// Owned by RunServe; io thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "http/server.h"
#include "registry/function_registry.h"

namespace lambda_emu::cli {

class GracefulShutdown {
 public:
  using Servers = std::function<std::vector<http::Server*>()>;

  // `servers`: the listeners whose requests are waited for (the Invoke API,
  // the API Gateway and Function URL listeners).
  GracefulShutdown(boost::asio::io_context& io, registry::FunctionRegistry& registry,
                   Servers servers, std::chrono::milliseconds grace,
                   std::function<void()> finished);

  // The first signal starts the grace period; a second one ends it now.
  void OnSignal(const char* signal_name);

 private:
  enum class Phase { kRunning, kGrace, kAnswering, kDone };
  size_t RequestsInProgress() const;
  void Tick();
  void CutOff();

  boost::asio::io_context& io_;
  registry::FunctionRegistry& registry_;
  Servers servers_;
  std::chrono::milliseconds grace_;
  std::function<void()> finished_;
  boost::asio::steady_timer tick_;
  Phase phase_ = Phase::kRunning;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace lambda_emu::cli
