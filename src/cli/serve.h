#pragma once
// `lambda-emu serve`: options and the command itself.

#include <CLI/CLI.hpp>
#include <string>

namespace lambda_emu::cli {

struct ServeOptions {
  std::string config_file;
  std::string host = "127.0.0.1";
  int port = 3001;
  std::string port_file;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string log_level = "info";
  std::string log_dir = ".lambda-emu/logs";
  std::string work_dir;  // default: $TMPDIR/lambda-emu-<pid>
  std::string runtimes_dir;
  double init_timeout_s = 10;
  int account_concurrency = 1000;
  std::string cgroups = "auto";
  std::string cgroup_root = "/sys/fs/cgroup";
  bool no_cpu_limit = false;
  int pids_limit = 1024;
  double idle_ttl_s = 600;
  int max_environments = 0;
  bool watch = false;
};

// Registers the subcommand's options on `app`; `options` must outlive parsing.
CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options);

// Runs the server until SIGINT/SIGTERM. Returns the process exit code.
int RunServe(const ServeOptions& options);

}  // namespace lambda_emu::cli
