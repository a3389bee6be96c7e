#include "registry/function_registry.h"

#include <cstdlib>

#include "api/function_ref.h"

namespace lambda_emu::registry {

FunctionRegistry::FunctionRegistry(pool::PoolServices& services,
                                   sandbox::RuntimeLocator& runtimes)
    : services_(services),
      runtimes_(runtimes),
      account_(services.settings.account_concurrency) {}

FunctionRegistry::~FunctionRegistry() { Shutdown(); }

void FunctionRegistry::Shutdown() {
  for (auto& [name, pool] : functions_) pool->Shutdown();
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
  std::string path;
  std::string layers;
  for (const auto& layer : config.layers) {
    path += (layer / "bin").string() + ":";
    layers += (layers.empty() ? "" : ":") + layer.string();
  }
  const char* host_path = std::getenv("PATH");
  add("PATH", path + (host_path ? host_path : "/usr/local/bin:/usr/bin:/bin"));
  if (const char* ld = std::getenv("LD_LIBRARY_PATH")) add("LD_LIBRARY_PATH", ld);
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
  for (const auto& [key, value] : config.environment) add(key, value);
  return std::shared_ptr<const pool::FunctionContext>(std::move(context));
}

Status FunctionRegistry::Add(const config::FunctionConfig& config) {
  auto context = MakeContext(config);
  if (!context.ok()) return Status::Error("function '" + config.name + "': " +
                                          context.status().message());
  auto pool = std::make_unique<pool::FunctionPool>(services_, account_, std::move(context.value()));
  functions_[config.name] = std::move(pool);
  return Status::Ok();
}

pool::FunctionPool* FunctionRegistry::Find(const std::string& name) {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second.get();
}

}  // namespace lambda_emu::registry
