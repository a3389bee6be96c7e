#include "sandbox/init.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

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

// fork() without glibc's fork handlers: init is a copy of the server made
// while its other threads ran, and one of them may have held a lock (the
// allocator's) that those handlers take.
pid_t Fork() { return static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)); }

// "<proc>/<pid>/<leaf>" without allocating.
void ProcPath(char (&out)[4096], const char* proc, pid_t pid, const char* leaf) {
  char digits[16];
  std::size_t count = 0;
  auto n = static_cast<unsigned>(pid);
  do {
    digits[count++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0);
  std::size_t at = 0;
  for (const char* p = proc; *p && at + 32 < sizeof out;) out[at++] = *p++;
  out[at++] = '/';
  while (count > 0) out[at++] = digits[--count];
  out[at++] = '/';
  for (const char* p = leaf; *p && at + 1 < sizeof out;) out[at++] = *p++;
  out[at] = '\0';
}

bool WriteProc(const char* proc, pid_t pid, const char* leaf, const char* text) {
  char path[4096];
  ProcPath(path, proc, pid, leaf);
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t length = std::strlen(text);
  bool ok = ::write(fd, text, length) == static_cast<ssize_t>(length);
  ::close(fd);
  return ok;
}

// In a fresh child of init, inside the runtime's user namespace: becomes
// the sandbox user with its process limit.
void BecomeUser(const InitSpec& spec, bool runtime, int report_fd) {
  auto fail = [&](SpawnFailure::Stage stage) { Fail(spec, runtime, report_fd, stage); };
  // The system calls, not glibc's wrappers: those signal every thread glibc
  // believes the process has, and this copy of the server has only one.
  if (::syscall(SYS_setgroups, 0, nullptr) != 0 && errno != EPERM) {
    fail(SpawnFailure::Stage::kUser);
  }
  if (::syscall(SYS_setresgid, spec.gid, spec.gid, spec.gid) != 0 ||
      ::syscall(SYS_setresuid, spec.uid, spec.uid, spec.uid) != 0) {
    fail(SpawnFailure::Stage::kUser);
  }
  if (!Limit(RLIMIT_NPROC, spec.max_processes, spec.max_processes)) {
    fail(SpawnFailure::Stage::kRlimit);
  }
}

[[noreturn]] void ExecIn(const InitSpec& spec, char* const* argv, bool runtime, int report_fd) {
  if (::chdir(spec.cwd) != 0) Fail(spec, runtime, report_fd, SpawnFailure::Stage::kChdir);
  ::execve(argv[0], argv, spec.envp.data());
  Fail(spec, runtime, report_fd, SpawnFailure::Stage::kExec);
}

// Becomes the sandbox user and execs `argv`.
[[noreturn]] void Exec(const InitSpec& spec, char* const* argv, bool runtime, int report_fd) {
  BecomeUser(spec, runtime, report_fd);
  ExecIn(spec, argv, runtime, report_fd);
}

// What every process init starts does first: the signals and limits it
// gets. RLIMIT_NPROC is set once the process is in the runtime's user
// namespace (see namespaces.h): the limit in force when that namespace is
// made also bounds the count of every environment's processes together.
bool Prepare(const InitSpec& spec) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setpgid(0, 0);
  return Limit(RLIMIT_NOFILE, spec.max_open_files, spec.max_open_files) &&
         Limit(RLIMIT_CORE, spec.max_core_size, spec.max_core_size) &&
         Limit(RLIMIT_MEMLOCK, spec.max_locked_memory, spec.max_locked_memory) &&
         Limit(RLIMIT_STACK, spec.stack_soft, RLIM_INFINITY);
}

// The child's half of entering the runtime's user namespace: `up` says it
// is there, `down` that init has written its id maps.
bool EnterUserNamespace(int up, int down) {
  if (::unshare(CLONE_NEWUSER) != 0) return false;
  char byte = 'u';
  return ::write(up, &byte, 1) == 1 && ::read(down, &byte, 1) == 1;
}

// Init's half: once the child `pid` is in its namespace, writes its maps.
void MapUserNamespace(const InitSpec& spec, pid_t pid, int up, int down) {
  char byte = 0;
  if (pid > 0 && ::read(up, &byte, 1) == 1 && WriteProc(spec.proc, pid, "uid_map", spec.uid_map) &&
      WriteProc(spec.proc, pid, "gid_map", spec.gid_map)) {
    ssize_t ignored = ::write(down, &byte, 1);
    (void)ignored;
  }
}

// The runtime makes the environment's user namespace (namespaces.h); init
// writes its id maps (root and the sandbox user map to themselves, so the
// host's files stay root's) while the runtime waits.
pid_t StartRuntime(const InitSpec& spec, int report_fd) {
  int up[2];
  int down[2];
  if (::pipe2(up, O_CLOEXEC) != 0) return -1;
  if (::pipe2(down, O_CLOEXEC) != 0) {
    ::close(up[0]);
    ::close(up[1]);
    return -1;
  }
  pid_t pid = Fork();
  if (pid == 0) {
    ::close(up[0]);
    ::close(down[1]);
    if (!Prepare(spec)) Fail(spec, true, report_fd, SpawnFailure::Stage::kRlimit);
    if (!EnterUserNamespace(up[1], down[0])) {
      Fail(spec, true, report_fd, SpawnFailure::Stage::kUser);
    }
    Exec(spec, spec.runtime_argv.data(), true, report_fd);
  }
  ::close(up[1]);
  ::close(down[0]);
  MapUserNamespace(spec, pid, up[0], down[1]);
  ::close(up[0]);
  ::close(down[1]);  // without the byte the runtime exits
  return pid;
}

// Extensions join the runtime's user namespace, so that they share its
// process limit and can see each other in /proc, as in one Lambda sandbox.
void StartExtension(const InitSpec& spec, char* const* argv, pid_t runtime, int report_fd) {
  if (Fork() != 0) return;
  char path[4096];
  ProcPath(path, spec.proc, runtime, "ns/user");
  int ns = ::open(path, O_RDONLY | O_CLOEXEC);
  if (!Prepare(spec) || ns < 0 || ::setns(ns, CLONE_NEWUSER) != 0) _exit(127);
  ::close(ns);
  Exec(spec, argv, false, report_fd);
}

pid_t StartAll(const InitSpec& spec, int report_fd, PrestartedRuntime* prestarted) {
  pid_t runtime = -1;
  if (prestarted && prestarted->pid > 0 && prestarted->forked) {
    const std::string& bytes = prestarted->forked_launch;
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(prestarted->go, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    if (sent == bytes.size()) runtime = prestarted->pid;
    ::close(prestarted->go);
    prestarted->go = -1;
    prestarted->pid = -1;
  } else if (prestarted && prestarted->pid > 0) {
    prestarted->launch = &spec;  // read by the child once released (it shares this memory)
    char byte = 'g';
    if (::send(prestarted->go, &byte, 1, MSG_NOSIGNAL) == 1) runtime = prestarted->pid;
    ::close(prestarted->go);
    prestarted->go = -1;
    prestarted->pid = -1;
  }
  if (runtime < 0) runtime = StartRuntime(spec, report_fd);
  if (runtime < 0) return runtime;
  for (const auto& argv : spec.extension_argvs)
    StartExtension(spec, argv.data(), runtime, report_fd);
  return runtime;
}

// The prestarted runtime's stack: it shares init's memory (CLONE_VM), so
// it needs a stack of its own. One per process: a spare prestarts once.
alignas(64) char prestart_stack[256 * 1024];

struct PrestartArgs {
  const InitSpec* ahead;
  PrestartedRuntime* prestarted;
  int report_fd;
  int up[2];
  int down[2];
  int go[2];
};

// The prestarted runtime (see PrestartRuntime in init.h): system calls only.
int RunPrestarted(void* raw) {
  const PrestartArgs& args = *static_cast<PrestartArgs*>(raw);
  const InitSpec& ahead = *args.ahead;
  // Its copies of init's ends: without closing them it would wait forever
  // for an end of file that init's close alone cannot make.
  for (int fd : {args.up[0], args.down[1], args.go[0]}) ::close(fd);
  // Until released it is no environment's: a failure just exits (no
  // report, -1), and init starts the runtime as without it.
  if (!Prepare(ahead) || !EnterUserNamespace(args.up[1], args.down[0])) _exit(127);
  BecomeUser(ahead, true, -1);
  char byte;
  if (::read(args.go[1], &byte, 1) != 1) _exit(0);  // let go without a launch
  const InitSpec& spec = *args.prestarted->launch;
  ExecIn(spec, spec.runtime_argv.data(), true, args.report_fd);
}

}  // namespace

Status PrestartRuntime(const InitSpec& ahead, int report_fd, PrestartedRuntime& prestarted) {
  int up[2];
  int down[2];
  int go[2];
  if (::pipe2(up, O_CLOEXEC) != 0) return Status::Error("pipe");
  if (::pipe2(down, O_CLOEXEC) != 0 ||
      ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) != 0) {
    ::close(up[0]);
    ::close(up[1]);
    return Status::Error("pipe");
  }
  static PrestartArgs args;
  args = {&ahead, &prestarted, report_fd, {up[0], up[1]}, {down[0], down[1]}, {go[0], go[1]}};
  // CLONE_VM: no copy of this process's page tables now, and none to tear
  // down at its exec; it runs only system calls until then.
  pid_t pid =
      ::clone(RunPrestarted, prestart_stack + sizeof prestart_stack, CLONE_VM | SIGCHLD, &args);
  ::close(up[1]);
  ::close(down[0]);
  ::close(go[1]);
  MapUserNamespace(ahead, pid, up[0], down[1]);
  ::close(up[0]);
  ::close(down[1]);
  if (pid < 0) {
    ::close(go[0]);
    return Status::Error("clone");
  }
  prestarted.pid = pid;
  prestarted.go = go[0];
  return Status::Ok();
}

std::string ForkedLaunch(const InitSpec& spec) {
  std::string bytes = spec.cwd;
  std::size_t argc = 0;
  std::string argv;
  for (char* const* arg = spec.runtime_argv.data(); arg && *arg; ++arg, ++argc) {
    argv += '\0';
    argv += *arg;
  }
  bytes += '\0' + std::to_string(argc) + argv;
  for (char* const* var = spec.envp.data(); var && *var; ++var) {
    bytes += '\0';
    bytes += *var;
  }
  return bytes;
}

Status AdoptForkedRuntime(const InitSpec& ahead, pid_t pid, int channel,
                          PrestartedRuntime& prestarted) {
  auto number = [](rlim_t value) { return std::to_string(static_cast<unsigned long long>(value)); };
  std::string identity = std::to_string(ahead.uid) + " " + std::to_string(ahead.gid) + " " +
                         number(ahead.max_open_files) + " " + number(ahead.max_core_size) + " " +
                         number(ahead.max_processes) + " " + number(ahead.max_locked_memory) + " " +
                         number(ahead.stack_soft) + " 1\n";
  auto fail = [&](const char* what) {
    ::close(channel);
    return Status::Error(what);
  };
  if (::send(channel, identity.data(), identity.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(identity.size())) {
    return fail("the forked runtime has gone");
  }
  char byte = 0;
  if (::read(channel, &byte, 1) != 1 || byte != 'u') return fail("no user namespace");
  if (!WriteProc(ahead.proc, pid, "uid_map", ahead.uid_map) ||
      !WriteProc(ahead.proc, pid, "gid_map", ahead.gid_map)) {
    return fail("id maps");
  }
  byte = 'm';
  if (::send(channel, &byte, 1, MSG_NOSIGNAL) != 1) return fail("the forked runtime has gone");
  if (::read(channel, &byte, 1) != 1 || byte != 'r') return fail("not the sandbox user");
  ::fcntl(channel, F_SETFD, FD_CLOEXEC);
  prestarted.pid = pid;
  prestarted.go = channel;
  prestarted.forked = true;
  return Status::Ok();
}

void RunInit(const InitSpec& spec, int report_fd, PrestartedRuntime* prestarted) {
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
  pid_t runtime = StartAll(spec, report_fd, prestarted);
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
      runtime = StartAll(spec, report_fd, nullptr);
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
