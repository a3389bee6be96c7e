#pragma once
// The emulator's own endpoints, beside the AWS APIs:
//   GET /metrics                 Prometheus text, per function, and the process's
//                                descriptors and HTTP connection counters
//   GET /_emu/functions          JSON: every function's counters and environments
//   GET /_emu/functions/{name}   JSON: one function
//   GET /_emu/health             200 when ready, 503 with the reasons when not
//   POST /_emu/reset             counters to zero; ?environments=stop also
//                                stops every environment (next invoke is cold)
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
  http::Response Health(const http::Request& req) const;
  http::Response Reset(const http::Request& req, std::string_view query);

 private:
  registry::FunctionRegistry& registry_;
};

}  // namespace lambda_emu::api
