#pragma once
// Spawn: starts one execution environment's worker process.
//
// The child becomes the leader of a new process group (so the whole group can
// be killed), dies with the server (PR_SET_PDEATHSIG), joins the cgroups it is
// given, applies resource limits, gets /dev/null as stdin and one pipe as both
// stdout and stderr (so the server sees the output interleaved as written),
// changes to `cwd` and execs. Any failure before exec is reported back over a
// close-on-exec pipe, so a bad entry point is an error message, not a hang.
//
// Call from the io thread only (it blocks until the child has exec'd).

#include <sys/resource.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the program path (or a name looked up in PATH)
  std::vector<std::string> env;   // "KEY=VALUE"
  std::filesystem::path cwd;
  std::vector<std::string> cgroup_procs_files;  // the child writes itself into each
  rlim_t max_open_files = 1024;
  rlim_t max_core_size = 0;
  // RLIMIT_FSIZE; SIGXFSZ is ignored so a write past it fails with EFBIG.
  rlim_t max_file_size = RLIM_INFINITY;
};

struct SpawnedProcess {
  pid_t pid = -1;      // also the process group id
  int output_fd = -1;  // read end of the stdout+stderr pipe; non-blocking, close-on-exec
};

// The error message follows Lambda's for provided runtimes:
// "fork/exec /path/bootstrap: permission denied".
Result<SpawnedProcess> Spawn(const SpawnSpec& spec);

// Sends SIGKILL to the process group `pgid` (ignoring "no such process").
void KillProcessGroup(pid_t pgid);

// "exit status 7" / "signal: killed" / "signal: segmentation fault", as Lambda words them.
std::string DescribeWaitStatus(int wait_status);

}  // namespace lambda_emu::sandbox
