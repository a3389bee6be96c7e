// The "none" mode: no kernel limits, memory measured from /proc.
#include <signal.h>

#include <fstream>
#include <sstream>
#include <unordered_map>

#include "sandbox/cgroup.h"
#include "sandbox/spawn.h"

namespace lambda_emu::sandbox {

namespace {

std::uint64_t ReadHighWaterMark(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      std::uint64_t kb = 0;
      fields >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

class NoCgroup final : public EnvironmentCgroup {
 public:
  std::vector<std::string> ProcsFiles() const override { return {}; }
  void Attach(pid_t pid) override { pid_ = pid; }
  std::uint64_t PeakMemoryBytes() override {
    peak_ = std::max(peak_, PeakRssOfTree(pid_));
    return peak_;
  }
  bool OomKilled() override { return false; }
  void KillAll() override { KillProcessGroup(pid_); }

 private:
  pid_t pid_ = -1;
  std::uint64_t peak_ = 0;
};

class NoCgroupManager final : public CgroupManager {
 public:
  explicit NoCgroupManager(std::string why) : why_(std::move(why)) {}
  Result<std::unique_ptr<EnvironmentCgroup>> Create(const std::string&,
                                                    const ResourceLimits&) override {
    return std::unique_ptr<EnvironmentCgroup>(std::make_unique<NoCgroup>());
  }
  std::string Describe() const override { return "none (" + why_ + ")"; }
  bool Enforces() const override { return false; }

 private:
  std::string why_;
};

}  // namespace

std::uint64_t PeakRssOfTree(pid_t pid) {
  if (pid <= 0) return 0;
  // The worker's own peak plus its live children's (children of children are
  // found through /proc/PID/task/*/children).
  std::uint64_t total = ReadHighWaterMark(pid);
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                         "/children");
  pid_t child;
  while (children >> child) total += PeakRssOfTree(child);
  return total;
}

std::unique_ptr<CgroupManager> MakeNoCgroupManager(std::string why) {
  return std::make_unique<NoCgroupManager>(std::move(why));
}

}  // namespace lambda_emu::sandbox
