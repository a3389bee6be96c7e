#pragma once
// The flags that shape execution environments, shared by `serve` and
// `invoke`: region and account, where environments keep their files, the
// runtimes, init timeout and resource control.

#include <CLI/CLI.hpp>
#include <string>

#include "pool/services.h"

namespace lambda_emu::cli {

struct EnvironmentOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string work_dir;  // default: $TMPDIR/lambda-emu-<pid>, removed on exit
  std::string runtimes_dir;
  double init_timeout_s = 10;
  std::string cgroups = "auto";
  std::string cgroup_root = "/sys/fs/cgroup";
  bool no_cpu_limit = false;
  int pids_limit = 1024;
};

void AddEnvironmentOptions(CLI::App* command, EnvironmentOptions& options);

// The settings these options give (log_dir, concurrency and idle policy are
// the caller's). `owns_work_dir` is set when the directory is ours to remove.
pool::ServerSettings MakeSettings(const EnvironmentOptions& options, bool& owns_work_dir);

}  // namespace lambda_emu::cli
