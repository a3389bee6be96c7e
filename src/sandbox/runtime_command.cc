#include "sandbox/runtime_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <sstream>

extern char** environ;

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

RuntimeLocator::RuntimeLocator(fs::path runtimes_dir,
                               std::map<std::string, std::string> interpreters)
    : runtimes_dir_(std::move(runtimes_dir)), configured_(std::move(interpreters)) {}

std::optional<Interpreter> FindInterpreter(const std::string& command, bool node) {
  // Asked of the interpreter itself, so PATH, shims and symlinks are all
  // resolved the way they would be when the runtime starts.
  std::vector<std::string> args = {command};
  if (node) {
    args.insert(args.end(), {"-p", "process.execPath + '\\n' + process.versions.node"});
  } else {
    args.insert(
        args.end(),
        {"-c", "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])"});
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, command.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string output;
  if (rc == 0) {
    char buf[512];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) output.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(out[0]);
  if (rc != 0) return std::nullopt;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  Interpreter found{command, "unknown version"};
  std::istringstream lines(output);
  std::string path, version;
  std::getline(lines, path);
  if (std::getline(lines, version) && !version.empty()) found.version = version;
  // An interpreter that cannot say where it lives still runs by its name.
  if (!path.empty() && path.front() == '/' && ::access(path.c_str(), X_OK) == 0) found.path = path;
  return found;
}

Result<Interpreter> RuntimeLocator::InterpreterFor(const std::string& runtime) {
  if (auto it = resolved_.find(runtime); it != resolved_.end()) return it->second;
  const bool python = runtime.rfind("python", 0) == 0;
  std::optional<Interpreter> chosen;
  if (auto it = configured_.find(runtime); it != configured_.end()) {
    chosen = FindInterpreter(it->second, !python);
    if (!chosen) {
      return Status::Error("Interpreters: '" + it->second + "' for " + runtime + " does not run");
    }
  } else if (python) {
    chosen = FindInterpreter(runtime, false);
    if (!chosen) {
      chosen = FindInterpreter("python3", false);
      if (!chosen) {
        return Status::Error("Runtime " + runtime + ": neither " + runtime + " nor python3 runs");
      }
      spdlog::warn("{} is not installed; running {} functions with python3, Python {} ({}); {}",
                   runtime, runtime, chosen->version, chosen->path,
                   "set Interpreters: in the config to choose another");
    }
  } else {
    chosen = FindInterpreter("node", true);
    if (!chosen) return Status::Error("Runtime " + runtime + ": node is not installed");
  }
  spdlog::debug("{} runs with {} ({})", runtime, chosen->path, chosen->version);
  resolved_[runtime] = *chosen;
  return *chosen;
}

Result<RuntimeCommand> RuntimeLocator::Resolve(const config::FunctionConfig& function) {
  RuntimeCommand command;
  switch (function.family) {
    case config::RuntimeFamily::kProvided:
      command.argv = {(function.code_dir / "bootstrap").string()};
      command.runtime_dir = function.code_dir.string();
      return command;
    case config::RuntimeFamily::kPython: {
      auto interpreter = InterpreterFor(function.runtime);
      if (!interpreter.ok()) return interpreter.status();
      command.runtime_dir = (runtimes_dir_ / "python").string();
      command.argv = {interpreter->path, command.runtime_dir + "/bootstrap.py"};
      return command;
    }
    case config::RuntimeFamily::kNode: {
      auto interpreter = InterpreterFor(function.runtime);
      if (!interpreter.ok()) return interpreter.status();
      command.runtime_dir = (runtimes_dir_ / "nodejs").string();
      command.argv = {interpreter->path, command.runtime_dir + "/bootstrap.mjs"};
      return command;
    }
  }
  return Status::Error("unsupported runtime");
}

std::string RuntimeLocator::Describe(const config::FunctionConfig& function) {
  if (function.family == config::RuntimeFamily::kProvided) return "its bootstrap";
  auto interpreter = InterpreterFor(function.runtime);
  if (!interpreter.ok()) return interpreter.status().message();
  const char* language = function.family == config::RuntimeFamily::kPython ? "Python" : "Node.js";
  return std::string(language) + " " + interpreter->version + " (" + interpreter->path + ")";
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
