#pragma once
// FrontDoors: the API Gateway listener (--api-port) and one listener per
// Function URL, started when the project declares routes or URLs, kept in
// step with reloads, and stopped with the server. Also prints the routes at
// start. Owned by `serve`; io thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>

#include "config/function_config.h"
#include "gateway/gateway_server.h"
#include "http/server.h"
#include "lambda_emu/status.h"

namespace lambda_emu::cli {

struct FrontDoorOptions {
  boost::asio::ip::address address;
  std::string host;  // as given, for printed URLs
  int api_port = 3000;
  std::string api_port_flag = "--api-port";  // named when the port is taken
  std::string api_port_file;
  int function_url_port = 0;  // first port for Function URLs; 0: free ports
};

class FrontDoors {
 public:
  FrontDoors(boost::asio::io_context& io, registry::FunctionRegistry& registry,
             const pool::ServerSettings& settings, FrontDoorOptions options);
  ~FrontDoors();

  // Builds the routes of `config` and starts the listeners they need (on
  // reload: only the ones not running yet). Writes the routes to `out`.
  Status Apply(const config::ServerConfig& config, std::ostream* out);
  void Stop();
  // The listeners running now (for a graceful shutdown).
  std::vector<http::Server*> Servers() const;

 private:
  Result<std::shared_ptr<http::Server>> Listen(int port, std::string log_name,
                                               http::Handler handler);

  boost::asio::io_context& io_;
  FrontDoorOptions options_;
  const pool::ServerSettings& settings_;
  gateway::ApiGateway gateway_;
  std::shared_ptr<http::Server> api_;
  std::map<std::string, std::shared_ptr<http::Server>> urls_;  // by function
  int next_url_port_ = 0;
};

// Writes `port` to `path` whole (renamed into place).
Status WritePortFile(const std::string& path, std::uint16_t port);

}  // namespace lambda_emu::cli
