#pragma once
// ApiGateway: the HTTP front door for API Gateway routes and Function URLs.
// It turns an HTTP request into the proxy event its route asks for, invokes
// the function through its pool (the same path the Invoke API takes, with
// no HTTP hop), and maps the result back as API Gateway does: its own
// error answers (no route, timeout, function error), CORS, request id
// headers, and one access line per request in the server log.
// Owned by `serve`; io thread only.

#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <string>

#include "gateway/api_builder.h"
#include "gateway/routes.h"
#include "http/server.h"
#include "pool/services.h"
#include "registry/function_registry.h"

namespace lambda_emu::gateway {

class ApiGateway {
 public:
  ApiGateway(registry::FunctionRegistry& registry, const pool::ServerSettings& settings);

  // Replaces the routes (at start and on reload).
  void SetRoutes(const GatewayConfig& config);
  bool has_routes() const { return !table_->routes().empty(); }

  // A request on the API port.
  boost::asio::awaitable<http::Response> HandleApi(http::Request& req);
  // A request on `function`'s Function URL.
  boost::asio::awaitable<http::Response> HandleFunctionUrl(http::Request& req,
                                                           const std::string& function);
  // The answer to a request whose body is over API Gateway's 10 MB.
  static http::Response TooLarge(const http::Request& header);

 private:
  struct Call {
    bool timed_out = false;
    bool cold = false;
    pool::InvokeOutcome outcome;
  };
  // Invokes `function` with `payload` through its pool, giving up after
  // `timeout_ms` (the invocation itself runs on to its own end).
  boost::asio::awaitable<Call> Invoke(const std::string& function, std::string payload,
                                      int timeout_ms);
  boost::asio::awaitable<http::Response> Serve(http::Request& req, const RouteMatch& match);

  registry::FunctionRegistry& registry_;
  const pool::ServerSettings& settings_;
  std::shared_ptr<const RouteTable> table_;
  std::map<std::string, Route> function_urls_;  // by function name
  bool rest_ = false;  // some route is a REST API's: unknown routes get 403, else 404
};

}  // namespace lambda_emu::gateway
