#pragma once
// Loads a lambda-emu config file (YAML; JSON is valid YAML):
//
//   Functions:
//     hello:
//       Runtime: python3.12
//       Handler: app.handler
//       Code: ./python-hello        # directory or .zip, relative to this file
//       MemorySize: 128
//       Timeout: 3
//       Environment: { GREETING: hi }   # or { Variables: { ... } }
//       ReservedConcurrentExecutions: 5
//   Interpreters:                        # optional runtime -> command mapping
//     python3.12: /usr/bin/python3
//
// Every problem is reported as "FILE: function 'NAME': KEY: problem".

#include <filesystem>

#include "config/function_config.h"
#include "lambda_emu/status.h"

namespace lambda_emu::config {

// `unpack_dir` receives extracted .zip packages (one subdirectory each).
Result<ServerConfig> LoadConfigFile(const std::filesystem::path& file,
                                    const std::filesystem::path& unpack_dir);

// Parses config text; `base_dir` resolves relative Code paths. Exposed for tests.
Result<ServerConfig> ParseConfig(const std::string& text, const std::filesystem::path& base_dir,
                                 const std::filesystem::path& unpack_dir);

}  // namespace lambda_emu::config
