// The "none" mode: no kernel limits. Memory is measured from /proc and a
// watchdog kills an environment whose resident memory passes its limit.
#include <signal.h>
#include <sys/stat.h>

#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "sandbox/cgroup.h"
#include "sandbox/spawn.h"

namespace lambda_emu::sandbox {

namespace {

std::uint64_t ReadStatusField(pid_t pid, const char* field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const size_t length = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.compare(0, length, field) == 0) {
      std::istringstream fields(line.substr(length));
      std::uint64_t kb = 0;
      fields >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

// True while `pid` still runs this program: between fork and exec, when
// its memory is a copy of the server's (an ASan build's is over 100 MB) and
// says nothing about the function.
bool StillThisProgram(pid_t pid) {
  static const struct stat self = [] {
    struct stat st {};
    ::stat("/proc/self/exe", &st);
    return st;
  }();
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid) + "/exe").c_str(), &st) != 0) return false;
  return st.st_dev == self.st_dev && st.st_ino == self.st_ino;
}

// Sum over `pid` and its descendants of one /proc/PID/status field.
std::uint64_t SumOverTree(pid_t pid, const char* field) {
  if (pid <= 0) return 0;
  std::uint64_t total = ReadStatusField(pid, field);
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                         "/children");
  pid_t child;
  while (children >> child) total += SumOverTree(child, field);
  return total;
}

class NoCgroupManager;

class NoCgroup final : public EnvironmentCgroup {
 public:
  NoCgroup(NoCgroupManager& manager, std::uint64_t limit) : manager_(manager), limit_(limit) {}
  ~NoCgroup() override;

  std::vector<std::string> ProcsFiles() const override { return {}; }
  void LimitCpu(double) override {}
  Status SetLimits(const ResourceLimits& limits) override {
    limit_ = limits.memory_bytes;
    return Status::Ok();
  }
  void Attach(pid_t pid) override;
  std::uint64_t PeakMemoryBytes() override {
    Sample();
    return peak_;
  }
  bool OomKilled() override { return oom_killed_; }
  void KillAll() override { KillProcessGroup(pid_); }

  // Called by the watchdog.
  void Sample() {
    if (pid_ <= 0) return;
    if (!exec_seen_) {
      if (StillThisProgram(pid_)) return;
      exec_seen_ = true;
    }
    std::uint64_t rss = SumOverTree(pid_, "VmRSS:");
    peak_ = std::max({peak_, rss, SumOverTree(pid_, "VmHWM:")});
    if (rss > limit_ && !oom_killed_) {
      oom_killed_ = true;
      KillAll();
    }
  }

 private:
  NoCgroupManager& manager_;
  std::uint64_t limit_;
  pid_t pid_ = -1;
  std::uint64_t peak_ = 0;
  bool oom_killed_ = false;
  bool exec_seen_ = false;  // the environment's process runs the runtime now
};

class NoCgroupManager final : public CgroupManager {
 public:
  NoCgroupManager(boost::asio::io_context& io, std::string why, std::chrono::milliseconds interval)
      : timer_(io), why_(std::move(why)), interval_(interval) {}

  Result<std::unique_ptr<EnvironmentCgroup>> Create(const std::string&,
                                                    const ResourceLimits& limits) override {
    return std::unique_ptr<EnvironmentCgroup>(
        std::make_unique<NoCgroup>(*this, limits.memory_bytes));
  }
  std::string Describe() const override {
    return "none (" + why_ + "): memory is watched by sampling RSS, CPU and pids are not limited";
  }
  bool Enforces() const override { return false; }

  void Watch(NoCgroup* cgroup) {
    watched_.insert(cgroup);
    if (watched_.size() == 1) Arm();
  }
  void Unwatch(NoCgroup* cgroup) {
    watched_.erase(cgroup);
    if (watched_.empty()) timer_.cancel();
  }

 private:
  void Arm() {
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || watched_.empty()) return;
      // Copy: a kill may end an environment, which unwatches it.
      std::vector<NoCgroup*> now(watched_.begin(), watched_.end());
      for (NoCgroup* cgroup : now) {
        if (watched_.count(cgroup)) cgroup->Sample();
      }
      if (!watched_.empty()) Arm();
    });
  }

  boost::asio::steady_timer timer_;
  std::string why_;
  std::chrono::milliseconds interval_;
  std::unordered_set<NoCgroup*> watched_;
};

NoCgroup::~NoCgroup() { manager_.Unwatch(this); }

void NoCgroup::Attach(pid_t pid) {
  pid_ = pid;
  manager_.Watch(this);
}

}  // namespace

std::uint64_t PeakRssOfTree(pid_t pid) { return SumOverTree(pid, "VmHWM:"); }

std::unique_ptr<CgroupManager> MakeNoCgroupManager(boost::asio::io_context& io, std::string why,
                                                   std::chrono::milliseconds interval) {
  return std::make_unique<NoCgroupManager>(io, std::move(why), interval);
}

}  // namespace lambda_emu::sandbox
