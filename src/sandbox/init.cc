#include "sandbox/init.h"

#include <grp.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/namespaces.h"
#include "sandbox/spawn.h"

namespace lambda_emu::sandbox {

namespace {

void Report(int fd, SpawnFailure::Stage stage, int error) {
  SpawnFailure report{};
  report.stage = stage;
  report.error = error;
  ssize_t ignored = ::write(fd, &report, sizeof report);
  (void)ignored;
}

// Sets a limit; a hard limit the server may not raise (it lacks
// CAP_SYS_RESOURCE in some containers) stays where it is.
bool Limit(int resource, rlim_t soft, rlim_t hard) {
  rlimit limit{soft, hard};
  if (::setrlimit(resource, &limit) == 0) return true;
  rlimit current{};
  if (errno != EPERM || ::getrlimit(resource, &current) != 0) return false;
  limit.rlim_max = hard < current.rlim_max ? hard : current.rlim_max;
  limit.rlim_cur = soft < limit.rlim_max ? soft : limit.rlim_max;
  return ::setrlimit(resource, &limit) == 0;
}

// A wrapper that cannot run is the runtime's exit status 127, as the shell
// that runs it on Lambda would make it; extensions just exit.
[[noreturn]] void Fail(const InitSpec& spec, bool runtime, int report_fd,
                       SpawnFailure::Stage stage) {
  if (runtime && !(spec.wrapped && stage == SpawnFailure::Stage::kExec)) {
    Report(report_fd, stage, errno);
  }
  _exit(127);
}

// In a fresh child of init: becomes the sandbox user and execs `argv`.
[[noreturn]] void Exec(const InitSpec& spec, char* const* argv, bool runtime, int report_fd) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setpgid(0, 0);
  auto fail = [&](SpawnFailure::Stage stage) { Fail(spec, runtime, report_fd, stage); };
  // RLIMIT_NPROC is set once the runtime's own user namespace exists (see
  // namespaces.h): the limit in force when it is made also bounds the count
  // of every environment's processes together.
  if (!Limit(RLIMIT_NOFILE, spec.max_open_files, spec.max_open_files) ||
      !Limit(RLIMIT_CORE, spec.max_core_size, spec.max_core_size) ||
      !Limit(RLIMIT_MEMLOCK, spec.max_locked_memory, spec.max_locked_memory) ||
      !Limit(RLIMIT_STACK, spec.stack_soft, RLIM_INFINITY)) {
    fail(SpawnFailure::Stage::kRlimit);
  }
  if (::setgroups(0, nullptr) != 0 && errno != EPERM) fail(SpawnFailure::Stage::kUser);
  if (::setresgid(spec.gid, spec.gid, spec.gid) != 0 ||
      ::setresuid(spec.uid, spec.uid, spec.uid) != 0) {
    fail(SpawnFailure::Stage::kUser);
  }
  if (!EnterOwnUserNamespace(spec.uid, spec.gid)) fail(SpawnFailure::Stage::kUser);
  if (!Limit(RLIMIT_NPROC, spec.max_processes, spec.max_processes)) {
    fail(SpawnFailure::Stage::kRlimit);
  }
  if (::chdir(spec.cwd) != 0) fail(SpawnFailure::Stage::kChdir);
  ::execve(argv[0], argv, spec.envp.data());
  Fail(spec, runtime, report_fd, SpawnFailure::Stage::kExec);
}

pid_t Start(const InitSpec& spec, char* const* argv, bool runtime, int report_fd) {
  pid_t pid = ::fork();
  if (pid == 0) Exec(spec, argv, runtime, report_fd);
  return pid;
}

pid_t StartAll(const InitSpec& spec, int report_fd) {
  for (const auto& argv : spec.extension_argvs) Start(spec, argv.data(), false, report_fd);
  return Start(spec, spec.runtime_argv.data(), true, report_fd);
}

}  // namespace

void RunInit(const InitSpec& spec, int report_fd) {
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGUSR1);
  ::sigprocmask(SIG_BLOCK, &handled, nullptr);
  int signals = ::signalfd(-1, &handled, SFD_CLOEXEC);
  if (signals < 0) {
    Report(report_fd, SpawnFailure::Stage::kSandbox, errno);
    _exit(127);
  }
  pid_t runtime = StartAll(spec, report_fd);
  if (runtime < 0) {
    Report(report_fd, SpawnFailure::Stage::kSandbox, errno);
    _exit(127);
  }
  for (;;) {
    signalfd_siginfo info{};
    ssize_t n = ::read(signals, &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) continue;
    if (info.ssi_signo == SIGUSR1) {
      // Everything but init goes; once all are reaped, start again.
      ::kill(-1, SIGKILL);
      while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
      }
      runtime = StartAll(spec, report_fd);
      continue;
    }
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != runtime) continue;
      Report(report_fd, SpawnFailure::Stage::kRuntimeExit, status);
      _exit(0);
    }
  }
}

void RestartRuntime(pid_t init) {
  if (init > 0) ::kill(init, SIGUSR1);
}

}  // namespace lambda_emu::sandbox
