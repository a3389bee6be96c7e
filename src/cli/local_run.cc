#include "cli/local_run.h"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/fd_limit.h"
#include "common/json_check.h"
#include "logs/function_log.h"
#include "sandbox/cgroup.h"
#include "sandbox/tree_walk.h"

namespace lambda_emu::cli {

namespace fs = std::filesystem;

void SetUpProcess() {
  std::signal(SIGPIPE, SIG_IGN);
  const FileLimit fds = RaiseFileLimit();
  spdlog::debug("open files: limit {} (was {}, hard {})", fds.soft, fds.before, fds.hard);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int UsageError(const std::string& message) {
  logs::ShutdownLogging();
  std::cerr << "lambda-emu: error: " << message << std::endl;
  return 2;
}

Result<std::string> ReadEvent(const std::string& file, const std::string& json) {
  std::string event;
  if (!json.empty()) {
    event = json;
  } else if (file == "-") {
    event.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::Error("--event: cannot read " + file);
    event.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (event.find_first_not_of(" \t\r\n") == std::string::npos) event = "{}";
  if (auto error = JsonError(event)) {
    return Status::Error("the event is not valid JSON (" + *error + ")");
  }
  return event;
}

Result<config::FunctionConfig> ChooseFunction(const Project& project, const std::string& wanted) {
  const auto& functions = project.config.functions;
  std::string names;
  for (const auto& f : functions) names += (names.empty() ? "" : ", ") + f.name;
  if (wanted.empty()) {
    if (functions.size() == 1) return functions.front();
    if (functions.empty()) {
      if (!project.details.unsupported.empty()) {
        return Status::Error(project.details.unsupported.begin()->second);
      }
      return Status::Error(project.file.string() + " declares no function");
    }
    return Status::Error(project.file.string() + " declares " + std::to_string(functions.size()) +
                         " functions; name the one to run: " + names);
  }
  for (const auto& f : functions) {
    if (f.name == wanted) return f;
    for (const auto& alias : f.aliases) {
      if (alias == wanted) return f;
    }
  }
  if (auto it = project.details.unsupported.find(wanted); it != project.details.unsupported.end()) {
    return Status::Error(it->second);
  }
  return Status::Error("no function '" + wanted + "' in " + project.file.string() +
                       (names.empty() ? "" : " (functions: " + names + ")"));
}

LocalProject::~LocalProject() {
  sandbox::ReapRemainingChildren();
  if (own_work_dir_) (void)sandbox::RemoveTree(settings.work_dir);
}

Status LocalProject::Load(const ProjectOptions& project_options, const EnvironmentOptions& options,
                          const std::string& wanted) {
  auto made = MakeSettings(options, own_work_dir_);
  if (!made.ok()) return made.status();
  settings = std::move(made).value();
  settings.log_dir.clear();
  auto loaded = LoadProject(project_options, settings.work_dir / "code", settings.region,
                            settings.account_id);
  if (!loaded.ok()) return loaded.status();
  project = std::move(loaded).value();
  auto chosen = ChooseFunction(*project, wanted);
  if (!chosen.ok()) return chosen.status();
  function = std::move(chosen).value();
  return Status::Ok();
}

Result<std::unique_ptr<LocalRun>> LocalRun::Make(const EnvironmentOptions& options,
                                                 pool::ServerSettings settings,
                                                 const Project& project,
                                                 const std::string& debugged) {
  std::unique_ptr<LocalRun> run(new LocalRun());
  run->cgroups =
      sandbox::DetectCgroups(run->io, {options.cgroup_root, options.cgroups, &run->janitor});
  spdlog::debug("resource control: {}", run->cgroups->Describe());
  run->services.reset(new pool::PoolServices{
      run->io, run->reaper, *run->cgroups, std::move(settings), 1, 0, 0, {}});
  run->services->janitor = &run->janitor;
  auto box = MakeSandbox(options, run->services->settings);
  if (!box.ok()) return box.status();
  run->box = std::move(box.value());
  run->services->sandbox = run->box.get();
  // --debug: the function run is the one debugged, on the first port.
  sandbox::DebugOptions debug = run->services->settings.debug;
  if (debug.functions.empty()) debug.functions = {debugged};
  run->runtimes = std::make_unique<sandbox::RuntimeLocator>(
      options.runtimes_dir.empty() ? sandbox::DefaultRuntimesDir() : fs::path(options.runtimes_dir),
      project.config.interpreters, debug);
  run->registry = std::make_unique<registry::FunctionRegistry>(*run->services, *run->runtimes);
  return run;
}

LocalRun::~LocalRun() {
  if (registry) registry->Shutdown();
  io.poll();
}

void LocalRun::RunUntil(const std::function<bool()>& done) {
  while (!done() && io.run_one() > 0) {
  }
}

}  // namespace lambda_emu::cli
