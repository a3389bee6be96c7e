#include "pool/function_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "pool/outcomes.h"

namespace lambda_emu::pool {

FunctionPool::FunctionPool(PoolServices& services, AccountConcurrency& account,
                           std::shared_ptr<const FunctionContext> function)
    : services_(services), account_(account), function_(std::move(function)) {
  if (auto reserved = function_->config.reserved_concurrency) account_.Reserve(*reserved);
}

FunctionPool::~FunctionPool() {
  Shutdown();
  if (auto reserved = function_->config.reserved_concurrency) account_.Unreserve(*reserved);
}

std::optional<std::string> FunctionPool::TryAdmit() {
  if (auto reserved = function_->config.reserved_concurrency) {
    if (in_flight_ >= *reserved) return kReservedLimitExceeded;
  } else if (!account_.TryAcquireUnreserved()) {
    return kAccountLimitExceeded;
  }
  ++in_flight_;
  return std::nullopt;
}

void FunctionPool::Release() {
  --in_flight_;
  if (!function_->config.reserved_concurrency) account_.ReleaseUnreserved();
}

void FunctionPool::Invoke(std::shared_ptr<Invocation> invocation) {
  if (auto reason = TryAdmit()) {
    InvokeOutcome throttled;
    throttled.kind = InvokeOutcome::Kind::kThrottled;
    throttled.throttle_reason = std::move(*reason);
    invocation->Complete(std::move(throttled));
    return;
  }
  Dispatch(std::move(invocation));
}

void FunctionPool::Redispatch(std::shared_ptr<Invocation> invocation) {
  if (shutting_down_) {
    Release();
    invocation->Complete({InvokeOutcome::Kind::kServiceError, "The server is shutting down", {}, {}});
    return;
  }
  Dispatch(std::move(invocation));
}

void FunctionPool::Dispatch(std::shared_ptr<Invocation> invocation) {
  while (!ready_.empty()) {
    ExecutionEnvironment* env = ready_.back();
    ready_.pop_back();
    if (env->reusable()) {
      env->Assign(std::move(invocation));
      return;
    }
  }

  auto env = std::make_shared<ExecutionEnvironment>(services_, function_, *this, "on-demand");
  environments_.emplace(env.get(), env);
  auto error = env->Start(invocation);
  if (!error) return;

  environments_.erase(env.get());
  Release();
  spdlog::warn("function {}: cannot start an environment: {}", function_->config.name,
               error->message);
  InvokeOutcome failed;
  if (error->error_type.empty()) {
    failed.kind = InvokeOutcome::Kind::kServiceError;
    failed.payload = error->message;
  } else {
    failed.kind = InvokeOutcome::Kind::kFunctionError;
    std::string message = "RequestId: " + invocation->request_id + " Error: " + error->message;
    failed.payload = outcomes::ErrorPayload(error->error_type, message);
    function_->log->Line(message);
    function_->log->Line(error->error_type);
  }
  invocation->Complete(std::move(failed));
}

void FunctionPool::OnInvocationFinished(ExecutionEnvironment& env) {
  Release();
  if (env.reusable() && !shutting_down_) ready_.push_back(&env);
}

void FunctionPool::OnEnvironmentDead(ExecutionEnvironment& env) {
  ready_.erase(std::remove(ready_.begin(), ready_.end(), &env), ready_.end());
  environments_.erase(&env);
}

void FunctionPool::Shutdown() {
  shutting_down_ = true;
  std::vector<std::shared_ptr<ExecutionEnvironment>> all;
  all.reserve(environments_.size());
  for (auto& [raw, env] : environments_) all.push_back(env);
  for (auto& env : all) env->Shutdown();
  ready_.clear();
  environments_.clear();
}

}  // namespace lambda_emu::pool
