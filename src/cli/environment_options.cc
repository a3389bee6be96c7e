#include "cli/environment_options.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace lambda_emu::cli {

namespace fs = std::filesystem;

void AddEnvironmentOptions(CLI::App* command, EnvironmentOptions& o) {
  const char* cost = "Cost (docs/insight.md)";
  command
      ->add_option("--price-file", o.price_file,
                   "JSON file of Lambda prices replacing the built-in table's (us-east-1, dated)")
      ->group(cost);
  command
      ->add_flag(
          "--report-cost", o.report_cost,
          "End each REPORT line with the invocation's GB-seconds and cost at Lambda's prices")
      ->group(cost);
  command->add_option("--region", o.region, "AWS region reported in ARNs and AWS_REGION")
      ->capture_default_str();
  command->add_option("--account-id", o.account_id, "12-digit account id used in ARNs")
      ->capture_default_str()
      ->check([](const std::string& v) {
        bool ok = v.size() == 12 && v.find_first_not_of("0123456789") == std::string::npos;
        return ok ? std::string() : std::string("must be 12 digits");
      });
  command->add_option("--work-dir", o.work_dir,
                      "Directory for environments' /tmp and unpacked .zip code "
                      "(default: $TMPDIR/lambda-emu-PID, removed on exit)");
  command->add_option(
      "--runtimes-dir", o.runtimes_dir,
      "Where the Python and Node.js runtime clients live (default: the shipped ones)");
  command
      ->add_option("--init-timeout", o.init_timeout_s,
                   "Seconds a runtime may take from start to its first /next")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--cgroups", o.cgroups,
                   "Resource control: auto (v2, else v1, else none), v2, v1 or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "v2", "v1", "none"}));
  command->add_option("--cgroup-root", o.cgroup_root, "Where the cgroup filesystem is mounted")
      ->capture_default_str();
  command->add_flag("--no-cpu-limit", o.no_cpu_limit,
                    "Do not limit CPU in proportion to memory (faster, less like Lambda)");
  command
      ->add_option("--pids-limit", o.pids_limit,
                   "Maximum processes+threads per environment (0 = unlimited)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 22));

  const char* http_group = "HTTP (docs/configuration.md)";
  command
      ->add_option("--http-idle-timeout", o.http_idle_timeout_s,
                   "Seconds a keep-alive connection to the Invoke API, API Gateway or a Function "
                   "URL may stay silent between requests before it is closed (0 = never)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(http_group);
  command
      ->add_option("--http-header-timeout", o.http_header_timeout_s,
                   "Seconds a request's header may take to arrive, and its body may pause, on "
                   "any listener (Runtime API included) before it is answered 408 (0 = never)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(http_group);

  const char* sandbox_group = "Sandbox (docs/sandbox.md)";
  command
      ->add_option("--sandbox", o.sandbox,
                   "Isolation: namespaces (Lambda's /var/task, /opt, private /tmp, own PIDs, "
                   "not root), none (the host's view), or auto (namespaces where the kernel "
                   "grants them, else none)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "namespaces", "none"}))
      ->group(sandbox_group);
  command
      ->add_option("--sandbox-user", o.sandbox_user,
                   "Who functions run as when the server is root: a user name, UID or UID:GID "
                   "(default sbx_user1051, uid 993, gid 990, as on Lambda; not added to the "
                   "host's /etc/passwd)")
      ->group(sandbox_group);
  command
      ->add_flag("--host-packages", o.host_packages,
                 "Let sandboxed functions import the interpreter's installed packages "
                 "(site-packages, global node_modules), which Lambda's would not have")
      ->group(sandbox_group);

  const char* group = "Debugging (docs/debugging.md)";
  command
      ->add_flag("--debug", o.debug,
                 "Start runtimes under their debugger: Node.js's inspector, debugpy or pdb for "
                 "Python; no timeouts, one environment per function")
      ->group(group);
  command
      ->add_option(
          "--debug-port,-d", o.debug_port,
          "First debugger port, one per debugged function in banner order (default: "
          "9229 up for Node.js, 5678 up for the others); implies --debug; -d N as in SAM CLI")
      ->check(CLI::Range(1, 65535))
      ->group(group);
  command
      ->add_option("--debug-host", o.debug_host,
                   "Address debuggers listen on (anyone who reaches it can run code)")
      ->capture_default_str()
      ->group(group);
  command
      ->add_option("--debug-function", o.debug_functions,
                   "Debug only this function (name or logical id); repeatable; implies --debug")
      ->group(group);
  command
      ->add_option("--debug-python", o.debug_python,
                   "Python debugger: auto (debugpy when the interpreter can import it, else "
                   "pdb), debugpy or pdb")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "debugpy", "pdb"}))
      ->group(group);
}

Result<pool::ServerSettings> MakeSettings(const EnvironmentOptions& o, bool& owns_work_dir) {
  pool::ServerSettings settings;
  if (!o.price_file.empty()) {
    auto prices = metrics::ReadPriceFile(o.price_file);
    if (!prices.ok()) return prices.status();
    settings.prices = std::move(prices).value();
  }
  settings.report_cost = o.report_cost;
  settings.region = o.region;
  settings.account_id = o.account_id;
  settings.init_timeout = std::chrono::milliseconds(static_cast<long>(o.init_timeout_s * 1000));
  settings.cpu_limit = !o.no_cpu_limit;
  settings.pids_limit = static_cast<std::uint64_t>(o.pids_limit);
  settings.http_idle_timeout =
      std::chrono::milliseconds(static_cast<long>(o.http_idle_timeout_s * 1000));
  settings.http_header_timeout =
      std::chrono::milliseconds(static_cast<long>(o.http_header_timeout_s * 1000));
  auto& debug = settings.debug;
  debug.enabled = o.debug || o.debug_port != 0 || !o.debug_functions.empty();
  debug.host = o.debug_host;
  debug.port = o.debug_port;
  debug.functions = o.debug_functions;
  debug.python_debugger = o.debug_python;
  if (debug.enabled) settings.cpu_limit = false;
  owns_work_dir = o.work_dir.empty();
  if (owns_work_dir) {
    const char* tmp = std::getenv("TMPDIR");
    settings.work_dir =
        fs::path(tmp && *tmp ? tmp : "/tmp") / ("lambda-emu-" + std::to_string(::getpid()));
  } else {
    settings.work_dir = fs::absolute(o.work_dir);
  }
  return settings;
}

Result<std::unique_ptr<sandbox::Sandbox>> MakeSandbox(const EnvironmentOptions& o,
                                                      const pool::ServerSettings& settings) {
  sandbox::SandboxOptions options;
  options.mode = o.sandbox;
  // Debuggers see the host's paths, so breakpoints set in an editor hold
  // without path mappings; --sandbox namespaces debugs inside the sandbox.
  if (settings.debug.enabled && o.sandbox == "auto") options.mode = "none";
  options.user = o.sandbox_user;
  options.host_packages = o.host_packages;
  options.work_dir = settings.work_dir;
  auto made = sandbox::Sandbox::Create(options);
  if (!made.ok()) return made.status();
  const auto& box = **made;
  if (box.enabled()) {
    spdlog::info("sandbox: {}", box.Describe());
  } else if (options.mode == "none") {
    spdlog::info("sandbox: none{}; functions see the host's filesystem and processes",
                 o.sandbox == "auto" ? " under --debug" : "");
  } else {
    spdlog::warn(
        "sandbox: off, {}; functions see the host's filesystem and processes and run as the "
        "server's user, as with --sandbox none (docs/sandbox.md)",
        box.fallback_reason());
  }
  return made;
}

}  // namespace lambda_emu::cli
