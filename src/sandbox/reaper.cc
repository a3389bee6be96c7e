#include "sandbox/reaper.h"

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace lambda_emu::sandbox {

Reaper::Reaper(boost::asio::io_context& io) : signals_(io, SIGCHLD) { Arm(); }

void Reaper::Arm() {
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;  // cancelled at shutdown
    ReapNow();
    Arm();
  });
}

void Reaper::Watch(pid_t pid, ExitCallback on_exit) { watchers_[pid] = std::move(on_exit); }

void Reaper::Forget(pid_t pid) { watchers_.erase(pid); }

void Reaper::ReapNow() {
  // One SIGCHLD may stand for several exits: loop until nothing is left.
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    auto it = watchers_.find(pid);
    if (it == watchers_.end()) continue;
    ExitCallback callback = std::move(it->second);
    watchers_.erase(it);
    callback(status);
  }
}

void ReapRemainingChildren() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0) return;  // ECHILD: nothing left
    if (pid == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace lambda_emu::sandbox
