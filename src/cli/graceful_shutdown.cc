#include "cli/graceful_shutdown.h"

#include <spdlog/spdlog.h>

namespace lambda_emu::cli {

namespace {
// How often the shutdown looks whether everything in flight is done: short
// enough that an idle server exits at once, cheap enough to not matter.
constexpr auto kTick = std::chrono::milliseconds(10);
// After the cut-off, the callers' error answers are written; a client that
// does not read its answer does not hold the exit for longer than this.
constexpr auto kAnswerTime = std::chrono::seconds(2);
}  // namespace

GracefulShutdown::GracefulShutdown(boost::asio::io_context& io,
                                   registry::FunctionRegistry& registry, Servers servers,
                                   std::chrono::milliseconds grace, std::function<void()> finished)
    : io_(io),
      registry_(registry),
      servers_(std::move(servers)),
      grace_(grace),
      finished_(std::move(finished)),
      tick_(io) {}

size_t GracefulShutdown::RequestsInProgress() const {
  size_t n = 0;
  for (http::Server* server : servers_()) n += server->requests_in_progress();
  return n;
}

void GracefulShutdown::OnSignal(const char* signal_name) {
  if (phase_ == Phase::kGrace) {
    spdlog::info("received {} again, stopping now", signal_name);
    return CutOff();
  }
  if (phase_ != Phase::kRunning) return;
  for (http::Server* server : servers_()) server->StopAccepting();
  const int in_flight = registry_.InFlight();
  if (in_flight == 0 && RequestsInProgress() == 0) {
    spdlog::info("received {}, shutting down", signal_name);
    phase_ = Phase::kDone;
    return finished_();
  }
  spdlog::info(
      "received {}, shutting down: waiting up to {:.1f} s for {} invocation(s) in flight "
      "(--shutdown-grace; {} again to stop now)",
      signal_name, std::chrono::duration<double>(grace_).count(), in_flight, signal_name);
  phase_ = Phase::kGrace;
  deadline_ = std::chrono::steady_clock::now() + grace_;
  Tick();
}

void GracefulShutdown::Tick() {
  if (phase_ == Phase::kDone) return;
  const bool idle =
      RequestsInProgress() == 0 && (phase_ == Phase::kAnswering || registry_.InFlight() == 0);
  if (idle || (phase_ == Phase::kAnswering && std::chrono::steady_clock::now() >= deadline_)) {
    phase_ = Phase::kDone;
    return finished_();
  }
  if (phase_ == Phase::kGrace && std::chrono::steady_clock::now() >= deadline_) return CutOff();
  tick_.expires_after(kTick);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

// The grace period is over: what still runs is stopped, and each waiting
// caller gets its error answer before the listeners close.
void GracefulShutdown::CutOff() {
  if (phase_ != Phase::kGrace) return;
  const int in_flight = registry_.InFlight();
  if (in_flight > 0) {
    spdlog::warn("shutdown: {} invocation(s) still running after {:.1f} s are stopped", in_flight,
                 std::chrono::duration<double>(grace_).count());
  }
  phase_ = Phase::kAnswering;
  deadline_ = std::chrono::steady_clock::now() + kAnswerTime;
  registry_.Shutdown();
  Tick();
}

}  // namespace lambda_emu::cli
