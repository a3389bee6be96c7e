#include "registry/function_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "api/function_ref.h"

namespace lambda_emu::registry {

FunctionRegistry::FunctionRegistry(pool::PoolServices& services, sandbox::RuntimeLocator& runtimes)
    : services_(services),
      runtimes_(runtimes),
      account_(services.settings.account_concurrency),
      idle_sweep_(services.io) {
  services_.reclaim_idle = [this] { return ReclaimOldestIdle(); };
  ArmIdleSweep();
}

FunctionRegistry::~FunctionRegistry() {
  Shutdown();
  services_.reclaim_idle = nullptr;
}

void FunctionRegistry::Shutdown() {
  shut_down_ = true;
  idle_sweep_.cancel();
  for (auto& [name, pool] : functions_) pool->Shutdown();
  for (auto& pool : retired_) pool->Shutdown();
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
    for (auto& [name, pool] : functions_) {
      if (size_t n = pool->EvictIdle(cutoff)) {
        spdlog::debug("function {}: stopped {} idle environment(s)", name, n);
      }
      pool->EnforceEphemeralStorage();
    }
    // Drop retired pools once they have nothing left running.
    std::erase_if(retired_, [](const auto& pool) { return pool->environment_count() == 0; });
    ArmIdleSweep();
  });
}

bool FunctionRegistry::ReclaimOldestIdle() {
  pool::ExecutionEnvironment* oldest = nullptr;
  for (auto& [name, pool] : functions_) {
    auto* candidate = pool->OldestEvictable();
    if (candidate && (!oldest || candidate->last_used() < oldest->last_used())) oldest = candidate;
  }
  if (!oldest) return false;
  oldest->Shutdown();
  return true;
}

Result<std::shared_ptr<const pool::FunctionContext>> FunctionRegistry::MakeContext(
    const config::FunctionConfig& config) {
  auto command = runtimes_.Resolve(config);
  if (!command.ok()) return command.status();
  const auto& settings = services_.settings;

  auto context = std::make_shared<pool::FunctionContext>();
  context->config = config;
  context->arn = api::FunctionArn(settings.region, settings.account_id, config.name);
  context->command = command->argv;
  context->runtime_dir = command->runtime_dir;
  context->debugging = command->debug.has_value();
  context->log = std::make_shared<logs::FunctionLog>(config.name, settings.log_dir);

  auto& env = context->environment;
  auto add = [&env](const std::string& key, const std::string& value) {
    env.push_back(key + "=" + value);
  };
  add("AWS_LAMBDA_FUNCTION_NAME", config.name);
  add("AWS_LAMBDA_FUNCTION_VERSION", context->version);
  add("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(config.memory_mb));
  add("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + config.name);
  add("AWS_REGION", settings.region);
  add("AWS_DEFAULT_REGION", settings.region);
  add("AWS_EXECUTION_ENV", "AWS_Lambda_" + config.runtime);
  add("_HANDLER", config.handler);
  add("LAMBDA_TASK_ROOT", config.code_dir.string());
  add("LAMBDA_RUNTIME_DIR", context->runtime_dir);
  add("TZ", ":UTC");
  add("LANG", "en_US.UTF-8");
  // The host's PATH (so interpreters and tools are found) with Lambda's
  // /opt/bin-style layer directories first.
  // Layers' lib/ go first on LD_LIBRARY_PATH, as /opt/lib does on Lambda.
  std::string path;
  std::string libraries;
  std::string layers;
  for (const auto& layer : config.layers) {
    path += (layer / "bin").string() + ":";
    libraries += (libraries.empty() ? "" : ":") + (layer / "lib").string();
    layers += (layers.empty() ? "" : ":") + layer.string();
  }
  const char* host_path = std::getenv("PATH");
  add("PATH", path + (host_path ? host_path : "/usr/local/bin:/usr/bin:/bin"));
  const char* host_libraries = std::getenv("LD_LIBRARY_PATH");
  if (host_libraries && *host_libraries) {
    libraries += (libraries.empty() ? "" : ":") + std::string(host_libraries);
  }
  if (!libraries.empty()) add("LD_LIBRARY_PATH", libraries);
  if (const char* home = std::getenv("HOME")) add("HOME", home);
  if (!layers.empty()) add("LAMBDA_EMU_LAYERS", layers);
  // Credentials: the server's own, else harmless placeholders (SDKs refuse
  // to start without any).
  for (const char* key : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    const char* value = std::getenv(key);
    if (value) {
      add(key, value);
    } else {
      add(key, "lambda-emu");
    }
  }
  env.insert(env.end(), command->environment.begin(), command->environment.end());  // --debug
  for (const auto& [key, value] : config.environment) add(key, value);
  return std::shared_ptr<const pool::FunctionContext>(std::move(context));
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
  for (const auto& [name, pool] : functions_) {
    for (const auto& alias : pool->function().config.aliases) aliases_[alias] = name;
  }
}

Status FunctionRegistry::Put(const config::FunctionConfig& config) {
  if (Status s = CheckAliases(config); !s.ok()) return s;
  auto context = MakeContext(config);
  if (!context.ok()) {
    return Status::Error("function '" + config.name + "': " + context.status().message());
  }
  auto it = functions_.find(config.name);
  if (config.reserved_concurrency) {
    int others = account_.reserved();
    if (it != functions_.end())
      others -= it->second->function().config.reserved_concurrency.value_or(0);
    if (others + *config.reserved_concurrency > account_.limit()) {
      return Status::Error("function '" + config.name + "': ReservedConcurrentExecutions: " +
                           std::to_string(*config.reserved_concurrency) +
                           " does not fit in the account's concurrency limit of " +
                           std::to_string(account_.limit()) + " (" + std::to_string(others) +
                           " already reserved by other functions; see --account-concurrency)");
    }
  }
  if (it != functions_.end()) {
    spdlog::info("function {}: configuration changed; draining its environments", config.name);
    it->second->Replace(std::move(context.value()));
    IndexAliases();
    return Status::Ok();
  }
  auto pool = std::make_unique<pool::FunctionPool>(services_, account_, std::move(context.value()));
  pool->EnsureProvisioned();
  functions_[config.name] = std::move(pool);
  IndexAliases();
  return Status::Ok();
}

Status FunctionRegistry::Apply(const std::vector<config::FunctionConfig>& functions) {
  std::set<std::string> keep;
  for (const auto& config : functions) {
    keep.insert(config.name);
    auto it = functions_.find(config.name);
    if (it != functions_.end() && it->second->function().config == config) continue;
    if (Status s = Put(config); !s.ok()) return s;
  }
  for (auto it = functions_.begin(); it != functions_.end();) {
    if (keep.count(it->first)) {
      ++it;
      continue;
    }
    spdlog::info("function {}: removed from the config; draining its environments", it->first);
    it->second->Retire();
    retired_.push_back(std::move(it->second));
    it = functions_.erase(it);
  }
  IndexAliases();
  return Status::Ok();
}

void FunctionRegistry::Drain(const std::string& name) {
  auto it = functions_.find(name);
  if (it == functions_.end()) return;
  spdlog::info("function {}: code changed; draining its environments", name);
  Renew(*it->second);
}

// Same configuration, new code: a fresh context makes every current
// environment "old", so it stops when idle.
void FunctionRegistry::Renew(pool::FunctionPool& pool) {
  auto context = std::make_shared<pool::FunctionContext>(*pool.function_ptr());
  pool.Replace(std::move(context));
}

void FunctionRegistry::ResetMetrics() {
  for (auto& [name, pool] : functions_) pool->ResetMetrics();
}

void FunctionRegistry::StopEnvironments() {
  for (auto& [name, pool] : functions_) Renew(*pool);
}

std::vector<std::string> FunctionRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, pool] : functions_) names.push_back(name);
  return names;
}

std::vector<metrics::FunctionSnapshot> FunctionRegistry::Snapshots() const {
  std::vector<metrics::FunctionSnapshot> out;
  out.reserve(functions_.size());
  for (const auto& [name, pool] : functions_) out.push_back(pool->Snapshot());
  return out;
}

pool::FunctionPool* FunctionRegistry::Find(const std::string& name) {
  auto it = functions_.find(name);
  if (it != functions_.end()) return it->second.get();
  auto alias = aliases_.find(name);
  if (alias == aliases_.end()) return nullptr;
  it = functions_.find(alias->second);
  return it == functions_.end() ? nullptr : it->second.get();
}

}  // namespace lambda_emu::registry
