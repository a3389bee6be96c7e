#pragma once
// SpareSandboxes: blank execution environments made ahead of demand
// (--spare-sandboxes N|auto), so that a cold start only hands one its
// function and starts the runtime.
//
// A spare is a process (`lambda-emu __spare`, spare_process.h) that has
// already joined a fresh cgroup of its own and, sandboxed, sits in its own
// namespaces with the shared half of the view built (mounts.h: the host's
// directories, /dev, /proc). Those are the slow parts of a start: a cgroup
// v1 move waits for an RCU grace period (8-18 ms on a host without
// favordynmods), and the shared view is ~40 mounts. It has also prestarted
// the process that will exec the runtime (init.h). Taken, it gets the
// function's limits (EnvironmentCgroup::SetLimits) and, over its control
// socket (spare_protocol.h), the function's half of the view, its /tmp and
// the runtime's command line; it becomes the environment's init, as a
// spawned environment's first process does.
//
// A thread of its own makes them: `count` ready at all times, or with auto
// one for every cold start in the last 10 s (at least 2, at most 8), so a
// burst finds more ready next time and an idle server keeps two. When a
// kind has none left it makes every missing one at once, so that their
// cgroup joins share one RCU grace period. Spares run lambda-emu-spare
// (spare_protocol.h: Executable) and, once they have joined their cgroups,
// the thread's idle scheduling policy until they are taken. A spare holds
// its cgroup, a directory (sandboxed) and ~130 KB of private memory. Spares
// die with the server (PR_SET_PDEATHSIG) and are killed when it stops. When
// spares cannot be made (three failures in a row) the server says why once
// and starts every environment itself, as without spares.
//
// Forked runtimes (runtime_templates.h): for each runtime template a
// function wants (Want), spares of that kind are kept too, forked from the
// template with the interpreter started and the runtime client loaded, so
// sized the same way per kind. A cold start takes one of its function's
// kind, else a blank one (its runtime then starts by exec). A SnapStart
// version's snapshot (docs/snapstart.md) is a template too: its spares are
// restored environments.
//
// Take() and Launch() are the io thread's, Want() any thread's; the rest
// runs on the spares' thread.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lambda_emu/status.h"
#include "sandbox/cgroup.h"
#include "sandbox/recent_takes.h"
#include "sandbox/runtime_templates.h"
#include "sandbox/spawn.h"

namespace lambda_emu::sandbox {

class Sandbox;

struct SpareSandbox {
  pid_t pid = -1;
  int pidfd = -1;
  int control_fd = -1;
  int output_fd = -1;  // read ends, non-blocking, close-on-exec
  int status_fd = -1;
  std::unique_ptr<EnvironmentCgroup> cgroup;
  std::filesystem::path dir;         // sandboxed: its directory (the view's root is in it)
  bool forked = false;               // its runtime process was forked from a runtime template
  bool snapshot = false;             // ... from a SnapStart snapshot: its init has run
  std::uint64_t snapshot_bytes = 0;  // the snapshot's resident memory, shared copy-on-write

  SpareSandbox() = default;
  SpareSandbox(const SpareSandbox&) = delete;
  SpareSandbox& operator=(const SpareSandbox&) = delete;
  // One never launched is killed; its cgroup and directory go.
  ~SpareSandbox();
};

// Makes `spare` the environment `spec` describes (spec.sandbox from
// Sandbox::ForSpareEnvironment: the function's half of the view). On
// success its pid and pipes are the environment's, as Spawn's would be,
// and it no longer owns them; the caller takes spare.cgroup. Fails when the
// spare has died.
Result<SpawnedProcess> Launch(SpareSandbox& spare, const SpawnSpec& spec);

class SpareSandboxes {
 public:
  static constexpr int kAuto = -1;
  static constexpr std::size_t kAutoLeast = 2;
  static constexpr std::size_t kAutoMax = 8;
  static constexpr std::chrono::seconds kAutoWindow{10};
  // While a kind has one ready, it makes more only this long after the
  // last cold start (not during it).
  static constexpr std::chrono::milliseconds kRefillDelay{100};

  struct Figures {
    std::size_t ready = 0;
    std::uint64_t made = 0;
    std::uint64_t taken = 0;         // cold starts that found one ready
    std::uint64_t missed = 0;        // cold starts that found none
    std::uint64_t failed = 0;        // spares that could not be made
    std::size_t forked_ready = 0;    // of `ready`, forked from a runtime template
    std::uint64_t forked_taken = 0;  // of `taken`
  };

  // `sandbox` null or disabled: spares only join their cgroup.
  // `pids_limit` is the environments' (ResourceLimits::pids). With
  // `fork_runtimes`, spares of the kinds functions Want are forked from
  // runtime templates (sandboxed as root only: forks_runtimes() says).
  SpareSandboxes(Sandbox* sandbox, CgroupManager& cgroups, std::filesystem::path work_dir,
                 std::uint64_t pids_limit, int count, bool fork_runtimes = false);
  ~SpareSandboxes();  // stops the thread and kills every spare
  SpareSandboxes(const SpareSandboxes&) = delete;
  SpareSandboxes& operator=(const SpareSandboxes&) = delete;

  // Whether spares may be forked from runtime templates; when not, why
  // (for the start-up log).
  bool forks_runtimes() const { return templates_ != nullptr; }
  const std::string& fork_refused() const { return fork_refused_; }
  // Keeps spares of `kind` ready from now on (once per key is enough).
  void Want(std::shared_ptr<const RuntimeTemplateSpec> kind);
  // Stops keeping spares of `key` (a SnapStart version that was deleted):
  // its ready ones and its template go.
  void Forget(const std::string& key);
  // Whether a cold start of `key`'s function (a SnapStart version) should
  // wait for a spare of it rather than start by exec: its snapshot is being
  // made (its init runs), or it is made and none is ready. The first case
  // asks for one, at once (no refill delay). False once the snapshot failed.
  bool AwaitSnapshot(const std::string& key);
  // Whether `key`'s first spare (a SnapStart version's snapshot) is still
  // being made and has not failed: the version is Pending.
  bool SnapshotPending(const std::string& key) const;

  // A ready spare of `kind` (null: blank), else a blank one, else null
  // (none ready, or spares are off). Counts as a cold start for auto's
  // sizing either way. A spare that died while ready (killed from outside)
  // is passed over, and counted as failed.
  std::unique_ptr<SpareSandbox> Take(const RuntimeTemplateSpec* kind = nullptr);

  Figures figures() const;
  // For the start-up log: "auto (2-8 kept ready)" / "2 kept ready".
  std::string Describe() const;

 private:
  struct Kind {
    std::shared_ptr<const RuntimeTemplateSpec> spec;  // null: blank spares
    std::deque<std::unique_ptr<SpareSandbox>> ready;
    RecentTakes recent{kAutoWindow};  // cold starts, for auto
    int failures = 0;                 // in a row
    bool made_any = false;
    bool forgotten = false;
    std::chrono::steady_clock::time_point awaited{};  // AwaitSnapshot found none ready
  };

  void Run();
  std::size_t TargetLocked(Kind& kind, std::chrono::steady_clock::time_point now);
  // A spare of `kind` (null: blank) on its way: its cgroup made, its
  // process started and told to prepare.
  Result<std::unique_ptr<SpareSandbox>> Start(const RuntimeTemplateSpec* kind);
  // Waits until `spare` says it is ready (or has failed, and why).
  Status AwaitReady(SpareSandbox& spare);
  // Counts `made` for `kind`: ready, or one more failure in a row.
  void Add(Kind& kind, Result<std::unique_ptr<SpareSandbox>> made);

  Sandbox* const sandbox_;
  CgroupManager& cgroups_;
  const std::filesystem::path work_dir_;
  const std::uint64_t pids_limit_;
  const int count_;
  const int policy_;  // the spares thread's, and spares' until launched

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::map<std::string, Kind> kinds_;  // by RuntimeTemplateSpec::key; "" blank
  std::chrono::steady_clock::time_point last_take_{};
  Figures figures_;
  // Spares Take() found dead (killed from outside), for the thread to remove.
  std::vector<std::unique_ptr<SpareSandbox>> dead_;
  std::vector<std::string> dropped_;  // Forget()'s keys, whose templates the thread kills
  std::unique_ptr<RuntimeTemplates> templates_;  // the spares thread's
  std::string fork_refused_;
  std::uint64_t next_id_ = 1;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace lambda_emu::sandbox
