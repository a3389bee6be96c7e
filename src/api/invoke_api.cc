#include "api/invoke_api.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/aws_error.h"
#include "api/function_ref.h"
#include "common/base64.h"
#include "common/json_check.h"
#include "invoke/async_queue.h"
#include "pool/ids.h"

namespace lambda_emu::api {

namespace http_ns = beast::http;

namespace {

constexpr size_t kMaxClientContextBytes = 3583;
constexpr size_t kLogTailBytes = 4096;

}  // namespace

InvokeApi::InvokeApi(registry::FunctionRegistry& registry, const pool::ServerSettings& settings)
    : registry_(registry), settings_(settings) {}

boost::asio::awaitable<http::Response> InvokeApi::Invoke(http::Request& req,
                                                         std::string_view function,
                                                         std::string_view query) {
  std::string request_id = pool::NewRequestId();
  auto fail = [&](const AwsError& error) { return ToResponse(error, req, request_id); };

  std::string decoded = UrlDecode(function);
  std::optional<std::string> qualifier = QueryParam(query, "Qualifier");
  if (qualifier && qualifier->empty()) qualifier.reset();
  std::string_view invocation_type = req["X-Amz-Invocation-Type"];
  if (invocation_type.empty()) invocation_type = "RequestResponse";
  std::string_view log_type = req["X-Amz-Log-Type"];

  // Lambda checks every member against its model first and reports all the
  // violations in one ValidationException, in the order of Invoke's members.
  ValidationErrors errors;
  std::optional<FunctionRef> ref = ValidateFunctionName(decoded, registry_, errors);
  if (invocation_type != "RequestResponse" && invocation_type != "Event" &&
      invocation_type != "DryRun") {
    errors.Add(invocation_type, "invocationType",
               "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
  }
  if (!log_type.empty() && log_type != "None" && log_type != "Tail") {
    errors.Add(log_type, "logType", "Member must satisfy enum value set: [Tail, None]");
  }
  if (qualifier) ValidateQualifier(*qualifier, errors);
  if (!errors.empty()) co_return fail(AwsError::Validation(errors));

  if (ref->region && *ref->region != settings_.region) {
    co_return fail(AwsError::ResourceNotFound("Functions from '" + *ref->region +
                                              "' are not reachable in this region ('" +
                                              settings_.region + "')"));
  }
  if (ref->qualifier && qualifier && *ref->qualifier != *qualifier) {
    co_return fail(AwsError::InvalidParameterValue(
        "The derived qualifier from the function name does not match the specified qualifier."));
  }
  if (!qualifier) qualifier = std::move(ref->qualifier);

  // Another account's function is simply not found: Invoke is allowed across
  // accounts (by resource policy), so Lambda does not deny it outright.
  pool::FunctionPool* pool = nullptr;
  if (!ref->account || *ref->account == settings_.account_id) {
    pool = qualifier ? registry_.Find(ref->name, *qualifier) : registry_.Find(ref->name);
  }
  if (!pool) {
    const std::string arn =
        FunctionArn(settings_.region, ref->account.value_or(settings_.account_id), ref->name);
    co_return fail(AwsError::ResourceNotFound("Function not found: " + arn + ":" +
                                              qualifier.value_or("$LATEST")));
  }

  auto invocation = std::make_shared<pool::Invocation>();
  invocation->request_id = request_id;
  if (qualifier) invocation->qualifier = *qualifier;
  invocation->io =
      &static_cast<boost::asio::io_context&>((co_await boost::asio::this_coro::executor).context());
  invocation->payload = std::move(req.body());
  if (invocation->payload.empty()) invocation->payload = "{}";
  if (invocation_type == "Event" && invocation->payload.size() > kMaxEventPayloadBytes) {
    // Lambda names this one differently from the synchronous limit's error.
    co_return fail(AwsError{http_ns::status::payload_too_large,
                            "RequestEntityTooLargeException",
                            std::to_string(invocation->payload.size()) +
                                " byte payload is too large for the Event invocation type (limit " +
                                std::to_string(kMaxEventPayloadBytes) + " bytes)",
                            {}});
  }
  if (auto error = JsonError(invocation->payload)) {
    co_return fail(AwsError::InvalidRequestContent(
        "Could not parse request body into json: Could not parse payload into json: " + *error));
  }

  if (std::string_view encoded = req["X-Amz-Client-Context"]; !encoded.empty()) {
    if (encoded.size() > kMaxClientContextBytes) {
      co_return fail(AwsError::InvalidParameterValue(
          "Client context must be less than or equal to 3583 bytes when Base64-encoded."));
    }
    auto decoded = Base64Decode(encoded);
    if (!decoded || JsonError(*decoded)) {
      co_return fail(AwsError::InvalidRequestContent(
          "Client context must be a valid Base64-encoded JSON object."));
    }
    invocation->client_context = std::move(*decoded);
  }

  if (invocation_type == "DryRun") {
    http::Response res{http_ns::status::no_content, req.version()};
    res.set("x-amzn-RequestId", request_id);
    co_return res;
  }

  std::string_view trace = req["X-Amzn-Trace-Id"];
  invocation->trace_id = trace.empty() ? pool::NewTraceId() : std::string(trace);
  invocation->want_log = log_type == "Tail" && invocation_type == "RequestResponse";

  if (invocation_type == "Event") {
    if (async_) {
      // Durable in the event queue before the 202: from here on the event
      // runs at least once, whatever happens to this server.
      invoke::NewEvent event;
      event.request_id = request_id;
      event.function = pool->function().config.name;
      event.qualifier = invocation->qualifier;
      event.payload = std::move(invocation->payload);
      event.trace_id = std::move(invocation->trace_id);
      auto* queue = async_;
      auto* event_ptr = &event;
      Status stored =
          co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(Status)>(
              [queue, event_ptr](auto handler) {
                queue->Accept(std::move(*event_ptr),
                              [handler = std::make_shared<decltype(handler)>(std::move(handler))](
                                  Status status) mutable { (*handler)(std::move(status)); });
              },
              boost::asio::use_awaitable);
      if (!stored.ok()) {
        co_return fail(AwsError::Service("The event could not be queued: " + stored.message()));
      }
    } else {
      invocation->SetCompletion([](pool::InvokeOutcome) {});
      pool->Invoke(std::move(invocation));
    }
    http::Response res{http_ns::status::accepted, req.version()};
    res.set("x-amzn-RequestId", request_id);
    co_return res;
  }

  const std::string version = pool->function().version;
  // GCC 12 may destroy temporaries of a co_await expression twice, so the
  // initiation captures only pointers; `invocation` stays owned by this frame.
  auto* shared_invocation = &invocation;
  pool::InvokeOutcome outcome =
      co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                           void(pool::InvokeOutcome)>(
          [pool, shared_invocation](auto handler) {
            (*shared_invocation)->SetCompletion(std::move(handler));
            pool->Invoke(*shared_invocation);
          },
          boost::asio::use_awaitable);

  using Kind = pool::InvokeOutcome::Kind;
  if (outcome.kind == Kind::kThrottled) {
    co_return fail(AwsError::TooManyRequests(std::move(outcome.throttle_reason)));
  }
  if (outcome.kind == Kind::kServiceError) {
    co_return fail(AwsError::Service(std::move(outcome.payload)));
  }
  auto res = http::MakeResponse(req, http_ns::status::ok, std::move(outcome.payload));
  res.set("x-amzn-RequestId", request_id);
  res.set("X-Amz-Executed-Version", version);
  if (outcome.kind == Kind::kFunctionError) res.set("X-Amz-Function-Error", "Unhandled");
  if (log_type == "Tail") {
    std::string_view log = outcome.log;
    if (log.size() > kLogTailBytes) log = log.substr(log.size() - kLogTailBytes);
    res.set("X-Amz-Log-Result", Base64Encode(log));
  }
  co_return res;
}

}  // namespace lambda_emu::api
