// A cold start's end and its report: the init's timeout and errors
// (INIT_REPORT), and a SnapStart restore (RESTORE_REPORT, the Runtime API's
// /restore paths; docs/snapstart.md). The invocation that waited for the
// cold start carries its duration into REPORT (AttachColdStart).

#include "pool/execution_environment.h"
#include "pool/outcomes.h"
#include "pool/report_format.h"

namespace lambda_emu::pool {

using api::RuntimeReply;

api::RuntimeReply ExecutionEnvironment::RestoreNext() {
  if (!function_->snap_start) return RuntimeReply::kNotFound;
  if (state_ != State::kStarting || restore_next_at_) return RuntimeReply::kInvalidStateTransition;
  restore_next_at_ = Clock::now();
  return RuntimeReply::kRestored;
}

// An after-restore hook failed: the environment ends as after an init error.
api::RuntimeReply ExecutionEnvironment::PostRestoreError(std::string body, std::string error_type) {
  if (!function_->snap_start) return RuntimeReply::kNotFound;
  return PostInitError(std::move(body), std::move(error_type));
}

void ExecutionEnvironment::OnInitTimeout() {
  if (state_ != State::kStarting) return;
  double seconds = std::chrono::duration<double>(services_.settings.init_timeout).count();
  std::string id = pending_ ? pending_->request_id : std::string();
  init_duration_ms_ = MillisSince(spawned_at_);
  std::string report = ColdStartReport("timeout");
  DrainOutput();
  function_->log->Line(report);
  if (pending_) pending_->AppendLog(report);
  std::optional<Ending> ending;
  if (pending_) {
    // Built member by member: GCC 12 at -O3 takes the aggregate form for
    // one that may read an uninitialised string (-Wmaybe-uninitialized).
    ending.emplace();
    ending->outcome.kind = InvokeOutcome::Kind::kFunctionError;
    ending->outcome.payload = outcomes::ErrorPayload(
        outcomes::kInitTimeout,
        "RequestId: " + id + " Error: Init phase timed out after " + Format2(seconds) + " seconds");
    ending->status = "timeout";
    ending->error_type = outcomes::kInitTimeout;
  }
  Die("init timeout", std::move(ending));
}

// INIT_REPORT for an init that failed, in the function's log and the waiting
// invocation's log tail.
void ExecutionEnvironment::ReportInitError(std::string_view error_type) {
  init_duration_ms_ = MillisSince(spawned_at_);
  std::string report = ColdStartReport("error\tError Type: " + std::string(error_type));
  function_->log->Line(report);
  if (pending_) pending_->AppendLog(report);
}

std::string ExecutionEnvironment::ColdStartReport(std::string_view status) const {
  const std::string ms = Format2(init_duration_ms_.value_or(MillisSince(spawned_at_)));
  std::string line = restored_ ? "RESTORE_REPORT Restore Duration: " + ms + " ms"
                               : "INIT_REPORT Init Duration: " + ms + " ms\tPhase: init";
  if (!status.empty()) line.append("\tStatus: ").append(status);
  return line;
}

void ExecutionEnvironment::AttachColdStart(Invocation& invocation) {
  if (!init_duration_ms_ || init_reported_) return;
  invocation.init_duration_ms = init_duration_ms_;
  invocation.restored = restored_;
  invocation.billed_restore_ms = billed_restore_ms_;
  init_reported_ = true;
}

}  // namespace lambda_emu::pool
