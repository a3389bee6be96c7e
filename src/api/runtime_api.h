#pragma once
// The Runtime API one execution environment serves to its runtime
// (/2018-06-01/runtime/...): HTTP in, typed calls on a RuntimeEndpoint out.
//
// RuntimeEndpoint is what an execution environment implements; this file
// never sees the pool or the process, and the environment never sees HTTP.
// Everything runs on the io thread.

#include <boost/asio/any_completion_handler.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "http/server.h"

namespace lambda_emu::api {

// Lambda's limit on a function's response body.
inline constexpr std::uint64_t kMaxRuntimeResponseBytes = 6291556;

// One event as /next delivers it.
struct RuntimeEvent {
  std::string request_id;
  std::string payload;
  std::int64_t deadline_ms = 0;  // epoch milliseconds
  std::string function_arn;
  std::string trace_id;
  std::string client_context;    // JSON, empty when none
  std::string cognito_identity;  // JSON, empty when none
};

enum class RuntimeReply {
  kAccepted,                // 202 {"status":"OK"}
  kInvalidRequestId,        // 400 InvalidRequestID
  kInvalidStateTransition,  // 403 InvalidStateTransition: a second response or error
  kNextWhileWaiting,        // 403 InvalidStateTransition: a /next while another one waits
  kNextWhileRunning,        // 403 InvalidStateTransition: a /next before the event is answered
  kTooLarge,                // 413 RequestEntityTooLarge
  kGone,                    // the environment is ending: 500, connection closed
  kRestored,                // 200, empty: /restore/next's answer
  kNotFound,                // 404 "404 page not found": /restore/* without SnapStart
};

struct NextResult {
  RuntimeReply reply = RuntimeReply::kAccepted;  // kAccepted: `event` is set
  RuntimeEvent event;
};

class RuntimeEndpoint {
 public:
  using NextHandler = boost::asio::any_completion_handler<void(NextResult)>;
  virtual ~RuntimeEndpoint() = default;
  // Completes when an event is ready (at once if one is waiting).
  virtual void AwaitNext(NextHandler handler) = 0;
  virtual RuntimeReply PostResponse(const std::string& request_id, std::string body) = 0;
  virtual RuntimeReply PostError(const std::string& request_id, std::string body,
                                 std::string error_type) = 0;
  virtual RuntimeReply PostInitError(std::string body, std::string error_type) = 0;
  virtual RuntimeReply ResponseTooLarge(const std::string& request_id) = 0;
  // SnapStart (docs/snapstart.md): GET /runtime/restore/next, the runtime
  // running again after its snapshot (before its after-restore hooks), and
  // POST /runtime/restore/error, a hook that failed. A function without
  // SnapStart has no such paths (kNotFound).
  virtual RuntimeReply RestoreNext() = 0;
  virtual RuntimeReply PostRestoreError(std::string body, std::string error_type) = 0;
};

// The handlers for an http::Server bound to one environment. The endpoint is
// held weakly: requests after the environment is gone get 500 and close.
http::Handler MakeRuntimeApiHandler(std::weak_ptr<RuntimeEndpoint> endpoint);
http::OversizeHandler MakeRuntimeApiOversizeHandler(std::weak_ptr<RuntimeEndpoint> endpoint);

}  // namespace lambda_emu::api
