#include "pool/execution_environment.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "pool/ids.h"
#include "pool/outcomes.h"
#include "pool/report_format.h"
#include "sandbox/init.h"
#include "sandbox/spawn.h"
#include "sandbox/tree_walk.h"

namespace lambda_emu::pool {

namespace fs = std::filesystem;
using api::RuntimeReply;

namespace {

void Post(boost::asio::io_context& io, api::RuntimeEndpoint::NextHandler handler,
          api::NextResult result) {
  boost::asio::post(io, [h = std::move(handler), r = std::move(result)]() mutable {
    std::move(h)(std::move(r));
  });
}

// The errorType a runtime put in its error body (for metrics), or Unhandled.
std::string ErrorTypeOf(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("errorType") && parsed["errorType"].is_string()) {
    return parsed["errorType"].get<std::string>();
  }
  return "Unhandled";
}

}  // namespace

ExecutionEnvironment::ExecutionEnvironment(PoolServices& services,
                                           std::shared_ptr<const FunctionContext> function,
                                           Listener& listener, std::string initialization_type)
    : services_(services),
      function_(std::move(function)),
      listener_(listener),
      initialization_type_(std::move(initialization_type)),
      spawn_status_(services.io),
      output_(services.io),
      init_timer_(services.io),
      invoke_timer_(services.io) {}

ExecutionEnvironment::~ExecutionEnvironment() {
  if (state_ != State::kDead && pid_ > 0) {
    if (cgroup_) cgroup_->KillAll();
    sandbox::KillProcessGroup(pid_);
  }
}

std::optional<ExecutionEnvironment::StartError> ExecutionEnvironment::Start(
    std::shared_ptr<Invocation> first, StartSlot slot) {
  start_slot_ = std::move(slot);
  const auto& config = function_->config;
  id_ = config.name + "-" + std::to_string(services_.next_environment_id++);
  log_stream_ = LogStreamName(function_->version);
  tmp_dir_ = services_.settings.work_dir / id_ / "tmp";

  if (config.family == config::RuntimeFamily::kProvided) {
    const fs::path bootstrap =
        function_->bootstrap.empty() ? config.code_dir / "bootstrap" : function_->bootstrap;
    if (::access(bootstrap.c_str(), F_OK) != 0) {
      return StartError{outcomes::kInvalidEntrypoint, "Couldn't find valid bootstrap(s): [" +
                                                          function_->bootstrap_candidates + "]"};
    }
  }
  // A spare sandbox (sandbox/spares.h) has its cgroup and, sandboxed, its
  // directory and half its view already: the environment becomes it.
  std::unique_ptr<sandbox::SpareSandbox> spare;
  if (services_.spares) spare = services_.spares->Take(function_->forked_runtime.get());
  if (spare && services_.sandboxed()) tmp_dir_ = spare->dir / "tmp";
  std::error_code ec;
  fs::create_directories(services_.sandboxed() ? tmp_dir_.parent_path() : tmp_dir_, ec);
  if (ec) return StartError{"", "cannot create " + tmp_dir_.string() + ": " + ec.message()};

  auto weak = weak_from_this();
  http::ServerOptions options;
  options.body_limit = api::kMaxRuntimeResponseBytes;
  options.log_name = "runtime api " + id_;
  // A runtime needs one or two connections (its /next and, in some clients,
  // a second for the response); a function that opens more is cut off at
  // once rather than spending the server's descriptors.
  options.max_connections = kRuntimeApiMaxConnections;
  options.over_cap = http::OverCap::kClose;
  options.header_timeout = services_.settings.http_header_timeout;
  auto server = http::Server::Start(services_.io, {boost::asio::ip::address_v4::loopback(), 0},
                                    options, api::MakeRuntimeApiHandler(weak),
                                    api::MakeRuntimeApiOversizeHandler(weak));
  if (!server.ok()) {
    RemoveDirectory();
    return StartError{"", "Runtime API: " + server.status().message()};
  }
  runtime_api_ = std::move(server.value());

  sandbox::ResourceLimits limits;
  limits.memory_bytes = static_cast<std::uint64_t>(config.memory_mb) << 20;
  limits.pids = services_.settings.pids_limit;
  Result<sandbox::SpawnedProcess> spawned = Status::Error("no spare");
  if (spare) {
    sandbox::ResourceLimits own = limits;
    if (spare->snapshot) {
      // What the snapshot holds counts against MemorySize (at least 16 MB
      // is left for what the environment allocates itself).
      constexpr std::uint64_t kLeast = 16 << 20;
      own.memory_bytes = limits.memory_bytes > spare->snapshot_bytes + kLeast
                             ? limits.memory_bytes - spare->snapshot_bytes
                             : std::min(limits.memory_bytes, kLeast);
    }
    spawned = StartInSpare(*spare, own);
    if (!spawned.ok()) {
      // It died, or its cgroup refused the limits: start as without one.
      spdlog::warn("{}: a spare sandbox could not be used ({}); starting one", id_,
                   spawned.status().message());
      spare.reset();
      tmp_dir_ = services_.settings.work_dir / id_ / "tmp";
      fs::create_directories(services_.sandboxed() ? tmp_dir_.parent_path() : tmp_dir_, ec);
    }
  }
  restored_ = spare && spare->snapshot && spawned.ok();
  snapshot_bytes_ = restored_ ? spare->snapshot_bytes : 0;
  if (!spawned.ok()) spawned = StartDirect(limits);
  if (!spawned.ok()) {
    runtime_api_->Stop();
    cgroup_.reset();
    RemoveDirectory();
    return StartError{"", spawned.status().message()};
  }
  pid_ = spawned->pid;
  cgroup_->Attach(pid_);
  spawn_status_.assign(spawned->status_fd);
  output_.assign(spawned->output_fd);
  services_.reaper.Watch(pid_, [weak](int wait_status) {
    if (auto self = weak.lock()) self->OnProcessExit(wait_status);
  });
  WatchSpawnStatus();
  WatchOutput();

  // Under --debug the runtime may wait for a debugger, or stop in init, for
  // as long as the person at the debugger takes.
  if (!function_->debugging) {
    init_timer_.expires_after(services_.settings.init_timeout);
    init_timer_.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->OnInitTimeout();
    });
  }
  pending_ = std::move(first);
  spdlog::debug(
      "{}: started pid {} with Runtime API on 127.0.0.1:{}{}", id_, pid_, runtime_api_->port(),
      restored_ ? " (restored from its SnapStart snapshot)"
      : spare   ? (spare->forked ? " (a spare sandbox, forked runtime)" : " (a spare sandbox)")
                : "");
  return std::nullopt;
}

void ExecutionEnvironment::Assign(std::shared_ptr<Invocation> invocation) {
  // A restarting runtime's first /next ends its init (AwaitNext), then runs this.
  if (state_ != State::kStarting) state_ = State::kBusy;
  if (parked_next_) {
    Deliver(std::move(invocation));
  } else {
    pending_ = std::move(invocation);  // delivered at the runtime's next /next
  }
}

void ExecutionEnvironment::AwaitNext(NextHandler handler) {
  if (state_ == State::kDead) {
    return Post(services_.io, std::move(handler), {RuntimeReply::kGone, {}});
  }
  if (parked_next_) {
    return Post(services_.io, std::move(handler), {RuntimeReply::kNextWhileWaiting, {}});
  }
  if (current_) {
    return Post(services_.io, std::move(handler), {RuntimeReply::kNextWhileRunning, {}});
  }
  parked_next_.emplace(std::move(handler));
  if (state_ == State::kStarting) {
    // The cold start ends here: runtime started and init code ran (or,
    // restored, the after-restore hooks).
    init_duration_ms_ = MillisSince(spawned_at_);
    if (restored_) {
      billed_restore_ms_ =
          static_cast<long long>(std::ceil(MillisSince(restore_next_at_.value_or(spawned_at_))));
      std::string report = ColdStartReport("");
      function_->log->Line(report);
      if (pending_) pending_->AppendLog(report);
    }
    initialized_ = true;
    restarting_ = false;
    init_timer_.cancel();
    start_slot_.Reset();
    state_ = pending_ ? State::kBusy : State::kReady;
    // Lambda allocates CPU in proportion to memory (1,769 MB is one vCPU);
    // like Lambda's init boost, the cap starts after init.
    if (services_.settings.cpu_limit) cgroup_->LimitCpu(function_->config.memory_mb / 1769.0);
    if (provisioned()) {
      // Provisioned init is reported once, here, and on no invocation.
      init_reported_ = true;
      function_->log->Line(ColdStartReport("success") +
                           "\tInitialization Type: provisioned-concurrency");
    }
    if (!pending_) {
      last_used_ = Clock::now();
      listener_.OnEnvironmentReady(*this);
      if (state_ == State::kDead || !parked_next_) return;
    }
  }
  if (pending_) Deliver(std::move(pending_));
}

void ExecutionEnvironment::Deliver(std::shared_ptr<Invocation> invocation) {
  state_ = State::kBusy;
  current_ = std::move(invocation);
  current_started_ = Clock::now();
  AttachColdStart(*current_);
  const auto& config = function_->config;
  std::string start =
      "START RequestId: " + current_->request_id + " Version: " + function_->version;
  function_->log->Line(start);
  current_->AppendLog(start);

  // Under --debug the Timeout is not enforced (the deadline the runtime is
  // given still says what it would be on Lambda).
  if (!function_->debugging) {
    invoke_timer_.expires_after(std::chrono::seconds(config.timeout_s));
    invoke_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->OnInvokeTimeout();
    });
  }

  api::NextResult next;
  auto& event = next.event;
  event.request_id = current_->request_id;
  event.payload = std::move(current_->payload);
  event.deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch() +
                          std::chrono::seconds(config.timeout_s))
                          .count();
  // Lambda-Runtime-Invoked-Function-Arn: the ARN the caller invoked, with
  // its qualifier when it gave one.
  event.function_arn =
      current_->qualifier.empty() ? function_->arn : function_->arn + ":" + current_->qualifier;
  event.trace_id = current_->trace_id;
  event.client_context = current_->client_context;
  event.cognito_identity = current_->cognito_identity;
  auto handler = std::move(*parked_next_);
  parked_next_.reset();
  Post(services_.io, std::move(handler), std::move(next));
}

// A second answer for the invocation just finished, before the runtime has
// asked for its next event, is an invalid state transition; any other id
// (older, unknown, or not the one running) is an invalid request id.
api::RuntimeReply ExecutionEnvironment::StaleReply(const std::string& request_id) const {
  bool second_answer = !current_ && !parked_next_ && request_id == last_finished_id_;
  return second_answer ? RuntimeReply::kInvalidStateTransition : RuntimeReply::kInvalidRequestId;
}

api::RuntimeReply ExecutionEnvironment::PostResponse(const std::string& request_id,
                                                     std::string body) {
  if (!current_ || current_->request_id != request_id) {
    return StaleReply(request_id);
  }
  Finish({{InvokeOutcome::Kind::kSuccess, std::move(body), {}, {}}, {}, {}});
  return RuntimeReply::kAccepted;
}

api::RuntimeReply ExecutionEnvironment::PostError(const std::string& request_id, std::string body,
                                                  std::string error_type) {
  if (!current_ || current_->request_id != request_id) {
    return StaleReply(request_id);
  }
  if (body.empty()) {
    body = outcomes::ErrorPayload(error_type.empty() ? "Runtime.Unknown" : error_type,
                                  "Unknown application error occurred");
  }
  Finish({{InvokeOutcome::Kind::kFunctionError, std::move(body), {}, {}}, {}, {}});
  return RuntimeReply::kAccepted;
}

api::RuntimeReply ExecutionEnvironment::PostInitError(std::string body, std::string error_type) {
  if (state_ != State::kStarting) return RuntimeReply::kInvalidStateTransition;
  if (error_type.empty()) error_type = "Runtime.Unknown";
  if (body.empty()) body = outcomes::ErrorPayload(error_type, "Init error");
  DrainOutput();
  ReportInitError(error_type);
  Die("init error " + error_type,
      Ending{{InvokeOutcome::Kind::kFunctionError, std::move(body), {}, {}}, "error", error_type});
  return RuntimeReply::kAccepted;
}

api::RuntimeReply ExecutionEnvironment::ResponseTooLarge(const std::string& request_id) {
  if (!current_ || current_->request_id != request_id) return RuntimeReply::kTooLarge;
  FailWithError(outcomes::kResponseTooLarge, outcomes::kResponseTooLargeMessage, "error");
  return RuntimeReply::kTooLarge;
}

void ExecutionEnvironment::FailWithError(const std::string& error_type, const std::string& message,
                                         const std::string& status) {
  Finish(
      {{InvokeOutcome::Kind::kFunctionError, outcomes::ErrorPayload(error_type, message), {}, {}},
       status,
       error_type});
}

void ExecutionEnvironment::Finish(Ending ending) {
  std::shared_ptr<Invocation> invocation = std::move(current_);
  bool delivered = invocation != nullptr;
  if (!invocation) invocation = std::move(pending_);  // failed before delivery (init)
  if (!invocation) return;
  invoke_timer_.cancel();
  DrainOutput();
  if (!partial_line_.empty() && state_ == State::kDead) {
    EmitLine(partial_line_);
    partial_line_.clear();
  }

  const auto& id = invocation->request_id;
  auto& log = *function_->log;
  if (!delivered) {
    std::string start = "START RequestId: " + id + " Version: " + function_->version;
    log.Line(start);
    invocation->AppendLog(start);
    current_started_ = Clock::now();
    AttachColdStart(*invocation);
  }
  double duration = MillisSince(current_started_);
  auto peak_mb = static_cast<long long>(
      std::ceil(static_cast<double>((cgroup_ ? cgroup_->PeakMemoryBytes() : 0) + snapshot_bytes_) /
                (1 << 20)));
  std::string end = "END RequestId: " + id;
  // A restore's billed part is billed with the invocation (Lambda's
  // Billed Duration includes Billed Restore Duration).
  const bool restored = invocation->init_duration_ms && invocation->restored;
  const long long billed =
      static_cast<long long>(std::ceil(duration)) + (restored ? invocation->billed_restore_ms : 0);
  std::string report = "REPORT RequestId: " + id + "\tDuration: " + Format2(duration) +
                       " ms\tBilled Duration: " + std::to_string(billed) +
                       " ms\tMemory Size: " + std::to_string(function_->config.memory_mb) +
                       " MB\tMax Memory Used: " + std::to_string(peak_mb) + " MB";
  if (restored) {
    report += "\tRestore Duration: " + Format2(*invocation->init_duration_ms) +
              " ms\tBilled Restore Duration: " + std::to_string(invocation->billed_restore_ms) +
              " ms";
  } else if (invocation->init_duration_ms) {
    report += "\tInit Duration: " + Format2(*invocation->init_duration_ms) + " ms";
  }
  if (!ending.status.empty()) report += "\tStatus: " + ending.status;
  if (!ending.error_type.empty() && ending.status == "error") {
    report += "\tError Type: " + ending.error_type;
  }
  // What Lambda bills: the REPORT's Billed Duration and, since August 2025,
  // an on-demand init (a restore's billed part is in Billed Duration).
  const auto& config = function_->config;
  long long billed_ms = billed;
  if (invocation->init_duration_ms && !restored) {
    billed_ms += static_cast<long long>(std::ceil(*invocation->init_duration_ms));
  }
  const metrics::Cost cost = metrics::InvocationCost(
      services_.settings.prices, {config.memory_mb, config.architecture,
                                  config.ephemeral_storage_mb, billed_ms, provisioned()});
  if (services_.settings.report_cost) {
    char gb_seconds[32];
    std::snprintf(gb_seconds, sizeof gb_seconds, "%.6f", cost.gb_seconds);
    report += std::string("\tGB-seconds: ") + gb_seconds +
              "\tCost: " + metrics::FormatUsd(cost.total_usd()) + " USD";
  }
  log.Line(end + '\n' + report);
  invocation->AppendLog(end);
  invocation->AppendLog(report);

  metrics::InvocationRecord record;
  record.duration_ms = duration;
  record.cold_start = invocation->cold_start;
  record.init_duration_ms = invocation->init_duration_ms;
  if (ending.outcome.kind == InvokeOutcome::Kind::kFunctionError) {
    record.error_type =
        ending.error_type.empty() ? ErrorTypeOf(ending.outcome.payload) : ending.error_type;
  }
  record.billed_ms = billed_ms;
  record.gb_seconds = cost.gb_seconds;
  record.compute_usd = cost.compute_usd;
  record.request_usd = cost.request_usd;
  record.timed_out = ending.error_type == outcomes::kTimedOut;
  record.out_of_memory = ending.error_type == outcomes::kOutOfMemory;
  record.max_memory_used_mb = peak_mb;
  last_peak_mb_ = peak_mb;
  ++invocations_;
  log.Summary({id, invocation->cold_start, duration, invocation->init_duration_ms.value_or(0),
               peak_mb, function_->config.memory_mb, record.error_type, invocation->attempt});

  last_finished_id_ = id;
  last_used_ = Clock::now();
  invocation->report = record;
  if (services_.observer) {
    services_.observer->OnInvocation(
        *function_, *invocation, record,
        invocation->want_log ? invocation->log : std::move(invocation->log));
  }
  invocation->Complete(std::move(ending.outcome));
  // (kStarting: a timed-out runtime is starting again, see Reinitialize.)
  if (state_ != State::kDead && state_ != State::kStarting) state_ = State::kReady;
  listener_.OnInvocationFinished(*this, record);
}

void ExecutionEnvironment::OnInvokeTimeout() {
  if (!current_ || state_ == State::kDead) return;
  const auto& id = current_->request_id;
  double seconds = function_->config.timeout_s;
  std::string line =
      logs::IsoTimestampNow() + " " + id + " Task timed out after " + Format2(seconds) + " seconds";
  DrainOutput();
  function_->log->Line(line);
  current_->AppendLog(line);
  if (services_.sandboxed()) return Reinitialize(seconds);
  Die("timeout",
      Ending{{InvokeOutcome::Kind::kFunctionError,
              outcomes::ErrorPayload(outcomes::kTimedOut, outcomes::TimeoutMessage(id, seconds)),
              {},
              {}},
             "timeout",
             outcomes::kTimedOut});
}

// After a timeout Lambda keeps the environment, its /tmp included, and
// starts its runtime (and extensions) again: init does that (RestartRuntime)
// and the runtime's first /next ends this second init like the first.
void ExecutionEnvironment::Reinitialize(double timeout_s) {
  const std::string id = current_->request_id;
  state_ = State::kStarting;
  restarting_ = true;
  initialized_ = false;
  init_duration_ms_.reset();
  init_reported_ = false;
  restored_ = false;  // the runtime is exec'd again: its init runs on demand
  if (snapshot_bytes_) {
    // ... and holds none of the snapshot's memory: MemorySize is its own.
    snapshot_bytes_ = 0;
    sandbox::ResourceLimits limits;
    limits.memory_bytes = static_cast<std::uint64_t>(function_->config.memory_mb) << 20;
    limits.pids = services_.settings.pids_limit;
    if (Status s = cgroup_->SetLimits(limits); !s.ok()) {
      spdlog::warn("{}: memory limit after a restart: {}", id_, s.message());
    }
  }
  sandbox::RestartRuntime(pid_);
  spawned_at_ = Clock::now();
  init_timer_.expires_after(services_.settings.init_timeout);
  init_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->OnInitTimeout();
  });
  Finish(
      Ending{{InvokeOutcome::Kind::kFunctionError,
              outcomes::ErrorPayload(outcomes::kTimedOut, outcomes::TimeoutMessage(id, timeout_s)),
              {},
              {}},
             "timeout",
             outcomes::kTimedOut});
}

void ExecutionEnvironment::OnProcessExit(int wait_status) {
  exited_ = true;
  if (state_ == State::kDead) return;
  // A child that could not exec exits at once; its report may not have been
  // read yet, and it, not the exit status, says what went wrong.
  if (CheckSpawnStatus()) return;
  // A sandbox's init exits when its runtime does, and says how that ended.
  if (runtime_exit_status_) wait_status = *runtime_exit_status_;
  std::string description = sandbox::DescribeWaitStatus(wait_status);
  bool oom = cgroup_ && cgroup_->OomKilled();
  if (!current_ && pending_ && state_ != State::kStarting) {
    // The runtime died after its last response, before it took the next
    // event: that event never ran, so it goes to another environment.
    spdlog::info("{}: runtime exited ({}) before taking its next event; retrying elsewhere", id_,
                 description);
    auto invocation = std::move(pending_);
    Die("exit while idle", std::nullopt);
    listener_.Redispatch(std::move(invocation));
    return;
  }
  auto* invocation = current_ ? current_.get() : pending_.get();
  const char* type = oom ? outcomes::kOutOfMemory : outcomes::kExitError;
  if (!invocation) {
    spdlog::info("{}: runtime exited ({}) while idle; environment discarded", id_, description);
    if (state_ == State::kStarting) {  // a provisioned environment's init
      DrainOutput();
      ReportInitError(type);
    }
    Die("exit while idle", std::nullopt);
    return;
  }
  std::string message = outcomes::ExitMessage(invocation->request_id, wait_status);
  DrainOutput();
  for (const std::string& line : {message, std::string(type)}) {
    function_->log->Line(line);
    invocation->AppendLog(line);
  }
  Die("runtime exited",
      Ending{{InvokeOutcome::Kind::kFunctionError, outcomes::ErrorPayload(type, message), {}, {}},
             "error",
             type});
}

void ExecutionEnvironment::Shutdown() {
  std::optional<Ending> ending;
  if (current_ || pending_) {
    ending = Ending{{InvokeOutcome::Kind::kServiceError, "The server is shutting down", {}, {}},
                    "error",
                    "Sandbox.Shutdown"};
  }
  Die("shutdown", std::move(ending));
}

void ExecutionEnvironment::Die(const std::string& why, std::optional<Ending> ending) {
  if (state_ == State::kDead) return;
  auto self = shared_from_this();  // the listener may drop the pool's reference
  spdlog::debug("{}: ending ({})", id_, why);
  state_ = State::kDead;
  start_slot_.Reset();
  if (cgroup_) cgroup_->KillAll();
  sandbox::KillProcessGroup(pid_);
  if (ending) Finish(std::move(*ending));
  if (parked_next_) {
    auto handler = std::move(*parked_next_);
    parked_next_.reset();
    Post(services_.io, std::move(handler), {RuntimeReply::kGone, {}});
  }
  init_timer_.cancel();
  invoke_timer_.cancel();
  if (runtime_api_) runtime_api_->Stop();
  boost::system::error_code ec;
  spawn_status_.close(ec);
  output_.close(ec);
  RemoveDirectory();
  listener_.OnEnvironmentDead(*this);
}

// The environment's directory is the function's to fill: 200,000 files, or
// a mount of some other directory (root can). RemoveTree crosses neither
// mounts nor symlinks, and takes seconds for that many files, so it runs on
// the janitor's thread.
void ExecutionEnvironment::RemoveDirectory() {
  const fs::path dir = tmp_dir_.parent_path();
  if (services_.janitor) return services_.janitor->RemoveTree(dir);
  if (Status s = sandbox::RemoveTree(dir); !s.ok()) spdlog::warn("cleanup: {}", s.message());
}

void ExecutionEnvironment::WatchSpawnStatus() {
  spawn_status_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [weak = weak_from_this()](const boost::system::error_code& ec) {
                             if (ec) return;
                             if (auto self = weak.lock()) self->CheckSpawnStatus();
                           });
}

// Reads the status pipe if the child has written or closed it: end of file
// means it exec'd the runtime; a SpawnFailure means it did not, which fails
// the start like Lambda (Runtime.InvalidEntrypoint). Returns true then.
bool ExecutionEnvironment::CheckSpawnStatus() {
  if (!spawn_status_.is_open() || state_ == State::kDead) return false;
  sandbox::SpawnFailure failure{};
  ssize_t n;
  do {
    n = ::read(spawn_status_.native_handle(), &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return false;  // not yet
  boost::system::error_code ec;
  spawn_status_.close(ec);
  if (n != static_cast<ssize_t>(sizeof failure)) return false;
  if (failure.stage == sandbox::SpawnFailure::Stage::kRuntimeExit) {
    runtime_exit_status_ = failure.error;  // from a sandbox's init (init.h)
    return false;
  }

  std::string message =
      sandbox::DescribeSpawnFailure(failure, function_->command[0], function_->config.code_dir);
  spdlog::warn("function {}: cannot start an environment: {}", function_->config.name, message);
  if (!pending_) {  // a provisioned environment
    function_->log->Line(message);
    ReportInitError(outcomes::kInvalidEntrypoint);
    Die("spawn failed", std::nullopt);
    return true;
  }
  message = "RequestId: " + pending_->request_id + " Error: " + message;
  for (const std::string& line : {message, std::string(outcomes::kInvalidEntrypoint)}) {
    function_->log->Line(line);
    pending_->AppendLog(line);
  }
  Die("spawn failed", Ending{{InvokeOutcome::Kind::kFunctionError,
                              outcomes::ErrorPayload(outcomes::kInvalidEntrypoint, message),
                              {},
                              {}},
                             "error",
                             outcomes::kInvalidEntrypoint});
  return true;
}

}  // namespace lambda_emu::pool
