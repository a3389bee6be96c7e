#pragma once
// The flags that shape execution environments, shared by `serve` and
// `invoke`: region and account, where environments keep their files, the
// runtimes, init timeout, resource control, and debugging (--debug).

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

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
  // --debug and the flags that imply it (docs/debugging.md).
  bool debug = false;
  std::string debug_host = "127.0.0.1";
  int debug_port = 0;  // 0: 9229 up for Node.js, 5678 up for the others
  std::vector<std::string> debug_functions;
  std::string debug_python = "auto";
  // HTTP listeners (docs/configuration.md, "Open files and connections").
  double http_idle_timeout_s = 60;
  double http_header_timeout_s = 20;
  // Isolation (docs/sandbox.md).
  std::string sandbox = "auto";
  std::string sandbox_user;  // empty: sbx_user1051
  bool host_packages = false;
  // What invocations would cost on Lambda (docs/insight.md).
  std::string price_file;  // empty: the built-in table
  bool report_cost = false;
};

void AddEnvironmentOptions(CLI::App* command, EnvironmentOptions& options);

// The sandbox the options ask for (said in the log, with the reason when
// it falls back), or an error for --sandbox namespaces the kernel refuses.
Result<std::unique_ptr<sandbox::Sandbox>> MakeSandbox(const EnvironmentOptions& options,
                                                      const pool::ServerSettings& settings);

// The settings these options give (log_dir, concurrency and idle policy are
// the caller's). Under --debug there is no CPU limit: a runtime stepped
// through at a fraction of a core is painful to use. `owns_work_dir` is set
// when the directory is ours to remove. An unreadable --price-file is an
// error.
Result<pool::ServerSettings> MakeSettings(const EnvironmentOptions& options, bool& owns_work_dir);

}  // namespace lambda_emu::cli
