#include "gateway/gateway_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <optional>

#include "gateway/authorizer.h"
#include "gateway/cors.h"
#include "gateway/proxy_event.h"
#include "gateway/proxy_response.h"
#include "pool/ids.h"

// GCC 12 warns, wrongly, that a coroutine frame allocated by Asio's
// awaitable_frame_base::operator new is freed by the matching delete
// (GCC bug 109224: -Wmismatched-new-delete on coroutines at -O2).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace lambda_emu::gateway {

namespace http_ns = beast::http;

namespace {

// The invocation's outcome, or that the integration timeout came first.
struct Race {
  explicit Race(boost::asio::io_context& io) : timer(io) {}
  // Boost 1.81's any_completion_handler must not be move-assigned: it is
  // constructed in place and taken out once.
  std::optional<boost::asio::any_completion_handler<void(bool, pool::InvokeOutcome)>> handler;
  boost::asio::steady_timer timer;

  void Finish(bool timed_out, pool::InvokeOutcome outcome) {
    if (!handler) return;
    auto h = std::move(*handler);
    handler.reset();
    timer.cancel();
    std::move(h)(timed_out, std::move(outcome));
  }
};

// Takes the body out of `req`: nothing reads it after the event is built.
HttpRequest ToHttpRequest(http::Request& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  for (const auto& field : req) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(req.body());
  out.host = std::string(req[http_ns::field::host]);
  out.protocol = req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
  return out;
}

http::Response ToResponse(const http::Request& req, HttpResponse in) {
  http::Response res{static_cast<http_ns::status>(in.status), req.version()};
  for (auto& [name, value] : in.headers) res.insert(name, value);
  res.body() = std::move(in.body);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

// A REST API turns a base64 body into bytes only when the request's Accept
// or the response's Content-Type is one of its BinaryMediaTypes; otherwise
// the client gets the base64 text as it is.
void KeepBase64UnlessBinary(const Route& route, std::string_view accept, std::string& payload) {
  if (payload.find("isBase64Encoded") == std::string::npos) return;  // the common case
  auto response = nlohmann::json::parse(payload, nullptr, false);
  if (!response.is_object() || response.value("isBase64Encoded", false) != true) return;
  std::string content_type;
  for (const char* key : {"headers", "multiValueHeaders"}) {
    if (!response.contains(key) || !response[key].is_object()) continue;
    for (const auto& [name, value] : response[key].items()) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower != "content-type") continue;
      if (value.is_string()) content_type = value.get<std::string>();
      if (value.is_array() && !value.empty() && value[0].is_string()) {
        content_type = value[0].get<std::string>();
      }
    }
  }
  if (IsBinaryMediaType(std::string(accept), route.binary_media_types) ||
      IsBinaryMediaType(content_type, route.binary_media_types)) {
    return;
  }
  response["isBase64Encoded"] = false;
  payload = response.dump();
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

const char* TypeName(ApiType type) {
  switch (type) {
    case ApiType::kRest:
      return "REST";
    case ApiType::kHttp:
      return "HTTP";
    case ApiType::kFunctionUrl:
      return "URL";
  }
  return "";
}

void AddRequestIds(ApiType type, const std::string& request_id, HttpResponse& res) {
  if (type == ApiType::kHttp) {
    res.headers.emplace_back("Apigw-Requestid", request_id);
    return;
  }
  res.headers.emplace_back("x-amzn-RequestId", request_id);
  res.headers.emplace_back("X-Amzn-Trace-Id", pool::NewTraceId());
  if (type == ApiType::kRest) res.headers.emplace_back("x-amz-apigw-id", request_id.substr(0, 16));
}

}  // namespace

ApiGateway::ApiGateway(registry::FunctionRegistry& registry, const pool::ServerSettings& settings)
    : registry_(registry),
      settings_(settings),
      table_(std::make_shared<const RouteTable>(std::vector<Route>{})) {}

void ApiGateway::SetRoutes(const GatewayConfig& config) {
  table_ = std::make_shared<const RouteTable>(config.routes);
  rest_ = false;
  for (const auto& route : config.routes) rest_ = rest_ || route.type == ApiType::kRest;
  function_urls_.clear();
  for (const auto& url : config.function_urls) function_urls_[url.function] = url;
}

http::Response ApiGateway::TooLarge(const http::Request& header) {
  http::Response res{http_ns::status::payload_too_large, header.version()};
  res.set(http_ns::field::content_type, "application/json");
  res.body() = R"({"message":"Request Too Long"})";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

boost::asio::awaitable<http::Response> ApiGateway::HandleApi(http::Request& req) {
  auto table = table_;  // a reload during this request must not pull it away
  const std::string_view path = PathOf(req.target());
  // A CORS preflight, unless the path declares its own OPTIONS route.
  const std::string_view origin = req[http_ns::field::origin];
  if (req.method() == http_ns::verb::options && !origin.empty() &&
      !req["Access-Control-Request-Method"].empty()) {
    const auto routes = table->RoutesForPath(path);
    std::vector<std::string> methods;
    bool declared = false;
    for (const Route* route : routes) {
      methods.push_back(route->method);
      declared = declared || route->method == "OPTIONS";
    }
    for (const Route* route : routes) {
      if (!route->cors || declared) continue;
      auto preflight =
          Preflight(route->type, *route->cors, origin, req["Access-Control-Request-Method"],
                    req["Access-Control-Request-Headers"], methods);
      if (preflight) co_return ToResponse(req, std::move(*preflight));
    }
  }
  auto match = table->Match(req.method_string(), path);
  if (!match) {
    HttpResponse res = rest_ ? MissingAuthenticationToken() : NotFound();
    spdlog::info("api: {} {} {} (no route)", std::string(req.method_string()),
                 std::string(req.target()), res.status);
    co_return ToResponse(req, std::move(res));
  }
  co_return co_await Serve(req, *match);
}

boost::asio::awaitable<http::Response> ApiGateway::HandleFunctionUrl(http::Request& req,
                                                                     const std::string& function) {
  auto it = function_urls_.find(function);
  if (it == function_urls_.end()) co_return ToResponse(req, NotFound());
  const Route route = it->second;
  const std::string_view origin = req[http_ns::field::origin];
  if (req.method() == http_ns::verb::options && !origin.empty() && route.cors &&
      !req["Access-Control-Request-Method"].empty()) {
    auto preflight =
        Preflight(route.type, *route.cors, origin, req["Access-Control-Request-Method"],
                  req["Access-Control-Request-Headers"]);
    if (preflight) co_return ToResponse(req, std::move(*preflight));
  }
  RouteMatch match{&route, {}};
  co_return co_await Serve(req, match);
}

boost::asio::awaitable<ApiGateway::Call> ApiGateway::Invoke(const std::string& function,
                                                            std::string payload, int timeout_ms) {
  Call call;
  pool::FunctionPool* pool = registry_.Find(function);
  if (!pool) {
    call.outcome.kind = pool::InvokeOutcome::Kind::kServiceError;
    co_return call;
  }
  auto invocation = std::make_shared<pool::Invocation>();
  invocation->request_id = pool::NewRequestId();
  invocation->trace_id = pool::NewTraceId();
  invocation->payload = std::move(payload);
  auto& io =
      static_cast<boost::asio::io_context&>((co_await boost::asio::this_coro::executor).context());
  invocation->io = &io;

  // GCC 12 may destroy temporaries of a co_await expression twice, so the
  // initiation captures only pointers.
  auto* shared_invocation = &invocation;
  auto [timed_out, outcome] =
      co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                           void(bool, pool::InvokeOutcome)>(
          [pool, shared_invocation, timeout_ms, &io](auto handler) {
            auto race = std::make_shared<Race>(io);
            race->handler.emplace(std::move(handler));
            (*shared_invocation)->SetCompletion([race](pool::InvokeOutcome result) {
              race->Finish(false, std::move(result));
            });
            // Under --debug no timeout runs while someone steps through the function.
            if (!pool->function().debugging) {
              race->timer.expires_after(std::chrono::milliseconds(timeout_ms));
              race->timer.async_wait([race](const boost::system::error_code& ec) {
                if (!ec) race->Finish(true, {});
              });
            }
            pool->Invoke(*shared_invocation);
          },
          boost::asio::use_awaitable);
  call.timed_out = timed_out;
  call.outcome = std::move(outcome);
  call.cold = invocation->cold_start;
  co_return call;
}

boost::asio::awaitable<http::Response> ApiGateway::Serve(http::Request& req,
                                                         const RouteMatch& match) {
  const Route& route = *match.route;
  const auto started = pool::Clock::now();
  const std::string request_id = pool::NewRequestId();
  const std::string origin(req[http_ns::field::origin]);
  auto finish = [&](HttpResponse res, const char* how) {
    if (route.cors) AddCorsHeaders(route.type, *route.cors, origin, res);
    AddRequestIds(route.type, request_id, res);
    double ms = std::chrono::duration<double, std::milli>(pool::Clock::now() - started).count();
    spdlog::info("api: {} {} {} {} {} {:.2f} ms {}", std::string(req.method_string()),
                 std::string(req.target()), res.status, TypeName(route.type), route.function, ms,
                 how);
    return ToResponse(req, std::move(res));
  };

  EventContext context;
  context.account_id = settings_.account_id;
  context.region = settings_.region;
  context.request_id = request_id;
  context.time_epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  const HttpRequest request = ToHttpRequest(req);

  if (route.authorizer) {
    const Authorizer& authorizer = *route.authorizer;
    const std::string arn = MethodArn(settings_.region, context, route, request);
    AuthorizerRequest ask = BuildAuthorizerEvent(authorizer, request, match, context, arn);
    if (ask.reject) co_return finish(std::move(*ask.reject), "no identity");
    Call call = co_await Invoke(authorizer.function, std::move(ask.event), route.timeout_ms);
    using Kind = pool::InvokeOutcome::Kind;
    bool failed = call.timed_out || (call.outcome.kind != Kind::kSuccess &&
                                     call.outcome.kind != Kind::kFunctionError);
    AuthorizerDecision decision =
        Decide(authorizer, route.type, arn, failed ? "" : call.outcome.payload,
               call.outcome.kind == Kind::kFunctionError);
    if (decision.reject) co_return finish(std::move(*decision.reject), "authorizer denied");
    context.authorizer_context = decision.context.empty() ? "{}" : decision.context;
    context.authorizer_principal_id = decision.principal_id;
  }

  Call call =
      co_await Invoke(route.function, BuildEvent(request, match, context), route.timeout_ms);
  const char* start = call.cold ? "cold" : "warm";
  if (call.timed_out) co_return finish(EndpointRequestTimedOut(route.type), "timed out");
  using Kind = pool::InvokeOutcome::Kind;
  switch (call.outcome.kind) {
    case Kind::kSuccess:
      if (route.type == ApiType::kRest) {
        KeepBase64UnlessBinary(route, req[http_ns::field::accept], call.outcome.payload);
      }
      co_return finish(MapResponse(route.type, route.payload_format, call.outcome.payload, false),
                       start);
    case Kind::kFunctionError:
      co_return finish(MapResponse(route.type, route.payload_format, call.outcome.payload, true),
                       start);
    case Kind::kThrottled:
      co_return finish(Throttled(route.type), "throttled");
    case Kind::kServiceError:
      break;
  }
  co_return finish(InternalServerError(route.type), "environment failed");
}

}  // namespace lambda_emu::gateway
