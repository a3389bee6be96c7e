#pragma once
// Resource control for execution environments.
//
// A CgroupManager is chosen once at start (cgroup v2, cgroup v1, or none) and
// creates one EnvironmentCgroup per execution environment. The environment's
// worker joins it before exec (via ProcsFiles), so every process it forks is
// accounted and limited too. In "none" mode nothing is enforced by the kernel;
// memory is measured from the processes' RSS instead.
//
// Owned by the pool (manager) and by each ExecutionEnvironment (its cgroup);
// io thread only.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

struct ResourceLimits {
  std::uint64_t memory_bytes = 128ull << 20;
  std::uint64_t pids = 0;  // max tasks; 0 = unlimited
};

class EnvironmentCgroup {
 public:
  virtual ~EnvironmentCgroup() = default;
  // Files the child writes "0" into to join (cgroup.procs of each hierarchy).
  virtual std::vector<std::string> ProcsFiles() const = 0;
  // cgroup v2: the directory a child can be started in directly
  // (SpawnSpec::cgroup_dir); empty otherwise.
  virtual std::filesystem::path Directory() const { return {}; }
  // Sets the limits (Create does; a spare sandbox's cgroup gets its
  // function's when it becomes an environment, spares.h).
  virtual Status SetLimits(const ResourceLimits& limits) = 0;
  // Opens the files the next SetLimits writes and the peak-memory file
  // ahead of use (a spare sandbox's cgroup, on the spares' thread), so that
  // becoming an environment costs one write per limit and no open.
  virtual void PrepareLimits() {}
  // Told the worker's pid once it runs (the "none" mode measures it).
  virtual void Attach(pid_t pid) = 0;
  // Highest memory use of the environment so far, in bytes.
  virtual std::uint64_t PeakMemoryBytes() = 0;
  // True once the kernel killed a process of this environment for memory.
  virtual bool OomKilled() = 0;
  // Caps CPU at `cpus` vCPUs from now on (applied after init: like Lambda,
  // init runs unthrottled). A no-op where the mode cannot limit CPU.
  virtual void LimitCpu(double cpus) = 0;
  // SIGKILLs every process in the environment, including escaped
  // descendants, so that it is gone in milliseconds: the whole cgroup at
  // once (cgroup.kill on v2; freeze, kill, thaw on v1), with the CPU cap
  // lifted so that processes starved by it get to exit.
  virtual void KillAll() = 0;
};

class CgroupManager {
 public:
  virtual ~CgroupManager() = default;
  // May be called from any thread (the spare sandboxes' makes cgroups
  // ahead of time); everything else is the io thread's.
  virtual Result<std::unique_ptr<EnvironmentCgroup>> Create(const std::string& name,
                                                            const ResourceLimits& limits) = 0;
  // "cgroup v2 at /sys/fs/cgroup/...", "cgroup v1 ...", "none (...)".
  virtual std::string Describe() const = 0;
  virtual bool Enforces() const = 0;
  // Whether EnvironmentCgroup::LimitCpu has an effect (a cpu controller).
  virtual bool LimitsCpu() const { return Enforces(); }
  // Whether a worker joins its cgroup by moving into it after fork (v1),
  // which waits for an RCU grace period on hosts without favordynmods,
  // rather than being born in it (v2, see SpawnSpec::cgroup_dir).
  virtual bool MovesWorkers() const { return Enforces(); }
};

class Janitor;

struct CgroupOptions {
  std::filesystem::path root = "/sys/fs/cgroup";
  std::string mode = "auto";  // auto | v2 | v1 | none
  // Removes cgroup directories off the io thread, retrying until they are
  // gone, and removes what dead servers left at start. Without one (unit
  // tests on fake trees) directories are removed in place, once.
  Janitor* janitor = nullptr;
};

// Picks the best available mode (v2, then v1, then none) and says why in its
// Describe(). Never fails: a host without writable cgroups gets "none", which
// watches RSS instead (see MakeNoCgroupManager).
std::unique_ptr<CgroupManager> DetectCgroups(boost::asio::io_context& io,
                                             const CgroupOptions& options);

// Moving a process into a cgroup (v1, or v2 before Linux 5.7) waits
// for an RCU grace period, 10-20 ms, unless a cgroup hierarchy is mounted
// with `favordynmods` (Linux 6.0+), which makes the kernel's
// cgroup_threadgroup_rwsem writer-friendly for the whole host. Whether any
// cgroup mount in `proc_mounts` (the text of /proc/mounts) has it.
bool CgroupsFavorDynamicModifications(std::string_view proc_mounts);
// The same for this host's /proc/mounts.
bool HostCgroupsFavorDynamicModifications();

// The drivers, exposed for tests on fake trees. `name` is the directory made
// for this server (e.g. "lambda-emu-1234") under our own cgroup.
Result<std::unique_ptr<CgroupManager>> MakeCgroupV2Manager(const std::filesystem::path& base,
                                                           const std::string& name,
                                                           Janitor* janitor = nullptr);
Result<std::unique_ptr<CgroupManager>> MakeCgroupV1Manager(
    const std::function<std::filesystem::path(const std::string&)>& hierarchy,
    const std::string& name, Janitor* janitor = nullptr);

// Memory use without cgroups: the peak resident set size of `pid` and its
// descendants, from /proc. Exposed for the none-mode and for tests.
std::uint64_t PeakRssOfTree(pid_t pid);

// No kernel limits: a watchdog samples each environment's RSS every
// `interval` and kills it past its memory limit (reported as out of memory).
std::unique_ptr<CgroupManager> MakeNoCgroupManager(
    boost::asio::io_context& io, std::string why,
    std::chrono::milliseconds interval = std::chrono::milliseconds(50));

}  // namespace lambda_emu::sandbox
