#pragma once
// FunctionRegistry: the functions this server knows, by name, each with the
// pools that run it: one for $LATEST and one per published version (a
// version's code and configuration never change, so neither does its pool's
// context), and the routes of its aliases. Adding a function or version
// resolves its runtime command and precomputes the environment its execution
// environments share, so the invoke path only looks names up: an unqualified
// invoke costs one map lookup, a qualified one two or three, none allocates.
// It also runs the server-wide pool policies: idle eviction, the environment
// cap, and applying a changed config file (which touches only the functions
// that came from the file). The control plane (control/) decides what exists;
// this class only runs it. Owned by the server; io thread only.

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <random>
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

// Where a function's definition lives: the config file or template, or the
// management API (and the state directory).
enum class Origin { kFile, kApi };

// An alias as the invoke path follows it: its version, and optionally a
// second version that gets `additional_weight` (0-1) of the invocations.
struct AliasRoute {
  std::string version;
  std::string additional_version;
  double additional_weight = 0;
};

class FunctionRegistry {
 public:
  FunctionRegistry(pool::PoolServices& services, sandbox::RuntimeLocator& runtimes);
  ~FunctionRegistry();

  // Adds a function, or applies a changed configuration to its $LATEST (its
  // environments are drained). Starts provisioned environments.
  Status Put(const config::FunctionConfig& config, Origin origin = Origin::kFile);
  // Applies a whole config file: puts every function, removes those from the
  // file that are no longer in it (functions made through the API stay).
  Status Apply(const std::vector<config::FunctionConfig>& functions);
  // Removes a function with all its versions and aliases; its environments
  // finish their invocations first.
  void Remove(const std::string& name);
  // A published version: `config` is what $LATEST was when it was published.
  Status PutVersion(const std::string& name, const std::string& version,
                    const config::FunctionConfig& config);
  void RemoveVersion(const std::string& name, const std::string& version);
  // Creates or changes an alias's route (its versions must exist).
  void PutAlias(const std::string& name, const std::string& alias, AliasRoute route);
  void RemoveAlias(const std::string& name, const std::string& alias);
  // The function's reservation (PutFunctionConcurrency), shared by its versions.
  Status SetReservedConcurrency(const std::string& name, std::optional<int> reserved);
  // Drains a function's environments (its code changed).
  void Drain(const std::string& name);
  // POST /_emu/reset: every function's counters back to zero.
  void ResetMetrics();
  // POST /_emu/reset?environments=stop: every function's environments stop
  // (idle ones now, busy and starting ones when their invocation ends;
  // provisioned ones are replaced), so the next on-demand invoke is cold.
  void StopEnvironments();

  // $LATEST's pool, by name or by another name the function answers to (a
  // template's logical id, "Child/Function").
  pool::FunctionPool* Find(const std::string& name);
  // The pool a qualifier selects: $LATEST, a version number, an alias (a
  // weighted alias picks one of its two versions at random, per call) or a
  // SAM AutoPublishAlias. nullptr when the function or qualifier is unknown.
  pool::FunctionPool* Find(const std::string& name, const std::string& qualifier);
  // A published version's pool (not an alias).
  pool::FunctionPool* FindVersion(const std::string& name, const std::string& version);
  std::optional<Origin> OriginOf(const std::string& name) const;
  std::vector<std::string> Names() const;
  size_t size() const { return functions_.size(); }
  pool::AccountConcurrency& account() { return account_; }
  // Spare sandboxes (--spare-sandboxes); null when there are none.
  const sandbox::SpareSandboxes* spares() const { return services_.spares; }
  // The prices the cost figures use (--price-file).
  const metrics::PriceTable& prices() const { return services_.settings.prices; }
  std::vector<metrics::FunctionSnapshot> Snapshots() const;
  // Every pool, in Snapshots()'s order and under its name there ($LATEST as
  // NAME, a version as NAME:VERSION), for the dashboard.
  struct PoolEntry {
    std::string name;
    std::string_view source;
    const pool::FunctionPool* pool = nullptr;
  };
  std::vector<PoolEntry> Pools() const;
  // Invocations admitted and not yet completed, across every function.
  int InFlight() const;

  void Shutdown();

 private:
  struct Function {
    Origin origin = Origin::kFile;
    std::shared_ptr<pool::FunctionConcurrency> concurrency;
    std::unique_ptr<pool::FunctionPool> latest;
    std::map<std::string, std::unique_ptr<pool::FunctionPool>, std::less<>> versions;
    std::map<std::string, AliasRoute, std::less<>> aliases;
    int auto_published = 0;  // AutoPublish's last version number
  };
  // Calls `visit` with every pool: each function's $LATEST, then its versions.
  template <typename Visit>
  void ForEachPool(Visit visit) const;
  Result<std::shared_ptr<const pool::FunctionContext>> MakeContext(
      const config::FunctionConfig& config, const std::string& version,
      std::shared_ptr<logs::FunctionLog> log);
  Status CheckAliases(const config::FunctionConfig& config) const;
  Status CheckReservation(const std::string& name, std::optional<int> reserved) const;
  void IndexAliases();
  // A file function's SAM AutoPublishAlias with SnapStart: the alias names a
  // version published from $LATEST (a new one for each change, as SAM
  // publishes), restored from its snapshot. Without SnapStart the alias
  // runs $LATEST's pool, whose code it is.
  void AutoPublish(Function& function);
  void Retire(Function& function);
  void Renew(pool::FunctionPool& pool);
  void ArmIdleSweep();
  bool ReclaimOldestIdle();

  pool::PoolServices& services_;
  sandbox::RuntimeLocator& runtimes_;
  pool::AccountConcurrency account_;
  std::map<std::string, Function> functions_;
  std::unordered_map<std::string, std::string> aliases_;  // other name -> function name
  std::minstd_rand alias_random_{std::random_device{}()};
  // Pools of removed functions, kept until their invocations finish.
  std::vector<std::unique_ptr<pool::FunctionPool>> retired_;
  boost::asio::steady_timer idle_sweep_;
  // services.reclaim_idle before this registry set its own (restored when it goes).
  std::function<bool()> outer_reclaim_idle_;
  bool shut_down_ = false;
};

}  // namespace lambda_emu::registry
