#include "api/admin_api.h"

#include "api/aws_error.h"
#include "pool/ids.h"

namespace lambda_emu::api {

namespace http_ns = beast::http;

http::Response AdminApi::Metrics(const http::Request& req) const {
  return http::MakeResponse(req, http_ns::status::ok,
                            metrics::RenderPrometheus(registry_.Snapshots()),
                            "text/plain; version=0.0.4");
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
  return http::MakeResponse(req, http_ns::status::ok, body.dump());
}

http::Response AdminApi::Function(const http::Request& req, std::string_view name) const {
  auto* pool = registry_.Find(std::string(name));
  if (!pool) {
    return ToResponse(AwsError::ResourceNotFound("Function not found: " + std::string(name)), req,
                      pool::NewRequestId());
  }
  return http::MakeResponse(req, http_ns::status::ok, metrics::RenderJson(pool->Snapshot()).dump());
}

}  // namespace lambda_emu::api
