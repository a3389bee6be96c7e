#include "cli/invoke.h"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>

#include <boost/asio/io_context.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

#include "common/fd_limit.h"
#include "common/json_check.h"
#include "logs/function_log.h"
#include "pool/ids.h"
#include "registry/function_registry.h"
#include "sandbox/cgroup.h"
#include "sandbox/janitor.h"
#include "sandbox/reaper.h"
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

namespace {

Result<std::string> ReadEvent(const InvokeOptions& o) {
  std::string event;
  if (!o.event_json.empty()) {
    event = o.event_json;
  } else if (o.event_file == "-") {
    event.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (!o.event_file.empty()) {
    std::ifstream in(o.event_file, std::ios::binary);
    if (!in) return Status::Error("--event: cannot read " + o.event_file);
    event.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (event.find_first_not_of(" \t\r\n") == std::string::npos) event = "{}";
  if (auto error = JsonError(event)) {
    return Status::Error("the event is not valid JSON (" + *error + ")");
  }
  return event;
}

// The function to run: by any name it answers to, or the only one.
Result<config::FunctionConfig> ChooseFunction(const Project& project, const std::string& wanted) {
  const auto& functions = project.config.functions;
  std::string names;
  for (const auto& f : functions) names += (names.empty() ? "" : ", ") + f.name;
  if (wanted.empty()) {
    if (functions.size() == 1) return functions.front();
    if (functions.empty()) {
      if (!project.details.unsupported.empty()) {
        return Status::Error(project.details.unsupported.begin()->second);
      }
      return Status::Error(project.file.string() + " declares no function");
    }
    return Status::Error(project.file.string() + " declares " + std::to_string(functions.size()) +
                         " functions; name the one to invoke: " + names);
  }
  for (const auto& f : functions) {
    if (f.name == wanted) return f;
    for (const auto& alias : f.aliases) {
      if (alias == wanted) return f;
    }
  }
  if (auto it = project.details.unsupported.find(wanted); it != project.details.unsupported.end()) {
    return Status::Error(it->second);
  }
  return Status::Error("no function '" + wanted + "' in " + project.file.string() +
                       (names.empty() ? "" : " (functions: " + names + ")"));
}

}  // namespace

int RunInvoke(const InvokeOptions& o) {
  auto fail = [](const std::string& message) {
    std::cerr << "lambda-emu: error: " << message << std::endl;
    return 2;
  };
  auto event = ReadEvent(o);
  if (!event.ok()) return fail(event.status().message());

  logs::ConsoleStyle console;
  console.to_stderr = true;
  console.prefix = false;
  console.no_color = o.no_color;
  // One invocation, no log file: show all of its output, however much.
  console.backlog_bytes = 64 << 20;
  logs::InitLogging(o.log_level, console);
  std::signal(SIGPIPE, SIG_IGN);
  const FileLimit fds = RaiseFileLimit();
  spdlog::debug("open files: limit {} (was {}, hard {})", fds.soft, fds.before, fds.hard);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  bool own_work_dir = false;
  auto made = MakeSettings(o.environment, own_work_dir);
  if (!made.ok()) {
    std::cerr << "lambda-emu: error: " << made.status().message() << std::endl;
    logs::ShutdownLogging();
    return 2;
  }
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
      boost::asio::io_context io(1);
      sandbox::Janitor janitor(io);  // destroyed last: waits for the cgroups' removal
      sandbox::Reaper reaper(io);
      auto cgroups =
          sandbox::DetectCgroups(io, {o.environment.cgroup_root, o.environment.cgroups, &janitor});
      spdlog::debug("resource control: {}", cgroups->Describe());
      pool::PoolServices services{io, reaper, *cgroups, settings, 1, 0, 0, {}};
      services.janitor = &janitor;
      auto box = MakeSandbox(o.environment, settings);
      if (box.ok()) services.sandbox = box->get();
      // --debug: the invoked function is the one debugged, on the first port.
      sandbox::DebugOptions debug = settings.debug;
      if (debug.functions.empty()) debug.functions = {function->name};
      sandbox::RuntimeLocator runtimes(o.environment.runtimes_dir.empty()
                                           ? sandbox::DefaultRuntimesDir()
                                           : fs::path(o.environment.runtimes_dir),
                                       project->config.interpreters, debug);
      PrintBanner(std::cerr, *project, runtimes);

      registry::FunctionRegistry registry(services, runtimes);
      if (!box.ok()) {
        exit_code = fail(box.status().message());
      } else if (Status s = registry.Put(*function); !s.ok()) {
        exit_code = fail(s.message());
      } else {
        auto invocation = std::make_shared<pool::Invocation>();
        invocation->request_id = pool::NewRequestId();
        invocation->trace_id = pool::NewTraceId();
        invocation->payload = std::move(event.value());
        invocation->io = &io;
        std::optional<pool::InvokeOutcome> outcome;
        invocation->SetCompletion([&](pool::InvokeOutcome result) { outcome = std::move(result); });
        registry.Find(function->name)->Invoke(invocation);
        while (!outcome && io.run_one() > 0) {
        }
        registry.Shutdown();
        io.poll();
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
