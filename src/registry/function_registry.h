#pragma once
// FunctionRegistry: the functions this server knows, by name, each with the
// pool that runs it. Adding a function resolves its runtime command and
// precomputes the environment its execution environments share, so the invoke
// path only looks the name up. It also runs the server-wide pool policies:
// idle eviction, the environment cap, and applying a changed config.
// Owned by the server; io thread only.

#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"
#include "metrics/function_metrics.h"
#include "pool/concurrency.h"
#include "pool/function_pool.h"
#include "pool/services.h"
#include "sandbox/runtime_command.h"

namespace lambda_emu::registry {

class FunctionRegistry {
 public:
  FunctionRegistry(pool::PoolServices& services, sandbox::RuntimeLocator& runtimes);
  ~FunctionRegistry();

  // Adds a function, or applies a changed configuration to an existing one
  // (its environments are drained). Starts provisioned environments.
  Status Put(const config::FunctionConfig& config);
  // Applies a whole config: puts every function, removes those not in it.
  Status Apply(const std::vector<config::FunctionConfig>& functions);
  // Drains a function's environments (its code changed).
  void Drain(const std::string& name);
  // POST /_emu/reset: every function's counters back to zero.
  void ResetMetrics();
  // POST /_emu/reset?environments=stop: every function's environments stop
  // (idle ones now, busy and starting ones when their invocation ends;
  // provisioned ones are replaced), so the next on-demand invoke is cold.
  void StopEnvironments();

  // By name, or by another name the function answers to (a template's
  // logical id, "Child/Function").
  pool::FunctionPool* Find(const std::string& name);
  std::vector<std::string> Names() const;
  size_t size() const { return functions_.size(); }
  pool::AccountConcurrency& account() { return account_; }
  std::vector<metrics::FunctionSnapshot> Snapshots() const;

  void Shutdown();

 private:
  Result<std::shared_ptr<const pool::FunctionContext>> MakeContext(
      const config::FunctionConfig& config);
  Status CheckAliases(const config::FunctionConfig& config) const;
  void IndexAliases();
  void Renew(pool::FunctionPool& pool);
  void ArmIdleSweep();
  bool ReclaimOldestIdle();

  pool::PoolServices& services_;
  sandbox::RuntimeLocator& runtimes_;
  pool::AccountConcurrency account_;
  std::map<std::string, std::unique_ptr<pool::FunctionPool>> functions_;
  std::unordered_map<std::string, std::string> aliases_;  // other name -> function name
  // Pools of removed functions, kept until their invocations finish.
  std::vector<std::unique_ptr<pool::FunctionPool>> retired_;
  boost::asio::steady_timer idle_sweep_;
  bool shut_down_ = false;
};

}  // namespace lambda_emu::registry
