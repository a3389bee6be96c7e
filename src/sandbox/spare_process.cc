#include "sandbox/spare_process.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "sandbox/init.h"
#include "sandbox/mounts.h"
#include "sandbox/spare_protocol.h"
#include "sandbox/spawn.h"

namespace lambda_emu::sandbox {

namespace {

using Stage = SpawnFailure::Stage;

[[noreturn]] void Fail(Stage stage, const char* what = nullptr) {
  ReportChildFailure(spare::kReportFd, stage, what);
}

// The next message, or a quiet exit when the server has gone or let the
// spare go.
std::string ReceiveOrExit(std::vector<int>* fds = nullptr) {
  auto bytes = spare::Receive(spare::kControlFd, fds);
  if (!bytes.ok()) _exit(0);
  return std::move(bytes.value());
}

void SetPolicy(pid_t pid, int policy) {
  sched_param param{};
  ::sched_setscheduler(pid, policy, &param);
}

// Unsandboxed: what Spawn's child does before exec, here.
[[noreturn]] void ExecRuntime(const spare::Launch& launch) {
  rlimit nofile{launch.runtime.max_open_files, launch.runtime.max_open_files};
  rlimit core{launch.runtime.max_core_size, launch.runtime.max_core_size};
  rlimit fsize{launch.max_file_size, launch.max_file_size};
  ::signal(SIGXFSZ, SIG_IGN);  // a write past RLIMIT_FSIZE fails with EFBIG
  if (::setrlimit(RLIMIT_NOFILE, &nofile) != 0 || ::setrlimit(RLIMIT_CORE, &core) != 0 ||
      ::setrlimit(RLIMIT_FSIZE, &fsize) != 0) {
    Fail(Stage::kRlimit);
  }
  if (::chdir(launch.cwd.c_str()) != 0) Fail(Stage::kChdir);
  std::vector<char*> argv = CStrings(launch.argv);
  std::vector<char*> envp = CStrings(launch.env);
  ::execvpe(argv[0], argv.data(), envp.data());
  if (launch.wrapped) _exit(127);
  Fail(Stage::kExec);
}

}  // namespace

void RunSpare(pid_t forked) {
  // Capabilities a spare in a user namespace of its own kept through its
  // exec as ambient ones (ExecSpare): they are its own now, and nothing it
  // starts may inherit them.
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0ul, 0ul, 0ul);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct caps[2] = {};
  if (::syscall(SYS_capget, &header, caps) == 0 && (caps[0].inheritable || caps[1].inheritable)) {
    caps[0].inheritable = caps[1].inheritable = 0;
    ::syscall(SYS_capset, &header, caps);
  }
  ::fcntl(spare::kReportFd, F_SETFD, FD_CLOEXEC);
  ::fcntl(spare::kControlFd, F_SETFD, FD_CLOEXEC);
  if (forked > 0) ::fcntl(spare::kForkedRuntimeFd, F_SETFD, FD_CLOEXEC);

  spare::Prepare prepare;
  const bool decoded = spare::Decode(ReceiveOrExit(), prepare);
  if (prepare.build != spare::Build()) {
    errno = EPROTO;
    Fail(Stage::kSandbox, "lambda-emu-spare is not from the build of the lambda-emu beside it");
  }
  if (!decoded) _exit(127);
  // Forked: the server adopted this process before it sent Prepare (it
  // waits for the template to reap the fork in between), so the parent
  // whose death this signal follows is now the server. Set any earlier and
  // the exiting fork's reparenting would send it.
  if (forked > 0) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // A forked spare's runtime process moves with it.
  if (!JoinCgroupFiles(prepare.cgroup_procs_files, forked)) Fail(Stage::kCgroup);
  // Only now: a cgroup v1 move holds a lock every fork and exit on the host
  // waits for, which must not wait for a CPU that nothing else wants.
  if (prepare.policy != SCHED_OTHER) SetPolicy(0, prepare.policy);
  const char* failed = "";
  PrestartedRuntime prestarted;
  InitSpec ahead = spare::MakeInitSpec(prepare.runtime);
  const std::string proc = prepare.plan.root + "/proc";  // the view's, not yet the root
  ahead.proc = proc.c_str();
  if (prepare.namespaces) {
    if (!PrepareView(prepare.plan, failed)) Fail(Stage::kSandbox, failed);
    // Without it the runtime is forked at launch, as in a spawned environment.
    if (forked > 0) {
      Status adopted = AdoptForkedRuntime(ahead, forked, spare::kForkedRuntimeFd, prestarted);
      if (!adopted.ok()) Fail(Stage::kSandbox, adopted.message().c_str());
    } else {
      (void)PrestartRuntime(ahead, spare::kReportFd, prestarted);
    }
  }
  if (!spare::Send(spare::kControlFd, "r").ok()) _exit(0);

  std::vector<int> fds;
  spare::Launch launch;
  if (!spare::Decode(ReceiveOrExit(&fds), launch)) _exit(127);
  std::size_t expected = (launch.has_tmp_fd ? 1u : 0u) + (launch.has_idmap_fd ? 1u : 0u);
  if (fds.size() != expected) _exit(127);
  ::close(spare::kControlFd);
  if (prepare.policy != SCHED_OTHER) {
    SetPolicy(0, SCHED_OTHER);
    if (prestarted.pid > 0) SetPolicy(prestarted.pid, SCHED_OTHER);
  }
  if (!prepare.namespaces) ExecRuntime(launch);
  if (prestarted.pid > 0 && (!(launch.runtime == prepare.runtime) ||
                             (prestarted.forked && launch.argv != prepare.forked_argv))) {
    ::close(prestarted.go);  // it exits; the runtime is forked as launch says
    prestarted = {};
  }

  MountPlan& plan = prepare.plan;
  plan.function = std::move(launch.function);
  plan.tmp = launch.tmp;
  std::size_t next = 0;
  if (launch.has_tmp_fd) plan.tmp.mounted_fd = fds[next++];
  if (launch.has_idmap_fd) plan.idmap_fd = fds[next++];
  if (!EnterView(plan, failed)) Fail(Stage::kSandbox, failed);
  for (int fd : fds) ::close(fd);
  const InitSpec spec = spare::MakeInitSpec(launch);
  if (prestarted.forked) prestarted.forked_launch = ForkedLaunch(spec);
  RunInit(spec, spare::kReportFd, &prestarted);
}

}  // namespace lambda_emu::sandbox
