#pragma once
// ApiRouter: the route table of the public endpoint (the one the aws CLI and
// SDKs talk to). One readable place that maps (method, path) to a handler;
// each handler lives in its own file under api/. io thread only.

#include <boost/asio/awaitable.hpp>

#include "api/admin_api.h"
#include "api/invoke_api.h"
#include "api/management_api.h"
#include "http/server.h"

namespace lambda_emu::dashboard {
class Dashboard;
}

namespace lambda_emu::api {

class ApiRouter {
 public:
  ApiRouter(InvokeApi& invoke, AdminApi& admin, ManagementApi& management,
            dashboard::Dashboard* dashboard = nullptr)
      : invoke_(invoke), admin_(admin), management_(management), dashboard_(dashboard) {}

  boost::asio::awaitable<http::Response> Route(http::Request& req);

  // Answers a request whose body is over the Invoke API's limit.
  http::Response TooLarge(const http::Request& header);
  // Answers what is not an HTTP request it can serve (400, 408, 431), in the
  // Invoke API's error shape (http::ProtocolErrorHandler).
  static http::Response ProtocolError(beast::http::status status, std::string_view message);

 private:
  InvokeApi& invoke_;
  AdminApi& admin_;
  ManagementApi& management_;
  dashboard::Dashboard* dashboard_;  // /_emu/ui, /_emu/invocations, /_emu/tune; may be null
};

}  // namespace lambda_emu::api
