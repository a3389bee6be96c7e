#include "sandbox/reaper.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <csignal>
#include <thread>

#include "sandbox/janitor.h"
#include "sandbox/process_table.h"

namespace lambda_emu::sandbox {

Reaper::Reaper(boost::asio::io_context& io) : io_(io), signals_(io, SIGCHLD) { Arm(); }

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
  bool runtime_exited = false;
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    auto it = watchers_.find(pid);
    if (it == watchers_.end()) continue;
    runtime_exited = true;
    ExitCallback callback = std::move(it->second);
    watchers_.erase(it);
    callback(status);
  }
  // The runtime's children were reparented to us when it exited.
  if (runtime_exited) SweepStrays();
}

void Reaper::SweepStrays() {
  if (!janitor_) return;
  if (sweeping_) {
    sweep_again_ = true;
    return;
  }
  sweeping_ = true;
  // The janitor may run this after the Reaper is gone (at shutdown): it
  // touches only the io_context, whose handlers no longer run by then.
  janitor_->Post([this, io = &io_] {
    const pid_t self = ::getpid();
    std::vector<Stray> candidates;
    std::vector<Stray> unknown;
    for (const Descendant& d : Descendants(self)) {
      // Only processes a runtime started: they carry this server's marker,
      // or no environment at all (a stray that wiped it). A helper the
      // server runs itself (a version probe) has the server's environment.
      switch (WhoStarted(d.pid)) {
        case StartedBy::kOurRuntime:
          candidates.push_back({d.pid, d.top});
          break;
        case StartedBy::kUnknown:
          unknown.push_back({d.pid, d.top});
          break;
        case StartedBy::kOther:
          break;
      }
    }
    // No environment may also be a runtime template or spare sandbox the
    // server is exec'ing right now: one that still has none a moment later
    // wiped it.
    if (!unknown.empty()) std::this_thread::sleep_for(kSecondLook);
    for (const Stray& stray : unknown) {
      if (WhoStarted(stray.pid) == StartedBy::kUnknown) candidates.push_back(stray);
    }
    boost::asio::post(*io, [this, candidates = std::move(candidates)] { KillStrays(candidates); });
  });
}

void Reaper::KillStrays(const std::vector<Stray>& strays) {
  sweeping_ = false;
  for (const Stray& stray : strays) {
    // Inside a live environment's tree (maybe one started during the scan).
    if (watchers_.count(stray.top)) continue;
    if (::kill(stray.pid, SIGKILL) == 0) {
      ++strays_killed_;
      spdlog::info("killed pid {}: it outlived its execution environment", stray.pid);
    }
  }
  if (sweep_again_) {
    sweep_again_ = false;
    SweepStrays();
  }
}

void ReapRemainingChildren() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    KillAllDescendants();
    int status;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0) return;  // ECHILD: nothing left
    if (pid == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace lambda_emu::sandbox
