#include "sandbox/runtime_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

RuntimeLocator::RuntimeLocator(fs::path runtimes_dir,
                               std::map<std::string, std::string> interpreters)
    : runtimes_dir_(std::move(runtimes_dir)), configured_(std::move(interpreters)) {}

bool CommandRuns(const std::string& command) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string flag = "--version";
  char* argv[] = {const_cast<char*>(command.c_str()), flag.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, command.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return false;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

Result<std::string> RuntimeLocator::Interpreter(const std::string& runtime) {
  if (auto it = resolved_.find(runtime); it != resolved_.end()) return it->second;
  std::string chosen;
  if (auto it = configured_.find(runtime); it != configured_.end()) {
    if (!CommandRuns(it->second)) {
      return Status::Error("Interpreters: '" + it->second + "' for " + runtime + " does not run");
    }
    chosen = it->second;
  } else if (runtime.rfind("python", 0) == 0) {
    if (CommandRuns(runtime)) {
      chosen = runtime;
    } else if (CommandRuns("python3")) {
      chosen = "python3";
      spdlog::warn("{} is not installed; running {} functions with python3 instead ({})", runtime,
                   runtime, "set Interpreters: in the config to choose another");
    } else {
      return Status::Error("Runtime " + runtime + ": neither " + runtime + " nor python3 runs");
    }
  } else {
    chosen = "node";
    if (!CommandRuns(chosen))
      return Status::Error("Runtime " + runtime + ": node is not installed");
  }
  resolved_[runtime] = chosen;
  return chosen;
}

Result<RuntimeCommand> RuntimeLocator::Resolve(const config::FunctionConfig& function) {
  RuntimeCommand command;
  switch (function.family) {
    case config::RuntimeFamily::kProvided:
      command.argv = {(function.code_dir / "bootstrap").string()};
      command.runtime_dir = function.code_dir.string();
      return command;
    case config::RuntimeFamily::kPython: {
      auto interpreter = Interpreter(function.runtime);
      if (!interpreter.ok()) return interpreter.status();
      command.runtime_dir = (runtimes_dir_ / "python").string();
      command.argv = {interpreter.value(), command.runtime_dir + "/bootstrap.py"};
      return command;
    }
    case config::RuntimeFamily::kNode: {
      auto interpreter = Interpreter(function.runtime);
      if (!interpreter.ok()) return interpreter.status();
      command.runtime_dir = (runtimes_dir_ / "nodejs").string();
      command.argv = {interpreter.value(), command.runtime_dir + "/bootstrap.mjs"};
      return command;
    }
  }
  return Status::Error("unsupported runtime");
}

fs::path DefaultRuntimesDir() {
  if (const char* env = std::getenv("LAMBDA_EMU_RUNTIMES_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = exe.parent_path().parent_path() / "runtimes";
    if (fs::is_directory(beside / "python", ec)) return beside;
  }
  return LAMBDA_EMU_SOURCE_RUNTIMES_DIR;
}

}  // namespace lambda_emu::sandbox
