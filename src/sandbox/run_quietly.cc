#include "sandbox/run_quietly.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace lambda_emu::sandbox {

// Runs `args` (PATH lookup for args[0]) with stderr discarded; true when it
// exits 0. Its stdout goes to `output`.
bool RunQuietly(std::vector<std::string> args, std::string& output) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc == 0) {
    char buf[512];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) output.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(out[0]);
  if (rc != 0) return false;
  int status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  // ECHILD: off the io thread, its Reaper (waitpid(-1) on SIGCHLD) may have
  // collected the helper first. Its output was read to the end, so it has
  // exited, with a status no longer known: taken as success.
  if (waited < 0) return errno == ECHILD;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace lambda_emu::sandbox
