#pragma once
// RuntimeLocator: turns a function's Runtime into the command that starts its
// runtime interface client:
//   python3.x  -> <python3.x or python3> <runtimes>/python/bootstrap.py
//   nodejs*.x  -> node <runtimes>/nodejs/bootstrap.mjs
//   provided*  -> <code dir>/bootstrap
// An `Interpreters:` mapping in the config overrides the interpreter for a
// runtime name. Interpreters are probed once (they must actually run: a pyenv
// shim for a version that is not installed does not), resolved to the
// absolute path of the real executable, and the result cached;
// a fallback is logged once. Under `--debug` the command starts the runtime
// under its debugger (see DebugOptions). io thread only.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"
#include "sandbox/debug_options.h"

namespace lambda_emu::sandbox {

// One function's debugger: which one, and where it listens.
struct DebugTarget {
  std::string debugger;  // "inspector" (Node.js), "debugpy", "pdb", "none" (provided)
  std::string host;
  int port = 0;
};

struct RuntimeCommand {
  std::vector<std::string> argv;
  std::string runtime_dir;               // LAMBDA_RUNTIME_DIR
  std::optional<DebugTarget> debug;      // set when the runtime starts under its debugger
  std::vector<std::string> environment;  // "K=V" the debugger needs (LAMBDA_EMU_DEBUG_*)
  // The same command inside a sandbox's view (mounts.h): the interpreter's
  // installation at /var/lang, the runtime client at /var/runtime. Empty
  // for provided runtimes (the caller knows where their bootstrap is).
  std::vector<std::string> view_argv;
  std::string interpreter_prefix;         // mounted at /var/lang; empty: run in place
  std::vector<std::string> package_dirs;  // the interpreter's own packages, in the view
};

struct Interpreter {
  std::string path;     // absolute when the interpreter could tell, else the command
  std::string version;  // "3.11.7", "20.20.2"
  // Where packages installed for this interpreter (not the standard
  // library) live: site-packages, Node.js's global folders.
  std::vector<std::string> package_dirs;
};

// Where a sandbox's view (mounts.h) puts the runtime client and the interpreter.
inline constexpr const char* kViewRuntimeDir = "/var/runtime";
inline constexpr const char* kViewInterpreterDir = "/var/lang";

class RuntimeLocator {
 public:
  RuntimeLocator(std::filesystem::path runtimes_dir,
                 std::map<std::string, std::string> interpreters, DebugOptions debug = {});

  Result<RuntimeCommand> Resolve(const config::FunctionConfig& function);
  // What actually runs the function, for people: "Python 3.11.7
  // (/usr/bin/python3.11)", "Node.js 20.20.2 (...)", "its bootstrap".
  std::string Describe(const config::FunctionConfig& function);
  // When the interpreter that runs `function` is another version than its
  // Runtime names (python3.12 on Python 3.11, nodejs22.x on Node.js 20),
  // that sentence for people; empty when they agree, for provided runtimes,
  // and when the version is unknown. The runtime clients make the same check
  // themselves (from AWS_EXECUTION_ENV) when the function's code fails to load.
  std::string VersionMismatch(const config::FunctionConfig& function);
  const std::filesystem::path& runtimes_dir() const { return runtimes_dir_; }

  // The function's debugger under --debug (nullopt when it is not debugged);
  // the first call for a function gives it its port, later ones the same.
  std::optional<DebugTarget> DebugTargetFor(const config::FunctionConfig& function);
  // How to attach to it, for the banner; nullopt when it is not debugged.
  std::optional<std::string> DescribeDebugger(const config::FunctionConfig& function);
  bool debugging() const { return debug_.enabled; }
  const DebugOptions& debug_options() const { return debug_; }

 private:
  Result<Interpreter> InterpreterFor(const std::string& runtime);
  static void InView(const Interpreter& interpreter, RuntimeCommand& command);
  bool HasDebugpy(const std::string& interpreter);

  std::filesystem::path runtimes_dir_;
  std::map<std::string, std::string> configured_;
  std::map<std::string, Interpreter> resolved_;
  DebugOptions debug_;
  std::map<std::string, DebugTarget> debug_targets_;  // by function name
  int next_node_port_;
  int next_other_port_;                      // also Node.js's when --debug-port is given
  std::map<std::string, bool> has_debugpy_;  // by interpreter path
};

// Runs the interpreter `command` (python3.x, node, or a path; a Node.js one
// when `node`, else Python) once and asks it where its executable lives;
// nullopt when it does not run. Spawning that path skips PATH lookup and
// version-manager shims (pyenv's costs 30-130 ms per start).
std::optional<Interpreter> FindInterpreter(const std::string& command, bool node);

// Where the runtimes shipped with lambda-emu live: $LAMBDA_EMU_RUNTIMES_DIR,
// else <binary>/../runtimes, else the source tree it was built from.
std::filesystem::path DefaultRuntimesDir();

}  // namespace lambda_emu::sandbox
