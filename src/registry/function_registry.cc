#include "registry/function_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "api/function_ref.h"
#include "registry/function_context.h"

namespace lambda_emu::registry {

FunctionRegistry::FunctionRegistry(pool::PoolServices& services, sandbox::RuntimeLocator& runtimes)
    : services_(services),
      runtimes_(runtimes),
      account_(services.settings.account_concurrency),
      idle_sweep_(services.io) {
  // A second registry on the same services (a tuning run's) reclaims its
  // own idle environments first, then the first one's.
  outer_reclaim_idle_ = services_.reclaim_idle;
  services_.reclaim_idle = [this, outer = outer_reclaim_idle_] {
    return ReclaimOldestIdle() || (outer && outer());
  };
  ArmIdleSweep();
}

FunctionRegistry::~FunctionRegistry() {
  Shutdown();
  services_.reclaim_idle = std::move(outer_reclaim_idle_);
}

void FunctionRegistry::Shutdown() {
  shut_down_ = true;
  idle_sweep_.cancel();
  ForEachPool([](pool::FunctionPool& pool) { pool.Shutdown(); });
  for (auto& pool : retired_) pool->Shutdown();
}

template <typename Visit>
void FunctionRegistry::ForEachPool(Visit visit) const {
  for (const auto& [name, function] : functions_) {
    visit(*function.latest);
    for (const auto& [version, pool] : function.versions) visit(*pool);
  }
}

int FunctionRegistry::InFlight() const {
  int n = 0;
  ForEachPool([&n](const pool::FunctionPool& pool) { n += pool.in_flight(); });
  for (const auto& pool : retired_) n += pool->in_flight();
  return n;
}

void FunctionRegistry::ArmIdleSweep() {
  // Check often enough that an environment lives at most ~1.25 TTL idle.
  auto ttl = services_.settings.idle_ttl;
  // Also how often /tmp sizes are checked: at least every 2 s.
  auto period = std::clamp<std::chrono::milliseconds>(ttl / 4, std::chrono::milliseconds(20),
                                                      std::chrono::milliseconds(2000));
  idle_sweep_.expires_after(period);
  idle_sweep_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || shut_down_) return;
    auto cutoff = pool::Clock::now() - services_.settings.idle_ttl;
    ForEachPool([cutoff](pool::FunctionPool& pool) {
      if (size_t n = pool.EvictIdle(cutoff)) {
        spdlog::debug("function {}: stopped {} idle environment(s)", pool.function().config.name,
                      n);
      }
      pool.EnforceEphemeralStorage();
    });
    // Drop retired pools once they have nothing left running.
    std::erase_if(retired_, [](const auto& pool) { return pool->environment_count() == 0; });
    ArmIdleSweep();
  });
}

bool FunctionRegistry::ReclaimOldestIdle() {
  pool::ExecutionEnvironment* oldest = nullptr;
  ForEachPool([&oldest](pool::FunctionPool& pool) {
    auto* candidate = pool.OldestEvictable();
    if (candidate && (!oldest || candidate->last_used() < oldest->last_used())) oldest = candidate;
  });
  if (!oldest) return false;
  oldest->Shutdown();
  return true;
}

Result<std::shared_ptr<const pool::FunctionContext>> FunctionRegistry::MakeContext(
    const config::FunctionConfig& config, const std::string& version,
    std::shared_ptr<logs::FunctionLog> log) {
  return MakeFunctionContext(config, version, std::move(log), runtimes_, services_);
}

Status FunctionRegistry::CheckAliases(const config::FunctionConfig& config) const {
  for (const auto& alias : config.aliases) {
    if (alias == config.name) continue;
    auto function = functions_.find(alias);
    if (function != functions_.end()) {
      return Status::Error("function '" + config.name + "' answers to '" + alias +
                           "', the name of another function");
    }
    auto taken = aliases_.find(alias);
    if (taken != aliases_.end() && taken->second != config.name) {
      return Status::Error("functions '" + taken->second + "' and '" + config.name +
                           "' both answer to '" + alias + "'");
    }
  }
  if (auto taken = aliases_.find(config.name);
      taken != aliases_.end() && taken->second != config.name) {
    return Status::Error("function '" + config.name + "' is also another name of function '" +
                         taken->second + "'");
  }
  return Status::Ok();
}

void FunctionRegistry::IndexAliases() {
  aliases_.clear();
  for (const auto& [name, function] : functions_) {
    for (const auto& alias : function.latest->function().config.aliases) aliases_[alias] = name;
  }
}

Status FunctionRegistry::CheckReservation(const std::string& name,
                                          std::optional<int> reserved) const {
  if (!reserved) return Status::Ok();
  int others = account_.reserved();
  if (auto it = functions_.find(name); it != functions_.end()) {
    others -= it->second.concurrency->reserved().value_or(0);
  }
  if (others + *reserved <= account_.limit()) return Status::Ok();
  return Status::Error("function '" + name +
                       "': ReservedConcurrentExecutions: " + std::to_string(*reserved) +
                       " does not fit in the account's concurrency limit of " +
                       std::to_string(account_.limit()) + " (" + std::to_string(others) +
                       " already reserved by other functions; see --account-concurrency)");
}

Status FunctionRegistry::Put(const config::FunctionConfig& config, Origin origin) {
  if (Status s = CheckAliases(config); !s.ok()) return s;
  auto it = functions_.find(config.name);
  auto context = MakeContext(config, "$LATEST",
                             it == functions_.end() ? nullptr : it->second.latest->function().log);
  if (!context.ok()) {
    return Status::Error("function '" + config.name + "': " + context.status().message());
  }
  if (Status s = CheckReservation(config.name, config.reserved_concurrency); !s.ok()) return s;
  if (it != functions_.end()) {
    spdlog::info("function {}: configuration changed; draining its environments", config.name);
    Function& function = it->second;
    if (function.origin != origin) {
      // The file took over a name the API had made (or the reverse): the old
      // function's versions and aliases go with it.
      for (auto& [version, pool] : function.versions) {
        pool->Retire();
        retired_.push_back(std::move(pool));
      }
      function.versions.clear();
      function.aliases.clear();
      function.origin = origin;
    }
    function.concurrency->SetReserved(config.reserved_concurrency);
    function.latest->Replace(std::move(context.value()));
    if (origin == Origin::kFile) AutoPublish(function);
    IndexAliases();
    return Status::Ok();
  }
  Function function;
  function.origin = origin;
  function.concurrency = std::make_shared<pool::FunctionConcurrency>(account_);
  function.concurrency->SetReserved(config.reserved_concurrency);
  function.latest = std::make_unique<pool::FunctionPool>(services_, function.concurrency,
                                                         std::move(context.value()));
  function.latest->EnsureProvisioned();
  if (origin == Origin::kFile) AutoPublish(function);
  functions_.emplace(config.name, std::move(function));
  IndexAliases();
  return Status::Ok();
}

void FunctionRegistry::AutoPublish(Function& function) {
  for (auto& [version, pool] : function.versions) {
    pool->Retire();
    retired_.push_back(std::move(pool));
  }
  function.versions.clear();
  const config::FunctionConfig& config = function.latest->function().config;
  if (!config.snap_start || config.auto_publish_alias.empty()) return;
  const std::string version = std::to_string(++function.auto_published);
  auto context = MakeContext(config, version, function.latest->function().log);
  if (!context.ok()) {
    spdlog::warn("function {}: cannot publish version {} for {}: {}", config.name, version,
                 config.auto_publish_alias, context.status().message());
    return;
  }
  function.versions[version] =
      std::make_unique<pool::FunctionPool>(services_, function.concurrency, std::move(*context));
}

Status FunctionRegistry::Apply(const std::vector<config::FunctionConfig>& functions) {
  std::set<std::string> keep;
  for (const auto& config : functions) {
    keep.insert(config.name);
    auto it = functions_.find(config.name);
    if (it != functions_.end() && it->second.origin == Origin::kFile &&
        it->second.latest->function().config == config) {
      continue;
    }
    if (Status s = Put(config, Origin::kFile); !s.ok()) return s;
  }
  for (auto it = functions_.begin(); it != functions_.end();) {
    if (keep.count(it->first) || it->second.origin != Origin::kFile) {
      ++it;
      continue;
    }
    spdlog::info("function {}: removed from the config; draining its environments", it->first);
    Retire(it->second);
    it = functions_.erase(it);
  }
  IndexAliases();
  return Status::Ok();
}

void FunctionRegistry::Retire(Function& function) {
  function.latest->Retire();
  retired_.push_back(std::move(function.latest));
  for (auto& [version, pool] : function.versions) {
    pool->Retire();
    retired_.push_back(std::move(pool));
  }
  function.versions.clear();
  function.aliases.clear();
}

void FunctionRegistry::Remove(const std::string& name) {
  auto it = functions_.find(name);
  if (it == functions_.end()) return;
  spdlog::info("function {}: deleted; draining its environments", name);
  Retire(it->second);
  functions_.erase(it);
  IndexAliases();
}

Status FunctionRegistry::PutVersion(const std::string& name, const std::string& version,
                                    const config::FunctionConfig& config) {
  auto it = functions_.find(name);
  if (it == functions_.end()) return Status::Error("function '" + name + "' does not exist");
  Function& function = it->second;
  auto context = MakeContext(config, version, function.latest->function().log);
  if (!context.ok()) {
    return Status::Error("function '" + name + "': " + context.status().message());
  }
  auto pool =
      std::make_unique<pool::FunctionPool>(services_, function.concurrency, std::move(*context));
  pool->EnsureProvisioned();
  if (auto old = function.versions.find(version); old != function.versions.end()) {
    old->second->Retire();
    retired_.push_back(std::move(old->second));
  }
  function.versions[version] = std::move(pool);
  return Status::Ok();
}

void FunctionRegistry::RemoveVersion(const std::string& name, const std::string& version) {
  auto it = functions_.find(name);
  if (it == functions_.end()) return;
  auto pool = it->second.versions.find(version);
  if (pool == it->second.versions.end()) return;
  pool->second->Retire();
  retired_.push_back(std::move(pool->second));
  it->second.versions.erase(pool);
}

void FunctionRegistry::PutAlias(const std::string& name, const std::string& alias,
                                AliasRoute route) {
  auto it = functions_.find(name);
  if (it != functions_.end()) it->second.aliases[alias] = std::move(route);
}

void FunctionRegistry::RemoveAlias(const std::string& name, const std::string& alias) {
  auto it = functions_.find(name);
  if (it == functions_.end()) return;
  if (auto route = it->second.aliases.find(alias); route != it->second.aliases.end()) {
    it->second.aliases.erase(route);
  }
}

Status FunctionRegistry::SetReservedConcurrency(const std::string& name,
                                                std::optional<int> reserved) {
  auto it = functions_.find(name);
  if (it == functions_.end()) return Status::Error("function '" + name + "' does not exist");
  if (Status s = CheckReservation(name, reserved); !s.ok()) return s;
  it->second.concurrency->SetReserved(reserved);
  return Status::Ok();
}

std::optional<Origin> FunctionRegistry::OriginOf(const std::string& name) const {
  auto it = functions_.find(name);
  if (it == functions_.end()) return std::nullopt;
  return it->second.origin;
}

void FunctionRegistry::Drain(const std::string& name) {
  auto it = functions_.find(name);
  if (it == functions_.end()) return;
  spdlog::info("function {}: code changed; draining its environments", name);
  Renew(*it->second.latest);
  if (it->second.origin == Origin::kFile) AutoPublish(it->second);
}

// Same configuration, new code: a fresh context makes every current
// environment "old", so it stops when idle.
void FunctionRegistry::Renew(pool::FunctionPool& pool) {
  auto context = std::make_shared<pool::FunctionContext>(*pool.function_ptr());
  // A provisioned concurrency configuration set through the API stays.
  context->config.provisioned_concurrency = pool.provisioned_concurrency();
  pool.Replace(std::move(context));
}

void FunctionRegistry::ResetMetrics() {
  ForEachPool([](pool::FunctionPool& pool) { pool.ResetMetrics(); });
}

void FunctionRegistry::StopEnvironments() {
  ForEachPool([this](pool::FunctionPool& pool) { Renew(pool); });
}

std::vector<std::string> FunctionRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, function] : functions_) names.push_back(name);
  return names;
}

std::vector<metrics::FunctionSnapshot> FunctionRegistry::Snapshots() const {
  std::vector<metrics::FunctionSnapshot> out;
  out.reserve(functions_.size());
  for (const auto& [name, function] : functions_) {
    const std::string_view source = function.origin == Origin::kFile ? "file" : "api";
    out.push_back(function.latest->Snapshot());
    out.back().source = source;
    for (const auto& [version, pool] : function.versions) {
      out.push_back(pool->Snapshot());
      out.back().source = source;
      out.back().name += ":" + version;  // a published version is NAME:VERSION
    }
  }
  return out;
}

std::vector<FunctionRegistry::PoolEntry> FunctionRegistry::Pools() const {
  std::vector<PoolEntry> out;
  out.reserve(functions_.size());
  for (const auto& [name, function] : functions_) {
    const std::string_view source = function.origin == Origin::kFile ? "file" : "api";
    out.push_back({name, source, function.latest.get()});
    for (const auto& [version, pool] : function.versions) {
      out.push_back({name + ":" + version, source, pool.get()});
    }
  }
  return out;
}

pool::FunctionPool* FunctionRegistry::Find(const std::string& name) {
  auto it = functions_.find(name);
  if (it == functions_.end()) {
    auto alias = aliases_.find(name);
    if (alias == aliases_.end()) return nullptr;
    it = functions_.find(alias->second);
    if (it == functions_.end()) return nullptr;
  }
  return it->second.latest.get();
}

pool::FunctionPool* FunctionRegistry::Find(const std::string& name, const std::string& qualifier) {
  pool::FunctionPool* latest = Find(name);
  if (!latest || qualifier.empty() || qualifier == "$LATEST") return latest;
  Function& function = functions_.find(latest->function().config.name)->second;
  if (auto version = function.versions.find(qualifier); version != function.versions.end()) {
    return version->second.get();
  }
  auto alias = function.aliases.find(qualifier);
  if (alias == function.aliases.end()) {
    // A SAM AutoPublishAlias runs the template's code, which is $LATEST's,
    // or (SnapStart) the version published from it (AutoPublish).
    if (qualifier != latest->function().config.auto_publish_alias) return nullptr;
    return function.versions.empty() ? latest : function.versions.begin()->second.get();
  }
  const AliasRoute& route = alias->second;
  const std::string* version = &route.version;
  if (!route.additional_version.empty() &&
      std::uniform_real_distribution<double>(0.0, 1.0)(alias_random_) < route.additional_weight) {
    version = &route.additional_version;
  }
  if (*version == "$LATEST") return latest;
  auto pool = function.versions.find(*version);
  return pool == function.versions.end() ? nullptr : pool->second.get();
}

pool::FunctionPool* FunctionRegistry::FindVersion(const std::string& name,
                                                  const std::string& version) {
  auto it = functions_.find(name);
  if (it == functions_.end()) return nullptr;
  if (version == "$LATEST") return it->second.latest.get();
  auto pool = it->second.versions.find(version);
  return pool == it->second.versions.end() ? nullptr : pool->second.get();
}

}  // namespace lambda_emu::registry
