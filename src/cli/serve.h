#pragma once
// `lambda-emu serve`: options and the command itself.

#include <CLI/CLI.hpp>
#include <string>

#include "cli/async_services.h"
#include "cli/environment_options.h"
#include "cli/project.h"

namespace lambda_emu::cli {

struct ServeOptions {
  ProjectOptions project;
  EnvironmentOptions environment;
  std::string host = "127.0.0.1";
  int port = 3001;
  std::string port_file;
  bool no_color = false;
  std::string log_level = "info";
  std::string log_dir = ".lambda-emu/logs";
  // MB of one function's output the console shows per second (0: no limit).
  double console_log_limit_mb = 2;
  // Functions, versions, aliases and layers made through the management API.
  std::string state_dir = ".lambda-emu/state";
  bool ephemeral = false;  // keep them in memory only
  int account_concurrency = 1000;
  long long code_storage_limit = 80530636800;  // bytes (Lambda's 75 GB)
  double idle_ttl_s = 600;
  int max_environments = 0;
  int max_concurrent_inits = -1;         // -1: StartBudget::DefaultLimit(); 0: no limit
  std::string spare_sandboxes = "auto";  // N | auto (sandbox/spares.h)
  bool no_fork_runtimes = false;         // sandbox/runtime_templates.h
  double shutdown_grace_s = 5;  // SIGTERM: how long invocations in flight may take to finish
  bool watch = false;
  // The API Gateway front door and Function URLs (when the project has routes).
  int api_port = 3000;
  std::string api_port_file;
  int function_url_port = 0;
  bool start_api = false;  // run as `start-api`: -p/--port is the API port
  AsyncFlags async;        // asynchronous invocation: retries, destinations, schedules
};

// Registers the subcommand's options on `app`; `options` must outlive parsing.
CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options);
// `start-api`: serve under SAM CLI's name, where -p/--port is the API port
// and the Invoke API's port is --invoke-port.
CLI::App* AddStartApiCommand(CLI::App& app, ServeOptions& options);

// Runs the server until SIGINT/SIGTERM. Returns the process exit code.
int RunServe(const ServeOptions& options);

}  // namespace lambda_emu::cli
