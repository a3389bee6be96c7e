#include "cli/invoke.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>

#include "cli/local_run.h"
#include "logs/function_log.h"
#include "pool/ids.h"
#include "registry/function_registry.h"

namespace lambda_emu::cli {

CLI::App* AddInvokeCommand(CLI::App& app, InvokeOptions& o) {
  CLI::App* invoke = app.add_subcommand(
      "invoke", "Run one invocation of a function, without a server (like `sam local invoke`)");
  invoke->add_option("function", o.function,
                     "Function name, logical id or Child/LogicalId (default: the only function)");
  auto* event = invoke->add_option("--event,-e", o.event_file,
                                   "File with the event (JSON); - reads standard input "
                                   "(default: {})");
  auto* json = invoke->add_option("--event-json", o.event_json, "The event, as JSON text");
  event->excludes(json);
  AddProjectOptions(invoke, o.project);
  invoke->add_option("--log-level", o.log_level, "lambda-emu's own log level")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  invoke->add_flag("--no-color", o.no_color,
                   "No colour in the log on standard error (also: NO_COLOR)");
  AddEnvironmentOptions(invoke, o.environment);
  return invoke;
}

int RunInvoke(const InvokeOptions& o) {
  auto event = ReadEvent(o.event_file, o.event_json);
  if (!event.ok()) return UsageError(event.status().message());

  logs::ConsoleStyle console;
  console.to_stderr = true;
  console.prefix = false;
  console.no_color = o.no_color;
  // One invocation, no log file: show all of its output, however much.
  console.backlog_bytes = 64 << 20;
  logs::InitLogging(o.log_level, console);
  SetUpProcess();

  LocalProject loaded;
  if (Status s = loaded.Load(o.project, o.environment, o.function); !s.ok()) {
    if (loaded.project) {
      sandbox::RuntimeLocator runtimes(sandbox::DefaultRuntimesDir(),
                                       loaded.project->config.interpreters);
      PrintBanner(std::cerr, *loaded.project, runtimes);
    }
    return UsageError(s.message());
  }
  const Project& project = *loaded.project;
  config::FunctionConfig& function = *loaded.function;
  // Provisioned environments are a server's business; `invoke` cold
  // starts on demand, as `sam local invoke` does.
  function.provisioned_concurrency = 0;

  auto run = LocalRun::Make(o.environment, loaded.settings, project, function.name);
  if (!run.ok()) {
    sandbox::RuntimeLocator runtimes(sandbox::DefaultRuntimesDir(), project.config.interpreters);
    PrintBanner(std::cerr, project, runtimes);
    return UsageError(run.status().message());
  }
  LocalRun& local = **run;
  PrintBanner(std::cerr, project, *local.runtimes);
  if (Status s = local.registry->Put(function); !s.ok()) return UsageError(s.message());

  auto invocation = std::make_shared<pool::Invocation>();
  invocation->request_id = pool::NewRequestId();
  invocation->trace_id = pool::NewTraceId();
  invocation->payload = std::move(event.value());
  invocation->io = &local.io;
  std::optional<pool::InvokeOutcome> outcome;
  invocation->SetCompletion([&](pool::InvokeOutcome result) { outcome = std::move(result); });
  local.registry->Find(function.name)->Invoke(invocation);
  local.RunUntil([&] { return outcome.has_value(); });
  local.registry->Shutdown();
  local.io.poll();
  logs::ShutdownLogging();  // the log reaches stderr before the payload reaches stdout

  using Kind = pool::InvokeOutcome::Kind;
  if (!outcome) return UsageError("the invocation did not complete");
  if (outcome->kind == Kind::kSuccess || outcome->kind == Kind::kFunctionError) {
    std::cout.write(outcome->payload.data(), static_cast<std::streamsize>(outcome->payload.size()));
    std::cout.flush();
    return outcome->kind == Kind::kSuccess ? 0 : 1;
  }
  if (outcome->kind == Kind::kThrottled) {
    std::cerr << "lambda-emu: the invocation was throttled (" << outcome->throttle_reason << ")"
              << std::endl;
  } else {
    std::cerr << "lambda-emu: " << outcome->payload << std::endl;
  }
  return 1;
}

}  // namespace lambda_emu::cli
