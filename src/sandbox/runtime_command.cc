#include "sandbox/runtime_command.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>
#include <utility>

#include "sandbox/run_quietly.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

RuntimeLocator::RuntimeLocator(fs::path runtimes_dir,
                               std::map<std::string, std::string> interpreters, DebugOptions debug)
    : runtimes_dir_(std::move(runtimes_dir)),
      configured_(std::move(interpreters)),
      debug_(std::move(debug)),
      next_node_port_(debug_.port ? debug_.port : 9229),
      next_other_port_(debug_.port ? debug_.port : 5678) {}

namespace {

// Node.js waits for a debugger without stopping in our runtime client with
// --inspect-wait, which 20.15 and 22.2 added; older ones can only stop at the
// client's first line (--inspect-brk).
bool NodeHasInspectWait(const std::string& version) {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return true;
  return major > 22 || (major == 22 && minor >= 2) || (major == 20 && minor >= 15);
}

}  // namespace

std::optional<Interpreter> FindInterpreter(const std::string& command, bool node) {
  // Asked of the interpreter itself, so PATH, shims and symlinks are all
  // resolved the way they would be when the runtime starts.
  std::vector<std::string> args = {command};
  if (node) {
    args.insert(args.end(), {"-p",
                             "process.execPath + '\\n' + process.versions.node + '\\n' + "
                             "require('module').globalPaths.join(':')"});
  } else {
    args.insert(args.end(),
                {"-c",
                 "import sys, site; print(sys.executable); "
                 "print('%d.%d.%d' % sys.version_info[:3]); "
                 "print(':'.join(site.getsitepackages() + [site.getusersitepackages()]))"});
  }
  std::string output;
  if (!RunQuietly(std::move(args), output)) return std::nullopt;
  Interpreter found{command, "unknown version", {}};
  std::istringstream lines(output);
  std::string path, version;
  std::getline(lines, path);
  if (std::getline(lines, version) && !version.empty()) found.version = version;
  std::string packages;
  if (std::getline(lines, packages)) {
    std::stringstream dirs(packages);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty()) found.package_dirs.push_back(dir);
    }
  }
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
  command.debug = DebugTargetFor(function);
  const auto& debug = command.debug;
  if (debug) {
    command.environment = {"LAMBDA_EMU_DEBUGGER=" + debug->debugger,
                           "LAMBDA_EMU_DEBUG_HOST=" + debug->host,
                           "LAMBDA_EMU_DEBUG_PORT=" + std::to_string(debug->port)};
  }
  switch (function.family) {
    case config::RuntimeFamily::kProvided:
      // Its own debugger is the bootstrap's business (dlv, gdbserver...):
      // it finds the port in LAMBDA_EMU_DEBUG_PORT.
      command.argv = {(function.code_dir / "bootstrap").string()};
      command.runtime_dir = function.code_dir.string();
      return command;
    case config::RuntimeFamily::kPython: {
      auto interpreter = InterpreterFor(function.runtime);
      if (!interpreter.ok()) return interpreter.status();
      command.runtime_dir = (runtimes_dir_ / "python").string();
      const char* script = debug ? "/debug_bootstrap.py" : "/bootstrap.py";
      command.argv = {interpreter->path, command.runtime_dir + script};
      InView(*interpreter, command);
      command.view_argv.push_back(std::string(kViewRuntimeDir) + script);
      return command;
    }
    case config::RuntimeFamily::kNode: {
      auto interpreter = InterpreterFor(function.runtime);
      if (!interpreter.ok()) return interpreter.status();
      command.runtime_dir = (runtimes_dir_ / "nodejs").string();
      command.argv = {interpreter->path};
      InView(*interpreter, command);
      if (debug) {
        // The runtime waits for a debugger before it loads the handler, so
        // breakpoints set on attaching hold from the first line of init.
        std::string inspect =
            std::string(NodeHasInspectWait(interpreter->version) ? "--inspect-wait="
                                                                 : "--inspect-brk=") +
            debug->host + ":" + std::to_string(debug->port);
        command.argv.push_back(inspect);
        command.view_argv.push_back(inspect);
      }
      command.argv.push_back(command.runtime_dir + "/bootstrap.mjs");
      command.view_argv.push_back(std::string(kViewRuntimeDir) + "/bootstrap.mjs");
      return command;
    }
  }
  return Status::Error("unsupported runtime");
}

// Where `interpreter` runs from inside a sandbox: its installation (the
// directory above its bin/) is mounted at /var/lang, as Lambda's is, so an
// interpreter in a directory the sandbox user cannot enter (pyenv's under
// /root) still runs. Its package directories move with it.
void RuntimeLocator::InView(const Interpreter& interpreter, RuntimeCommand& command) {
  std::error_code ec;
  fs::path real = fs::canonical(interpreter.path, ec);
  if (ec || real.parent_path().filename() != "bin") {
    command.view_argv = {interpreter.path};
    command.package_dirs = interpreter.package_dirs;
    return;
  }
  fs::path prefix = real.parent_path().parent_path();
  command.interpreter_prefix = prefix.string();
  command.view_argv = {std::string(kViewInterpreterDir) + "/bin/" + real.filename().string()};
  const std::string root = prefix.string() + "/";
  for (const auto& dir : interpreter.package_dirs) {
    if (dir.rfind(root, 0) == 0) {
      command.package_dirs.push_back(std::string(kViewInterpreterDir) + "/" +
                                     dir.substr(root.size()));
    }
  }
}

bool RuntimeLocator::HasDebugpy(const std::string& interpreter) {
  auto it = has_debugpy_.find(interpreter);
  if (it != has_debugpy_.end()) return it->second;
  std::string output;
  bool found = RunQuietly({interpreter, "-c", "import debugpy"}, output);
  has_debugpy_[interpreter] = found;
  return found;
}

std::optional<DebugTarget> RuntimeLocator::DebugTargetFor(const config::FunctionConfig& function) {
  if (!debug_.enabled) return std::nullopt;
  if (auto it = debug_targets_.find(function.name); it != debug_targets_.end()) return it->second;
  if (!debug_.functions.empty()) {
    bool named = false;
    for (const auto& wanted : debug_.functions) {
      named = named || wanted == function.name ||
              std::find(function.aliases.begin(), function.aliases.end(), wanted) !=
                  function.aliases.end();
    }
    if (!named) return std::nullopt;
  }
  DebugTarget target;
  target.host = debug_.host;
  bool node = function.family == config::RuntimeFamily::kNode;
  int& next = node && !debug_.port ? next_node_port_ : next_other_port_;
  target.port = next++;
  switch (function.family) {
    case config::RuntimeFamily::kNode:
      target.debugger = "inspector";
      break;
    case config::RuntimeFamily::kProvided:
      target.debugger = "none";
      break;
    case config::RuntimeFamily::kPython: {
      target.debugger = debug_.python_debugger;
      if (target.debugger == "auto") {
        auto interpreter = InterpreterFor(function.runtime);
        target.debugger = interpreter.ok() && HasDebugpy(interpreter->path) ? "debugpy" : "pdb";
      }
      break;
    }
  }
  debug_targets_[function.name] = target;
  return target;
}

std::optional<std::string> RuntimeLocator::DescribeDebugger(
    const config::FunctionConfig& function) {
  auto target = DebugTargetFor(function);
  if (!target) return std::nullopt;
  std::string where = target->host + ":" + std::to_string(target->port);
  if (target->debugger == "inspector") {
    return "Node.js inspector on ws://" + where +
           ", waits for a debugger before init: VS Code \"Attach\" to port " +
           std::to_string(target->port) + ", or chrome://inspect";
  }
  if (target->debugger == "debugpy") {
    return "debugpy on " + where +
           ", waits for a client before init: VS Code \"Python Debugger: Remote Attach\" to " +
           where;
  }
  if (target->debugger == "pdb") {
    return "pdb on " + where + ", stops at the handler's first line: nc " + target->host + " " +
           std::to_string(target->port);
  }
  return "port " + std::to_string(target->port) +
         " is the bootstrap's to use (LAMBDA_EMU_DEBUG_PORT) for its own debugger";
}

std::string RuntimeLocator::Describe(const config::FunctionConfig& function) {
  if (function.family == config::RuntimeFamily::kProvided) return "its bootstrap";
  auto interpreter = InterpreterFor(function.runtime);
  if (!interpreter.ok()) return interpreter.status().message();
  const char* language = function.family == config::RuntimeFamily::kPython ? "Python" : "Node.js";
  return std::string(language) + " " + interpreter->version + " (" + interpreter->path + ")";
}

namespace {

// "3.11.7" -> {3, 11}; "20.20.2" -> {20, 20}; "22" -> {22, -1}.
std::pair<int, int> MajorMinor(const std::string& version) {
  int major = -1, minor = -1;
  std::sscanf(version.c_str(), "%d.%d", &major, &minor);
  return {major, minor};
}

}  // namespace

std::string RuntimeLocator::VersionMismatch(const config::FunctionConfig& function) {
  if (function.family == config::RuntimeFamily::kProvided) return "";
  auto interpreter = InterpreterFor(function.runtime);
  if (!interpreter.ok()) return "";
  const bool python = function.family == config::RuntimeFamily::kPython;
  // python3.12 asks for Python 3.12; nodejs22.x for Node.js 22.
  const std::string asked =
      python ? function.runtime.substr(6) : function.runtime.substr(6, function.runtime.size() - 8);
  auto want = MajorMinor(asked);
  auto have = MajorMinor(interpreter->version);
  if (have.first < 0) return "";  // the interpreter did not say
  if (!python) {
    want.second = -1;
    have.second = -1;
  }
  if (have == want) return "";
  const std::string language = python ? "Python " : "Node.js ";
  return function.runtime + " runs on " + language + interpreter->version + " here, not " +
         language + asked +
         (have < want ? "; code that needs " + language + asked + " fails to load"
                      : "; behaviour may differ from " + language + asked) +
         " (install " + language + asked + ", or map " + function.runtime +
         " to it under Interpreters: in a lambda-emu config file)";
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
