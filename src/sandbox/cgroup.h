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

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

struct ResourceLimits {
  std::uint64_t memory_bytes = 128ull << 20;
  double cpus = 0;        // vCPUs; 0 = unlimited
  std::uint64_t pids = 0;  // max tasks; 0 = unlimited
};

class EnvironmentCgroup {
 public:
  virtual ~EnvironmentCgroup() = default;
  // Files the child writes "0" into to join (cgroup.procs of each hierarchy).
  virtual std::vector<std::string> ProcsFiles() const = 0;
  // Told the worker's pid once it runs (the "none" mode measures it).
  virtual void Attach(pid_t pid) = 0;
  // Highest memory use of the environment so far, in bytes.
  virtual std::uint64_t PeakMemoryBytes() = 0;
  // True once the kernel killed a process of this environment for memory.
  virtual bool OomKilled() = 0;
  // SIGKILLs every process in the environment, including escaped descendants.
  virtual void KillAll() = 0;
};

class CgroupManager {
 public:
  virtual ~CgroupManager() = default;
  virtual Result<std::unique_ptr<EnvironmentCgroup>> Create(const std::string& name,
                                                            const ResourceLimits& limits) = 0;
  // "cgroup v2 at /sys/fs/cgroup/...", "cgroup v1 ...", "none (...)".
  virtual std::string Describe() const = 0;
  virtual bool Enforces() const = 0;
};

// Memory use without cgroups: the peak resident set size of `pid` and its
// descendants, from /proc. Exposed for the none-mode and for tests.
std::uint64_t PeakRssOfTree(pid_t pid);

std::unique_ptr<CgroupManager> MakeNoCgroupManager(std::string why);

}  // namespace lambda_emu::sandbox
