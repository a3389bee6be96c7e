#include "cli/front_doors.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <ostream>

namespace lambda_emu::cli {

namespace fs = std::filesystem;

namespace {

// API Gateway's request limit (REST and HTTP APIs).
constexpr std::uint64_t kMaxApiRequestBytes = 10 * 1024 * 1024;

const char* Kind(gateway::ApiType type) {
  return type == gateway::ApiType::kRest ? "REST API" : "HTTP API";
}

}  // namespace

Status WritePortFile(const std::string& path, std::uint16_t port) {
  // Written whole and renamed into place, so a reader never sees a partial number.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Status::Error("cannot write " + tmp);
    out << port << "\n";
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Error("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

FrontDoors::FrontDoors(boost::asio::io_context& io, registry::FunctionRegistry& registry,
                       const pool::ServerSettings& settings, FrontDoorOptions options)
    : io_(io),
      options_(std::move(options)),
      settings_(settings),
      gateway_(registry, settings),
      next_url_port_(options_.function_url_port) {}

FrontDoors::~FrontDoors() { Stop(); }

std::vector<http::Server*> FrontDoors::Servers() const {
  std::vector<http::Server*> servers;
  if (api_) servers.push_back(api_.get());
  for (const auto& [name, server] : urls_) servers.push_back(server.get());
  return servers;
}

void FrontDoors::Stop() {
  if (api_) api_->Stop();
  for (auto& [name, server] : urls_) server->Stop();
  api_.reset();
  urls_.clear();
}

Result<std::shared_ptr<http::Server>> FrontDoors::Listen(int port, std::string log_name,
                                                         http::Handler handler) {
  http::ServerOptions options;
  options.body_limit = kMaxApiRequestBytes;
  options.log_name = std::move(log_name);
  options.max_connections = settings_.http_max_connections;
  options.idle_timeout = settings_.http_idle_timeout;
  options.header_timeout = settings_.http_header_timeout;
  return http::Server::Start(io_, {options_.address, static_cast<std::uint16_t>(port)}, options,
                             std::move(handler), &gateway::ApiGateway::TooLarge);
}

Status FrontDoors::Apply(const config::ServerConfig& config, std::ostream* out) {
  gateway::GatewayConfig routes = gateway::BuildGateway(config);
  gateway_.SetRoutes(routes);
  for (const auto& warning : routes.warnings) spdlog::warn("api: {}", warning);

  if (!routes.routes.empty() && !api_) {
    auto started = Listen(options_.api_port, "api gateway",
                          [this](http::Request& req) { return gateway_.HandleApi(req); });
    if (!started.ok()) {
      return Status::Error("the API Gateway port: " + started.status().message() +
                           "; choose another with " + options_.api_port_flag + " N, or " +
                           options_.api_port_flag + " 0 for a free one");
    }
    api_ = std::move(started.value());
    if (!options_.api_port_file.empty()) {
      if (Status s = WritePortFile(options_.api_port_file, api_->port()); !s.ok()) return s;
    }
  }
  for (const auto& url : routes.function_urls) {
    if (urls_.count(url.function)) continue;
    int port = next_url_port_ ? next_url_port_++ : 0;
    const std::string function = url.function;
    auto started = Listen(port, "function url " + function, [this, function](http::Request& req) {
      return gateway_.HandleFunctionUrl(req, function);
    });
    if (!started.ok()) {
      return Status::Error(function + ": Function URL: " + started.status().message());
    }
    urls_[function] = std::move(started.value());
  }

  if (!out) return Status::Ok();
  const std::string base = "http://" + options_.host + ":";
  if (api_ && !routes.routes.empty()) {
    *out << "  API Gateway on " << base << api_->port() << ":\n";
    for (const auto& route : routes.routes) {
      std::string where = route.path == "$default" ? "$default (any path)" : route.path;
      *out << "    " << route.method << " " << where << " -> " << route.function << "  ("
           << Kind(route.type) << " " << route.api_id << ", stage " << route.stage << ", payload "
           << route.payload_format
           << (route.authorizer ? ", authorizer " + route.authorizer->name : "") << ")\n";
    }
  }
  for (const auto& url : routes.function_urls) {
    auto it = urls_.find(url.function);
    if (it == urls_.end()) continue;
    *out << "  Function URL of " << url.function << ": " << base << it->second->port() << "/\n";
  }
  out->flush();
  return Status::Ok();
}

}  // namespace lambda_emu::cli
