#pragma once
// FunctionRegistry: the functions this server knows, by name, each with the
// pool that runs it. Adding a function resolves its runtime command and
// precomputes the environment its execution environments share, so the invoke
// path only looks the name up. Owned by the server; io thread only.

#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "config/function_config.h"
#include "lambda_emu/status.h"
#include "pool/concurrency.h"
#include "pool/function_pool.h"
#include "pool/services.h"
#include "sandbox/runtime_command.h"

namespace lambda_emu::registry {

class FunctionRegistry {
 public:
  FunctionRegistry(pool::PoolServices& services, sandbox::RuntimeLocator& runtimes);
  ~FunctionRegistry();

  // Adds (or replaces) a function.
  Status Add(const config::FunctionConfig& config);

  pool::FunctionPool* Find(const std::string& name);
  size_t size() const { return functions_.size(); }
  pool::AccountConcurrency& account() { return account_; }

  void Shutdown();

 private:
  Result<std::shared_ptr<const pool::FunctionContext>> MakeContext(
      const config::FunctionConfig& config);

  pool::PoolServices& services_;
  sandbox::RuntimeLocator& runtimes_;
  pool::AccountConcurrency account_;
  std::unordered_map<std::string, std::unique_ptr<pool::FunctionPool>> functions_;
};

}  // namespace lambda_emu::registry
