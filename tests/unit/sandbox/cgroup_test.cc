// The cgroup v2 and v1 drivers against fake cgroup trees in a temp directory
// (a cgroup filesystem is plain files, so the drivers cannot tell), the mode
// detection, the /proc/self/cgroup parser, and the "none" mode's RSS watchdog
// against a real process.
#include "sandbox/cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "sandbox/cgroup_fs.h"

namespace lambda_emu::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMiB = 1ull << 20;

std::string Slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Put(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::trunc);
  out << text;
}

// A temp directory removed at the end of the test.
class FakeCgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "cgroup-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    root_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  fs::path root_;
};

ResourceLimits Limits(std::uint64_t memory_mb, std::uint64_t pids) {
  ResourceLimits limits;
  limits.memory_bytes = memory_mb * kMiB;
  limits.pids = pids;
  return limits;
}

// A child in its own process group that sleeps until killed.
// A process in its own group running `argv` (exec'd, as an environment's
// runtime is).
pid_t Spawn(std::vector<const char*> argv) {
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::execvp(argv[0], const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  return pid;
}

pid_t SpawnSleeper() { return Spawn({"sleep", "60"}); }

// Moves `file` aside (a descriptor opened on it still writes there) and puts
// an empty file at its path: what a write by path would reach. Returns the
// moved file.
fs::path SetAside(const fs::path& file) {
  fs::path aside = file.string() + ".opened";
  fs::rename(file, aside);
  Put(file, "");
  return aside;
}

// Waits for `pid`; returns its wait status (or -1 if it is still running after `timeout`).
int WaitFor(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return -1;
}

// ---------------------------------------------------------------- cgroup v2

class CgroupV2Test : public FakeCgroupTree {
 protected:
  std::unique_ptr<CgroupManager> Manager() {
    auto manager = MakeCgroupV2Manager(root_, "lambda-emu-test");
    EXPECT_TRUE(manager.ok()) << manager.status().message();
    return manager.ok() ? std::move(manager.value()) : nullptr;
  }
  fs::path EnvDir(const std::string& name) const { return root_ / "lambda-emu-test" / name; }
};

TEST_F(CgroupV2Test, ManagerEnablesControllersForItsChildren) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  EXPECT_EQ(Slurp(root_ / "cgroup.subtree_control"), "+memory +pids +cpu");
  EXPECT_EQ(Slurp(root_ / "lambda-emu-test" / "cgroup.subtree_control"), "+memory +pids +cpu");
  EXPECT_TRUE(manager->Enforces());
  EXPECT_EQ(manager->Describe(), "cgroup v2 at " + (root_ / "lambda-emu-test").string());
}

TEST_F(CgroupV2Test, CreateWritesMemoryMaxNoSwapAndPidsMax) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 64));
  ASSERT_TRUE(cgroup.ok()) << cgroup.status().message();
  EXPECT_EQ(Slurp(EnvDir("env-1") / "memory.max"), "134217728");
  EXPECT_EQ(Slurp(EnvDir("env-1") / "memory.swap.max"), "0");
  EXPECT_EQ(Slurp(EnvDir("env-1") / "pids.max"), "64");
}

TEST_F(CgroupV2Test, NoPidsLimitWritesNoPidsMax) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(10240, 0));
  ASSERT_TRUE(cgroup.ok()) << cgroup.status().message();
  EXPECT_EQ(Slurp(EnvDir("env-1") / "memory.max"), std::to_string(10240 * kMiB));
  EXPECT_FALSE(fs::exists(EnvDir("env-1") / "pids.max"));
}

TEST_F(CgroupV2Test, ProcsFilesIsTheEnvironmentsCgroupProcs) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  EXPECT_EQ(cgroup.value()->ProcsFiles(),
            std::vector<std::string>{(EnvDir("env-1") / "cgroup.procs").string()});
}

TEST_F(CgroupV2Test, CpuIsNotLimitedUntilLimitCpu) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  EXPECT_FALSE(fs::exists(EnvDir("env-1") / "cpu.max"));  // init runs unthrottled
  cgroup.value()->LimitCpu(128 / 1769.0);
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cpu.max"), "7236 100000");
  cgroup.value()->LimitCpu(1.0);
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cpu.max"), "100000 100000");
  cgroup.value()->LimitCpu(10240 / 1769.0);
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cpu.max"), "578858 100000");
  cgroup.value()->LimitCpu(0.001);  // the kernel's minimum quota is 1 ms
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cpu.max"), "1000 100000");
  // Before Linux 5.14 there is no cpu.max.burst: none is made up.
  EXPECT_FALSE(fs::exists(EnvDir("env-1") / "cpu.max.burst"));
}

// Issue 17: a 3 MB response from a 128 MB function was throttled for a period
// (~93 ms) or more per invoke; one period's quota banked while idle covers it.
TEST_F(CgroupV2Test, LimitCpuSetsTheBurstToTheQuotaWhereTheKernelHasIt) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  Put(EnvDir("env-1") / "cpu.max.burst", "0\n");
  cgroup.value()->LimitCpu(128 / 1769.0);
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cpu.max"), "7236 100000");
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cpu.max.burst"), "7236");
  cgroup.value()->LimitCpu(3008 / 1769.0);
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cpu.max.burst"), "170040");
}

// A spare sandbox's cgroup (spares.h): what becoming an environment
// writes, and the peak it then reads, go through files opened ahead.
TEST_F(CgroupV2Test, PrepareLimitsOpensTheNextLimitsAndThePeakAhead) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 64));
  ASSERT_TRUE(cgroup.ok()) << cgroup.status().message();
  Put(EnvDir("env-1") / "memory.peak", "41943040\n");
  cgroup.value()->PrepareLimits();
  const fs::path max = SetAside(EnvDir("env-1") / "memory.max");
  const fs::path pids = SetAside(EnvDir("env-1") / "pids.max");
  SetAside(EnvDir("env-1") / "memory.peak");
  ASSERT_TRUE(cgroup.value()->SetLimits(Limits(1769, 1024)).ok());
  EXPECT_EQ(Slurp(max), "1854930944");
  EXPECT_EQ(Slurp(pids), "1024");
  EXPECT_EQ(Slurp(EnvDir("env-1") / "memory.max"), "");
  EXPECT_EQ(cgroup.value()->PeakMemoryBytes(), 41943040u);
  // Each prepared file serves one SetLimits; the next writes by path.
  ASSERT_TRUE(cgroup.value()->SetLimits(Limits(3008, 1024)).ok());
  EXPECT_EQ(Slurp(EnvDir("env-1") / "memory.max"), "3154116608");
  EXPECT_EQ(Slurp(max), "1854930944");
}

TEST_F(CgroupV2Test, PeakMemoryReadsMemoryPeak) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  Put(EnvDir("env-1") / "memory.peak", "41943040\n");
  Put(EnvDir("env-1") / "memory.current", "1000\n");
  EXPECT_EQ(cgroup.value()->PeakMemoryBytes(), 41943040u);
  // Rewritten in place (as the kernel's value moves): the new value is read.
  Put(EnvDir("env-1") / "memory.peak", "134217728\n");
  EXPECT_EQ(cgroup.value()->PeakMemoryBytes(), 134217728u);
}

TEST_F(CgroupV2Test, PeakMemoryWithoutMemoryPeakIsTheHighestCurrentSeen) {
  // Kernels before 5.19 have no memory.peak.
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  auto& env = *cgroup.value();
  Put(EnvDir("env-1") / "memory.current", "3000\n");
  EXPECT_EQ(env.PeakMemoryBytes(), 3000u);
  Put(EnvDir("env-1") / "memory.current", "1000\n");
  EXPECT_EQ(env.PeakMemoryBytes(), 3000u);
  Put(EnvDir("env-1") / "memory.current", "5000\n");
  EXPECT_EQ(env.PeakMemoryBytes(), 5000u);
}

TEST_F(CgroupV2Test, OomKilledReadsOomKillFromMemoryEvents) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  auto& env = *cgroup.value();
  EXPECT_FALSE(env.OomKilled());  // no file yet
  // Hitting the limit (max, oom) is not a kill; only oom_kill is.
  Put(EnvDir("env-1") / "memory.events",
      "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n");
  EXPECT_FALSE(env.OomKilled());
  Put(EnvDir("env-1") / "memory.events",
      "low 0\nhigh 0\nmax 13\noom 1\noom_kill 1\noom_group_kill 0\n");
  EXPECT_TRUE(env.OomKilled());
}

TEST_F(CgroupV2Test, CreateFailsWhenMemoryMaxCannotBeWritten) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  fs::create_directories(EnvDir("env-1") / "memory.max");  // open(O_WRONLY) fails: EISDIR
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_FALSE(cgroup.ok());
  EXPECT_NE(cgroup.status().message().find("memory.max"), std::string::npos)
      << cgroup.status().message();
}

TEST_F(CgroupV2Test, MissingSwapAccountingIsTolerated) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  fs::create_directories(EnvDir("env-1") / "memory.swap.max");
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  EXPECT_TRUE(cgroup.ok()) << cgroup.status().message();
}

TEST_F(CgroupV2Test, DestroyingKillsTheProcessGroupAndRemovesTheDirectories) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  pid_t child = SpawnSleeper();
  cgroup.value()->Attach(child);
  cgroup.value()->KillAll();
  int status = WaitFor(child);
  ASSERT_NE(status, -1) << "KillAll left the environment's process running";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cgroup.kill"), "1");
  cgroup.value().reset();
  EXPECT_FALSE(fs::exists(EnvDir("env-1")));
  manager.reset();
  EXPECT_FALSE(fs::exists(root_ / "lambda-emu-test"));
}

// Issue 12 item 5: killed processes under a CPU cap (a fork bomb's hundreds)
// lingered 12-17 s waiting for CPU time to exit; the cap goes before the kill.
TEST_F(CgroupV2Test, KillAllLiftsTheCpuCap) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  cgroup.value()->LimitCpu(128 / 1769.0);
  cgroup.value()->KillAll();
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cpu.max"), "max");
  EXPECT_EQ(Slurp(EnvDir("env-1") / "cgroup.kill"), "1");
}

// ---------------------------------------------------------------- cgroup v1

class CgroupV1Test : public FakeCgroupTree {
 protected:
  void SetUp() override {
    FakeCgroupTree::SetUp();
    for (const char* controller : {"memory", "pids", "cpu"}) {
      fs::create_directories(root_ / controller / "own");
    }
  }
  std::unique_ptr<CgroupManager> Manager(std::set<std::string> mounted = {"memory", "pids",
                                                                          "cpu"}) {
    auto hierarchy = [this, mounted](const std::string& controller) -> fs::path {
      if (!mounted.count(controller)) return {};
      return root_ / controller / "own";
    };
    auto manager = MakeCgroupV1Manager(hierarchy, "lambda-emu-test");
    EXPECT_TRUE(manager.ok()) << manager.status().message();
    return manager.ok() ? std::move(manager.value()) : nullptr;
  }
  fs::path EnvDir(const std::string& controller, const std::string& name) const {
    return root_ / controller / "own" / "lambda-emu-test" / name;
  }
};

// Issue 12 item 5: v1 has no cgroup.kill; the freezer stops a fork bomb
// from forking while each process is killed, and the CPU cap is lifted so
// the killed processes get to exit.
TEST_F(CgroupV1Test, KillAllFreezesLiftsTheCpuCapAndThaws) {
  fs::create_directories(root_ / "freezer" / "own");
  auto manager = Manager({"memory", "pids", "cpu", "freezer"});
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  EXPECT_EQ(cgroup.value()->ProcsFiles().back(),
            (EnvDir("freezer", "env-1") / "cgroup.procs").string());
  cgroup.value()->LimitCpu(128 / 1769.0);
  pid_t child = SpawnSleeper();
  cgroup.value()->Attach(child);
  cgroup.value()->KillAll();
  EXPECT_EQ(Slurp(EnvDir("cpu", "env-1") / "cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(Slurp(EnvDir("freezer", "env-1") / "freezer.state"), "THAWED");
  EXPECT_NE(WaitFor(child), -1);
  cgroup.value().reset();
  EXPECT_FALSE(fs::exists(EnvDir("freezer", "env-1")));
}

TEST_F(CgroupV1Test, CreateWritesLimitInBytesAndPidsMax) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(256, 32));
  ASSERT_TRUE(cgroup.ok()) << cgroup.status().message();
  EXPECT_EQ(Slurp(EnvDir("memory", "env-1") / "memory.limit_in_bytes"), "268435456");
  EXPECT_EQ(Slurp(EnvDir("memory", "env-1") / "memory.swappiness"), "0");
  EXPECT_EQ(Slurp(EnvDir("pids", "env-1") / "pids.max"), "32");
  EXPECT_TRUE(fs::is_directory(EnvDir("cpu", "env-1")));
  // No swap accounting in this tree: memsw is not invented.
  EXPECT_FALSE(fs::exists(EnvDir("memory", "env-1") / "memory.memsw.limit_in_bytes"));
}

TEST_F(CgroupV1Test, MemswGetsTheSameLimitWhenSwapIsAccounted) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  fs::create_directories(EnvDir("memory", "env-1"));
  Put(EnvDir("memory", "env-1") / "memory.memsw.limit_in_bytes", "9223372036854771712");
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok()) << cgroup.status().message();
  EXPECT_EQ(Slurp(EnvDir("memory", "env-1") / "memory.memsw.limit_in_bytes"), "134217728");
  EXPECT_FALSE(fs::exists(EnvDir("pids", "env-1") / "pids.max"));
}

TEST_F(CgroupV1Test, ProcsFilesListsEveryHierarchy) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  EXPECT_EQ(cgroup.value()->ProcsFiles(),
            (std::vector<std::string>{(EnvDir("memory", "env-1") / "cgroup.procs").string(),
                                      (EnvDir("pids", "env-1") / "cgroup.procs").string(),
                                      (EnvDir("cpu", "env-1") / "cgroup.procs").string()}));
}

// The period is left as a new cgroup has it: the kernel's default, 100 ms.
TEST_F(CgroupV1Test, LimitCpuWritesTheCfsQuotaNotThePeriod) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  EXPECT_FALSE(fs::exists(EnvDir("cpu", "env-1") / "cpu.cfs_quota_us"));
  cgroup.value()->LimitCpu(128 / 1769.0);
  EXPECT_FALSE(fs::exists(EnvDir("cpu", "env-1") / "cpu.cfs_period_us"));
  EXPECT_EQ(Slurp(EnvDir("cpu", "env-1") / "cpu.cfs_quota_us"), "7236");
  cgroup.value()->LimitCpu(3008 / 1769.0);
  EXPECT_EQ(Slurp(EnvDir("cpu", "env-1") / "cpu.cfs_quota_us"), "170040");
  EXPECT_FALSE(fs::exists(EnvDir("cpu", "env-1") / "cpu.cfs_burst_us"));  // before Linux 5.14
}

// Issue 17: see CgroupV2Test.LimitCpuSetsTheBurstToTheQuotaWhereTheKernelHasIt.
TEST_F(CgroupV1Test, LimitCpuSetsTheBurstToTheQuotaWhereTheKernelHasIt) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  Put(EnvDir("cpu", "env-1") / "cpu.cfs_burst_us", "0\n");
  cgroup.value()->LimitCpu(128 / 1769.0);
  EXPECT_EQ(Slurp(EnvDir("cpu", "env-1") / "cpu.cfs_quota_us"), "7236");
  EXPECT_EQ(Slurp(EnvDir("cpu", "env-1") / "cpu.cfs_burst_us"), "7236");
}

// A spare sandbox's cgroup (spares.h): what becoming an environment
// writes, and the peak it then reads, go through files opened ahead; a
// raise still goes memory+swap first.
TEST_F(CgroupV1Test, PrepareLimitsOpensTheNextLimitsAndThePeakAhead) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  fs::create_directories(EnvDir("memory", "env-1"));
  Put(EnvDir("memory", "env-1") / "memory.memsw.limit_in_bytes", "9223372036854771712");
  auto cgroup = manager->Create("env-1", Limits(128, 64));
  ASSERT_TRUE(cgroup.ok()) << cgroup.status().message();
  Put(EnvDir("memory", "env-1") / "memory.max_usage_in_bytes", "52428800\n");
  cgroup.value()->PrepareLimits();
  const fs::path limit = SetAside(EnvDir("memory", "env-1") / "memory.limit_in_bytes");
  const fs::path memsw = SetAside(EnvDir("memory", "env-1") / "memory.memsw.limit_in_bytes");
  const fs::path pids = SetAside(EnvDir("pids", "env-1") / "pids.max");
  SetAside(EnvDir("memory", "env-1") / "memory.max_usage_in_bytes");
  ASSERT_TRUE(cgroup.value()->SetLimits(Limits(1769, 1024)).ok());
  EXPECT_EQ(Slurp(limit), "1854930944");
  EXPECT_EQ(Slurp(memsw), "1854930944");
  EXPECT_EQ(Slurp(pids), "1024");
  EXPECT_EQ(Slurp(EnvDir("memory", "env-1") / "memory.limit_in_bytes"), "");
  EXPECT_EQ(Slurp(EnvDir("pids", "env-1") / "pids.max"), "");
  EXPECT_EQ(cgroup.value()->PeakMemoryBytes(), 52428800u);
  // Each prepared file serves one SetLimits; the next writes by path.
  ASSERT_TRUE(cgroup.value()->SetLimits(Limits(3008, 1024)).ok());
  EXPECT_EQ(Slurp(EnvDir("memory", "env-1") / "memory.limit_in_bytes"), "3154116608");
  EXPECT_EQ(Slurp(limit), "1854930944");
}

TEST_F(CgroupV1Test, PeakMemoryReadsMaxUsageInBytes) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  EXPECT_EQ(cgroup.value()->PeakMemoryBytes(), 0u);  // not there yet
  Put(EnvDir("memory", "env-1") / "memory.max_usage_in_bytes", "52428800\n");
  EXPECT_EQ(cgroup.value()->PeakMemoryBytes(), 52428800u);
  Put(EnvDir("memory", "env-1") / "memory.max_usage_in_bytes", "134217728\n");
  EXPECT_EQ(cgroup.value()->PeakMemoryBytes(), 134217728u);
}

TEST_F(CgroupV1Test, OomKilledReadsOomKillFromOomControl) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  auto& env = *cgroup.value();
  const fs::path dir = EnvDir("memory", "env-1");
  Put(dir / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  Put(dir / "memory.failcnt", "7\n");  // hit the limit, reclaimed, nobody killed
  EXPECT_FALSE(env.OomKilled());
  Put(dir / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  EXPECT_TRUE(env.OomKilled());
}

TEST_F(CgroupV1Test, OomKilledFallsBackToFailcntOnOldKernels) {
  // Before Linux 4.13 memory.oom_control has no oom_kill line.
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  const fs::path dir = EnvDir("memory", "env-1");
  Put(dir / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
  Put(dir / "memory.failcnt", "0\n");
  EXPECT_FALSE(cgroup.value()->OomKilled());
  Put(dir / "memory.failcnt", "3\n");
  EXPECT_TRUE(cgroup.value()->OomKilled());
}

TEST_F(CgroupV1Test, WithoutPidsAndCpuControllersOnlyMemoryIsUsed) {
  auto manager = Manager({"memory"});
  ASSERT_TRUE(manager);
  EXPECT_EQ(manager->Describe(), "cgroup v1 (memory at " +
                                     (root_ / "memory" / "own" / "lambda-emu-test").string() +
                                     ", no pids controller, no cpu controller)");
  EXPECT_FALSE(manager->LimitsCpu());
  auto cgroup = manager->Create("env-1", Limits(128, 32));
  ASSERT_TRUE(cgroup.ok()) << cgroup.status().message();
  EXPECT_EQ(cgroup.value()->ProcsFiles(),
            std::vector<std::string>{(EnvDir("memory", "env-1") / "cgroup.procs").string()});
  cgroup.value()->LimitCpu(0.5);  // a no-op
  EXPECT_FALSE(fs::exists(root_ / "cpu" / "own" / "lambda-emu-test"));
  EXPECT_FALSE(fs::exists(root_ / "pids" / "own" / "lambda-emu-test"));
}

TEST_F(CgroupV1Test, DescribeNamesTheControllers) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  EXPECT_EQ(manager->Describe(), "cgroup v1 (memory at " +
                                     (root_ / "memory" / "own" / "lambda-emu-test").string() +
                                     ", pids, cpu)");
  EXPECT_TRUE(manager->Enforces());
  EXPECT_TRUE(manager->LimitsCpu());
}

TEST_F(CgroupV1Test, NoMemoryControllerIsAnError) {
  auto result = MakeCgroupV1Manager([](const std::string&) { return fs::path(); }, "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "the memory controller is not mounted");
}

TEST_F(CgroupV1Test, DestroyingKillsTheProcessGroupAndRemovesEveryDirectory) {
  auto manager = Manager();
  ASSERT_TRUE(manager);
  auto cgroup = manager->Create("env-1", Limits(128, 0));
  ASSERT_TRUE(cgroup.ok());
  pid_t child = SpawnSleeper();
  cgroup.value()->Attach(child);
  cgroup.value().reset();
  int status = WaitFor(child);
  ASSERT_NE(status, -1) << "the environment's process outlived its cgroup";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  for (const char* controller : {"memory", "pids", "cpu"}) {
    EXPECT_FALSE(fs::exists(EnvDir(controller, "env-1"))) << controller;
  }
  manager.reset();
  for (const char* controller : {"memory", "pids", "cpu"}) {
    EXPECT_FALSE(fs::exists(root_ / controller / "own" / "lambda-emu-test")) << controller;
    EXPECT_TRUE(fs::exists(root_ / controller / "own")) << controller;
  }
}

// ------------------------------------------------------- detection, parsing

TEST_F(FakeCgroupTree, DetectUsesV1OnANonUnifiedRoot) {
  for (const char* controller : {"memory", "pids", "cpu"})
    fs::create_directories(root_ / controller);
  boost::asio::io_context io;
  auto manager = DetectCgroups(io, {root_, "auto"});
  EXPECT_EQ(manager->Describe().rfind("cgroup v1 (memory at " + (root_ / "memory").string(), 0), 0u)
      << manager->Describe();
  EXPECT_TRUE(manager->Enforces());
}

TEST_F(FakeCgroupTree, DetectFallsBackToNoneWhenV2IsAskedOnV1) {
  boost::asio::io_context io;
  auto manager = DetectCgroups(io, {root_, "v2"});
  EXPECT_FALSE(manager->Enforces());
  EXPECT_EQ(manager->Describe().rfind("none (cgroup v2 requested but the host has cgroup v1)", 0),
            0u)
      << manager->Describe();
}

TEST_F(FakeCgroupTree, DetectFallsBackToNoneWithoutAMemoryHierarchy) {
  boost::asio::io_context io;
  auto manager = DetectCgroups(io, {root_, "auto"});
  EXPECT_FALSE(manager->Enforces());
  EXPECT_NE(manager->Describe().find("the memory controller is not mounted"), std::string::npos)
      << manager->Describe();
}

TEST(CgroupDetect, NoneModeSaysItWatchesRss) {
  boost::asio::io_context io;
  auto manager = DetectCgroups(io, {"/sys/fs/cgroup", "none"});
  EXPECT_FALSE(manager->Enforces());
  EXPECT_FALSE(manager->LimitsCpu());
  EXPECT_EQ(manager->Describe(),
            "none (--cgroups none): memory is watched by sampling RSS, CPU and pids are not "
            "limited");
}

TEST(CgroupFs, OwnCgroupPathFindsV1ControllersAndTheV2Entry) {
  const std::string text =
      "12:pids:/user.slice/a\n"
      "4:cpu,cpuacct:/b\n"
      "3:memory:/process_api/c\n"
      "0::/unified/d\n";
  EXPECT_EQ(cgroupfs::OwnCgroupPath(text, "memory"), "/process_api/c");
  EXPECT_EQ(cgroupfs::OwnCgroupPath(text, "cpu"), "/b");
  EXPECT_EQ(cgroupfs::OwnCgroupPath(text, "cpuacct"), "/b");
  EXPECT_EQ(cgroupfs::OwnCgroupPath(text, "pids"), "/user.slice/a");
  EXPECT_EQ(cgroupfs::OwnCgroupPath(text, ""), "/unified/d");
  EXPECT_EQ(cgroupfs::OwnCgroupPath(text, "blkio"), std::nullopt);
  EXPECT_EQ(cgroupfs::OwnCgroupPath("0::/\n", ""), "/");
}

TEST(CgroupFs, CpuQuotaIsProportionalWithAOneMillisecondFloor) {
  EXPECT_EQ(cgroupfs::CpuQuotaUs(1.0), 100000);
  EXPECT_EQ(cgroupfs::CpuQuotaUs(128 / 1769.0), 7236);
  EXPECT_EQ(cgroupfs::CpuQuotaUs(6.0), 600000);
  EXPECT_EQ(cgroupfs::CpuQuotaUs(0.0), 1000);
}

TEST(CgroupFs, ReadKeyedFindsTheKey) {
  char pattern[] = "/tmp/cgroup-keyed-XXXXXX";
  int fd = ::mkstemp(pattern);
  ASSERT_GE(fd, 0);
  ::close(fd);
  Put(pattern, "oom_kill_disable 0\nunder_oom 1\noom_kill 4\n");
  EXPECT_EQ(cgroupfs::ReadKeyed(pattern, "oom_kill"), 4u);
  EXPECT_EQ(cgroupfs::ReadKeyed(pattern, "under_oom"), 1u);
  EXPECT_EQ(cgroupfs::ReadKeyed(pattern, "missing"), std::nullopt);
  ::unlink(pattern);
}

// ---------------------------------------------------------------- none mode

TEST(NoCgroup, PeakRssOfTreeSeesThisProcess) {
  EXPECT_GT(PeakRssOfTree(::getpid()), 1 * kMiB);
  EXPECT_EQ(PeakRssOfTree(-1), 0u);
}

TEST(NoCgroup, WatchdogKillsAnEnvironmentPastItsMemoryLimit) {
  boost::asio::io_context io;
  auto manager = MakeNoCgroupManager(io, "test", std::chrono::milliseconds(10));
  auto cgroup = manager->Create("env-1", Limits(16, 0));
  ASSERT_TRUE(cgroup.ok());
  EXPECT_TRUE(cgroup.value()->ProcsFiles().empty());

  pid_t child =
      Spawn({"python3", "-c", "import time; block = bytearray(64 << 20); time.sleep(60)"});
  cgroup.value()->Attach(child);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!cgroup.value()->OomKilled() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(cgroup.value()->OomKilled());
  int status = WaitFor(child);
  if (status == -1) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
  }
  ASSERT_NE(status, -1) << "the watchdog did not kill the process";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_GE(cgroup.value()->PeakMemoryBytes(), 16 * kMiB);
  cgroup.value().reset();
}

TEST(NoCgroup, AForkThatHasNotExecdIsNotTheFunctionsMemory) {
  // Between fork and exec the environment's process is a copy of the
  // server: its RSS is the server's, however large.
  const size_t size = 64 * kMiB;
  volatile char* block = static_cast<char*>(std::malloc(size));
  for (size_t i = 0; block && i < size; i += 4096) block[i] = 1;
  boost::asio::io_context io;
  auto manager = MakeNoCgroupManager(io, "test", std::chrono::milliseconds(10));
  auto cgroup = manager->Create("env-1", Limits(16, 0));
  ASSERT_TRUE(cgroup.ok());
  pid_t child = ::fork();
  if (child == 0) {
    ::setpgid(0, 0);
    for (;;) ::pause();
  }
  ::setpgid(child, child);
  cgroup.value()->Attach(child);
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(cgroup.value()->OomKilled());
  EXPECT_EQ(WaitFor(child, std::chrono::milliseconds(50)), -1) << "killed before its exec";
  EXPECT_EQ(cgroup.value()->PeakMemoryBytes(), 0u);
  cgroup.value()->KillAll();
  EXPECT_NE(WaitFor(child), -1);
  std::free(const_cast<char*>(block));
}

TEST(NoCgroup, ProcessUnderTheLimitIsLeftAlone) {
  boost::asio::io_context io;
  auto manager = MakeNoCgroupManager(io, "test", std::chrono::milliseconds(10));
  auto cgroup = manager->Create("env-1", Limits(512, 0));
  ASSERT_TRUE(cgroup.ok());
  pid_t child = SpawnSleeper();
  cgroup.value()->Attach(child);
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(cgroup.value()->OomKilled());
  EXPECT_EQ(WaitFor(child, std::chrono::milliseconds(50)), -1) << "killed under its limit";
  EXPECT_GT(cgroup.value()->PeakMemoryBytes(), 0u);
  cgroup.value()->KillAll();
  EXPECT_NE(WaitFor(child), -1);
}

TEST(CgroupMountsTest, FavordynmodsOnAnyCgroupMountCounts) {
  const std::string v1 =
      "proc /proc proc rw,nosuid 0 0\n"
      "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
      "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n";
  EXPECT_FALSE(CgroupsFavorDynamicModifications(v1));
  EXPECT_TRUE(CgroupsFavorDynamicModifications(
      v1 + "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime,favordynmods 0 0\n"));
  EXPECT_TRUE(CgroupsFavorDynamicModifications(
      "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,favordynmods,memory_recursiveprot 0 0\n"));
  // Only cgroup mounts count, and only the whole option.
  EXPECT_FALSE(CgroupsFavorDynamicModifications("tmpfs /x tmpfs rw,favordynmods 0 0\n"));
  EXPECT_FALSE(CgroupsFavorDynamicModifications("cgroup2 /y cgroup2 rw,nofavordynmods 0 0\n"));
  EXPECT_FALSE(CgroupsFavorDynamicModifications(""));
}

}  // namespace
}  // namespace lambda_emu::sandbox
