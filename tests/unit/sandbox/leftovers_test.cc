// What a dead server left behind (issue 12 item 5): names, the /proc
// helpers, and the work-directory sweep on a real temp directory.
#include "sandbox/leftovers.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "sandbox/janitor.h"
#include "sandbox/process_table.h"

namespace lambda_emu::sandbox {
namespace {

namespace fs = std::filesystem;

// A pid that no process has now (a child that has been reaped).
pid_t DeadPid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status;
  ::waitpid(pid, &status, 0);
  return pid;
}

TEST(Leftovers, ServerPidInNameAcceptsOnlyOurNames) {
  EXPECT_EQ(ServerPidInName("lambda-emu-1234", false), 1234);
  EXPECT_EQ(ServerPidInName("lambda-emu-1234-server", true), 1234);
  EXPECT_EQ(ServerPidInName("lambda-emu-1234-server", false), std::nullopt);
  EXPECT_EQ(ServerPidInName("lambda-emu-zip-abc", false), std::nullopt);
  EXPECT_EQ(ServerPidInName("lambda-emu-", false), std::nullopt);
  EXPECT_EQ(ServerPidInName("other-1234", false), std::nullopt);
  EXPECT_EQ(ServerPidInName("lambda-emu-12a4", false), std::nullopt);
}

TEST(Leftovers, MarkerNamesThisProcessAndItsStartTime) {
  auto start = StartTime(::getpid());
  ASSERT_TRUE(start);
  EXPECT_EQ(InstanceMarker(), std::to_string(::getpid()) + "." + std::to_string(*start));
  EXPECT_FALSE(MarkerOfDeadServer(InstanceMarker()));
  EXPECT_TRUE(MarkerOfDeadServer(std::to_string(DeadPid()) + ".1"));
  // This test binary is alive but is not lambda-emu.
  EXPECT_TRUE(MarkerOfDeadServer(std::to_string(::getppid()) + ".1"));
  EXPECT_FALSE(MarkerOfDeadServer(""));
}

TEST(Leftovers, DescendantsFollowsParentLinks) {
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  auto found = Descendants(::getpid());
  bool seen = false;
  for (const auto& d : found) seen |= d.pid == child && d.top == child;
  EXPECT_TRUE(seen);
  ::kill(child, SIGKILL);
  int status;
  ::waitpid(child, &status, 0);
}

// A child that execs /bin/sleep with `env`; killed and reaped by the caller.
pid_t SleepWith(std::vector<std::string> env) {
  std::vector<char*> envp;
  for (auto& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    char sleep[] = "sleep";
    char seconds[] = "30";
    char* argv[] = {sleep, seconds, nullptr};
    ::execve("/bin/sleep", argv, envp.data());
    ::_exit(127);
  }
  // Until its exec is done it has the test's environment.
  std::string expected;
  for (const auto& entry : env) expected += entry + '\0';
  const std::string proc = "/proc/" + std::to_string(pid) + "/";
  for (int i = 0; i < 2000; ++i) {
    std::ifstream comm(proc + "comm");
    std::ifstream environ(proc + "environ");
    std::string name;
    std::getline(comm, name);
    std::string text((std::istreambuf_iterator<char>(environ)), std::istreambuf_iterator<char>());
    if (name == "sleep" && text == expected) break;
    ::usleep(1000);
  }
  return pid;
}

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status;
  ::waitpid(pid, &status, 0);
}

TEST(Leftovers, WhoStartedTellsRuntimesFromHelpers) {
  // This test binary: an environment without the marker, as a helper's.
  EXPECT_EQ(WhoStarted(::getpid()), StartedBy::kOther);
  EXPECT_EQ(WhoStarted(DeadPid()), StartedBy::kOther);

  pid_t ours = SleepWith({"A=1", std::string(kInstanceVariable) + "=" + InstanceMarker()});
  EXPECT_EQ(WhoStarted(ours), StartedBy::kOurRuntime);
  KillAndReap(ours);
  pid_t other = SleepWith({std::string(kInstanceVariable) + "=1.2"});
  EXPECT_EQ(WhoStarted(other), StartedBy::kOther);
  KillAndReap(other);

  // No environment at all: a process that wiped it (or one in the middle
  // of an execve), which only a second look tells apart.
  pid_t empty = SleepWith({});
  EXPECT_EQ(WhoStarted(empty), StartedBy::kUnknown);
  // Dead but not reaped, it has none either, and is nothing to kill.
  ::kill(empty, SIGKILL);
  for (int i = 0; i < 2000 && WhoStarted(empty) == StartedBy::kUnknown; ++i) ::usleep(1000);
  EXPECT_EQ(WhoStarted(empty), StartedBy::kOther);
  int status;
  ::waitpid(empty, &status, 0);
}

// A process named `comm` (as /proc/PID/comm shows it) until killed.
pid_t Named(const char* comm) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_NAME, comm);
    for (;;) ::pause();
  }
  for (int i = 0; i < 2000; ++i) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    if (std::getline(file, name) && name == comm) break;
    ::usleep(1000);
  }
  return pid;
}

TEST(Leftovers, IsLiveServerKnowsServersFromSparesByName) {
  pid_t server = Named("lambda-emu");
  EXPECT_TRUE(IsLiveServer(server));
  EXPECT_TRUE(IsLiveServer(server, StartTime(server)));
  EXPECT_FALSE(IsLiveServer(server, StartTime(server).value() + 1));
  KillAndReap(server);
  // A spare sandbox runs lambda-emu-spare (comm "lambda-emu-spar"): not a
  // server, even under a dead server's reused pid.
  pid_t spare = Named("lambda-emu-spar");
  EXPECT_FALSE(IsLiveServer(spare));
  KillAndReap(spare);
  pid_t other = Named("python3");
  EXPECT_FALSE(IsLiveServer(other));
  KillAndReap(other);
}

TEST(Leftovers, WorkDirectoriesOfDeadServersGoAndOthersStay) {
  fs::path dir = fs::temp_directory_path() /
                 ("lambda-emu-leftovers-test-" + std::to_string(std::random_device{}()));
  const fs::path dead = dir / ("lambda-emu-" + std::to_string(DeadPid()));
  const fs::path self = dir / ("lambda-emu-" + std::to_string(::getpid()));
  const fs::path other = dir / "lambda-emu-zip-x";
  for (const auto& d : {dead / "env-1" / "tmp", self, other}) fs::create_directories(d);
  boost::asio::io_context io;
  {
    Janitor janitor(io);
    EXPECT_EQ(RemoveStaleWorkDirs(dir, janitor), 1);
    EXPECT_TRUE(janitor.Finish(std::chrono::seconds(5)));
  }
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(self));
  EXPECT_TRUE(fs::exists(other));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lambda_emu::sandbox
