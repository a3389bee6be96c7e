#include "api/router.h"

#include "api/aws_error.h"
#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "dashboard/dashboard.h"
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
  if (dashboard_ && s.size() >= 2 && s[0] == "_emu") {
    if (auto res = dashboard_->Handle(req, s, t.query)) co_return std::move(*res);
  }
  if (method == http_ns::verb::get) {
    if (s.size() == 1 && s[0] == "metrics") co_return admin_.Metrics(req);
    if (s.size() == 2 && s[0] == "_emu" && s[1] == "functions") co_return admin_.Functions(req);
    if (s.size() == 3 && s[0] == "_emu" && s[1] == "functions") {
      co_return admin_.Function(req, s[2]);
    }
    if (s.size() == 2 && s[0] == "_emu" && s[1] == "health") co_return admin_.Health(req);
    if (s.size() == 2 && s[0] == "_emu" && s[1] == "async") co_return admin_.Async(req);
    if (s.size() == 3 && s[0] == "_emu" && s[1] == "async" && s[2] == "records") {
      co_return admin_.AsyncRecords(req, t.query);
    }
    if (s.size() == 2 && s[0] == "_emu" && s[1] == "schedules") co_return admin_.ScheduleList(req);
    if (s.size() == 3 && s[0] == "_emu" && s[1] == "code") {
      co_return co_await management_.DownloadCode(req, s[2]);
    }

    // The management API's read side.
    if (s.size() >= 2 && s[0] == "2015-03-31" && s[1] == "functions") {
      if (s.size() == 2) co_return co_await management_.ListFunctions(req, t.query);
      if (s.size() == 3) co_return co_await management_.GetFunction(req, s[2], t.query);
      if (s.size() == 4 && s[3] == "configuration") {
        co_return co_await management_.GetFunctionConfiguration(req, s[2], t.query);
      }
      if (s.size() == 4 && s[3] == "versions") {
        co_return co_await management_.ListVersionsByFunction(req, s[2], t.query);
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
      co_return co_await management_.GetAccountSettings(req);
    }
  }
  if (method == http_ns::verb::post && s.size() == 2 && s[0] == "_emu" && s[1] == "reset") {
    co_return admin_.Reset(req, t.query);
  }
  if (method == http_ns::verb::post && s.size() == 4 && s[0] == "_emu" && s[1] == "schedules" &&
      s[3] == "fire") {
    std::string name(s[2]);
    co_return co_await admin_.FireSchedule(req, std::move(name));
  }

  // The management API's writes (and the reads that sit beside them).
  const bool functions = s.size() >= 2 && s[0] == "2015-03-31" && s[1] == "functions";
  using verb = http_ns::verb;
  if (functions) {
    if (method == verb::post && s.size() == 2) co_return co_await management_.CreateFunction(req);
    if (method == verb::delete_ && s.size() == 3) {
      co_return co_await management_.DeleteFunction(req, s[2], t.query);
    }
    if (method == verb::put && s.size() == 4 && s[3] == "code") {
      co_return co_await management_.UpdateFunctionCode(req, s[2]);
    }
    if (method == verb::put && s.size() == 4 && s[3] == "configuration") {
      co_return co_await management_.UpdateFunctionConfiguration(req, s[2]);
    }
    if (method == verb::post && s.size() == 4 && s[3] == "versions") {
      co_return co_await management_.PublishVersion(req, s[2]);
    }
    if (method == verb::post && s.size() == 4 && s[3] == "aliases") {
      co_return co_await management_.CreateAlias(req, s[2]);
    }
    if (s.size() == 5 && s[3] == "aliases") {
      if (method == verb::get) co_return management_.GetAlias(req, s[2], s[4]);
      if (method == verb::put) co_return co_await management_.UpdateAlias(req, s[2], s[4]);
      if (method == verb::delete_) co_return co_await management_.DeleteAlias(req, s[2], s[4]);
    }
  }
  if (s.size() == 4 && s[0] == "2017-10-31" && s[1] == "functions" && s[3] == "concurrency") {
    if (method == verb::put) co_return co_await management_.PutFunctionConcurrency(req, s[2]);
    if (method == verb::delete_) {
      co_return co_await management_.DeleteFunctionConcurrency(req, s[2]);
    }
  }
  if (s.size() == 4 && s[0] == "2019-09-30" && s[1] == "functions" &&
      s[3] == "provisioned-concurrency") {
    if (method == verb::put) {
      co_return co_await management_.PutProvisionedConcurrencyConfig(req, s[2], t.query);
    }
    if (method == verb::get) {
      if (QueryParam(t.query, "List")) {
        co_return management_.ListProvisionedConcurrencyConfigs(req, s[2], t.query);
      }
      co_return management_.GetProvisionedConcurrencyConfig(req, s[2], t.query);
    }
    if (method == verb::delete_) {
      co_return co_await management_.DeleteProvisionedConcurrencyConfig(req, s[2], t.query);
    }
  }
  // InvokeAsync, the deprecated asynchronous invoke: an Event invoke.
  if (method == verb::post && s.size() == 4 && s[0] == "2014-11-13" && s[1] == "functions" &&
      s[3] == "invoke-async") {
    req.set("X-Amz-Invocation-Type", "Event");
    http::Response res = co_await invoke_.Invoke(req, s[2], {});
    if (res.result() == http_ns::status::accepted) res.body() = R"({"Status":202})";
    co_return res;
  }

  // Event-invoke, URL, policy, tag and layer operations (management_event_invoke.cc,
  // management_urls.cc, management_policy.cc, management_tags.cc, layers_api.cc,
  // layer_permissions.cc).
  if (s.size() >= 4 && s[0] == "2019-09-25" && s[1] == "functions" &&
      s[3] == "event-invoke-config") {
    if (s.size() == 5 && s[4] == "list" && method == verb::get) {
      co_return management_.ListFunctionEventInvokeConfigs(req, s[2], t.query);
    }
    if (s.size() == 4) {
      if (method == verb::put) {
        co_return co_await management_.PutFunctionEventInvokeConfig(req, s[2], t.query);
      }
      if (method == verb::post) {
        co_return co_await management_.UpdateFunctionEventInvokeConfig(req, s[2], t.query);
      }
      if (method == verb::get) {
        co_return management_.GetFunctionEventInvokeConfig(req, s[2], t.query);
      }
      if (method == verb::delete_) {
        co_return co_await management_.DeleteFunctionEventInvokeConfig(req, s[2], t.query);
      }
    }
  }
  if (s.size() == 4 && s[0] == "2021-10-31" && s[1] == "functions") {
    if (s[3] == "urls" && method == verb::get) {
      co_return management_.ListFunctionUrlConfigs(req, s[2], t.query);
    }
    if (s[3] == "url") {
      if (method == verb::post) {
        co_return co_await management_.CreateFunctionUrlConfig(req, s[2], t.query);
      }
      if (method == verb::get) co_return management_.GetFunctionUrlConfig(req, s[2], t.query);
      if (method == verb::put) {
        co_return co_await management_.UpdateFunctionUrlConfig(req, s[2], t.query);
      }
      if (method == verb::delete_) {
        co_return co_await management_.DeleteFunctionUrlConfig(req, s[2], t.query);
      }
    }
  }
  if (functions && s.size() >= 4 && s[3] == "policy") {
    if (s.size() == 4 && method == verb::post) {
      co_return co_await management_.AddPermission(req, s[2], t.query);
    }
    if (s.size() == 4 && method == verb::get) co_return management_.GetPolicy(req, s[2], t.query);
    if (s.size() == 5 && method == verb::delete_) {
      co_return co_await management_.RemovePermission(req, s[2], s[4], t.query);
    }
  }
  if (s.size() == 3 && s[0] == "2017-03-31" && s[1] == "tags") {
    if (method == verb::post) co_return co_await management_.TagResource(req, s[2]);
    if (method == verb::delete_) {
      co_return co_await management_.UntagResource(req, s[2], t.query);
    }
  }
  if (s.size() >= 2 && s[0] == "2018-10-31" && s[1] == "layers") {
    if (s.size() == 2 && method == verb::get) {
      if (QueryParam(t.query, "find")) co_return management_.GetLayerVersionByArn(req, t.query);
      co_return management_.ListLayers(req, t.query);
    }
    if (s.size() == 4 && s[3] == "versions") {
      if (method == verb::post) co_return co_await management_.PublishLayerVersion(req, s[2]);
      if (method == verb::get) co_return management_.ListLayerVersions(req, s[2], t.query);
    }
    if (s.size() == 5 && s[3] == "versions") {
      if (method == verb::get) co_return management_.GetLayerVersion(req, s[2], s[4]);
      if (method == verb::delete_) {
        co_return co_await management_.DeleteLayerVersion(req, s[2], s[4]);
      }
    }
    if (s.size() == 6 && s[3] == "versions" && s[5] == "policy") {
      if (method == verb::post) {
        co_return co_await management_.AddLayerVersionPermission(req, s[2], s[4], t.query);
      }
      if (method == verb::get) co_return management_.GetLayerVersionPolicy(req, s[2], s[4]);
    }
    if (s.size() == 7 && s[3] == "versions" && s[5] == "policy" && method == verb::delete_) {
      co_return co_await management_.RemoveLayerVersionPermission(req, s[2], s[4], s[6], t.query);
    }
  }
  if (method == verb::get && s.size() == 4 && s[0] == "_emu" && s[1] == "layers") {
    co_return co_await management_.DownloadLayer(req, s[2], s[3]);
  }

  AwsError error{
      http_ns::status::not_found,
      "UnknownOperationException",
      "Unknown operation " + std::string(req.method_string()) + " " + std::string(req.target()),
      {},
      0};
  co_return ToResponse(error, req, pool::NewRequestId());
}

http::Response ApiRouter::ProtocolError(http_ns::status status, std::string_view message) {
  AwsError error{status, "", std::string(message), "", 0};
  switch (status) {
    case http_ns::status::request_timeout:
      error.type = "RequestTimeoutException";
      break;
    case http_ns::status::request_header_fields_too_large:
      error.type = "RequestHeaderFieldsTooLargeException";
      break;
    default:
      error.type = "BadRequestException";
  }
  http::Request none;  // nothing of the request could be read; HTTP/1.1
  return ToResponse(error, none, pool::NewRequestId());
}

http::Response ApiRouter::TooLarge(const http::Request& header) {
  AwsError error = AwsError::RequestTooLarge();
  // The operations that upload a deployment package have their own limit.
  const Target t = SplitTarget(header.target());
  const auto& s = t.segments;
  const char* operation = nullptr;
  if (header.method() == http_ns::verb::post && s.size() == 2 && s[0] == "2015-03-31") {
    operation = "CreateFunction";
  } else if (header.method() == http_ns::verb::put && s.size() == 4 && s[3] == "code") {
    operation = "UpdateFunctionCode";
  } else if (header.method() == http_ns::verb::post && s.size() == 4 && s[0] == "2018-10-31") {
    operation = "PublishLayerVersion";
  }
  if (operation) {
    error.type = "RequestEntityTooLargeException";
    error.message = "Request must be smaller than " +
                    std::to_string(ManagementApi::BodyLimit(header)) + " bytes for the " +
                    operation + " operation";
  }
  return ToResponse(error, header, pool::NewRequestId());
}

}  // namespace lambda_emu::api
