#include "api/router.h"

#include "api/aws_error.h"
#include "pool/ids.h"

namespace lambda_emu::api {

namespace http_ns = beast::http;

namespace {

// Splits "/a/b/c?q" into its path segments and the query.
struct Target {
  std::vector<std::string_view> segments;
  std::string_view query;
};

Target SplitTarget(std::string_view target) {
  Target t;
  auto q = target.find('?');
  if (q != std::string_view::npos) {
    t.query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  while (!target.empty()) {
    if (target.front() == '/') {
      target.remove_prefix(1);
      continue;
    }
    auto slash = target.find('/');
    t.segments.push_back(target.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash);
  }
  return t;
}

}  // namespace

boost::asio::awaitable<http::Response> ApiRouter::Route(http::Request& req) {
  const Target t = SplitTarget(req.target());
  const auto method = req.method();
  const auto& s = t.segments;

  // POST /2015-03-31/functions/{name}/invocations
  if (method == http_ns::verb::post && s.size() == 4 && s[0] == "2015-03-31" &&
      s[1] == "functions" && s[3] == "invocations") {
    co_return co_await invoke_.Invoke(req, s[2], t.query);
  }

  // The emulator's own endpoints.
  if (method == http_ns::verb::get) {
    if (s.size() == 1 && s[0] == "metrics") co_return admin_.Metrics(req);
    if (s.size() == 2 && s[0] == "_emu" && s[1] == "functions") co_return admin_.Functions(req);
    if (s.size() == 3 && s[0] == "_emu" && s[1] == "functions") {
      co_return admin_.Function(req, s[2]);
    }
    if (s.size() == 2 && s[0] == "_emu" && s[1] == "health") co_return admin_.Health(req);
    if (s.size() == 3 && s[0] == "_emu" && s[1] == "code") {
      co_return management_.DownloadCode(req, s[2]);
    }

    // The management API's read side.
    if (s.size() >= 2 && s[0] == "2015-03-31" && s[1] == "functions") {
      if (s.size() == 2) co_return management_.ListFunctions(req, t.query);
      if (s.size() == 3) co_return management_.GetFunction(req, s[2], t.query);
      if (s.size() == 4 && s[3] == "configuration") {
        co_return management_.GetFunctionConfiguration(req, s[2], t.query);
      }
      if (s.size() == 4 && s[3] == "versions") {
        co_return management_.ListVersionsByFunction(req, s[2], t.query);
      }
      if (s.size() == 4 && s[3] == "aliases") {
        co_return management_.ListAliases(req, s[2], t.query);
      }
    }
    if (s.size() == 4 && s[0] == "2019-09-30" && s[1] == "functions" && s[3] == "concurrency") {
      co_return management_.GetFunctionConcurrency(req, s[2]);
    }
    if (s.size() == 3 && s[0] == "2017-03-31" && s[1] == "tags") {
      co_return management_.ListTags(req, s[2]);
    }
    if (s.size() == 2 && s[0] == "2016-08-19" && s[1] == "account-settings") {
      co_return management_.GetAccountSettings(req);
    }
  }
  if (method == http_ns::verb::post && s.size() == 2 && s[0] == "_emu" && s[1] == "reset") {
    co_return admin_.Reset(req, t.query);
  }

  AwsError error{
      http_ns::status::not_found,
      "UnknownOperationException",
      "Unknown operation " + std::string(req.method_string()) + " " + std::string(req.target()),
      {},
      0};
  co_return ToResponse(error, req, pool::NewRequestId());
}

http::Response ApiRouter::TooLarge(const http::Request& header) {
  return ToResponse(AwsError::RequestTooLarge(), header, pool::NewRequestId());
}

}  // namespace lambda_emu::api
