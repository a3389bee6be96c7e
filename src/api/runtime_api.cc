#include "api/runtime_api.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "common/json_writer.h"

namespace lambda_emu::api {

namespace http_ns = beast::http;
using http_ns::status;

namespace {

constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kNextPath = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view kInitErrorPath = "/2018-06-01/runtime/init/error";
constexpr std::string_view kRestoreNextPath = "/2018-06-01/runtime/restore/next";
constexpr std::string_view kRestoreErrorPath = "/2018-06-01/runtime/restore/error";

// {"errorMessage":...,"errorType":...}. The message may quote the request's
// target, so it is escaped (invalid UTF-8 becomes U+FFFD, never a bad body).
http::Response ErrorResponse(const http::Request& req, status code, std::string_view type,
                             std::string_view message) {
  std::string body = "{\"errorMessage\":";
  AppendJsonString(body, message);
  body += ",\"errorType\":";
  AppendJsonString(body, type);
  body += "}";
  return http::MakeResponse(req, code, std::move(body));
}

// The runtime's state machine, in the words of Lambda's runtime interface
// emulator (rapid): a refused transition is 403 InvalidStateTransition with
// "State transition from FROM to TO failed for runtime. Error: WHY".
std::string TransitionFailed(std::string_view from, std::string_view to, std::string_view why) {
  std::string message = "State transition from ";
  message.append(from).append(" to ").append(to).append(" failed for runtime. Error: ");
  return message.append(why);
}

http::Response ReplyResponse(const http::Request& req, RuntimeReply reply) {
  switch (reply) {
    case RuntimeReply::kAccepted:
      return http::MakeResponse(req, status::accepted, R"({"status":"OK"})");
    case RuntimeReply::kInvalidRequestId:
      return ErrorResponse(req, status::bad_request, "InvalidRequestID", "Invalid request ID");
    case RuntimeReply::kInvalidStateTransition:
      return ErrorResponse(req, status::forbidden, "InvalidStateTransition",
                           "Invalid state transition: a response or error was already sent "
                           "for this invocation");
    case RuntimeReply::kNextWhileWaiting:
      // A second /next while the first still waits for an event: both would
      // move the runtime to Ready at once.
      return ErrorResponse(req, status::forbidden, "InvalidStateTransition",
                           TransitionFailed("Ready", "Ready", "Concurrent state modification"));
    case RuntimeReply::kNextWhileRunning:
      return ErrorResponse(req, status::forbidden, "InvalidStateTransition",
                           TransitionFailed("Running", "Ready", "State transition is not allowed"));
    case RuntimeReply::kTooLarge:
      return ErrorResponse(req, status::payload_too_large, "RequestEntityTooLarge",
                           "Exceeded maximum allowed payload size (6291556 bytes).");
    case RuntimeReply::kRestored:
      return http::MakeResponse(req, status::ok, "");
    case RuntimeReply::kNotFound:
      // Lambda's own words for a path it does not serve (Go's default 404).
      return http::MakeResponse(req, status::not_found, "404 page not found\n",
                                "text/plain; charset=utf-8");
    case RuntimeReply::kGone:
      break;
  }
  auto res = ErrorResponse(req, status::internal_server_error, "EnvironmentGone",
                           "The execution environment is shutting down");
  res.keep_alive(false);
  return res;
}

// Splits "/2018-06-01/runtime/invocation/{id}/{verb}" into id and verb.
std::optional<std::pair<std::string, std::string_view>> SplitInvocationPath(
    std::string_view target) {
  if (target.substr(0, kInvocationPrefix.size()) != kInvocationPrefix) return std::nullopt;
  std::string_view rest = target.substr(kInvocationPrefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  return std::make_pair(std::string(rest.substr(0, slash)), rest.substr(slash + 1));
}

void SetEventHeaders(http::Response& res, const RuntimeEvent& e) {
  res.set("Lambda-Runtime-Aws-Request-Id", e.request_id);
  res.set("Lambda-Runtime-Deadline-Ms", std::to_string(e.deadline_ms));
  res.set("Lambda-Runtime-Invoked-Function-Arn", e.function_arn);
  res.set("Lambda-Runtime-Trace-Id", e.trace_id);
  if (!e.client_context.empty()) res.set("Lambda-Runtime-Client-Context", e.client_context);
  if (!e.cognito_identity.empty()) {
    res.set("Lambda-Runtime-Cognito-Identity", e.cognito_identity);
  }
}

std::string_view StripQuery(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

http::Handler MakeRuntimeApiHandler(std::weak_ptr<RuntimeEndpoint> weak) {
  return [weak](http::Request& req) -> boost::asio::awaitable<http::Response> {
    auto endpoint = weak.lock();
    if (!endpoint) co_return ReplyResponse(req, RuntimeReply::kGone);
    const std::string_view target = StripQuery(req.target());
    const auto method = req.method();

    if (target == kNextPath) {
      if (method != http_ns::verb::get) {
        co_return ErrorResponse(req, status::method_not_allowed, "MethodNotAllowed",
                                "use GET for /runtime/invocation/next");
      }
      // Park until the environment has an event. No strong reference is held
      // while parked, so a dying environment is not kept alive by its poll
      // (it completes the poll with kGone instead). The raw pointer is safe:
      // the initiation runs before anything else can run on this thread.
      RuntimeEndpoint* ep = endpoint.get();
      endpoint.reset();
      NextResult next = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                             void(NextResult)>(
          [ep](auto handler) { ep->AwaitNext(std::move(handler)); }, boost::asio::use_awaitable);
      if (next.reply != RuntimeReply::kAccepted) co_return ReplyResponse(req, next.reply);
      auto res = http::MakeResponse(req, status::ok, std::move(next.event.payload));
      SetEventHeaders(res, next.event);
      co_return res;
    }

    if (target == kInitErrorPath && method == http_ns::verb::post) {
      std::string type(req["Lambda-Runtime-Function-Error-Type"]);
      co_return ReplyResponse(req, endpoint->PostInitError(std::move(req.body()), std::move(type)));
    }

    if (target == kRestoreNextPath && method == http_ns::verb::get) {
      co_return ReplyResponse(req, endpoint->RestoreNext());
    }
    if (target == kRestoreErrorPath && method == http_ns::verb::post) {
      std::string type(req["Lambda-Runtime-Function-Error-Type"]);
      co_return ReplyResponse(req,
                              endpoint->PostRestoreError(std::move(req.body()), std::move(type)));
    }

    if (auto parts = SplitInvocationPath(target); parts && method == http_ns::verb::post) {
      auto& [id, verb] = *parts;
      if (verb == "response") {
        co_return ReplyResponse(req, endpoint->PostResponse(id, std::move(req.body())));
      }
      if (verb == "error") {
        std::string type(req["Lambda-Runtime-Function-Error-Type"]);
        co_return ReplyResponse(req,
                                endpoint->PostError(id, std::move(req.body()), std::move(type)));
      }
    }
    co_return ErrorResponse(req, status::not_found, "InvalidRequest",
                            "Unknown Runtime API path " + std::string(target));
  };
}

http::OversizeHandler MakeRuntimeApiOversizeHandler(std::weak_ptr<RuntimeEndpoint> weak) {
  return [weak](const http::Request& header) {
    auto parts = SplitInvocationPath(StripQuery(header.target()));
    auto endpoint = weak.lock();
    // An oversized error body fails the invocation as an oversized response
    // does (Lambda's error payload has the response's limit), at once rather
    // than when the runtime gives up or times out.
    if (endpoint && parts && (parts->second == "response" || parts->second == "error")) {
      endpoint->ResponseTooLarge(parts->first);
    }
    return ReplyResponse(header, RuntimeReply::kTooLarge);
  };
}

}  // namespace lambda_emu::api
