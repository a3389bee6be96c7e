#pragma once
// RuntimeLocator: turns a function's Runtime into the command that starts its
// runtime interface client:
//   python3.x  -> <python3.x or python3> <runtimes>/python/bootstrap.py
//   nodejs*.x  -> node <runtimes>/nodejs/bootstrap.mjs
//   provided*  -> <code dir>/bootstrap
// An `Interpreters:` mapping in the config overrides the interpreter for a
// runtime name. Interpreters are probed once (they must actually run: a pyenv
// shim for a version that is not installed does not) and the result cached;
// a fallback is logged once. io thread only.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

struct RuntimeCommand {
  std::vector<std::string> argv;
  std::string runtime_dir;  // LAMBDA_RUNTIME_DIR
};

class RuntimeLocator {
 public:
  RuntimeLocator(std::filesystem::path runtimes_dir,
                 std::map<std::string, std::string> interpreters);

  Result<RuntimeCommand> Resolve(const config::FunctionConfig& function);
  const std::filesystem::path& runtimes_dir() const { return runtimes_dir_; }

 private:
  Result<std::string> Interpreter(const std::string& runtime);

  std::filesystem::path runtimes_dir_;
  std::map<std::string, std::string> configured_;
  std::map<std::string, std::string> resolved_;
};

// True when `command --version` (resolved through PATH) runs and exits 0.
bool CommandRuns(const std::string& command);

// Where the runtimes shipped with lambda-emu live: $LAMBDA_EMU_RUNTIMES_DIR,
// else <binary>/../runtimes, else the source tree it was built from.
std::filesystem::path DefaultRuntimesDir();

}  // namespace lambda_emu::sandbox
