#pragma once
// Init: an execution environment's PID 1 in its PID namespace.
//
// It starts the runtime and the layers' extensions (/opt/extensions/*), each
// as the sandbox user (users.h) with Lambda's resource limits, and
// reaps whatever is orphaned in the environment. When the runtime exits it
// reports the runtime's wait status on the report pipe (a SpawnFailure of
// stage kRuntimeExit) and exits, which makes the kernel kill everything
// left in the namespace: extensions and stray children end with it.
//
// On SIGUSR1 (RestartRuntime: an invocation timed out) it kills every other
// process in the environment and starts the extensions and the runtime
// again; the environment's /tmp and mounts stay, as on Lambda.
//
// Runs between fork and exec in a copy of the server: system calls only.

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

struct InitSpec {
  std::vector<char*> runtime_argv;  // null-terminated
  std::vector<std::vector<char*>> extension_argvs;
  std::vector<char*> envp;  // null-terminated
  const char* cwd = "/";
  // Where this PID namespace's /proc is (before the view becomes the root,
  // at the view's root + /proc).
  const char* proc = "/proc";
  uid_t uid = 0;
  gid_t gid = 0;
  bool wrapped = false;  // runtime_argv[0] is AWS_LAMBDA_EXEC_WRAPPER
  // The runtime's user namespace's id maps (RuntimeIdMaps in namespaces.h).
  const char* uid_map = "";
  const char* gid_map = "";
  rlim_t max_open_files = 1024;
  rlim_t max_core_size = 0;
  rlim_t max_processes = RLIM_INFINITY;
  rlim_t max_locked_memory = RLIM_INFINITY;
  rlim_t stack_soft = RLIM_INFINITY;
};

// A runtime process made ahead of its function (a spare sandbox's, see
// spares.h): forked, in its own user namespace, as the sandbox user, with
// the limits; it waits to be told what to exec. Forked with CLONE_VM, it
// shares init's memory until then: no page tables are copied now or torn
// down at its exec.
struct PrestartedRuntime {
  pid_t pid = -1;
  int go = -1;                       // one byte releases it
  const InitSpec* launch = nullptr;  // what it execs, set before the byte
  // Forked from a runtime template (runtime_templates.h) instead: its own
  // memory, so `go` is a stream socket that carries `forked_launch` (its
  // working directory, argv and environment: ForkedLaunch) rather than
  // one byte.
  bool forked = false;
  std::string forked_launch;
};

// The message that releases a forked runtime process: "cwd\0argc\0argv...
// \0env..." (lambda_emu_template.py reads it).
std::string ForkedLaunch(const InitSpec& spec);

// Prestarts a runtime with `ahead`'s ids, maps and limits (its argv and
// cwd are not used; ahead.proc is where to write its id maps). Single-
// threaded callers only; once per process.
Status PrestartRuntime(const InitSpec& ahead, int report_fd, PrestartedRuntime& prestarted);

// Takes a runtime process forked from a runtime template, child `pid`
// with `channel` its end of a stream socket, as the prestarted runtime:
// tells it `ahead`'s ids and limits, writes its user namespace's id maps
// (ahead.proc), and waits until it is the sandbox user. Spares only.
Status AdoptForkedRuntime(const InitSpec& ahead, pid_t pid, int channel,
                          PrestartedRuntime& prestarted);

// Never returns. Expects stdin, stdout and stderr set up, the report pipe
// at `report_fd` (close-on-exec), and no other descriptors worth keeping.
// With `prestarted`, that process becomes the runtime (it must have been
// prestarted with the same ids, maps and limits as `spec`); if it has gone,
// a runtime is started as without one.
[[noreturn]] void RunInit(const InitSpec& spec, int report_fd,
                          PrestartedRuntime* prestarted = nullptr);

// Server side: asks environment `init` to restart its runtime.
void RestartRuntime(pid_t init);

}  // namespace lambda_emu::sandbox
