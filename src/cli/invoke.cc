#include "cli/invoke.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>

#include "cli/local_run.h"
#include "logs/function_log.h"
#include "pool/ids.h"
#include "registry/function_registry.h"
#include "sandbox/tree_walk.h"

namespace lambda_emu::cli {

namespace fs = std::filesystem;

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
  auto fail = [](const std::string& message) {
    std::cerr << "lambda-emu: error: " << message << std::endl;
    logs::ShutdownLogging();
    return 2;
  };
  auto event = ReadEvent(o.event_file, o.event_json);
  if (!event.ok()) return fail(event.status().message());

  logs::ConsoleStyle console;
  console.to_stderr = true;
  console.prefix = false;
  console.no_color = o.no_color;
  // One invocation, no log file: show all of its output, however much.
  console.backlog_bytes = 64 << 20;
  logs::InitLogging(o.log_level, console);
  SetUpProcess();

  bool own_work_dir = false;
  auto made = MakeSettings(o.environment, own_work_dir);
  if (!made.ok()) return fail(made.status().message());
  pool::ServerSettings settings = std::move(made).value();
  // Function lines go to stderr only: no log files for a one-shot run.
  settings.log_dir.clear();
  int exit_code = 2;
  {
    const fs::path unpack_dir = settings.work_dir / "code";
    auto project = LoadProject(o.project, unpack_dir, settings.region, settings.account_id);
    std::optional<config::FunctionConfig> function;
    if (!project.ok()) {
      exit_code = fail(project.status().message());
    } else if (auto chosen = ChooseFunction(*project, o.function); !chosen.ok()) {
      sandbox::RuntimeLocator runtimes(sandbox::DefaultRuntimesDir(), project->config.interpreters);
      PrintBanner(std::cerr, *project, runtimes);
      exit_code = fail(chosen.status().message());
    } else {
      function = std::move(chosen.value());
      // Provisioned environments are a server's business; `invoke` cold
      // starts on demand, as `sam local invoke` does.
      function->provisioned_concurrency = 0;
    }

    if (function) {
      auto run = LocalRun::Make(o.environment, settings, *project, function->name);
      if (!run.ok()) {
        sandbox::RuntimeLocator runtimes(sandbox::DefaultRuntimesDir(),
                                         project->config.interpreters);
        PrintBanner(std::cerr, *project, runtimes);
        exit_code = fail(run.status().message());
      } else {
        LocalRun& local = **run;
        PrintBanner(std::cerr, *project, *local.runtimes);
        if (Status s = local.registry->Put(*function); !s.ok()) {
          exit_code = fail(s.message());
          function.reset();
        }
      }
      if (run.ok() && function) {
        LocalRun& local = **run;
        auto invocation = std::make_shared<pool::Invocation>();
        invocation->request_id = pool::NewRequestId();
        invocation->trace_id = pool::NewTraceId();
        invocation->payload = std::move(event.value());
        invocation->io = &local.io;
        std::optional<pool::InvokeOutcome> outcome;
        invocation->SetCompletion([&](pool::InvokeOutcome result) { outcome = std::move(result); });
        local.registry->Find(function->name)->Invoke(invocation);
        local.RunUntil([&] { return outcome.has_value(); });
        local.registry->Shutdown();
        local.io.poll();
        logs::ShutdownLogging();  // the log reaches stderr before the payload reaches stdout

        using Kind = pool::InvokeOutcome::Kind;
        if (!outcome) {
          exit_code = fail("the invocation did not complete");
        } else if (outcome->kind == Kind::kSuccess || outcome->kind == Kind::kFunctionError) {
          std::cout.write(outcome->payload.data(),
                          static_cast<std::streamsize>(outcome->payload.size()));
          std::cout.flush();
          exit_code = outcome->kind == Kind::kSuccess ? 0 : 1;
        } else if (outcome->kind == Kind::kThrottled) {
          std::cerr << "lambda-emu: the invocation was throttled (" << outcome->throttle_reason
                    << ")" << std::endl;
          exit_code = 1;
        } else {
          std::cerr << "lambda-emu: " << outcome->payload << std::endl;
          exit_code = 1;
        }
      }
    }
  }
  sandbox::ReapRemainingChildren();
  if (own_work_dir) (void)sandbox::RemoveTree(settings.work_dir);
  logs::ShutdownLogging();
  return exit_code;
}

}  // namespace lambda_emu::cli
