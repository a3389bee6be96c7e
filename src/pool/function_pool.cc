#include "pool/function_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "pool/outcomes.h"

namespace lambda_emu::pool {

FunctionPool::FunctionPool(PoolServices& services, std::shared_ptr<FunctionConcurrency> concurrency,
                           std::shared_ptr<const FunctionContext> function)
    : services_(services),
      concurrency_(std::move(concurrency)),
      function_(std::move(function)),
      provisioned_(function_->config.provisioned_concurrency),
      provisioned_retry_(services.io),
      snapshot_wait_(services.io) {}

FunctionPool::~FunctionPool() {
  services_.starts.Cancel(this);
  Shutdown();
}

const char* FunctionPool::TryAdmit() {
  const char* throttled = concurrency_->TryAdmit();
  if (!throttled) ++in_flight_;
  return throttled;
}

void FunctionPool::Release() {
  --in_flight_;
  concurrency_->Release();
}

void FunctionPool::Throttle(Invocation& invocation, std::string reason) {
  ++metrics_.throttles;
  InvokeOutcome throttled;
  throttled.kind = InvokeOutcome::Kind::kThrottled;
  throttled.throttle_reason = std::move(reason);
  invocation.Complete(std::move(throttled));
}

void FunctionPool::Invoke(std::shared_ptr<Invocation> invocation) {
  if (const char* reason = TryAdmit()) return Throttle(*invocation, reason);
  invocation->keep_log = services_.observer != nullptr;
  // Behind those already waiting, even if an environment just became free
  // (DispatchWaiting is posted, not yet run).
  if (!waiting_.empty()) return waiting_.push_back(std::move(invocation));
  Dispatch(std::move(invocation));
}

void FunctionPool::Redispatch(std::shared_ptr<Invocation> invocation) {
  if (shutting_down_) {
    Release();
    invocation->Complete(
        {InvokeOutcome::Kind::kServiceError, "The server is shutting down", {}, {}});
    return;
  }
  Dispatch(std::move(invocation));
}

bool FunctionPool::Retiring(const ExecutionEnvironment& env) const {
  return &env.function() != function_.get();
}

ExecutionEnvironment* FunctionPool::TakeReady() {
  while (!ready_.empty()) {
    ExecutionEnvironment* env = ready_.back();
    ready_.pop_back();
    if (env->reusable() && !Retiring(*env)) return env;
  }
  return nullptr;
}

bool FunctionPool::RoomForEnvironment() {
  if (services_.max_environments == 0 || services_.environments < services_.max_environments) {
    return true;
  }
  if (services_.reclaim_idle && services_.reclaim_idle()) return true;
  spdlog::warn("function {}: throttled, all {} environments are busy (--max-environments)",
               function_->config.name, services_.max_environments);
  return false;
}

void FunctionPool::Dispatch(std::shared_ptr<Invocation> invocation) {
  if (ExecutionEnvironment* env = TakeReady()) return env->Assign(std::move(invocation));
  // An environment whose runtime restarts after a timeout is the one Lambda
  // would send the next event to (its /tmp is still there).
  for (const auto& [raw, env] : environments_) {
    if (env->restarting() && !Retiring(*env)) {
      invocation->cold_start = true;  // it waits for an init, and reports it
      return env->Assign(std::move(invocation));
    }
  }
  // Under --debug a second environment would not get its debugger's port,
  // and a person stepping through the first expects the next event to wait.
  if (function_->debugging && !environments_.empty()) {
    waiting_.push_back(std::move(invocation));
    return;
  }
  if (!RoomForEnvironment()) {
    Release();
    return Throttle(*invocation, kAccountLimitExceeded);
  }
  if (SnapshotPending()) {
    waiting_.push_back(std::move(invocation));
    return AwaitSnapshot();
  }
  StartSlot slot = services_.starts.TryAcquire();
  if (!slot) {
    // Every start slot is in use: wait for one, or for an environment of
    // this function to become free, whichever comes first.
    waiting_.push_back(std::move(invocation));
    services_.starts.Enqueue(this);
    return;
  }
  if (!StartEnvironment(invocation, /*provisioned=*/false, std::move(slot))) Release();
}

std::shared_ptr<ExecutionEnvironment> FunctionPool::StartEnvironment(
    std::shared_ptr<Invocation> first, bool provisioned, StartSlot slot) {
  auto env = std::make_shared<ExecutionEnvironment>(
      services_, function_, *this,
      provisioned ? "provisioned-concurrency"
                  : (function_->snap_start ? "snap-start" : "on-demand"));
  if (first) first->cold_start = true;
  environments_.emplace(env.get(), env);
  ++services_.environments;
  auto error = env->Start(first, std::move(slot));
  if (!error) return env;

  environments_.erase(env.get());
  --services_.environments;
  spdlog::warn("function {}: cannot start an environment: {}", function_->config.name,
               error->message);
  if (!first) return nullptr;
  InvokeOutcome failed;
  if (error->error_type.empty()) {
    failed.kind = InvokeOutcome::Kind::kServiceError;
    failed.payload = error->message;
  } else {
    failed.kind = InvokeOutcome::Kind::kFunctionError;
    std::string message = "RequestId: " + first->request_id + " Error: " + error->message;
    failed.payload = outcomes::ErrorPayload(error->error_type, message);
    function_->log->Line(message);
    function_->log->Line(error->error_type);
    metrics_.Record({0, true, std::nullopt, error->error_type, false, false});
  }
  first->Complete(std::move(failed));
  return nullptr;
}

void FunctionPool::Retire() {
  retired_ = true;
  // A SnapStart version's snapshot goes with it.
  const auto& snapshot = function_->forked_runtime;
  if (snapshot && snapshot->snapshot && services_.spares) services_.spares->Forget(snapshot->key);
  // A copy of the context makes every environment "old" (see Retiring).
  function_ = std::make_shared<FunctionContext>(*function_);
  Drain();
}

int FunctionPool::ProvisionedMissing() const {
  int alive = 0;
  for (const auto& [raw, env] : environments_) {
    if (env->provisioned() && !Retiring(*env) &&
        env->state() != ExecutionEnvironment::State::kDead) {
      ++alive;
    }
  }
  return provisioned_ - alive;
}

void FunctionPool::EnsureProvisioned() {
  // Under --debug the one environment starts with the first invoke.
  if (shutting_down_ || retired_ || function_->debugging) return;
  for (int missing = ProvisionedMissing(); missing > 0; --missing) {
    StartSlot slot = services_.starts.TryAcquire();
    if (!slot) return services_.starts.Enqueue(this);  // OnStartSlot goes on
    if (!StartEnvironment(nullptr, /*provisioned=*/true, std::move(slot))) break;
  }
}

// A start slot came free. Waiting invocations come first (a free
// environment may have turned up meanwhile: they take that instead), then
// missing provisioned environments. A pool that needs more queues again, at
// the back, so the functions waiting take turns.
void FunctionPool::OnStartSlot(StartSlot slot) {
  if (shutting_down_) return;
  AssignFreeEnvironments();
  if (!waiting_.empty()) {
    if (function_->debugging && !environments_.empty()) return;  // waits for that one
    if (SnapshotPending()) return AwaitSnapshot();               // the slot goes back
    auto invocation = std::move(waiting_.front());
    waiting_.pop_front();
    if (!RoomForEnvironment()) {
      Release();
      Throttle(*invocation, kAccountLimitExceeded);
    } else if (!StartEnvironment(invocation, /*provisioned=*/false, std::move(slot))) {
      Release();
    }
    if (!waiting_.empty()) services_.starts.Enqueue(this);
    return;
  }
  if (retired_ || function_->debugging || ProvisionedMissing() <= 0) return;
  if (StartEnvironment(nullptr, /*provisioned=*/true, std::move(slot)) &&
      ProvisionedMissing() > 0) {
    services_.starts.Enqueue(this);
  }
}

void FunctionPool::OnInvocationFinished(ExecutionEnvironment& env,
                                        const metrics::InvocationRecord& record) {
  Release();
  metrics_.Record(record);
  if (!env.reusable() || shutting_down_) return;
  if (Retiring(env)) {
    env.Shutdown();  // drained: it finished its last invocation
    return;
  }
  ready_.push_back(&env);
  PostDispatchWaiting();
}

void FunctionPool::OnEnvironmentReady(ExecutionEnvironment& env) {
  if (env.provisioned()) {
    ++metrics_.provisioned_inits;
    provisioned_init_failures_ = 0;
  }
  if (Retiring(env)) return env.Shutdown();
  ready_.push_back(&env);
  PostDispatchWaiting();
}

void FunctionPool::OnEnvironmentDead(ExecutionEnvironment& env) {
  ready_.erase(std::remove(ready_.begin(), ready_.end(), &env), ready_.end());
  bool was_provisioned = env.provisioned() && !Retiring(env);
  bool failed_init = !env.initialized();
  if (environments_.erase(&env) > 0) --services_.environments;
  if (was_provisioned && !shutting_down_) ReplaceProvisioned(failed_init);
  PostDispatchWaiting();
}

bool FunctionPool::SnapshotPending() {
  const auto& snapshot = function_->forked_runtime;
  return function_->snap_start && snapshot && snapshot->snapshot && services_.spares &&
         services_.spares->AwaitSnapshot(snapshot->key);
}

void FunctionPool::AwaitSnapshot() {
  if (snapshot_wait_armed_) return;
  snapshot_wait_armed_ = true;
  snapshot_wait_.expires_after(std::chrono::milliseconds(5));
  snapshot_wait_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    snapshot_wait_armed_ = false;
    DispatchWaiting();
  });
}

void FunctionPool::PostDispatchWaiting() {
  if (waiting_.empty() || dispatch_waiting_posted_) return;
  dispatch_waiting_posted_ = true;
  boost::asio::post(services_.io, [this] { DispatchWaiting(); });
}

void FunctionPool::AssignFreeEnvironments() {
  while (!waiting_.empty()) {
    ExecutionEnvironment* env = TakeReady();
    if (!env) break;
    auto invocation = std::move(waiting_.front());
    waiting_.pop_front();
    env->Assign(std::move(invocation));
  }
}

// Waiting invocations, oldest first, take the environments that are free;
// if some are left, a new environment needs a start slot (under --debug:
// only when the one environment is gone).
void FunctionPool::DispatchWaiting() {
  dispatch_waiting_posted_ = false;
  if (shutting_down_) return;
  AssignFreeEnvironments();
  if (waiting_.empty() || (function_->debugging && !environments_.empty())) return;
  services_.starts.Enqueue(this);
}

// A provisioned environment that died is replaced: at once (after this call
// returns, so nothing recurses) if it had come up, else after 1, 2, 4 ... 30 s
// (one step per round of failures), so a function whose init always fails
// does not spawn in a loop.
void FunctionPool::ReplaceProvisioned(bool after_init_failure) {
  if (!after_init_failure) {
    boost::asio::post(services_.io, [this] { EnsureProvisioned(); });
    return;
  }
  if (provisioned_retry_pending_) return;  // that retry starts every missing one
  ++provisioned_init_failures_;
  auto delay = std::chrono::seconds(std::min(1 << std::min(provisioned_init_failures_ - 1, 5), 30));
  spdlog::warn(
      "function {}: provisioned environments fail to initialize ({} in a row); "
      "retrying in {} s",
      function_->config.name, provisioned_init_failures_, delay.count());
  provisioned_retry_pending_ = true;
  provisioned_retry_.expires_after(delay);
  provisioned_retry_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    provisioned_retry_pending_ = false;
    EnsureProvisioned();
  });
}

void FunctionPool::Replace(std::shared_ptr<const FunctionContext> function) {
  function_ = std::move(function);
  provisioned_ = function_->config.provisioned_concurrency;
  Drain();
}

double FunctionPool::ProvisionedGbSeconds() const {
  const double seconds = std::chrono::duration<double>(Clock::now() - provisioned_since_).count();
  return provisioned_gb_seconds_ +
         metrics::ProvisionedConcurrencyCost(services_.settings.prices, function_->config.memory_mb,
                                             function_->config.architecture, provisioned_, seconds)
             .gb_seconds;
}

void FunctionPool::ResetMetrics() {
  metrics_.Reset();
  provisioned_gb_seconds_ = 0;
  provisioned_since_ = Clock::now();
}

void FunctionPool::SetProvisionedConcurrency(int count) {
  provisioned_gb_seconds_ = ProvisionedGbSeconds();
  provisioned_since_ = Clock::now();
  provisioned_ = count;
  // Provisioned environments beyond the new count: idle ones stop now; a
  // busy one finishes its invocation and stays until the next change.
  int alive = 0;
  std::vector<std::shared_ptr<ExecutionEnvironment>> surplus;
  for (auto& [raw, env] : environments_) {
    if (!env->provisioned() || Retiring(*env) ||
        env->state() == ExecutionEnvironment::State::kDead) {
      continue;
    }
    if (++alive > count && env->reusable()) surplus.push_back(env);
  }
  for (auto& env : surplus) env->Shutdown();
  EnsureProvisioned();
}

int FunctionPool::ProvisionedReady() const {
  int ready = 0;
  for (const auto& [raw, env] : environments_) {
    if (env->provisioned() && !Retiring(*env) && env->initialized() &&
        env->state() != ExecutionEnvironment::State::kDead) {
      ++ready;
    }
  }
  return ready;
}

void FunctionPool::Drain() {
  std::vector<std::shared_ptr<ExecutionEnvironment>> idle;
  for (auto& [raw, env] : environments_) {
    // Busy and starting environments finish their invocation first
    // (OnInvocationFinished / OnEnvironmentReady stop them).
    if (env->reusable() && Retiring(*env)) idle.push_back(env);
  }
  for (auto& env : idle) env->Shutdown();
  EnsureProvisioned();
}

size_t FunctionPool::EvictIdle(Clock::time_point cutoff) {
  if (function_->debugging) return 0;  // a debugger may be attached to it
  std::vector<std::shared_ptr<ExecutionEnvironment>> expired;
  for (ExecutionEnvironment* env : ready_) {
    if (!env->provisioned() && env->reusable() && env->last_used() < cutoff) {
      expired.push_back(environments_.at(env));
    }
  }
  for (auto& env : expired) env->Shutdown();
  return expired.size();
}

void FunctionPool::EnforceEphemeralStorage() {
  std::vector<std::shared_ptr<ExecutionEnvironment>> all;
  for (auto& [raw, env] : environments_) all.push_back(env);
  for (auto& env : all) env->EnforceEphemeralStorage();
}

ExecutionEnvironment* FunctionPool::OldestEvictable() const {
  if (function_->debugging) return nullptr;
  ExecutionEnvironment* oldest = nullptr;
  for (ExecutionEnvironment* env : ready_) {
    if (env->provisioned() || !env->reusable()) continue;
    if (!oldest || env->last_used() < oldest->last_used()) oldest = env;
  }
  return oldest;
}

void FunctionPool::Shutdown() {
  shutting_down_ = true;
  services_.starts.Cancel(this);
  while (!waiting_.empty()) {
    auto invocation = std::move(waiting_.front());
    waiting_.pop_front();
    Release();
    invocation->Complete(
        {InvokeOutcome::Kind::kServiceError, "The server is shutting down", {}, {}});
  }
  std::vector<std::shared_ptr<ExecutionEnvironment>> all;
  all.reserve(environments_.size());
  for (auto& [raw, env] : environments_) all.push_back(env);
  for (auto& env : all) env->Shutdown();
  ready_.clear();
  services_.environments -= environments_.size();
  environments_.clear();
}

metrics::FunctionSnapshot FunctionPool::Snapshot() const {
  metrics::FunctionSnapshot s;
  s.name = function_->config.name;
  s.metrics = &metrics_;
  s.concurrent_executions = in_flight_;
  s.invocations_waiting = static_cast<int>(waiting_.size());
  s.reserved_concurrency = concurrency_->reserved();
  s.provisioned_concurrency = provisioned_;
  s.provisioned_init_failures = provisioned_init_failures_;
  s.provisioned_gb_seconds = ProvisionedGbSeconds();
  const auto& prices = services_.settings.prices;
  s.provisioned_usd = s.provisioned_gb_seconds * (function_->config.architecture == "arm64"
                                                      ? prices.arm_provisioned_gb_second
                                                      : prices.x86_provisioned_gb_second);
  for (const auto& [raw, env] : environments_) {
    if (env->provisioned() && !Retiring(*env) && env->initialized() &&
        env->state() != ExecutionEnvironment::State::kDead) {
      ++s.provisioned_ready;
    }
    switch (env->state()) {
      case ExecutionEnvironment::State::kStarting:
        ++s.environments_starting;
        break;
      case ExecutionEnvironment::State::kReady:
        ++s.environments_idle;
        break;
      case ExecutionEnvironment::State::kBusy:
        ++s.environments_busy;
        break;
      case ExecutionEnvironment::State::kDead:
        break;
    }
  }
  return s;
}

std::vector<metrics::EnvironmentView> FunctionPool::Environments() const {
  std::vector<metrics::EnvironmentView> out;
  out.reserve(environments_.size());
  const auto now = Clock::now();
  for (const auto& [raw, env] : environments_) {
    using State = ExecutionEnvironment::State;
    if (env->state() == State::kDead) continue;
    metrics::EnvironmentView view;
    view.id = env->id();
    view.state = env->state() == State::kStarting ? "starting"
                 : env->state() == State::kBusy   ? "busy"
                                                  : "idle";
    view.age_s = std::chrono::duration<double>(now - env->created_at()).count();
    view.max_memory_used_mb = env->last_peak_mb();
    view.memory_limit_mb = function_->config.memory_mb;
    view.provisioned = env->provisioned();
    view.invocations = env->invocations();
    out.push_back(std::move(view));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.age_s > b.age_s; });
  return out;
}

}  // namespace lambda_emu::pool
