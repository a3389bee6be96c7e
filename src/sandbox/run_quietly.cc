#include "sandbox/run_quietly.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>

extern char** environ;

namespace lambda_emu::sandbox {

namespace {

// `name` as execvp would find it on PATH (resolved before the fork: the
// child of a threaded process may only make system calls).
std::string OnPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t at = 0;
  while (at <= dirs.size()) {
    std::size_t end = dirs.find(':', at);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = (end == at ? "." : dirs.substr(at, end - at)) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    at = end + 1;
  }
  return name;  // execve fails: exit status 127
}

}  // namespace

bool RunQuietly(std::vector<std::string> args, std::string& output) {
  const std::string program = OnPath(args[0]);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return false;
  // The helper is a grandchild: a child with no exit signal (a "clone"
  // child, which the Reaper's waitpid(-1) on the io thread never collects;
  // only __WCLONE waits see it) forks it, waits for it and exits with its
  // status. The helper itself cannot be that child: exec gives a process
  // SIGCHLD as its exit signal again.
  auto pid = static_cast<pid_t>(::syscall(SYS_clone, 0, 0, 0, 0, 0));
  if (pid == 0) {
    auto helper = static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
    if (helper == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      if (::dup2(out[1], 1) < 0 || null < 0 || ::dup2(null, 2) < 0) _exit(127);
      ::execve(program.c_str(), argv.data(), environ);
      _exit(127);
    }
    ::close(out[1]);
    int status = 0;
    while (helper > 0 && ::waitpid(helper, &status, 0) < 0) {
      if (errno != EINTR) _exit(127);
    }
    _exit(helper > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 127);
  }
  ::close(out[1]);
  if (pid > 0) {
    char buf[512];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) output.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(out[0]);
  if (pid < 0) return false;
  int status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid, &status, __WCLONE);
  } while (waited < 0 && errno == EINTR);
  return waited == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace lambda_emu::sandbox
