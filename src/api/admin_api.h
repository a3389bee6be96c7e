#pragma once
// The emulator's own endpoints, beside the AWS APIs:
//   GET /metrics                 Prometheus text, per function
//   GET /_emu/functions          JSON: every function's counters and environments
//   GET /_emu/functions/{name}   JSON: one function
// io thread only.

#include "http/server.h"
#include "registry/function_registry.h"

namespace lambda_emu::api {

class AdminApi {
 public:
  explicit AdminApi(registry::FunctionRegistry& registry) : registry_(registry) {}

  http::Response Metrics(const http::Request& req) const;
  http::Response Functions(const http::Request& req) const;
  http::Response Function(const http::Request& req, std::string_view name) const;

 private:
  registry::FunctionRegistry& registry_;
};

}  // namespace lambda_emu::api
