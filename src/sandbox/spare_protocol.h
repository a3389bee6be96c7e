#pragma once
// What the server and a spare sandbox (spares.h) say to each other over the
// spare's control socket (an AF_UNIX SOCK_SEQPACKET pair: one message per
// send, descriptors attached with SCM_RIGHTS).
//
//   server -> spare   Prepare   join these cgroups; build this shared view
//   spare  -> server  "ready"   one byte, once it has
//   server -> spare   Launch    become this environment: the function's
//                               mounts, /tmp, and the runtime to start
//
// Failures are not said here: the spare writes a SpawnFailure on its report
// pipe (spawn.h) and exits, as a spawned environment's first process does.

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "lambda_emu/status.h"
#include "sandbox/init.h"
#include "sandbox/mounts.h"
#include "sandbox/spawn.h"

namespace lambda_emu::sandbox::spare {

// The descriptors a spare is started with (it is exec'd with exactly these).
inline constexpr int kOutputFd = 1;   // also 2; 0 is /dev/null
inline constexpr int kReportFd = 3;   // the status pipe (close-on-exec once running)
inline constexpr int kControlFd = 4;  // the control socket
// A spare forked from a runtime template (runtime_templates.h) also has its
// runtime process's channel, a stream socket.
inline constexpr int kForkedRuntimeFd = 5;
// argv[1] that makes lambda-emu a spare (main.cc); a forked one is
// `lambda-emu __spare forked PID`, PID its runtime process.
inline constexpr const char* kCommand = "__spare";
inline constexpr const char* kForked = "forked";
// The program that argv is exec'd on: lambda-emu-spare beside the running
// lambda-emu (a static build of just the spare's code, which execs in a
// tenth of the CPU time) while it is the file that was there when first
// asked, else `self`, the way the caller names lambda-emu itself. A rebuild
// replaces both files: the running server then falls back to its own
// image rather than run a lambda-emu-spare of another build.
std::string Executable(const std::string& self);

// Who the runtime runs as and its limits: the same for every function of
// one server, so a spare can prestart its runtime process (init.h).
struct RuntimeIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string uid_map;
  std::string gid_map;
  rlim_t max_open_files = 1024;
  rlim_t max_core_size = 0;
  rlim_t max_processes = RLIM_INFINITY;
  rlim_t max_locked_memory = RLIM_INFINITY;
  rlim_t stack_soft = RLIM_INFINITY;

  bool operator==(const RuntimeIdentity&) const = default;
};

// Identifies the build both ends come from: a lambda-emu-spare left from
// another build may not read the same messages.
const std::string& Build();

struct Prepare {
  std::string build = Build();  // first on the wire, so that any build reads it
  bool namespaces = false;      // build plan's shared half (PrepareView); else only join
  std::vector<std::string> cgroup_procs_files;
  MountPlan plan;  // root, steps, after_seal
  // Sandboxed: the runtime process is started ahead as this (it must be
  // what every Launch then says).
  RuntimeIdentity runtime;
  // Its scheduling policy once it has joined its cgroups, until a Launch:
  // the spares thread's (SCHED_IDLE, or SCHED_BATCH where SCHED_IDLE could
  // not be left), so that making spares only takes CPU time nothing else
  // wants. A Launch puts it and its prestarted runtime back to SCHED_OTHER.
  int policy = 0;  // SCHED_OTHER
  // Forked: the runtime command its runtime process stands for (the
  // function's view argv). A Launch with another argv, or another
  // identity, lets that process go and starts the runtime by exec.
  std::vector<std::string> forked_argv;
};

// Everything SpawnSpec and SandboxSpec say about the runtime, plus the
// function's half of the view. Descriptors travel beside the message.
struct Launch {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::vector<std::string> extensions;
  std::string cwd;
  bool wrapped = false;
  RuntimeIdentity runtime;
  rlim_t max_file_size = RLIM_INFINITY;
  std::vector<MountStep> function;
  TmpVolume tmp;  // mounted_fd travels as a descriptor
  bool has_tmp_fd = false;
  bool has_idmap_fd = false;
};

// The Launch for `spec` (with its sandbox's function half and /tmp); the
// descriptors stay the caller's.
Launch MakeLaunch(const SpawnSpec& spec);
// The identity `spec` gives the runtime (its ids, maps and limits).
RuntimeIdentity MakeRuntimeIdentity(const SpawnSpec& spec);
// The InitSpec that starts `launch`'s runtime; it points into `launch`,
// which must outlive it.
InitSpec MakeInitSpec(const Launch& launch);
// An InitSpec with only `identity` (for PrestartRuntime); points into it.
InitSpec MakeInitSpec(const RuntimeIdentity& identity);

std::string Encode(const Prepare& message);
std::string Encode(const Launch& message);
bool Decode(const std::string& bytes, Prepare& message);
bool Decode(const std::string& bytes, Launch& message);

// One message with `fds` attached; never blocks and never raises SIGPIPE
// (a spare that died is an error, EPIPE).
Status Send(int socket, const std::string& bytes, const std::vector<int>& fds = {});
// Blocks for the next message; its descriptors (close-on-exec) are
// appended to `fds`. End of file is an error ("closed").
Result<std::string> Receive(int socket, std::vector<int>* fds = nullptr);

}  // namespace lambda_emu::sandbox::spare
