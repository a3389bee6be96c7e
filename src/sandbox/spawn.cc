#include "sandbox/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>  // CLOSE_RANGE_CLOEXEC
#include <linux/sched.h>        // clone_args, CLONE_INTO_CGROUP
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/init.h"
#include "sandbox/namespaces.h"
#include "sandbox/spare_protocol.h"

namespace lambda_emu::sandbox {

namespace {

using Stage = SpawnFailure::Stage;

// Without close_range (Linux < 5.11) descriptors below this are marked
// close-on-exec one by one.
constexpr int kMaxInheritedFd = 65536;

[[noreturn]] void ChildFail(int report_fd, Stage stage, const char* what = nullptr) {
  ReportChildFailure(report_fd, stage, what);
}

std::string LowerStrerror(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(text[0]));
  return text;
}

void JoinCgroups(const SpawnSpec& spec, int report_fd) {
  if (!JoinCgroupFiles(spec.cgroup_procs_files)) ChildFail(report_fd, Stage::kCgroup);
}

// Marks every descriptor from `first` up close-on-exec.
void CloseOnExecFrom(unsigned first) {
  if (::syscall(SYS_close_range, first, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = static_cast<int>(first); fd < kMaxInheritedFd; ++fd) {
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
}

// The sandboxed child, from clone to init (see init.h). Never returns.
[[noreturn]] void RunSandboxChild(const SpawnSpec& spec, const InitSpec& init, bool born_in_cgroup,
                                  int gate, int devnull, int output, int report) {
  if (gate >= 0) {
    // The server writes this namespace's id maps first.
    char byte;
    if (::read(gate, &byte, 1) != 1) _exit(127);
  }
  if (!born_in_cgroup) JoinCgroups(spec, report);
  const char* failed = "";
  if (!ApplyMountPlan(spec.sandbox->mounts, failed)) ChildFail(report, Stage::kSandbox, failed);
  // 0-2 for init and what it starts; 3 the report pipe (close-on-exec:
  // the runtime's exec closes it); nothing else of the server's.
  if (::dup2(devnull, 0) < 0 || ::dup2(output, 1) < 0 || ::dup2(output, 2) < 0 ||
      ::dup2(report, 3) < 0 || ::fcntl(3, F_SETFD, FD_CLOEXEC) != 0) {
    ChildFail(report, Stage::kDup);
  }
  if (::syscall(SYS_close_range, 4u, ~0u, 0) != 0) {
    for (int fd = 4; fd < kMaxInheritedFd; ++fd) ::close(fd);
  }
  RunInit(init, 3);
}

}  // namespace

pid_t Clone(const std::filesystem::path& dir, int flags) {
  if (dir.empty()) {
    return static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));
  }
  int cgroup = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup < 0) return -1;
  clone_args args{};
  args.flags = CLONE_INTO_CGROUP | static_cast<std::uint64_t>(flags);
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<std::uint64_t>(cgroup);
  auto pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
  int saved = errno;
  if (pid != 0) ::close(cgroup);  // the child's copy is close-on-exec
  errno = saved;
  return pid < 0 ? -1 : pid;
}

void StartChild(pid_t parent, bool new_pid_namespace) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The server died before prctl (in a new PID namespace the parent is
  // outside it, and getppid() is 0).
  if (!new_pid_namespace && ::getppid() != parent) _exit(127);
  // Restore what the server changed, so the function starts clean.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
}

bool PlaceDescriptors(const int (&fds)[5]) {
  // Out of the way first: a source may be one of the targets.
  int high[5];
  for (int i = 0; i < 5; ++i) {
    high[i] = ::fcntl(fds[i], F_DUPFD, 16);
    if (high[i] < 0) return false;
  }
  for (int i = 0; i < 5; ++i) {
    if (::dup2(high[i], i) < 0) return false;
  }
  ::syscall(SYS_close_range, 5u, ~0u, 0);
  return true;
}

void ReportChildFailure(int report_fd, SpawnFailure::Stage stage, const char* what) {
  SpawnFailure failure{stage, errno};
  for (std::size_t i = 0; what && what[i] && i + 1 < sizeof failure.what; ++i) {
    failure.what[i] = what[i];
  }
  ssize_t ignored = ::write(report_fd, &failure, sizeof failure);
  (void)ignored;
  _exit(127);
}

bool JoinCgroupFiles(const std::vector<std::string>& procs_files, pid_t other) {
  // `other` in decimal, without allocating.
  char digits[16];
  std::size_t length = 0;
  for (auto rest = static_cast<unsigned long>(other); other > 0 && rest > 0; rest /= 10) {
    digits[sizeof digits - 1 - length++] = static_cast<char>('0' + rest % 10);
  }
  const char* pid = digits + sizeof digits - length;
  for (const auto& file : procs_files) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, "0", 1) == 1 &&
              (length == 0 || ::write(fd, pid, length) == static_cast<ssize_t>(length));
    int err = errno;
    ::close(fd);
    errno = err;
    if (!ok) return false;
  }
  return true;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

Result<SpawnedProcess> Spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) return Status::Error("spawn: empty argv");
  int output[2];
  int report[2];
  if (::pipe2(output, O_CLOEXEC) != 0) {
    return Status::Error(std::string("pipe: ") + std::strerror(errno));
  }
  if (::pipe2(report, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(output[0]);
    ::close(output[1]);
    return Status::Error(std::string("pipe: ") + std::strerror(err));
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls are allowed (the server has other threads).
  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  std::string cwd = spec.cwd.string();
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = ::getpid();

  const int flags = spec.sandbox ? spec.sandbox->clone_flags : 0;
  spare::Launch launch;
  InitSpec init;
  if (spec.sandbox) {
    launch = spare::MakeLaunch(spec);
    init = spare::MakeInitSpec(launch);
  }
  int gate[2] = {-1, -1};
  if ((flags & CLONE_NEWUSER) && ::pipe2(gate, O_CLOEXEC) != 0) {
    int err = errno;
    for (int fd : {output[0], output[1], report[0], report[1], devnull}) ::close(fd);
    return Status::Error(std::string("pipe: ") + std::strerror(err));
  }

  bool born_in_cgroup = false;
  pid_t pid = -1;
  if (!spec.cgroup_dir.empty()) {
    pid = Clone(spec.cgroup_dir, flags);
    born_in_cgroup = pid >= 0;
  }
  if (pid < 0) pid = flags ? Clone({}, flags) : ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(output[0]);
    ::close(output[1]);
    ::close(report[0]);
    ::close(report[1]);
    if (devnull >= 0) ::close(devnull);
    for (int fd : gate) {
      if (fd >= 0) ::close(fd);
    }
    return Status::Error(std::string(flags ? "clone: " : "fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    StartChild(parent, flags & CLONE_NEWPID);
    if (spec.sandbox) {
      if (gate[1] >= 0) ::close(gate[1]);  // the server's close is end of file here
      RunSandboxChild(spec, init, born_in_cgroup, gate[0], devnull, output[1], report[1]);
    }
    if (!born_in_cgroup) JoinCgroups(spec, report[1]);
    rlimit nofile{spec.max_open_files, spec.max_open_files};
    rlimit core{spec.max_core_size, spec.max_core_size};
    rlimit fsize{spec.max_file_size, spec.max_file_size};
    ::signal(SIGXFSZ, SIG_IGN);  // ignored dispositions survive exec
    if (::setrlimit(RLIMIT_NOFILE, &nofile) != 0 || ::setrlimit(RLIMIT_CORE, &core) != 0 ||
        ::setrlimit(RLIMIT_FSIZE, &fsize) != 0) {
      ChildFail(report[1], Stage::kRlimit);
    }
    if (::chdir(cwd.c_str()) != 0) ChildFail(report[1], Stage::kChdir);
    if (::dup2(devnull, 0) < 0 || ::dup2(output[1], 1) < 0 || ::dup2(output[1], 2) < 0) {
      ChildFail(report[1], Stage::kDup);
    }
    // Only stdin, stdout and stderr reach the runtime (the status pipe is
    // close-on-exec itself). Asio opens sockets without SOCK_CLOEXEC, so
    // without this every runtime inherited the server's listeners and open
    // connections: a runtime held the Invoke API's port after the server had
    // closed it, and every environment cost descriptors in every other one.
    CloseOnExecFrom(3);
    ::execvpe(argv[0], argv.data(), envp.data());
    if (spec.wrapped) _exit(127);
    ChildFail(report[1], Stage::kExec);
  }

  if (gate[0] >= 0) {
    ::close(gate[0]);
    Status mapped = WriteIdMaps(pid, spec.sandbox->user.uid, spec.sandbox->outside_uid,
                                spec.sandbox->user.gid, spec.sandbox->outside_gid);
    if (mapped.ok()) {
      ssize_t ignored = ::write(gate[1], "1", 1);
      (void)ignored;
    }
    ::close(gate[1]);  // without the byte the child exits
    if (!mapped.ok()) {
      ::kill(pid, SIGKILL);
      for (int fd : {output[0], output[1], report[0], report[1], devnull}) ::close(fd);
      return Status::Error(mapped.message());
    }
  }

  // The child does this too; whichever runs first, the group exists before
  // anyone can signal it (KillProcessGroup may come before the child runs).
  ::setpgid(pid, pid);
  ::close(output[1]);
  ::close(report[1]);
  if (devnull >= 0) ::close(devnull);
  for (int fd : {output[0], report[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return SpawnedProcess{pid, output[0], report[0]};
}

std::string DescribeSpawnFailure(const SpawnFailure& failure, const std::string& program,
                                 const std::filesystem::path& cwd) {
  switch (failure.stage) {
    case Stage::kExec:
      return "fork/exec " + program + ": " + LowerStrerror(failure.error);
    case Stage::kCgroup:
      return "cannot join cgroup: " + LowerStrerror(failure.error);
    case Stage::kChdir:
      return "chdir " + cwd.string() + ": " + LowerStrerror(failure.error);
    case Stage::kSandbox:
      return std::string("sandbox: ") +
             std::string(failure.what, strnlen(failure.what, sizeof failure.what)) + ": " +
             LowerStrerror(failure.error);
    case Stage::kRlimit:
      return "cannot set resource limits: " + LowerStrerror(failure.error);
    case Stage::kUser:
      return "cannot become the sandbox user: " + LowerStrerror(failure.error);
    default:
      return "worker setup failed: " + LowerStrerror(failure.error);
  }
}

void KillProcessGroup(pid_t pgid) {
  if (pgid > 0) ::kill(-pgid, SIGKILL);
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    // Go's names for the signals Lambda reports (its runtime is written in Go).
    switch (WTERMSIG(wait_status)) {
      case SIGKILL:
        return "signal: killed";
      case SIGSEGV:
        return "signal: segmentation fault";
      case SIGABRT:
        return "signal: aborted";
      case SIGTERM:
        return "signal: terminated";
      case SIGBUS:
        return "signal: bus error";
      case SIGFPE:
        return "signal: floating point exception";
      case SIGILL:
        return "signal: illegal instruction";
      case SIGINT:
        return "signal: interrupt";
      case SIGPIPE:
        return "signal: broken pipe";
      default:
        return "signal: " + std::to_string(WTERMSIG(wait_status));
    }
  }
  return "unknown status " + std::to_string(wait_status);
}

}  // namespace lambda_emu::sandbox
