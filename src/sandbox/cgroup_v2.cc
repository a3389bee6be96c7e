// cgroup v2 (unified hierarchy): one child cgroup per execution environment
// under <our cgroup>/lambda-emu-<pid>/.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <optional>

#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fs.h"
#include "sandbox/leftovers.h"
#include "sandbox/spawn.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;
using namespace cgroupfs;

namespace {

std::string CpuMax(double cpus) {
  return std::to_string(CpuQuotaUs(cpus)) + " " + std::to_string(kCpuPeriodUs);
}

class CgroupV2 final : public EnvironmentCgroup {
 public:
  CgroupV2(fs::path dir, Janitor* janitor)
      : dir_(std::move(dir)),
        janitor_(janitor),
        peak_(dir_ / "memory.peak"),
        current_(dir_ / "memory.current") {}
  ~CgroupV2() override {
    KillAll();
    RemoveCgroupDirVia(janitor_, dir_);
  }

  std::vector<std::string> ProcsFiles() const override {
    return {(dir_ / "cgroup.procs").string()};
  }
  fs::path Directory() const override { return dir_; }
  void LimitCpu(double cpus) override {
    const fs::path burst = dir_ / "cpu.max.burst";
    const bool has_burst = fs::exists(burst);
    // The kernel refuses a quota below the current burst: clear it first.
    if (has_burst && burst_us_ > 0) (void)WriteFile(burst, "0");
    (void)WriteFile(dir_ / "cpu.max", CpuMax(cpus));
    cpu_limited_ = true;
    const long quota = CpuQuotaUs(cpus);
    if (has_burst && WriteFile(burst, std::to_string(quota)).ok()) burst_us_ = quota;
  }
  Status SetLimits(const ResourceLimits& limits) override {
    const std::string bytes = std::to_string(limits.memory_bytes);
    if (Status s = WriteLimit(memory_max_, dir_ / "memory.max", bytes); !s.ok()) return s;
    // memory.swap.max is absent when swap accounting is off: no swap to limit.
    (void)WriteLimit(swap_max_, dir_ / "memory.swap.max", "0");
    if (limits.pids > 0) {
      if (Status s = WriteLimit(pids_max_, dir_ / "pids.max", std::to_string(limits.pids));
          !s.ok()) {
        return s;
      }
    }
    return Status::Ok();
  }
  void PrepareLimits() override {
    memory_max_.emplace(dir_ / "memory.max");
    swap_max_.emplace(dir_ / "memory.swap.max");
    pids_max_.emplace(dir_ / "pids.max");
    peak_.Open();
  }
  void Attach(pid_t pid) override { pid_ = pid; }

  std::uint64_t PeakMemoryBytes() override {
    // memory.peak exists from Linux 5.19; before that, the highest current
    // value we have seen is the best available.
    if (auto peak = peak_.Read()) return *peak;
    if (auto current = current_.Read()) seen_peak_ = std::max(seen_peak_, *current);
    return seen_peak_;
  }

  bool OomKilled() override {
    return ReadKeyed(dir_ / "memory.events", "oom_kill").value_or(0) > 0;
  }

  void KillAll() override {
    // A killed process still has to run to exit, and under a CPU cap
    // hundreds of them (a fork bomb) get a few ms per 100 ms between them:
    // they linger for seconds. Lift the cap first.
    if (cpu_limited_) {
      (void)WriteFile(dir_ / "cpu.max", "max");
      cpu_limited_ = false;
    }
    // cgroup.kill (Linux 5.14+) kills everything at once, forks included.
    // Before it, freezing (cgroup.freeze, 5.2+) stops the forking while each
    // listed process is killed; thawed, they die.
    if (!WriteFile(dir_ / "cgroup.kill", "1").ok()) {
      const bool frozen = WriteFile(dir_ / "cgroup.freeze", "1").ok();
      KillListed(dir_ / "cgroup.procs", frozen ? 2 : 10);
      if (frozen) (void)WriteFile(dir_ / "cgroup.freeze", "0");
    }
    KillProcessGroup(pid_);
  }

 private:
  fs::path dir_;
  Janitor* janitor_;
  NumberFile peak_;
  NumberFile current_;
  // Opened by PrepareLimits for the next SetLimits.
  std::optional<PreparedWrite> memory_max_, swap_max_, pids_max_;
  pid_t pid_ = -1;
  bool cpu_limited_ = false;
  std::uint64_t seen_peak_ = 0;
  long burst_us_ = 0;
};

class CgroupV2Manager final : public CgroupManager {
 public:
  CgroupV2Manager(fs::path parent, Janitor* janitor)
      : parent_(std::move(parent)), janitor_(janitor) {}
  ~CgroupV2Manager() override { RemoveCgroupDirVia(janitor_, parent_); }

  Result<std::unique_ptr<EnvironmentCgroup>> Create(const std::string& name,
                                                    const ResourceLimits& limits) override {
    fs::path dir = parent_ / name;
    std::error_code ec;
    fs::create_directory(dir, ec);
    if (ec) return Status::Error("mkdir " + dir.string() + ": " + ec.message());
    auto cgroup = std::make_unique<CgroupV2>(dir, janitor_);
    if (Status s = cgroup->SetLimits(limits); !s.ok()) return s;
    return std::unique_ptr<EnvironmentCgroup>(std::move(cgroup));
  }

  std::string Describe() const override { return "cgroup v2 at " + parent_.string(); }
  bool Enforces() const override { return true; }
  bool MovesWorkers() const override { return false; }  // born in it: clone3

 private:
  fs::path parent_;
  Janitor* janitor_;
};

}  // namespace

Result<std::unique_ptr<CgroupManager>> MakeCgroupV2Manager(const fs::path& base,
                                                           const std::string& name,
                                                           Janitor* janitor) {
  // Controllers must be enabled in base's subtree_control for our children.
  // A cgroup with processes of its own cannot delegate controllers ("no
  // internal processes"), so when the server sits in `base`, it first moves
  // itself into a leaf of its own.
  const std::string wanted = "+memory +pids +cpu";
  if (janitor) RemoveStaleCgroups(base, *janitor);
  if (!WriteFile(base / "cgroup.subtree_control", wanted).ok()) {
    fs::path leaf = base / (name + "-server");
    std::error_code ec;
    fs::create_directory(leaf, ec);
    Status moved = WriteFile(leaf / "cgroup.procs", std::to_string(::getpid()));
    if (!moved.ok()) return moved;
    Status enabled = WriteFile(base / "cgroup.subtree_control", wanted);
    if (!enabled.ok()) return enabled;
  }
  fs::path parent = base / name;
  std::error_code ec;
  fs::create_directory(parent, ec);
  if (ec) return Status::Error("mkdir " + parent.string() + ": " + ec.message());
  Status s = WriteFile(parent / "cgroup.subtree_control", wanted);
  if (!s.ok()) return s;
  return std::unique_ptr<CgroupManager>(std::make_unique<CgroupV2Manager>(parent, janitor));
}

}  // namespace lambda_emu::sandbox
