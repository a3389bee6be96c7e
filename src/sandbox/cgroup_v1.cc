// cgroup v1: one directory per execution environment in each of the memory,
// pids, cpu and freezer hierarchies, under <our cgroup>/lambda-emu-<pid>/.
#include <unistd.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fs.h"
#include "sandbox/leftovers.h"
#include "sandbox/spawn.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;
using namespace cgroupfs;

namespace {

bool Exists(const fs::path& file) {
  std::error_code ec;
  return fs::exists(file, ec);
}

struct V1Parents {
  fs::path memory;
  fs::path pids;     // empty when the pids controller is not mounted
  fs::path cpu;      // empty when the cpu controller is not mounted
  fs::path freezer;  // empty when the freezer controller is not mounted
};

class CgroupV1 final : public EnvironmentCgroup {
 public:
  CgroupV1(fs::path memory, fs::path pids, fs::path cpu, fs::path freezer, Janitor* janitor)
      : memory_(std::move(memory)),
        pids_(std::move(pids)),
        cpu_(std::move(cpu)),
        freezer_(std::move(freezer)),
        janitor_(janitor),
        swap_accounted_(Exists(memory_ / "memory.memsw.limit_in_bytes")),
        peak_(memory_ / "memory.max_usage_in_bytes"),
        quota_(cpu_.empty() ? fs::path() : cpu_ / "cpu.cfs_quota_us"),
        burst_(cpu_.empty() ? fs::path() : cpu_ / "cpu.cfs_burst_us") {}
  ~CgroupV1() override {
    KillAll();
    for (const auto& dir : {memory_, pids_, cpu_, freezer_}) {
      if (!dir.empty()) RemoveCgroupDirVia(janitor_, dir);
    }
  }

  std::vector<std::string> ProcsFiles() const override {
    std::vector<std::string> files;
    for (const auto& dir : {memory_, pids_, cpu_, freezer_}) {
      if (!dir.empty()) files.push_back((dir / "cgroup.procs").string());
    }
    return files;
  }
  // At the first /next of a cold start: two writes to files opened when the
  // cgroup was made. The period is not written: a new cgroup's is already
  // kCpuPeriodUs (the kernel's default), and nothing changes it.
  void LimitCpu(double cpus) override {
    if (cpu_.empty()) return;
    const bool has_burst = burst_.exists();
    // The kernel refuses a quota below the current burst: clear it first.
    if (has_burst && burst_us_ > 0) (void)burst_.Write("0");
    const long quota = CpuQuotaUs(cpus);
    (void)quota_.Write(std::to_string(quota));
    cpu_limited_ = true;
    if (has_burst && burst_.Write(std::to_string(quota)).ok()) burst_us_ = quota;
  }
  Status SetLimits(const ResourceLimits& limits) override {
    std::string bytes = std::to_string(limits.memory_bytes);
    // No swap: memory+swap gets the same limit (only when swap accounting
    // is on). The kernel keeps memory <= memory+swap at every step, so a
    // raise (a spare becoming a larger function's) goes memory+swap first.
    const fs::path memsw = memory_ / "memory.memsw.limit_in_bytes";
    const bool raise = limits.memory_bytes > memory_bytes_;
    if (swap_accounted_ && raise) (void)WriteLimit(memsw_limit_, memsw, bytes);
    if (Status s = WriteLimit(memory_limit_, memory_ / "memory.limit_in_bytes", bytes); !s.ok()) {
      return s;
    }
    if (swap_accounted_ && !raise) (void)WriteLimit(memsw_limit_, memsw, bytes);
    memory_bytes_ = limits.memory_bytes;
    if (!pids_.empty() && limits.pids > 0) {
      if (Status s = WriteLimit(pids_max_, pids_ / "pids.max", std::to_string(limits.pids));
          !s.ok()) {
        return s;
      }
    }
    return Status::Ok();
  }
  void PrepareLimits() override {
    if (swap_accounted_) memsw_limit_.emplace(memory_ / "memory.memsw.limit_in_bytes");
    memory_limit_.emplace(memory_ / "memory.limit_in_bytes");
    if (!pids_.empty()) pids_max_.emplace(pids_ / "pids.max");
    peak_.Open();
  }
  void Attach(pid_t pid) override { pid_ = pid; }

  std::uint64_t PeakMemoryBytes() override { return peak_.Read().value_or(0); }

  bool OomKilled() override {
    // "oom_kill N" appears in memory.oom_control from Linux 4.13.
    if (auto kills = ReadKeyed(memory_ / "memory.oom_control", "oom_kill")) return *kills > 0;
    return ReadNumber(memory_ / "memory.failcnt").value_or(0) > 0;
  }

  void KillAll() override {
    KillProcessGroup(pid_);
    // v1 has no cgroup.kill. Frozen, no process can fork while each listed
    // one gets its SIGKILL (a child forked into a freezing cgroup is frozen
    // too); a frozen task stays stopped with the signal pending and dies as
    // soon as it is thawed. Without a freezer, kill in rounds until no new
    // pid shows up.
    const bool frozen = !freezer_.empty() && WriteFile(freezer_ / "freezer.state", "FROZEN").ok();
    // A killed process still has to run to exit; under a CPU cap hundreds of
    // them (a fork bomb) share a few ms per 100 ms and linger for seconds.
    if (cpu_limited_) {
      (void)quota_.Write("-1");
      cpu_limited_ = false;
    }
    KillListed(memory_ / "cgroup.procs", frozen ? 2 : 10);
    if (frozen) (void)WriteFile(freezer_ / "freezer.state", "THAWED");
  }

 private:
  fs::path memory_, pids_, cpu_, freezer_;
  Janitor* janitor_;
  bool swap_accounted_;  // memory.memsw.* are there
  bool cpu_limited_ = false;
  NumberFile peak_;
  PreparedWrite quota_;
  PreparedWrite burst_;
  // Opened by PrepareLimits for the next SetLimits.
  std::optional<PreparedWrite> memsw_limit_, memory_limit_, pids_max_;
  pid_t pid_ = -1;
  long burst_us_ = 0;
  // The limit last set; a new cgroup has none (the maximum).
  std::uint64_t memory_bytes_ = std::numeric_limits<std::uint64_t>::max();
};

class CgroupV1Manager final : public CgroupManager {
 public:
  CgroupV1Manager(V1Parents parents, Janitor* janitor)
      : parents_(std::move(parents)), janitor_(janitor) {}
  ~CgroupV1Manager() override {
    for (const auto& dir : {parents_.memory, parents_.pids, parents_.cpu, parents_.freezer}) {
      if (!dir.empty()) RemoveCgroupDirVia(janitor_, dir);
    }
  }

  Result<std::unique_ptr<EnvironmentCgroup>> Create(const std::string& name,
                                                    const ResourceLimits& limits) override {
    auto make = [&name](const fs::path& parent) -> Result<fs::path> {
      if (parent.empty()) return fs::path();
      std::error_code ec;
      fs::create_directory(parent / name, ec);
      if (ec) return Status::Error("mkdir " + (parent / name).string() + ": " + ec.message());
      return parent / name;
    };
    auto memory = make(parents_.memory);
    auto pids = make(parents_.pids);
    auto cpu = make(parents_.cpu);
    auto freezer = make(parents_.freezer);
    for (auto* r : {&memory, &pids, &cpu, &freezer}) {
      if (!r->ok()) return r->status();
    }
    auto cgroup = std::make_unique<CgroupV1>(memory.value(), pids.value(), cpu.value(),
                                             freezer.value(), janitor_);
    (void)WriteFile(memory.value() / "memory.swappiness", "0");
    if (Status s = cgroup->SetLimits(limits); !s.ok()) return s;
    return std::unique_ptr<EnvironmentCgroup>(std::move(cgroup));
  }

  std::string Describe() const override {
    return "cgroup v1 (memory at " + parents_.memory.string() +
           (parents_.pids.empty() ? ", no pids controller" : ", pids") +
           (parents_.cpu.empty() ? ", no cpu controller)" : ", cpu)");
  }
  bool Enforces() const override { return true; }
  bool LimitsCpu() const override { return !parents_.cpu.empty(); }

 private:
  V1Parents parents_;
  Janitor* janitor_;
};

}  // namespace

// `hierarchy(controller)` gives the directory of our own cgroup in that
// controller's hierarchy, or empty when it is not mounted.
Result<std::unique_ptr<CgroupManager>> MakeCgroupV1Manager(
    const std::function<fs::path(const std::string&)>& hierarchy, const std::string& name,
    Janitor* janitor) {
  V1Parents parents;
  auto make_parent = [&name, janitor](const fs::path& own) -> Result<fs::path> {
    if (own.empty()) return fs::path();
    if (janitor) RemoveStaleCgroups(own, *janitor);
    fs::path dir = own / name;
    std::error_code ec;
    fs::create_directory(dir, ec);
    if (ec) return Status::Error("mkdir " + dir.string() + ": " + ec.message());
    // Probe that we can really write here (read-only mounts, no permission).
    if (::access(dir.c_str(), W_OK) != 0) return Status::Error(dir.string() + " is not writable");
    return dir;
  };
  auto memory = make_parent(hierarchy("memory"));
  if (!memory.ok()) return memory.status();
  if (memory.value().empty()) return Status::Error("the memory controller is not mounted");
  parents.memory = memory.value();
  if (auto pids = make_parent(hierarchy("pids")); pids.ok()) parents.pids = pids.value();
  if (auto cpu = make_parent(hierarchy("cpu")); cpu.ok()) parents.cpu = cpu.value();
  if (auto freezer = make_parent(hierarchy("freezer")); freezer.ok()) {
    parents.freezer = freezer.value();
  }
  return std::unique_ptr<CgroupManager>(std::make_unique<CgroupV1Manager>(parents, janitor));
}

}  // namespace lambda_emu::sandbox
