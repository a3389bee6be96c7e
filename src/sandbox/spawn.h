#pragma once
// Spawn: starts one execution environment's worker process.
//
// The child becomes the leader of a new process group (so the whole group can
// be killed), dies with the server (PR_SET_PDEATHSIG), joins the cgroups it is
// given, applies resource limits, gets /dev/null as stdin and one pipe as both
// stdout and stderr (so the server sees the output interleaved as written),
// changes to `cwd` and execs. Any failure before exec is reported back over a
// close-on-exec pipe (the status pipe), so a bad entry point is an error
// message, not a hang.
//
// Spawn() returns right after fork: it does not wait for the exec. Joining a
// cgroup v1 hierarchy can take a whole RCU grace period (10-20 ms, the
// kernel's cgroup_threadgroup_rwsem), and the io thread must not stall for
// it. The caller reads the status pipe when it becomes readable: end of file
// means the child exec'd, a SpawnFailure that it did not.

#include <sys/resource.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lambda_emu/status.h"
#include "sandbox/mounts.h"
#include "sandbox/users.h"

namespace lambda_emu::sandbox {

// How a sandboxed environment starts (see namespaces.h, mounts.h, users.h,
// init.h): its first process is cloned into new namespaces, builds the view,
// and becomes the environment's init, which starts the runtime as `user`.
struct SandboxSpec {
  int clone_flags = 0;  // EnvironmentCloneFlags
  // With CLONE_NEWUSER: the server's ids, which the child's namespace maps
  // to `user`'s.
  uid_t outside_uid = 0;
  gid_t outside_gid = 0;
  SandboxUser user;
  std::string runtime_uid_map;  // RuntimeUidMap
  std::string runtime_gid_map;
  MountPlan mounts;
  std::vector<std::string> extensions;  // started with the runtime
  // A spare /tmp's mount (tmp_spares.h): the caller closes it once Spawn
  // has returned (the child has its own copy, which it attaches).
  int held_fd = -1;
  rlim_t max_processes = RLIM_INFINITY;
  rlim_t max_locked_memory = RLIM_INFINITY;
  rlim_t stack_soft = RLIM_INFINITY;
};

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the program path (or a name looked up in PATH)
  std::vector<std::string> env;   // "KEY=VALUE"
  std::filesystem::path cwd;
  std::vector<std::string> cgroup_procs_files;  // the child writes itself into each
  // A cgroup v2 directory to start the child in: clone3(CLONE_INTO_CGROUP)
  // puts it there at birth, with no migration and so no RCU grace period.
  // Where that fails (kernel < 5.7, not a cgroup), the child is forked and
  // joins through cgroup_procs_files as usual.
  std::filesystem::path cgroup_dir;
  rlim_t max_open_files = 1024;
  rlim_t max_core_size = 0;
  // RLIMIT_FSIZE; SIGXFSZ is ignored so a write past it fails with EFBIG.
  rlim_t max_file_size = RLIM_INFINITY;
  // argv[0] is AWS_LAMBDA_EXEC_WRAPPER: when it cannot be run the runtime
  // exits with status 127, as the shell that runs it on Lambda would.
  bool wrapped = false;
  const SandboxSpec* sandbox = nullptr;  // null: the runtime runs in the server's view
};

struct SpawnedProcess {
  pid_t pid = -1;      // also the process group id
  int output_fd = -1;  // read end of the stdout+stderr pipe; non-blocking, close-on-exec
  // Read end of the status pipe; non-blocking, close-on-exec. Unsandboxed,
  // end of file means the runtime exec'd; sandboxed, init keeps it open and
  // writes the runtime's exit on it (kRuntimeExit).
  int status_fd = -1;
};

// What the child writes on the status pipe when it cannot exec (in one
// write, so a read gets all of it or nothing); and, from a sandbox's init,
// how the runtime ended.
struct SpawnFailure {
  enum class Stage : int {
    kCgroup = 1,
    kRlimit,
    kChdir,
    kDup,
    kExec,
    kSandbox,
    kUser,
    kRuntimeExit
  };
  Stage stage;
  int error;           // errno; for kRuntimeExit the runtime's wait status
  char what[96] = {};  // kSandbox: the step that failed
};

// Child side (async-signal-safe): writes `stage`'s failure, with errno and
// `what`, on the status pipe `report_fd` and exits 127.
[[noreturn]] void ReportChildFailure(int report_fd, SpawnFailure::Stage stage,
                                     const char* what = nullptr);
// Child side (async-signal-safe): writes "0" (this process) into each of
// `procs_files`, and `other`'s pid after it when `other` > 0; false (errno
// set) at the first that fails.
bool JoinCgroupFiles(const std::vector<std::string>& procs_files, pid_t other = -1);

// Fails only when fork itself does; failures after it come on the status pipe.
Result<SpawnedProcess> Spawn(const SpawnSpec& spec);

// The message for a failure the child reported. It follows Lambda's for
// provided runtimes: "fork/exec /path/bootstrap: permission denied".
std::string DescribeSpawnFailure(const SpawnFailure& failure, const std::string& program,
                                 const std::filesystem::path& cwd);

// fork(), but the child starts as a member of the cgroup v2 directory `dir`
// (Linux 5.7+), and in the new namespaces `flags` asks for. Returns -1 where
// that is not possible (errno set); without `dir` it is clone(flags). Like
// fork(), it returns 0 in the child. No fork handlers run: the child may
// only make system calls until it execs.
pid_t Clone(const std::filesystem::path& dir, int flags);

// A child's first steps after Clone (system calls only): a process group
// of its own, killed when the thread that made it dies (PR_SET_PDEATHSIG),
// no blocked signals and the default SIGPIPE. Exits when `parent` has
// already died.
void StartChild(pid_t parent, bool new_pid_namespace);

// Pointers to `strings`' characters, null-terminated, for exec.
std::vector<char*> CStrings(const std::vector<std::string>& strings);

// Child side, before exec: makes fds[i] descriptor i for each of the five and
// closes every other; false (errno set) when a dup fails.
bool PlaceDescriptors(const int (&fds)[5]);

// Sends SIGKILL to the process group `pgid` (ignoring "no such process").
void KillProcessGroup(pid_t pgid);

// "exit status 7" / "signal: killed" / "signal: segmentation fault", as Lambda words them.
std::string DescribeWaitStatus(int wait_status);

}  // namespace lambda_emu::sandbox
