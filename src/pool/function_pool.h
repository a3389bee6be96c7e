#pragma once
// FunctionPool: the execution environments of one function version, and the
// policy for using them: a warm (ready) environment is reused most recently
// used first; otherwise a new one is started (a cold start), unless the
// function's reserved concurrency or the account's unreserved pool is used up,
// in which case the invoke is throttled.
//
// Owned by the FunctionRegistry; owns its environments. io thread only.

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pool/concurrency.h"
#include "pool/execution_environment.h"
#include "pool/invocation.h"
#include "pool/services.h"

namespace lambda_emu::pool {

class FunctionPool final : public ExecutionEnvironment::Listener {
 public:
  FunctionPool(PoolServices& services, AccountConcurrency& account,
               std::shared_ptr<const FunctionContext> function);
  ~FunctionPool() override;
  FunctionPool(const FunctionPool&) = delete;
  FunctionPool& operator=(const FunctionPool&) = delete;

  // Runs `invocation` and completes it exactly once.
  void Invoke(std::shared_ptr<Invocation> invocation);

  // Kills every environment; running invocations fail.
  void Shutdown();

  const FunctionContext& function() const { return *function_; }
  int in_flight() const { return in_flight_; }
  size_t environment_count() const { return environments_.size(); }
  size_t ready_count() const { return ready_.size(); }

 private:
  // Empty when admitted; otherwise the throttle Reason.
  std::optional<std::string> TryAdmit();
  void Release();

  void OnInvocationFinished(ExecutionEnvironment& env) override;
  void OnEnvironmentDead(ExecutionEnvironment& env) override;
  void Redispatch(std::shared_ptr<Invocation> invocation) override;
  // Runs an admitted invocation on a ready environment or a new one.
  void Dispatch(std::shared_ptr<Invocation> invocation);

  PoolServices& services_;
  AccountConcurrency& account_;
  std::shared_ptr<const FunctionContext> function_;
  std::unordered_map<ExecutionEnvironment*, std::shared_ptr<ExecutionEnvironment>> environments_;
  std::vector<ExecutionEnvironment*> ready_;  // most recently used at the back
  int in_flight_ = 0;
  bool shutting_down_ = false;
};

}  // namespace lambda_emu::pool
