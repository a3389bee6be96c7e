#pragma once
// The emulator's own endpoints, beside the AWS APIs:
//   GET /metrics                 Prometheus text, per function, and the process's
//                                descriptors and HTTP connection counters
//   GET /_emu/functions          JSON: every function's counters and environments
//   GET /_emu/functions/{name}   JSON: one function
//   GET /_emu/health             200 when ready, 503 with the reasons when not
//   POST /_emu/reset             counters to zero; ?environments=stop also
//                                stops every environment (next invoke is cold)
//   GET /_emu/async              asynchronous invocation: each function's queue
//   GET /_emu/async/records      destination and dead-letter messages kept in the
//                                state directory (?destination=ARN)
//   GET /_emu/schedules          the project's schedules and their next firing
//   POST /_emu/schedules/{name}/fire   queues one firing now (202 once durable)
// io thread only.

#include <boost/asio/awaitable.hpp>
#include <string>

#include "http/server.h"
#include "registry/function_registry.h"

namespace lambda_emu::invoke {
class AsyncQueue;
class Schedules;
}  // namespace lambda_emu::invoke

namespace lambda_emu::api {

class AdminApi {
 public:
  explicit AdminApi(registry::FunctionRegistry& registry) : registry_(registry) {}

  http::Response Metrics(const http::Request& req) const;
  http::Response Functions(const http::Request& req) const;
  http::Response Function(const http::Request& req, std::string_view name) const;
  http::Response Health(const http::Request& req) const;
  http::Response Reset(const http::Request& req, std::string_view query);

  void SetAsync(invoke::AsyncQueue* queue, invoke::Schedules* schedules) {
    async_ = queue;
    schedules_ = schedules;
  }
  http::Response Async(const http::Request& req) const;
  http::Response AsyncRecords(const http::Request& req, std::string_view query) const;
  http::Response ScheduleList(const http::Request& req) const;
  // Answers 202 once the firing's event is durable, as an Event invoke does.
  boost::asio::awaitable<http::Response> FireSchedule(const http::Request& req, std::string name);

 private:
  registry::FunctionRegistry& registry_;
  invoke::AsyncQueue* async_ = nullptr;
  invoke::Schedules* schedules_ = nullptr;
};

}  // namespace lambda_emu::api
