#pragma once
// The FunctionContext of one function revision: the command that starts its
// runtime and the environment variables Lambda gives it, as the function
// sees them: inside a sandbox (sandbox/sandbox.h) Lambda's own paths
// (/var/task, /var/runtime, /var/lang, /opt), else the host's.

#include <memory>
#include <string>

#include "config/function_config.h"
#include "lambda_emu/status.h"
#include "logs/function_log.h"
#include "pool/services.h"
#include "sandbox/runtime_command.h"

namespace lambda_emu::registry {

Result<std::shared_ptr<const pool::FunctionContext>> MakeFunctionContext(
    const config::FunctionConfig& config, const std::string& version,
    std::shared_ptr<logs::FunctionLog> log, sandbox::RuntimeLocator& runtimes,
    const pool::PoolServices& services);

}  // namespace lambda_emu::registry
