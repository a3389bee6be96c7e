// sandbox::Spawn against real processes: the status pipe (end of file on
// exec, a SpawnFailure otherwise), and starting a child inside a cgroup v2
// directory with clone3(CLONE_INTO_CGROUP), or falling back to fork.
#include "sandbox/spawn.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lambda_emu::sandbox {
namespace {

namespace fs = std::filesystem;

// Everything readable from a non-blocking fd until end of file.
std::string ReadToEnd(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

int WaitFor(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

SpawnSpec Shell(const std::string& script) {
  SpawnSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.cwd = "/";
  return spec;
}

// A writable cgroup v2 hierarchy on this host, or empty.
fs::path CgroupV2Mount() {
  std::ifstream mounts("/proc/mounts");
  std::string device, mount_point, type, rest;
  while (mounts >> device >> mount_point >> type && std::getline(mounts, rest)) {
    if (type == "cgroup2" && ::access(mount_point.c_str(), W_OK) == 0) return mount_point;
  }
  return {};
}

TEST(SpawnTest, ExecClosesTheStatusPipe) {
  auto spawned = Spawn(Shell("echo ran"));
  ASSERT_TRUE(spawned.ok()) << spawned.status().message();
  EXPECT_EQ(ReadToEnd(spawned->status_fd), "");  // end of file, no failure record
  EXPECT_EQ(ReadToEnd(spawned->output_fd), "ran\n");
  EXPECT_EQ(WaitFor(spawned->pid), 0);
  ::close(spawned->status_fd);
  ::close(spawned->output_fd);
}

TEST(SpawnTest, ExecFailureComesOnTheStatusPipe) {
  SpawnSpec spec = Shell("");
  spec.argv = {"/nonexistent/bootstrap"};
  auto spawned = Spawn(spec);
  ASSERT_TRUE(spawned.ok()) << spawned.status().message();
  std::string report = ReadToEnd(spawned->status_fd);
  ASSERT_EQ(report.size(), sizeof(SpawnFailure));
  SpawnFailure failure{};
  std::memcpy(&failure, report.data(), sizeof failure);
  EXPECT_EQ(failure.stage, SpawnFailure::Stage::kExec);
  EXPECT_EQ(DescribeSpawnFailure(failure, spec.argv[0], spec.cwd),
            "fork/exec /nonexistent/bootstrap: no such file or directory");
  EXPECT_EQ(WEXITSTATUS(WaitFor(spawned->pid)), 127);
  ::close(spawned->status_fd);
  ::close(spawned->output_fd);
}

TEST(SpawnTest, ChildIsBornInTheCgroupV2Directory) {
  fs::path mount = CgroupV2Mount();
  if (mount.empty()) GTEST_SKIP() << "no writable cgroup v2 hierarchy on this host";
  fs::path dir = mount / ("lambda-emu-spawn-test-" + std::to_string(::getpid()));
  std::error_code ec;
  if (!fs::create_directory(dir, ec))
    GTEST_SKIP() << "cannot mkdir " << dir << ": " << ec.message();

  SpawnSpec spec = Shell("cat /proc/self/cgroup");
  spec.cgroup_dir = dir;
  // Not joined through cgroup.procs: a procs file that cannot be written
  // would fail the spawn if the child tried.
  spec.cgroup_procs_files = {(dir / "no-such-file").string()};
  auto spawned = Spawn(spec);
  ASSERT_TRUE(spawned.ok()) << spawned.status().message();
  EXPECT_EQ(ReadToEnd(spawned->status_fd), "");
  std::string cgroups = ReadToEnd(spawned->output_fd);
  EXPECT_EQ(WaitFor(spawned->pid), 0);
  ::close(spawned->status_fd);
  ::close(spawned->output_fd);
  fs::remove(dir, ec);
  EXPECT_NE(cgroups.find("0::/" + dir.filename().string() + "\n"), std::string::npos) << cgroups;
}

TEST(SpawnTest, DirectoryThatIsNotACgroupFallsBackToFork) {
  fs::path dir =
      fs::temp_directory_path() / ("lambda-emu-spawn-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  SpawnSpec spec = Shell("echo forked");
  spec.cgroup_dir = dir;
  auto spawned = Spawn(spec);
  ASSERT_TRUE(spawned.ok()) << spawned.status().message();
  EXPECT_EQ(ReadToEnd(spawned->status_fd), "");
  EXPECT_EQ(ReadToEnd(spawned->output_fd), "forked\n");
  EXPECT_EQ(WaitFor(spawned->pid), 0);
  ::close(spawned->status_fd);
  ::close(spawned->output_fd);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lambda_emu::sandbox
