#pragma once
// FunctionPool: the execution environments of one function, and the policy
// for using them:
//  - a ready (warm) environment is reused, most recently used first;
//  - otherwise a new one starts (a cold start), unless the function's
//    reserved concurrency, the account's unreserved pool or the server's
//    environment cap is used up: then the invoke is throttled (429);
//  - a start needs a slot of the server's StartBudget (a bounded number of
//    inits in flight): without one the invoke waits, in order, and takes
//    the first environment of this function that becomes free, warm or new;
//  - ProvisionedConcurrency environments are started up front, replaced when
//    they die (with a growing delay while they keep failing init), and never
//    evicted; other idle environments are evicted after the idle TTL;
//  - a code or configuration change drains the pool: idle environments stop
//    now, busy ones when their invocation ends; the next start is cold;
//  - a function under --debug has one environment at a time (its debugger
//    has one port): further invokes wait for it, in order; it is never
//    evicted and no provisioned environments start.
//
// Owned by the FunctionRegistry; owns its environments. io thread only.

#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "metrics/function_metrics.h"
#include "pool/concurrency.h"
#include "pool/execution_environment.h"
#include "pool/invocation.h"
#include "pool/services.h"
#include "pool/start_budget.h"

namespace lambda_emu::pool {

class FunctionPool final : public ExecutionEnvironment::Listener, public StartBudget::Waiter {
 public:
  FunctionPool(PoolServices& services, std::shared_ptr<FunctionConcurrency> concurrency,
               std::shared_ptr<const FunctionContext> function);
  ~FunctionPool() override;
  FunctionPool(const FunctionPool&) = delete;
  FunctionPool& operator=(const FunctionPool&) = delete;

  // Runs `invocation` and completes it exactly once.
  void Invoke(std::shared_ptr<Invocation> invocation);

  // Starts environments until ProvisionedConcurrency of them are alive.
  void EnsureProvisioned();
  // A provisioned concurrency configuration (management API) set on this
  // version: replaces the config's ProvisionedConcurrency; extra provisioned
  // environments stop when idle.
  void SetProvisionedConcurrency(int count);
  int provisioned_concurrency() const { return provisioned_; }
  // Provisioned environments that finished init and are alive.
  int ProvisionedReady() const;

  // New code or configuration: drain, and start new environments from `function`.
  void Replace(std::shared_ptr<const FunctionContext> function);
  // Stops idle environments now and busy ones when they finish.
  void Drain();
  // The function was removed: drain, and start nothing new (not even
  // provisioned environments). The pool can be dropped once empty.
  void Retire();

  // Stops non-provisioned environments idle since before `cutoff`; returns how many.
  size_t EvictIdle(Clock::time_point cutoff);
  // Stops environments whose /tmp outgrew EphemeralStorage.
  void EnforceEphemeralStorage();
  // The least recently used idle environment that may be evicted, if any.
  ExecutionEnvironment* OldestEvictable() const;

  // Kills every environment; running invocations fail.
  void Shutdown();
  // Counters back to zero; an invocation in flight is counted when it ends.
  void ResetMetrics();

  const FunctionContext& function() const { return *function_; }
  std::shared_ptr<const FunctionContext> function_ptr() const { return function_; }
  int in_flight() const { return in_flight_; }
  // Admitted invocations waiting for an environment (a start slot, or under
  // --debug the one environment).
  size_t waiting() const { return waiting_.size(); }
  size_t environment_count() const { return environments_.size(); }
  metrics::FunctionSnapshot Snapshot() const;
  // Its live environments, oldest first (the dashboard's list).
  std::vector<metrics::EnvironmentView> Environments() const;
  // The function's reserved concurrency (shared by its versions), if any.
  std::optional<int> reserved_concurrency() const { return concurrency_->reserved(); }

 private:
  const char* TryAdmit();
  void Release();
  void Dispatch(std::shared_ptr<Invocation> invocation);
  void Throttle(Invocation& invocation, std::string reason);
  std::shared_ptr<ExecutionEnvironment> StartEnvironment(std::shared_ptr<Invocation> first,
                                                         bool provisioned, StartSlot slot);
  // Room for one more environment under --max-environments (an idle one of
  // any function may be stopped for it).
  bool RoomForEnvironment();
  bool Retiring(const ExecutionEnvironment& env) const;
  ExecutionEnvironment* TakeReady();
  // Waiting invocations, oldest first, take the free environments.
  void AssignFreeEnvironments();
  int ProvisionedMissing() const;
  void ReplaceProvisioned(bool after_init_failure);
  void DispatchWaiting();
  void PostDispatchWaiting();
  // A SnapStart version's cold starts are restores: they wait for a spare
  // forked from its snapshot (SpareSandboxes::AwaitSnapshot), looked at
  // again every few milliseconds, unless it has none (it failed).
  bool SnapshotPending();
  void AwaitSnapshot();

  // StartBudget::Waiter
  void OnStartSlot(StartSlot slot) override;

  void OnInvocationFinished(ExecutionEnvironment& env,
                            const metrics::InvocationRecord& record) override;
  void OnEnvironmentReady(ExecutionEnvironment& env) override;
  void OnEnvironmentDead(ExecutionEnvironment& env) override;
  void Redispatch(std::shared_ptr<Invocation> invocation) override;

  PoolServices& services_;
  std::shared_ptr<FunctionConcurrency> concurrency_;
  std::shared_ptr<const FunctionContext> function_;
  int provisioned_ = 0;
  std::unordered_map<ExecutionEnvironment*, std::shared_ptr<ExecutionEnvironment>> environments_;
  std::vector<ExecutionEnvironment*> ready_;  // most recently used at the back
  // Admitted, in arrival order, waiting for a start slot or (--debug) for the one environment.
  std::deque<std::shared_ptr<Invocation>> waiting_;
  bool dispatch_waiting_posted_ = false;
  int in_flight_ = 0;
  int provisioned_init_failures_ = 0;  // rounds in a row
  bool provisioned_retry_pending_ = false;
  boost::asio::steady_timer provisioned_retry_;
  boost::asio::steady_timer snapshot_wait_;  // AwaitSnapshot's
  // Provisioned concurrency's configured GB-seconds before provisioned_since_
  // (when provisioned_ last changed, or the metrics were reset).
  double provisioned_gb_seconds_ = 0;
  Clock::time_point provisioned_since_ = Clock::now();
  double ProvisionedGbSeconds() const;
  bool snapshot_wait_armed_ = false;
  bool shutting_down_ = false;
  bool retired_ = false;
  metrics::FunctionMetrics metrics_;
};

}  // namespace lambda_emu::pool
