#include "registry/function_context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>

#include "api/function_ref.h"
#include "sandbox/runtime_templates.h"

namespace lambda_emu::registry {

namespace fs = std::filesystem;
using config::RuntimeFamily;

namespace {

// Lambda's paths inside an environment (AWS-recorded, see docs/compatibility.md).
constexpr const char* kTaskRoot = "/var/task";
constexpr const char* kPathManaged = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin";
constexpr const char* kPathProvided = "/usr/local/bin:/usr/bin/:/bin:/opt/bin";
constexpr const char* kLibraryPath =
    "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib";

// The layers' extensions: executables in <layer>/extensions, a later
// layer's replacing an earlier one's of the same name; sorted by name.
std::vector<std::string> Extensions(const std::vector<fs::path>& layers) {
  std::map<std::string, bool> names;
  for (const auto& layer : layers) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(layer / "extensions", ec)) {
      std::error_code ignored;
      if (!entry.is_regular_file(ignored)) continue;
      names[entry.path().filename().string()] = ::access(entry.path().c_str(), X_OK) == 0;
    }
  }
  std::vector<std::string> paths;
  for (const auto& [name, executable] : names) {
    if (executable) paths.push_back("/opt/extensions/" + name);
  }
  return paths;
}

// Where a provided runtime's bootstrap is: the code's, else the last
// layer's that has one (Lambda looks in /var/task, then /opt).
fs::path FindBootstrap(const config::FunctionConfig& config, bool sandboxed, std::string& view) {
  std::error_code ec;
  if (fs::exists(config.code_dir / "bootstrap", ec)) {
    view = "/var/task/bootstrap";
    return config.code_dir / "bootstrap";
  }
  if (sandboxed) {
    for (auto it = config.layers.rbegin(); it != config.layers.rend(); ++it) {
      if (fs::exists(*it / "bootstrap", ec)) {
        view = "/opt/bootstrap";
        return *it / "bootstrap";
      }
    }
  }
  view = sandboxed ? "/var/task/bootstrap" : (config.code_dir / "bootstrap").string();
  return {};
}

// A SnapStart version's snapshot (docs/snapstart.md): `spec` made a
// template of the one that runs the version's init with its whole
// environment, as a "snap-start" one, in its full view.
void MakeSnapshotSpec(const pool::FunctionContext& context, const std::string& home,
                      std::chrono::milliseconds init_timeout, sandbox::RuntimeTemplateSpec& spec) {
  static std::uint64_t next = 1;  // a version made again gets a snapshot of its own
  const auto& config = context.config;
  spec.snapshot = true;
  spec.key = "snapshot\0" + config.name + '\0' + context.version + '\0' + std::to_string(next++);
  spec.description = "function " + config.name + " version " + context.version;
  spec.env = context.environment;
  spec.env.push_back("AWS_LAMBDA_INITIALIZATION_TYPE=snap-start");
  const bool has_home = std::any_of(spec.env.begin(), spec.env.end(),
                                    [](const auto& e) { return e.rfind("HOME=", 0) == 0; });
  if (!has_home) spec.env.push_back(home);
  spec.tmp_mb = config.ephemeral_storage_mb;
  spec.memory_bytes = static_cast<std::uint64_t>(config.memory_mb) << 20;
  spec.start_timeout = init_timeout;
  spec.log = [log = context.log](std::string_view line, bool platform) {
    platform ? log->Line(line) : log->RuntimeLine(line);
  };
}

}  // namespace

Result<std::shared_ptr<const pool::FunctionContext>> MakeFunctionContext(
    const config::FunctionConfig& config, const std::string& version,
    std::shared_ptr<logs::FunctionLog> log, sandbox::RuntimeLocator& runtimes,
    const pool::PoolServices& services) {
  auto command = runtimes.Resolve(config);
  if (!command.ok()) return command.status();
  const auto& settings = services.settings;
  const bool sandboxed = services.sandboxed();
  const bool provided = config.family == RuntimeFamily::kProvided;

  auto context = std::make_shared<pool::FunctionContext>();
  context->config = config;
  context->arn = api::FunctionArn(settings.region, settings.account_id, config.name);
  context->version = version;
  context->debugging = command->debug.has_value();
  context->log =
      log ? std::move(log) : std::make_shared<logs::FunctionLog>(config.name, settings.log_dir);

  std::string bootstrap_view;
  if (provided) {
    context->bootstrap = FindBootstrap(config, sandboxed, bootstrap_view);
    context->bootstrap_candidates =
        sandboxed ? "/var/task/bootstrap /opt/bootstrap" : bootstrap_view;
  }
  if (sandboxed) {
    context->command = provided ? std::vector<std::string>{bootstrap_view} : command->view_argv;
    context->runtime_dir = sandbox::kViewRuntimeDir;
    auto& view = context->view;
    view.code_dir = config.code_dir;
    view.layers = config.layers;
    if (!provided) {
      view.runtime_dir = command->runtime_dir;
      view.interpreter_prefix = command->interpreter_prefix;
      // Under a debugger the debugger's own package (debugpy) is needed.
      if (!context->debugging) {
        view.hide.assign(command->package_dirs.begin(), command->package_dirs.end());
      }
    }
    services.sandbox->Complete(view);
    context->extensions = Extensions(config.layers);
  } else {
    context->command = command->argv;
    context->runtime_dir = command->runtime_dir;
  }

  auto& env = context->environment;
  auto add = [&env](const std::string& key, const std::string& value) {
    env.push_back(key + "=" + value);
  };
  add("AWS_LAMBDA_FUNCTION_NAME", config.name);
  add("AWS_LAMBDA_FUNCTION_VERSION", context->version);
  add("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(config.memory_mb));
  // A published version of a SnapStart function (docs/snapstart.md); Lambda
  // gives its environments no log group or stream variables.
  context->snap_start = config.snap_start && version != "$LATEST";
  if (!context->snap_start) add("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + config.name);
  add("AWS_REGION", settings.region);
  add("AWS_DEFAULT_REGION", settings.region);
  // Custom runtimes get no AWS_EXECUTION_ENV on Lambda.
  if (!provided) add("AWS_EXECUTION_ENV", "AWS_Lambda_" + config.runtime);
  add("_HANDLER", config.handler);
  add("TZ", ":UTC");
  add("LANG", "en_US.UTF-8");
  // X-Ray's daemon address as Lambda gives it (nothing listens there).
  add("AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129:2000");
  add("_AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129");
  add("_AWS_XRAY_DAEMON_PORT", "2000");
  add("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
  add("LAMBDA_RUNTIME_DIR", context->runtime_dir);
  if (sandboxed) {
    add("LAMBDA_TASK_ROOT", kTaskRoot);
    add("PATH", provided ? kPathProvided : kPathManaged);
    add("LD_LIBRARY_PATH", std::string(provided ? "" : "/var/lang/lib:") + kLibraryPath);
    if (!provided) {
      add("PWD", kTaskRoot);
      add("SHLVL", "0");
    }
    if (config.family == RuntimeFamily::kPython) add("PYTHONPATH", sandbox::kViewRuntimeDir);
    if (config.family == RuntimeFamily::kNode) {
      // nodejs20.x -> /opt/nodejs/node20/node_modules
      std::string major = config.runtime.substr(6, config.runtime.size() - 8);
      add("NODE_PATH", "/opt/nodejs/node" + major +
                           "/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:"
                           "/var/runtime:/var/task");
    }
    if (!config.layers.empty()) add("LAMBDA_EMU_LAYERS", "/opt");
  } else {
    add("LAMBDA_TASK_ROOT", config.code_dir.string());
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
  }
  // Credentials: the server's own, else harmless placeholders (SDKs refuse
  // to start without any).
  for (const char* key : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    const char* value = std::getenv(key);
    add(key, value ? value : "lambda-emu");
  }
  env.insert(env.end(), command->environment.begin(), command->environment.end());  // --debug
  for (const auto& [key, value] : config.environment) add(key, value);
  // AWS_LAMBDA_EXEC_WRAPPER runs the runtime of a managed runtime: it gets
  // the runtime's command line as its arguments.
  auto wrapper =
      std::find_if(config.environment.begin(), config.environment.end(),
                   [](const auto& var) { return var.first == "AWS_LAMBDA_EXEC_WRAPPER"; });
  if (wrapper != config.environment.end() && !provided && !wrapper->second.empty()) {
    context->command.insert(context->command.begin(), wrapper->second);
    context->wrapped = true;
  }
  // Forked runtimes (sandbox/runtime_templates.h): Python's, sandboxed,
  // not under a debugger or an exec wrapper (those are other commands).
  if (services.spares && services.spares->forks_runtimes() && sandboxed &&
      config.family == RuntimeFamily::kPython && !context->debugging && !context->wrapped) {
    const std::string home = "HOME=/home/" + services.sandbox->user().name;
    auto spec = sandbox::MakeRuntimeTemplateSpec(context->command, context->view,
                                                 context->environment, {home});
    spec.description = runtimes.Describe(config);
    if (context->snap_start) MakeSnapshotSpec(*context, home, settings.init_timeout, spec);
    context->forked_runtime = std::make_shared<const sandbox::RuntimeTemplateSpec>(std::move(spec));
    services.spares->Want(context->forked_runtime);
  }
  return std::shared_ptr<const pool::FunctionContext>(std::move(context));
}

}  // namespace lambda_emu::registry
