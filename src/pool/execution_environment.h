#pragma once
// ExecutionEnvironment: one Lambda execution environment — a worker process
// group running the function's runtime, the Runtime API endpoint it polls, its
// private /tmp, its cgroup, and the invocation it is running.
//
// Life: Start() spawns the runtime (state kStarting); its first /next ends the
// cold start; then it alternates between ready (parked in /next or about to
// be) and busy (running an invocation). A timeout, crash, init failure or
// Shutdown() ends it (kDead): the process group is killed, the Runtime API
// closed, /tmp removed, and the owner is told through Listener.
//
// Owned by its FunctionPool through a shared_ptr; the Runtime API holds it
// weakly. io thread only: no member is safe to touch from another thread.

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "api/runtime_api.h"
#include "http/server.h"
#include "metrics/function_metrics.h"
#include "pool/invocation.h"
#include "pool/services.h"
#include "sandbox/cgroup.h"

namespace lambda_emu::pool {

// Connections at once to one environment's Runtime API. The runtime clients
// use one (Node.js's may use two); beyond it connections are closed at once.
inline constexpr size_t kRuntimeApiMaxConnections = 8;

class ExecutionEnvironment final : public api::RuntimeEndpoint,
                                   public std::enable_shared_from_this<ExecutionEnvironment> {
 public:
  enum class State { kStarting, kReady, kBusy, kDead };

  // How an environment reports back to its pool.
  class Listener {
   public:
    virtual ~Listener() = default;
    // An invocation finished (any outcome); the environment may be reusable.
    virtual void OnInvocationFinished(ExecutionEnvironment& env,
                                      const metrics::InvocationRecord& record) = 0;
    // A runtime started without an invocation (provisioned) finished init.
    virtual void OnEnvironmentReady(ExecutionEnvironment& env) = 0;
    // The environment is dead and will not call again.
    virtual void OnEnvironmentDead(ExecutionEnvironment& env) = 0;
    // An invocation assigned to `env` never reached its runtime (it died
    // first); it keeps its concurrency slot and must run elsewhere.
    virtual void Redispatch(std::shared_ptr<Invocation> invocation) = 0;
  };

  ExecutionEnvironment(PoolServices& services, std::shared_ptr<const FunctionContext> function,
                       Listener& listener, std::string initialization_type);
  ~ExecutionEnvironment() override;

  struct StartError {
    std::string error_type;  // e.g. Runtime.InvalidEntrypoint
    std::string message;
  };
  // Spawns the runtime; `first` (optional) is delivered at its first /next.
  // `slot` is held until init ends (StartBudget). On failure nothing is left
  // running, the slot is released and `first` is untouched.
  std::optional<StartError> Start(std::shared_ptr<Invocation> first, StartSlot slot);

  // Hands a ready environment its next invocation.
  void Assign(std::shared_ptr<Invocation> invocation);

  // Kills the environment; a running or waiting invocation fails.
  void Shutdown();

  // Stops the environment if its /tmp holds more than EphemeralStorage
  // (RLIMIT_FSIZE bounds each file; this bounds their total). Called
  // periodically: /tmp is measured on the janitor's thread (a walk of every
  // file), and the environment stopped when the result comes back. One
  // measurement at a time.
  void EnforceEphemeralStorage();

  State state() const { return state_; }
  bool reusable() const { return state_ == State::kReady; }
  // Its runtime is starting again after a timeout (Reinitialize) and no
  // invocation waits for it yet: the next one should, as on Lambda.
  bool restarting() const { return restarting_ && state_ == State::kStarting && !pending_; }
  bool provisioned() const { return initialization_type_ == "provisioned-concurrency"; }
  // The runtime finished init (asked for its first event).
  bool initialized() const { return initialized_; }
  Clock::time_point last_used() const { return last_used_; }
  const std::string& id() const { return id_; }
  pid_t pid() const { return pid_; }
  const FunctionContext& function() const { return *function_; }
  // For the dashboard: when it was made, the invocations it ran, and the
  // peak memory its last one reported (MB; 0 before one ends).
  Clock::time_point created_at() const { return created_at_; }
  std::uint64_t invocations() const { return invocations_; }
  long long last_peak_mb() const { return last_peak_mb_; }

  // api::RuntimeEndpoint
  void AwaitNext(NextHandler handler) override;
  api::RuntimeReply PostResponse(const std::string& request_id, std::string body) override;
  api::RuntimeReply PostError(const std::string& request_id, std::string body,
                              std::string error_type) override;
  api::RuntimeReply PostInitError(std::string body, std::string error_type) override;
  api::RuntimeReply ResponseTooLarge(const std::string& request_id) override;
  api::RuntimeReply RestoreNext() override;
  api::RuntimeReply PostRestoreError(std::string body, std::string error_type) override;

 private:
  // How an invocation ended, for the REPORT line.
  struct Ending {
    InvokeOutcome outcome;
    std::string status;      // REPORT "Status:" (empty on success)
    std::string error_type;  // REPORT "Error Type:"
  };

  api::RuntimeReply StaleReply(const std::string& request_id) const;
  void Deliver(std::shared_ptr<Invocation> invocation);
  void Finish(Ending ending);
  void Die(const std::string& why, std::optional<Ending> for_invocation);
  void FailWithError(const std::string& error_type, const std::string& message,
                     const std::string& status);
  std::string ErrorBody(const std::string& error_type, const std::string& message) const;

  void ReportInitError(std::string_view error_type);
  // The INIT_REPORT (or, restored, RESTORE_REPORT) line of a cold start
  // that ended with `status` ("success", "timeout", "error\tError Type: X").
  std::string ColdStartReport(std::string_view status) const;
  // Gives `invocation` this environment's cold start, once.
  void AttachColdStart(Invocation& invocation);
  void WatchSpawnStatus();
  bool CheckSpawnStatus();
  // The runtime's output, in function_output.cc.
  void WatchOutput();
  // Reads at most about `max_bytes` (the default: all the pipe can hold).
  void DrainOutput(std::size_t max_bytes = 2 << 20);
  void EmitLine(std::string_view line);
  void OnProcessExit(int wait_status);
  void OnDiskUsage(std::uint64_t used);  // in ephemeral_storage.cc
  // Removes this environment's directory (on the janitor's thread).
  void RemoveDirectory();
  void OnInitTimeout();
  void Reinitialize(double timeout_s);
  void OnInvokeTimeout();
  std::vector<std::string> BuildEnvironment(std::uint16_t runtime_api_port) const;
  // Start()'s two ways to start the runtime: in a cgroup (and sandbox) of
  // its own, or in a spare sandbox, which it becomes (sandbox/spares.h).
  // Both set cgroup_ once it is the environment's.
  Result<sandbox::SpawnedProcess> StartDirect(const sandbox::ResourceLimits& limits);
  Result<sandbox::SpawnedProcess> StartInSpare(sandbox::SpareSandbox& spare,
                                               const sandbox::ResourceLimits& limits);
  // The runtime's command line, environment, directory and limits; `box`
  // (null unsandboxed) is the view to build.
  sandbox::SpawnSpec MakeSpawnSpec(sandbox::SandboxSpec* box) const;

  PoolServices& services_;
  std::shared_ptr<const FunctionContext> function_;
  Listener& listener_;
  std::string initialization_type_;
  std::string id_;
  std::string log_stream_;
  std::filesystem::path tmp_dir_;

  State state_ = State::kStarting;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::optional<int> runtime_exit_status_;  // a sandbox's init reported it
  bool restarting_ = false;                 // see restarting()
  std::shared_ptr<http::Server> runtime_api_;
  std::unique_ptr<sandbox::EnvironmentCgroup> cgroup_;
  boost::asio::posix::stream_descriptor spawn_status_;  // open until the runtime exec'd
  boost::asio::posix::stream_descriptor output_;
  std::string partial_line_;
  boost::asio::steady_timer init_timer_;
  boost::asio::steady_timer invoke_timer_;

  StartSlot start_slot_;  // held from Start until init ends
  Clock::time_point spawned_at_;
  Clock::time_point last_used_ = Clock::now();
  const Clock::time_point created_at_ = Clock::now();
  std::uint64_t invocations_ = 0;
  long long last_peak_mb_ = 0;
  std::optional<double> init_duration_ms_;  // set at the first /next (or init failure)
  bool initialized_ = false;
  bool init_reported_ = false;  // Init Duration goes on one REPORT only
  // Restored from a SnapStart snapshot: init_duration_ms_ is the Restore
  // Duration; Billed Restore Duration runs from /restore/next to the first
  // /next (the after-restore hooks).
  bool restored_ = false;
  std::optional<Clock::time_point> restore_next_at_;
  // The snapshot's resident memory: the restored runtime's too (copy-on-
  // write, charged to the server), so it counts in Max Memory Used and
  // against MemorySize.
  std::uint64_t snapshot_bytes_ = 0;
  long long billed_restore_ms_ = 0;
  bool measuring_storage_ = false;

  std::optional<NextHandler> parked_next_;
  std::shared_ptr<Invocation> pending_;  // assigned, not yet delivered
  std::shared_ptr<Invocation> current_;  // delivered, no response yet
  Clock::time_point current_started_;
  std::string last_finished_id_;
};

}  // namespace lambda_emu::pool
