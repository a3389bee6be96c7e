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
// a fallback is logged once. io thread only.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

struct RuntimeCommand {
  std::vector<std::string> argv;
  std::string runtime_dir;  // LAMBDA_RUNTIME_DIR
};

struct Interpreter {
  std::string path;     // absolute when the interpreter could tell, else the command
  std::string version;  // "3.11.7", "20.20.2"
};

class RuntimeLocator {
 public:
  RuntimeLocator(std::filesystem::path runtimes_dir,
                 std::map<std::string, std::string> interpreters);

  Result<RuntimeCommand> Resolve(const config::FunctionConfig& function);
  // What actually runs the function, for people: "Python 3.11.7
  // (/usr/bin/python3.11)", "Node.js 20.20.2 (...)", "its bootstrap".
  std::string Describe(const config::FunctionConfig& function);
  const std::filesystem::path& runtimes_dir() const { return runtimes_dir_; }

 private:
  Result<Interpreter> InterpreterFor(const std::string& runtime);

  std::filesystem::path runtimes_dir_;
  std::map<std::string, std::string> configured_;
  std::map<std::string, Interpreter> resolved_;
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
