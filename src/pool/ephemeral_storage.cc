// EphemeralStorage: an environment whose /tmp holds more than the
// function's EphemeralStorage is stopped, as Lambda's /tmp is a volume of
// that size. The pool calls EnforceEphemeralStorage() periodically.

#include <utility>

#include "pool/execution_environment.h"
#include "pool/outcomes.h"
#include "sandbox/janitor.h"
#include "sandbox/tree_walk.h"

namespace lambda_emu::pool {

void ExecutionEnvironment::EnforceEphemeralStorage() {
  // A sandbox's /tmp is a volume of that size: full is ENOSPC (tmp_volume.h).
  if (state_ == State::kDead || measuring_storage_ || services_.sandboxed()) return;
  if (!services_.janitor) return OnDiskUsage(sandbox::TreeDiskUsage(tmp_dir_));
  measuring_storage_ = true;
  services_.janitor->Measure(tmp_dir_, [weak = weak_from_this()](std::uint64_t used) {
    if (auto self = weak.lock()) {
      self->measuring_storage_ = false;
      self->OnDiskUsage(used);
    }
  });
}

void ExecutionEnvironment::OnDiskUsage(std::uint64_t used) {
  if (state_ == State::kDead) return;
  const std::uint64_t limit = static_cast<std::uint64_t>(function_->config.ephemeral_storage_mb)
                              << 20;
  if (used <= limit) return;
  std::string line =
      "lambda-emu: /tmp holds " + std::to_string(used >> 20) + " MB, more than EphemeralStorage (" +
      std::to_string(function_->config.ephemeral_storage_mb) + " MB); the environment is stopped";
  function_->log->Line(line);
  auto* invocation = current_ ? current_.get() : pending_.get();
  if (!invocation) return Die("ephemeral storage exceeded", std::nullopt);
  invocation->AppendLog(line);
  std::string message = outcomes::ExitMessage(invocation->request_id, "signal: killed");
  // Built field by field: from the nested braces GCC 12 at -O3 warns (falsely)
  // that the outcome's log may be used uninitialised.
  Ending ending;
  ending.outcome.kind = InvokeOutcome::Kind::kFunctionError;
  ending.outcome.payload = outcomes::ErrorPayload(outcomes::kExitError, message);
  ending.status = "error";
  ending.error_type = outcomes::kExitError;
  Die("ephemeral storage exceeded", std::move(ending));
}

}  // namespace lambda_emu::pool
