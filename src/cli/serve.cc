#include "cli/serve.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "api/admin_api.h"
#include "api/invoke_api.h"
#include "api/router.h"
#include "cli/front_doors.h"
#include "cli/graceful_shutdown.h"
#include "common/fd_limit.h"
#include "config/watcher.h"
#include "control/control_plane.h"
#include "dashboard/dashboard.h"
#include "http/server.h"
#include "logs/function_log.h"
#include "registry/function_registry.h"
#include "sandbox/cgroup.h"
#include "sandbox/janitor.h"
#include "sandbox/leftovers.h"
#include "sandbox/process_table.h"
#include "sandbox/reaper.h"
#include "sandbox/runtime_command.h"
#include "sandbox/spares.h"
#include "sandbox/tree_walk.h"
#include "state/state_store.h"
#include "state/state_worker.h"

namespace lambda_emu::cli {

namespace fs = std::filesystem;

namespace {

// The options serve and start-api share; `api_first` swaps which port -p means.
CLI::App* AddServerCommand(CLI::App& app, ServeOptions& o, bool api_first) {
  CLI::App* serve =
      api_first
          ? app.add_subcommand("start-api",
                               "Serve the API Gateway routes and Function URLs of a SAM template "
                               "(and the Invoke API), like `sam local start-api`")
          : app.add_subcommand("serve",
                               "Serve the Lambda Invoke API, API Gateway routes and Function URLs "
                               "of a SAM template or config file");
  AddProjectOptions(serve, o.project);
  serve->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  serve
      ->add_option(api_first ? "--invoke-port" : "--port,-p", o.port,
                   "Invoke API port; 0 picks a free port")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_option(api_first ? "--invoke-port-file" : "--port-file", o.port_file,
                    "Write the Invoke API's port to this file once the server accepts connections");
  serve
      ->add_option(
          api_first ? "--port,-p" : "--api-port", o.api_port,
          "API Gateway port (when the project has Api/HttpApi events); 0 picks a free port")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_option(api_first ? "--port-file" : "--api-port-file", o.api_port_file,
                    "Write the API Gateway port to this file once it accepts connections");
  serve
      ->add_option("--function-url-port", o.function_url_port,
                   "First port for Function URLs, one per function (default: free ports)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--log-level", o.log_level, "Server log level: trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  serve->add_flag("--no-color", o.no_color,
                  "No colour on the console (also: the NO_COLOR environment variable; never "
                  "colour into a pipe or file)");
  serve->add_option("--log-dir", o.log_dir, "Directory for per-function log files (NAME.log)")
      ->capture_default_str();
  serve
      ->add_option("--console-log-limit", o.console_log_limit_mb,
                   "MB of one function's output the console shows per second; the rest is cut "
                   "with a marker line (the log file keeps everything); 0 = no limit")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serve
      ->add_option("--state-dir", o.state_dir,
                   "Directory for functions, versions, aliases and layers made through the "
                   "management API (SQLite and code packages); they survive a restart")
      ->capture_default_str();
  serve->add_flag("--ephemeral", o.ephemeral,
                  "Keep what the management API makes in memory only: nothing is written, "
                  "nothing survives a restart (what a test suite usually wants)");
  AddEnvironmentOptions(serve, o.environment);
  AddAsyncOptions(serve, o.async);
  serve
      ->add_option("--account-concurrency", o.account_concurrency,
                   "Account concurrency limit shared by all functions")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  serve
      ->add_option("--code-storage-limit", o.code_storage_limit,
                   "Bytes of deployment packages the management API keeps (every version's and "
                   "layer's); beyond it CreateFunction, UpdateFunctionCode and "
                   "PublishLayerVersion get CodeStorageExceededException")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serve
      ->add_option("--idle-ttl", o.idle_ttl_s,
                   "Seconds an idle environment is kept warm before it is stopped")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve
      ->add_option("--max-environments", o.max_environments,
                   "Cap on live environments across all functions (0 = none); at the cap the "
                   "least recently used idle one is stopped, or the invoke gets 429")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serve
      ->add_option("--max-concurrent-inits", o.max_concurrent_inits,
                   "Environments initializing at once, across all functions (default: two per "
                   "CPU, at least 4; 0 = no limit); further invokes wait for a start or a free "
                   "environment")
      ->check(CLI::NonNegativeNumber);
  serve
      ->add_option("--spare-sandboxes", o.spare_sandboxes,
                   "Blank environments kept ready (own cgroup, namespaces and view already "
                   "made), so a cold start only hands one its function: N, 0 for none, or auto "
                   "(2, or one per cold start in the last 10 s if more, at most 8)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto"}) | CLI::Range(0, 64));
  serve->add_flag("--no-fork-runtimes", o.no_fork_runtimes,
                  "Start every Python runtime by exec, rather than from spares forked from a "
                  "template that has the interpreter started and the runtime client loaded");
  serve
      ->add_option("--shutdown-grace", o.shutdown_grace_s,
                   "Seconds invocations in flight get to finish after SIGTERM or Ctrl-C; the "
                   "ones still running then are answered with an error")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serve->add_flag("--watch", o.watch,
                  "Watch the template or config file and functions' code; a change drains only "
                  "the affected functions' environments");
  return serve;
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& o) {
  return AddServerCommand(app, o, false);
}

CLI::App* AddStartApiCommand(CLI::App& app, ServeOptions& o) {
  o.start_api = true;
  return AddServerCommand(app, o, true);
}

namespace {

// --host takes an address or a host name ("localhost"); a name listens on
// its first IPv4 address (what most clients try first), else its first one.
Result<boost::asio::ip::address> ResolveHost(boost::asio::io_context& io, const std::string& host) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (!ec) return address;
  boost::asio::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(host, "", ec);
  if (ec) return Status::Error("not an address, and the name does not resolve: " + ec.message());
  if (results.empty()) return Status::Error("the name has no address");
  for (const auto& result : results) {
    if (result.endpoint().address().is_v4()) return result.endpoint().address();
  }
  return results.begin()->endpoint().address();
}

// The default log directory, .lambda-emu/ in the current directory, is
// news to a project's first run: say what it is, unless a .gitignore here
// already names it.
std::string GitignoreHint(const fs::path& log_dir) {
  std::error_code ec;
  const fs::path here = fs::current_path(ec);
  if (ec) return {};
  const fs::path ours = here / ".lambda-emu";
  auto [end, _] = std::mismatch(ours.begin(), ours.end(), log_dir.begin(), log_dir.end());
  if (end != ours.end()) return {};
  std::ifstream gitignore(here / ".gitignore");
  for (std::string line; std::getline(gitignore, line);) {
    if (line.find(".lambda-emu") != std::string::npos) return {};
  }
  return "lambda-emu keeps function logs in ./.lambda-emu/ (safe to delete; add .lambda-emu/ to "
         ".gitignore)";
}

enum class SighupRole { kStop, kReload, kIgnored };

// A process "attached to a terminal" has a controlling terminal: the one
// whose hang-up sends it SIGHUP.
bool HasControllingTerminal() {
  int fd = ::open("/dev/tty", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

SighupRole DecideSighupRole() {
  struct sigaction current {};
  ::sigaction(SIGHUP, nullptr, &current);
  if (current.sa_handler == SIG_IGN) return SighupRole::kIgnored;  // nohup
  return HasControllingTerminal() ? SighupRole::kStop : SighupRole::kReload;
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "a signal";
  }
}

}  // namespace

int RunServe(const ServeOptions& o) {
  logs::ConsoleStyle console;
  console.no_color = o.no_color;
  console.limit_bytes_per_second = static_cast<std::uint64_t>(o.console_log_limit_mb * 1e6);
  logs::InitLogging(o.log_level, console);
  std::signal(SIGPIPE, SIG_IGN);
  const FileLimit fds = RaiseFileLimit();
  spdlog::debug("open files: limit {} (was {}, hard {})", fds.soft, fds.before, fds.hard);
  // Orphaned grandchildren of a runtime are reparented to us, not to init,
  // so they are reaped (and can be killed) by the server.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  bool own_work_dir = false;
  auto made = MakeSettings(o.environment, own_work_dir);
  if (!made.ok()) {
    std::cerr << "lambda-emu: error: " << made.status().message() << std::endl;
    logs::ShutdownLogging();
    return 2;
  }
  pool::ServerSettings settings = std::move(made).value();
  settings.log_dir = fs::absolute(o.log_dir);
  settings.account_concurrency = o.account_concurrency;
  settings.code_storage_limit = o.code_storage_limit;
  settings.idle_ttl = std::chrono::milliseconds(static_cast<long>(o.idle_ttl_s * 1000));
  // Half the descriptors for each public listener's connections, the rest
  // for environments (docs/reliability/http.md); no cap past a million.
  if (fds.soft != RLIM_INFINITY && fds.soft < (1u << 20)) {
    settings.http_max_connections = static_cast<size_t>(fds.soft / 2);
  }
  auto cleanup_work_dir = [&] {
    if (own_work_dir) (void)sandbox::RemoveTree(settings.work_dir);
  };

  const fs::path unpack_dir = settings.work_dir / "code";
  auto project = LoadProject(o.project, unpack_dir, settings.region, settings.account_id);
  if (!project.ok()) {
    std::cerr << "lambda-emu: error: " << project.status().message() << std::endl;
    cleanup_work_dir();
    logs::ShutdownLogging();
    return 2;
  }

  boost::asio::io_context io(1);
  sandbox::Janitor janitor(io);
  // What a server that died (kill -9) left behind: runtimes' processes
  // (found by their instance marker), work directories and, in
  // DetectCgroups, cgroup directories. A live server's are left alone.
  if (int killed = sandbox::KillProcessesOfDeadServers()) {
    spdlog::info("cleanup: killed {} process(es) left running by a lambda-emu that died", killed);
  }
  if (own_work_dir) sandbox::RemoveStaleWorkDirs(settings.work_dir.parent_path(), janitor);
  sandbox::Reaper reaper(io);
  reaper.SweepStraysWith(&janitor);
  auto cgroups =
      sandbox::DetectCgroups(io, {o.environment.cgroup_root, o.environment.cgroups, &janitor});
  spdlog::info("resource control: {}", cgroups->Describe());
  if (cgroups->MovesWorkers() && !sandbox::HostCgroupsFavorDynamicModifications()) {
    spdlog::info(
        "cgroups: joining one waits for an RCU grace period, 10-20 ms of each cold start; "
        "`mount -o remount,favordynmods` on any cgroup mount removes the wait "
        "(docs/performance.md, \"Cold starts and cgroups\")");
  }
  pool::PoolServices services{
      io, reaper, *cgroups, settings, 1, 0, static_cast<size_t>(o.max_environments), {}};
  services.starts.set_limit(o.max_concurrent_inits < 0 ? pool::StartBudget::DefaultLimit()
                                                       : o.max_concurrent_inits);
  services.janitor = &janitor;
  auto box = MakeSandbox(o.environment, settings);
  if (!box.ok()) {
    std::cerr << "lambda-emu: error: " << box.status().message() << std::endl;
    cleanup_work_dir();
    logs::ShutdownLogging();
    return 2;
  }
  services.sandbox = box->get();
  // Made after the sandbox and before the registry, gone between them.
  const int spare_count =
      o.spare_sandboxes == "auto" ? sandbox::SpareSandboxes::kAuto : std::stoi(o.spare_sandboxes);
  std::unique_ptr<sandbox::SpareSandboxes> spares;
  if (spare_count != 0) {
    spares = std::make_unique<sandbox::SpareSandboxes>(box->get(), *cgroups, settings.work_dir,
                                                       settings.pids_limit, spare_count,
                                                       !o.no_fork_runtimes);
  }
  services.spares = spares.get();
  spdlog::info("spare sandboxes: {}",
               spares ? spares->Describe() : "none (every environment is started on demand)");
  if (spares && spares->forks_runtimes()) {
    spdlog::info(
        "forked runtimes: Python (its runtimes are forked from a template with the interpreter "
        "started); Node.js starts by exec (V8's threads do not survive fork)");
  } else {
    spdlog::info("forked runtimes: off ({}); every runtime starts by exec",
                 spares ? spares->fork_refused()
                 : o.no_fork_runtimes
                     ? "--no-fork-runtimes"
                     : "they are made as spare sandboxes, and --spare-sandboxes is 0");
  }
  sandbox::RuntimeLocator runtimes(o.environment.runtimes_dir.empty()
                                       ? sandbox::DefaultRuntimesDir()
                                       : fs::path(o.environment.runtimes_dir),
                                   project->config.interpreters, settings.debug);
  PrintBanner(std::cerr, *project, runtimes);
  if (settings.cpu_limit && cgroups->LimitsCpu() && !project->config.functions.empty()) {
    // A capped CPU is the first suspect when a small function is slow.
    int mb = project->config.functions.front().memory_mb;
    for (const auto& f : project->config.functions) mb = std::min(mb, f.memory_mb);
    std::cerr << "  CPU: proportional to memory (" << mb << " MB = " << (mb * 100 + 1769 / 2) / 1769
              << "% of a vCPU); --no-cpu-limit to lift\n";
  }

  // The state directory: what the management API made, before anything
  // else is served. A store another server holds, or one that cannot be
  // read, stops the start with the reason.
  auto store = o.ephemeral ? state::StateStore::OpenEphemeral(settings.work_dir / "state")
                           : state::StateStore::Open(fs::absolute(o.state_dir));
  if (!store.ok()) {
    std::cerr << "lambda-emu: error: " << store.status().message()
              << (o.ephemeral ? "" : "; choose another with --state-dir DIR, or --ephemeral")
              << std::endl;
    cleanup_work_dir();
    logs::ShutdownLogging();
    return 2;
  }
  if (o.ephemeral) {
    spdlog::info("state: --ephemeral, functions made through the API are kept in memory only");
  }
  state::StateWorker state_worker(io);

  int exit_code = 0;
  {
    registry::FunctionRegistry registry(services, runtimes);
    for (const auto& function : project->config.functions) {
      Status s = registry.Put(function);
      if (!s.ok()) {
        std::cerr << "lambda-emu: error: " << project->file.string() << ": " << s.message()
                  << std::endl;
        exit_code = 2;
        break;
      }
    }
    control::ControlPlane control(registry, **store, state_worker, services.settings);
    if (exit_code == 0) {
      if (Status s = control.Load(); !s.ok()) {
        std::cerr << "lambda-emu: error: " << s.message() << std::endl;
        exit_code = 2;
      }
    }
    // Asynchronous invocation: the event queue (what the last run accepted
    // and did not finish runs again), destinations and schedules.
    std::unique_ptr<AsyncServices> async;
    if (exit_code == 0) {
      AsyncServices::Setup setup;
      setup.io = &io;
      setup.registry = &registry;
      setup.control = &control;
      setup.settings = &services.settings;
      if (!o.ephemeral) setup.state_dir = fs::absolute(o.state_dir);
      setup.flags = o.async;
      auto opened = AsyncServices::Open(setup, project->config.functions);
      if (!opened.ok()) {
        std::cerr << "lambda-emu: error: " << opened.status().message() << std::endl;
        exit_code = 2;
      } else {
        async = std::move(*opened);
      }
    }
    api::InvokeApi invoke(registry, services.settings);
    api::AdminApi admin(registry);
    // The live dashboard (/_emu/ui) and its invocation feed.
    dashboard::Dashboard dashboard(services, registry, runtimes);
    services.observer = dashboard.observer();
    if (async) {
      invoke.SetAsyncQueue(&async->queue());
      admin.SetAsync(&async->queue(), &async->schedules());
      dashboard.SetAsync(&async->queue(), &async->schedules());
    }
    api::ManagementApi management(registry, control, services.settings);
    api::ApiRouter router(invoke, admin, management, &dashboard);
    std::shared_ptr<http::Server> server;
    boost::asio::ip::address address;
    if (exit_code == 0) {
      auto resolved = ResolveHost(io, o.host);
      if (!resolved.ok()) {
        std::cerr << "lambda-emu: error: --host " << o.host << ": " << resolved.status().message()
                  << std::endl;
        exit_code = 2;
      } else {
        address = resolved.value();
        http::ServerOptions options;
        options.body_limit = api::kMaxSyncPayloadBytes;
        options.body_limit_for = &api::ManagementApi::BodyLimit;
        options.log_name = "invoke api";
        options.max_connections = services.settings.http_max_connections;
        options.idle_timeout = services.settings.http_idle_timeout;
        options.header_timeout = services.settings.http_header_timeout;
        options.protocol_error = &api::ApiRouter::ProtocolError;
        options.is_stream = &dashboard::Dashboard::IsStream;
        options.stream = [&dashboard](const http::Request& req, http::tcp::socket& socket) {
          return dashboard.Stream(req, socket);
        };
        auto started = http::Server::Start(
            io, {address, static_cast<std::uint16_t>(o.port)}, options,
            [&router](http::Request& req) { return router.Route(req); },
            [&router](const http::Request& header) { return router.TooLarge(header); });
        if (!started.ok()) {
          const char* flag = o.start_api ? "--invoke-port" : "--port";
          std::cerr << "lambda-emu: error: the Invoke API: " << started.status().message()
                    << "; choose another port with " << flag << " N, or " << flag
                    << " 0 for a free one" << std::endl;
          exit_code = 1;
        } else {
          server = std::move(started.value());
        }
      }
    }

    // The API Gateway front door and Function URLs, when the project has routes.
    std::unique_ptr<FrontDoors> doors;
    if (server) {
      FrontDoorOptions options{address,         o.host,
                               o.api_port,      o.start_api ? "--port" : "--api-port",
                               o.api_port_file, o.function_url_port};
      doors = std::make_unique<FrontDoors>(io, registry, services.settings, options);
      if (Status s = doors->Apply(project->config, &std::cerr); !s.ok()) {
        std::cerr << "lambda-emu: error: " << s.message() << std::endl;
        exit_code = 1;
        doors->Stop();
        server->Stop();
        server.reset();
      }
    }

    // Config reload (SIGUSR1, SIGHUP without a terminal, or --watch seeing the file change) and
    // code changes (--watch): only the functions affected are drained.
    std::unique_ptr<config::FileWatcher> watcher;
    auto watch_all = [&] {
      if (!watcher) return;
      watcher->Clear();
      for (const auto& file : ProjectFiles(*project, o.project)) (void)watcher->Watch(file);
      for (const auto& name : registry.Names()) {
        const auto& config = registry.Find(name)->function().config;
        (void)watcher->Watch(config.code_source);
        for (const auto& layer : config.layers) (void)watcher->Watch(layer);
      }
    };
    // A failed reload is logged once: the same error again (an editor's
    // second write, a signal after --watch saw the change) is not news.
    std::string last_reload_error;
    auto reload = [&] {
      auto fresh =
          ReloadProject(*project, o.project, unpack_dir, settings.region, settings.account_id);
      Status applied = fresh.ok() ? registry.Apply(fresh->config.functions) : fresh.status();
      if (!applied.ok()) {
        if (applied.message() != last_reload_error) {
          spdlog::error("config reload failed; keeping the running configuration: {}",
                        applied.message());
          last_reload_error = applied.message();
        }
      } else {
        last_reload_error.clear();
        project = std::move(fresh);
        if (async) {
          if (Status s = async->Reload(project->config.functions); !s.ok()) {
            spdlog::error("schedules: {}", s.message());
          }
        }
        if (doors) {
          if (Status s = doors->Apply(project->config, nullptr); !s.ok()) {
            spdlog::error("api: {}", s.message());
          }
        }
        spdlog::info("config reloaded: {} function(s)", registry.size());
      }
      watch_all();
    };
    if (o.watch && server) {
      watcher = std::make_unique<config::FileWatcher>(
          io, std::chrono::milliseconds(200), [&](const std::set<fs::path>& changed) {
            for (const auto& file : ProjectFiles(*project, o.project)) {
              if (changed.count(file)) return reload();
            }
            for (const auto& name : registry.Names()) {
              const auto& config = registry.Find(name)->function().config;
              bool layer_changed = std::any_of(config.layers.begin(), config.layers.end(),
                                               [&](const fs::path& l) { return changed.count(l); });
              if (layer_changed && !changed.count(config.code_source)) {
                registry.Drain(name);
                continue;
              }
              if (!changed.count(config.code_source)) continue;
              if (config.code_source == config.code_dir) {
                registry.Drain(name);
              } else {
                return reload();  // a new .zip: unpack it again
              }
            }
          });
      watcher->Ignore(settings.log_dir);
      watcher->Ignore(settings.work_dir);
      watch_all();
    }
    // SIGUSR1 reloads. SIGHUP means "the terminal went away" to a server
    // started from one (closing the window must free the port), and
    // "reload" to a service without a terminal, as daemons read it; under
    // nohup it stays ignored.
    const SighupRole sighup = DecideSighupRole();
    boost::asio::signal_set reload_signal(io, SIGUSR1);
    if (sighup == SighupRole::kReload) reload_signal.add(SIGHUP);
    std::function<void()> arm_reload = [&] {
      reload_signal.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info("received {}, reloading {}", SignalName(signal), project->file.string());
        reload();
        arm_reload();
      });
    };
    arm_reload();

    if (server) {
      GracefulShutdown shutdown(
          io, registry,
          [&] {
            std::vector<http::Server*> servers{server.get()};
            if (doors) {
              for (http::Server* door : doors->Servers()) servers.push_back(door);
            }
            return servers;
          },
          std::chrono::milliseconds(static_cast<long>(o.shutdown_grace_s * 1000)),
          [&] {
            server->Stop();
            if (doors) doors->Stop();
            dashboard.Stop();
            registry.Shutdown();
            io.stop();
          });
      boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
      if (sighup == SighupRole::kStop) stop_signals.add(SIGHUP);
      std::function<void()> arm_stop = [&] {
        stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
          if (ec) return;
          if (watcher) watcher.reset();
          reload_signal.cancel();
          // No new attempts or firings: what is queued runs after a restart.
          if (async) async->Stop();
          dashboard.Stop();  // its streams end, a tuning run stops
          shutdown.OnSignal(SignalName(signal));
          arm_stop();
        });
      };
      arm_stop();
      spdlog::info("lambda-emu {} listening on http://{}:{} with {} function(s); logs in {}",
                   LAMBDA_EMU_VERSION, o.host, server->port(), registry.size(),
                   settings.log_dir.string());
      if (std::string hint = GitignoreHint(settings.log_dir); !hint.empty()) spdlog::info(hint);
      std::cerr << "  dashboard: http://" << o.host << ":" << server->port() << "/_emu/ui\n";
      if (async) {
        async->Start();
        async->PrintBanner(std::cerr);
      }
      if (!o.port_file.empty()) {
        Status s = WritePortFile(o.port_file, server->port());
        if (!s.ok()) {
          std::cerr << "lambda-emu: error: " << s.message() << std::endl;
          exit_code = 1;
          io.stop();
        }
      }
      io.run();
    }
    registry.Shutdown();
  }
  spares.reset();
  sandbox::ReapRemainingChildren();
  // Environments' and the server's cgroup directories, then the work
  // directory, all through the janitor, which is given a bounded time.
  cgroups.reset();
  if (own_work_dir) janitor.RemoveTree(settings.work_dir);
  janitor.Finish(sandbox::Janitor::kShutdownWait);
  logs::ShutdownLogging();
  return exit_code;
}

}  // namespace lambda_emu::cli
