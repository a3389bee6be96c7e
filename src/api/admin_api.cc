#include "api/admin_api.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>

#include "api/aws_error.h"
#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "invoke/async_queue.h"
#include "invoke/schedules.h"
#include "metrics/console_metrics.h"
#include "metrics/process_metrics.h"
#include "pool/ids.h"

namespace lambda_emu::api {

namespace http_ns = beast::http;

http::Response AdminApi::Metrics(const http::Request& req) const {
  std::string body = metrics::RenderPrometheus(registry_.Snapshots());
  body += metrics::RenderProcessPrometheus(metrics::TakeProcessFigures());
  body += metrics::RenderConsolePrometheus(logs::ConsoleDropCounts());
  if (const auto* spares = registry_.spares()) {
    body += metrics::RenderSparePrometheus(spares->figures());
  }
  if (async_) body += async_->RenderPrometheus();
  return http::MakeResponse(req, http_ns::status::ok, std::move(body), "text/plain; version=0.0.4");
}

http::Response AdminApi::Functions(const http::Request& req) const {
  nlohmann::json functions = nlohmann::json::array();
  for (const auto& snapshot : registry_.Snapshots())
    functions.push_back(metrics::RenderJson(snapshot));
  const auto& account = registry_.account();
  nlohmann::json body = {
      {"Functions", functions},
      {"Account",
       {{"ConcurrentExecutions", account.limit()},
        {"UnreservedConcurrentExecutions", account.unreserved_limit()},
        {"UnreservedInUse", account.unreserved_in_use()}}},
  };
  // The prices each function's Cost is at (docs/insight.md).
  body["Prices"] = metrics::PricesJson(registry_.prices());
  return http::MakeResponse(req, http_ns::status::ok, JsonBody(body));
}

http::Response AdminApi::Function(const http::Request& req, std::string_view name) const {
  auto* pool = registry_.Find(std::string(name));
  if (!pool) {
    return ToResponse(AwsError::ResourceNotFound("Function not found: " + std::string(name)), req,
                      pool::NewRequestId());
  }
  metrics::FunctionSnapshot snapshot = pool->Snapshot();
  auto origin = registry_.OriginOf(pool->function().config.name);
  if (origin) snapshot.source = *origin == registry::Origin::kFile ? "file" : "api";
  return http::MakeResponse(req, http_ns::status::ok, JsonBody(metrics::RenderJson(snapshot)));
}

// Ready means: the project loaded, the server takes invokes, and every
// function's provisioned environments are up, so a test's first invoke of a
// provisioned function is warm. A function without ProvisionedConcurrency is
// ready as soon as it is registered (its first invoke is a cold start, as on
// AWS). States use Lambda's words: Active, Pending, Failed.
http::Response AdminApi::Health(const http::Request& req) const {
  nlohmann::json functions = nlohmann::json::object();
  nlohmann::json reasons = nlohmann::json::array();
  int starting = 0, idle = 0, busy = 0;
  for (const auto& f : registry_.Snapshots()) {
    starting += f.environments_starting;
    idle += f.environments_idle;
    busy += f.environments_busy;
    nlohmann::json state = {{"State", metrics::FunctionState(f)}};
    if (f.provisioned_concurrency > 0) {
      state["ProvisionedConcurrency"] = f.provisioned_concurrency;
      state["ProvisionedReady"] = f.provisioned_ready;
    }
    if (f.provisioned_ready < f.provisioned_concurrency) {
      std::string reason = "function " + f.name + ": " + std::to_string(f.provisioned_ready) +
                           " of " + std::to_string(f.provisioned_concurrency) +
                           " provisioned environments initialized";
      if (f.provisioned_init_failures > 0) {
        reason += "; their init failed (" + std::to_string(f.provisioned_init_failures) +
                  " round(s) in a row, see the function's log)";
      }
      state["Reason"] = reason;
      reasons.push_back(std::move(reason));
    }
    functions[f.name] = std::move(state);
  }
  const bool ready = reasons.empty();
  nlohmann::json body = {
      {"Status", ready ? "ready" : "not-ready"},
      {"Reasons", reasons},
      {"Version", LAMBDA_EMU_VERSION},
      {"FunctionCount", registry_.size()},
      {"Functions", functions},
      {"Environments", {{"Starting", starting}, {"Idle", idle}, {"Busy", busy}}},
  };
  return http::MakeResponse(req, ready ? http_ns::status::ok : http_ns::status::service_unavailable,
                            JsonBody(body));
}

// Counters first or environments first makes no difference: stopping an
// environment counts nothing. Busy environments finish the invocation they
// run (it is counted, after the reset, when it ends) and then stop.
http::Response AdminApi::Reset(const http::Request& req, std::string_view query) {
  auto environments = QueryParam(query, "environments");
  if (environments && *environments != "stop") {
    return ToResponse(AwsError::InvalidParameterValue(
                          "environments: expected 'stop' (stop every environment so the next "
                          "invoke is cold), got '" +
                          *environments + "'"),
                      req, pool::NewRequestId());
  }
  nlohmann::json body = {{"FunctionCount", registry_.size()}};
  if (environments) {
    int stopped = 0, stopping = 0;
    for (const auto& f : registry_.Snapshots()) {
      stopped += f.environments_idle;
      stopping += f.environments_busy + f.environments_starting;
    }
    registry_.StopEnvironments();
    body["EnvironmentsStopped"] = stopped;
    body["EnvironmentsStopping"] = stopping;
  }
  registry_.ResetMetrics();
  if (async_) async_->ResetMetrics();
  return http::MakeResponse(req, http_ns::status::ok, JsonBody(body));
}

http::Response AdminApi::Async(const http::Request& req) const {
  nlohmann::json body = async_ ? async_->Snapshot() : nlohmann::json::object();
  return http::MakeResponse(req, http_ns::status::ok, JsonBody(body));
}

http::Response AdminApi::AsyncRecords(const http::Request& req, std::string_view query) const {
  std::string destination = UrlDecode(QueryParam(query, "destination").value_or(""));
  nlohmann::ordered_json body;
  if (async_) {
    body = async_->Records(destination);
  } else {
    body["Records"] = nlohmann::ordered_json::array();
  }
  return http::MakeResponse(
      req, http_ns::status::ok,
      body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

http::Response AdminApi::ScheduleList(const http::Request& req) const {
  nlohmann::json body = schedules_ ? schedules_->Snapshot() : nlohmann::json::object();
  return http::MakeResponse(req, http_ns::status::ok, JsonBody(body));
}

boost::asio::awaitable<http::Response> AdminApi::FireSchedule(const http::Request& req,
                                                              std::string name) {
  if (!schedules_) {
    co_return ToResponse(AwsError::ResourceNotFound("The project has no schedules"), req,
                         pool::NewRequestId());
  }
  auto* schedules = schedules_;
  auto executor = co_await boost::asio::this_coro::executor;
  const std::string decoded = UrlDecode(name);
  std::optional<Result<invoke::Schedules::Fired>> fired;
  auto* fired_ptr = &fired;
  const auto* decoded_ptr = &decoded;
  // Only pointers into this frame are captured (GCC 12 and co_await temporaries).
  Status stored =
      co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(Status)>(
          [schedules, fired_ptr, decoded_ptr, executor](auto handler) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            fired_ptr->emplace(schedules->Fire(
                *decoded_ptr, [shared](Status status) mutable { (*shared)(std::move(status)); }));
            // Not found: nothing was queued and `stored` will never be called.
            if (!(*fired_ptr)->ok()) {
              boost::asio::post(executor, [shared]() mutable { (*shared)(Status::Ok()); });
            }
          },
          boost::asio::use_awaitable);
  if (!fired->ok()) {
    co_return ToResponse(AwsError::ResourceNotFound(fired->status().message()), req,
                         pool::NewRequestId());
  }
  if (!stored.ok()) {
    co_return ToResponse(AwsError::Service("The event could not be queued: " + stored.message()),
                         req, (*fired)->request_id);
  }
  nlohmann::json body = {{"Schedule", (*fired)->schedule}, {"RequestId", (*fired)->request_id}};
  auto res = http::MakeResponse(req, http_ns::status::accepted, JsonBody(body));
  res.set("x-amzn-RequestId", (*fired)->request_id);
  co_return res;
}

}  // namespace lambda_emu::api
