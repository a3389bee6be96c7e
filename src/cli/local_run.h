#pragma once
// What `invoke` and `tune` need to run a project's function without a
// server: the event (from a file, standard input or the command line), the
// function chosen by name, and LocalRun, the io context, child reaper,
// resource control, sandbox, runtimes and registry the function runs in.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cli/environment_options.h"
#include "cli/project.h"
#include "config/function_config.h"
#include "lambda_emu/status.h"
#include "pool/services.h"
#include "registry/function_registry.h"
#include "sandbox/janitor.h"
#include "sandbox/reaper.h"
#include "sandbox/runtime_command.h"

namespace lambda_emu::cli {

// What a command that runs functions does first: SIGPIPE ignored, the open
// files limit raised, and this process the subreaper of what they leave.
void SetUpProcess();

// Says "lambda-emu: error: MESSAGE" on stderr, after the log written so far;
// returns 2, the exit status of a usage or configuration error.
int UsageError(const std::string& message);

// The event: `json` when given, else the file (`-` is standard input), else
// {}. It must be JSON.
Result<std::string> ReadEvent(const std::string& file, const std::string& json);

// The function to run: by any name it answers to, or the only one.
Result<config::FunctionConfig> ChooseFunction(const Project& project, const std::string& wanted);

// What a command without a server loads before it runs a function: the
// settings its environment flags give (no log files: the function's lines go
// to the console only), the project, and the function chosen from it. When
// it goes, it reaps what the runs left and removes the work directory if it
// made it.
class LocalProject {
 public:
  ~LocalProject();
  // The error is the user's to read. `project` is set once the project
  // loaded, even when no function could be chosen from it.
  Status Load(const ProjectOptions& project_options, const EnvironmentOptions& options,
              const std::string& wanted);

  pool::ServerSettings settings;
  std::optional<Project> project;
  std::optional<config::FunctionConfig> function;

 private:
  bool own_work_dir_ = false;
};

class LocalRun {
 public:
  // `debugged` is the function --debug applies to when it names none.
  // Fails when the sandbox asked for cannot be made.
  static Result<std::unique_ptr<LocalRun>> Make(const EnvironmentOptions& options,
                                                pool::ServerSettings settings,
                                                const Project& project,
                                                const std::string& debugged);
  ~LocalRun();

  // Runs the io context until `done()` or until nothing is left to run.
  void RunUntil(const std::function<bool()>& done);

  boost::asio::io_context io{1};
  sandbox::Janitor janitor{io};  // destroyed last: waits for the cgroups' removal
  sandbox::Reaper reaper{io};
  std::unique_ptr<sandbox::CgroupManager> cgroups;
  std::unique_ptr<pool::PoolServices> services;
  std::unique_ptr<sandbox::Sandbox> box;
  std::unique_ptr<sandbox::RuntimeLocator> runtimes;
  std::unique_ptr<registry::FunctionRegistry> registry;

 private:
  LocalRun() = default;
};

}  // namespace lambda_emu::cli
