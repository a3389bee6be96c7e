#pragma once
// SAM CLI's `--env-vars FILE`: a JSON object mapping a function (logical id,
// function name or nested path "Child/Fn") to variables, plus "Parameters"
// for every function:
//   {"HelloWorldFunction": {"TABLE": "local"}, "Parameters": {"STAGE": "dev"}}
// Applied as SAM CLI applies it: only variables the function already
// declares change; the value comes from, in rising precedence, the template,
// the shell's environment (templates only), "Parameters", the function's
// own entry. Pure functions; thread-safe.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"

namespace lambda_emu::templates {

struct EnvVarsFile {
  std::map<std::string, std::string> parameters;
  std::map<std::string, std::map<std::string, std::string>> functions;
};

// Numbers and booleans become their text; other non-strings are an error.
Result<EnvVarsFile> LoadEnvVarsFile(const std::filesystem::path& file);
Result<EnvVarsFile> ParseEnvVars(const std::string& json);

// `shell` is the server's environment (nullptr: not consulted).
void ApplyEnvVars(config::FunctionConfig& function, const EnvVarsFile& file,
                  const std::map<std::string, std::string>* shell);

// The process environment as a map.
std::map<std::string, std::string> ShellEnvironment();

}  // namespace lambda_emu::templates
