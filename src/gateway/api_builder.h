#pragma once
// Turns a loaded project into the API Gateway front door's routes: SAM `Api`
// and `HttpApi` events (implicit APIs "ServerlessRestApi", stage "Prod", and
// "ServerlessHttpApi", stage "$default", as SAM creates them), explicit
// AWS::Serverless::Api / HttpApi resources (StageName, Cors /
// CorsConfiguration, BinaryMediaTypes, Variables / StageVariables, routes of
// an OpenAPI DefinitionBody), and Function URLs (FunctionUrlConfig).
// Pure function; thread-safe.

#include <string>
#include <vector>

#include "config/function_config.h"
#include "gateway/api_model.h"

namespace lambda_emu::gateway {

struct GatewayConfig {
  std::vector<Route> routes;          // served on the API port
  std::vector<Route> function_urls;   // one per function with a FunctionUrlConfig
  std::vector<std::string> warnings;  // what is accepted but not emulated (IAM auth, ...)
};

GatewayConfig BuildGateway(const config::ServerConfig& config);

}  // namespace lambda_emu::gateway
