#pragma once
// What every function's pool shares: the io_context, the child reaper, the
// cgroup manager, server-wide settings, and the per-function context that all
// of one function's environments read. Plain structs; io thread only.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "logs/function_log.h"
#include "metrics/function_metrics.h"
#include "metrics/pricing.h"
#include "pool/start_budget.h"
#include "sandbox/cgroup.h"
#include "sandbox/debug_options.h"
#include "sandbox/janitor.h"
#include "sandbox/mounts.h"
#include "sandbox/reaper.h"
#include "sandbox/sandbox.h"
#include "sandbox/spares.h"

namespace lambda_emu::pool {

struct FunctionContext;
struct Invocation;

// Told of every invocation that ran in an environment, as it ends
// (dashboard/activity_feed.h): its REPORT figures and its log lines.
class InvocationObserver {
 public:
  virtual ~InvocationObserver() = default;
  virtual void OnInvocation(const FunctionContext& function, const Invocation& invocation,
                            const metrics::InvocationRecord& record, std::string log) = 0;
};

struct ServerSettings {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::filesystem::path work_dir;  // per-environment /tmp directories live here
  std::filesystem::path log_dir;
  std::chrono::milliseconds init_timeout{10000};
  int account_concurrency = 1000;
  // The account's code storage (Lambda's quota: 75 GB), for the management API.
  std::int64_t code_storage_limit = 80530636800;
  bool cpu_limit = true;                       // CPU proportional to memory (1,769 MB = 1 vCPU)
  std::uint64_t pids_limit = 1024;             // tasks per environment; 0 = unlimited
  std::chrono::milliseconds idle_ttl{600000};  // idle environments are stopped after this
  sandbox::DebugOptions debug;                 // --debug (docs/debugging.md)
  // Every HTTP listener's timeouts (http::ServerOptions; 0 = none): a
  // keep-alive connection's silence between requests, and a request's header
  // (or a pause in its body). The Runtime API has no idle timeout: a runtime
  // is silent on its connection for as long as its handler runs.
  std::chrono::milliseconds http_idle_timeout{60000};
  std::chrono::milliseconds http_header_timeout{20000};
  // Connections at once per Invoke API / API Gateway / Function URL listener
  // (beyond it clients wait in the backlog); 0 = no cap.
  size_t http_max_connections = 0;
  // Lambda's prices for the cost figures (--price-file; docs/insight.md),
  // and whether REPORT lines end with the invocation's cost (--report-cost).
  metrics::PriceTable prices = metrics::DefaultPrices();
  bool report_cost = false;
};

struct PoolServices {
  boost::asio::io_context& io;
  sandbox::Reaper& reaper;
  sandbox::CgroupManager& cgroups;
  ServerSettings settings;
  std::uint64_t next_environment_id = 1;
  size_t environments = 0;      // alive, all functions
  size_t max_environments = 0;  // 0 = no cap
  // Stops the least recently used evictable idle environment of any
  // function; false when there is none. Set by the registry.
  std::function<bool()> reclaim_idle;
  // Inits in flight, server-wide (--max-concurrent-inits; no limit until set).
  StartBudget starts{io};
  // Removes environments' directories and measures their /tmp off the io
  // thread; without one (tests), that is done in place.
  sandbox::Janitor* janitor = nullptr;
  // How environments are isolated (--sandbox); null or disabled: not at all.
  sandbox::Sandbox* sandbox = nullptr;
  bool sandboxed() const { return sandbox && sandbox->enabled(); }
  // Environments made ahead of demand (--spare-sandboxes); null: none.
  sandbox::SpareSandboxes* spares = nullptr;
  // Told of every invocation (the dashboard's feed); null: nobody is. Its
  // invocations keep their log lines for it.
  InvocationObserver* observer = nullptr;
};

// Everything an environment of one function needs, computed once per
// function (configuration) revision.
struct FunctionContext {
  config::FunctionConfig config;
  std::string arn;  // unqualified
  std::string version = "$LATEST";
  std::vector<std::string> command;      // argv that starts the runtime, as the function sees it
  std::string runtime_dir;               // LAMBDA_RUNTIME_DIR
  std::vector<std::string> environment;  // "K=V" shared by all environments
  std::shared_ptr<logs::FunctionLog> log;
  // Started under its debugger (--debug): no init or invoke timeout, one
  // environment at a time (further invokes wait for it), never idle-evicted.
  bool debugging = false;
  // command[0] is AWS_LAMBDA_EXEC_WRAPPER, which runs the runtime.
  bool wrapped = false;
  // A provided runtime's bootstrap on the host (empty: none was found), and
  // where Lambda looks for one, for the error when there is none.
  std::filesystem::path bootstrap;
  std::string bootstrap_candidates;
  // Sandboxed: what the environment's view mounts, and the layers'
  // extensions (/opt/extensions/NAME) started with the runtime.
  sandbox::ViewSpec view;
  std::vector<std::string> extensions;
  // Its runtime's template (sandbox/runtime_templates.h), when it can be
  // forked from one (a SnapStart version's: its snapshot); null: it starts
  // by exec.
  std::shared_ptr<const sandbox::RuntimeTemplateSpec> forked_runtime;
  // A published version of a SnapStart function (OptimizationStatus On):
  // its environments are "snap-start" ones, restored from forked_runtime
  // when it is a snapshot (docs/snapstart.md).
  bool snap_start = false;
};

}  // namespace lambda_emu::pool
