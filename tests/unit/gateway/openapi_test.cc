#include "gateway/openapi.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lambda_emu::gateway {

namespace {

using Json = nlohmann::json;

constexpr const char* kHelloUri =
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:HelloFunction/invocations";

Route RestBase() {
  Route base;
  base.type = ApiType::kRest;
  base.api_id = "MyApi";
  base.stage = "Prod";
  base.payload_format = "1.0";
  base.stage_variables = {{"env", "dev"}};
  return base;
}

Route HttpBase() {
  Route base;
  base.type = ApiType::kHttp;
  base.api_id = "MyHttpApi";
  base.stage = "$default";
  base.payload_format = "2.0";
  return base;
}

const Route* Find(const std::vector<Route>& routes, const std::string& key) {
  for (const auto& route : routes) {
    if (route.RouteKey() == key) return &route;
  }
  return nullptr;
}

TEST(OpenApi, Swagger2ProxyIntegrationsBecomeRoutes) {
  Json definition = Json::parse(R"({
    "swagger": "2.0",
    "basePath": "/v1",
    "paths": {
      "/hello": {
        "get": {
          "x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:HelloFunction/invocations"
          }
        },
        "parameters": [{"name": "x", "in": "query"}]
      },
      "/users/{id}": {
        "delete": {
          "x-amazon-apigateway-integration": {
            "type": "AWS_PROXY", "httpMethod": "POST",
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:UsersFunction/invocations"
          }
        }
      }
    }
  })");
  auto routes = RoutesFromOpenApi(definition, RestBase(), nullptr);
  ASSERT_EQ(routes.size(), 2u);
  const Route* hello = Find(routes, "GET /hello");
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->function, "HelloFunction");
  EXPECT_EQ(hello->payload_format, "1.0");
  EXPECT_EQ(hello->api_id, "MyApi");
  EXPECT_EQ(hello->stage, "Prod");
  EXPECT_EQ(hello->stage_variables.at("env"), "dev");
  const Route* users = Find(routes, "DELETE /users/{id}");
  ASSERT_NE(users, nullptr);
  EXPECT_EQ(users->function, "UsersFunction");
}

TEST(OpenApi, OpenApi3HttpApiTakesPayloadFormatVersion) {
  Json definition = Json::parse(R"({
    "openapi": "3.0.1",
    "servers": [{"url": "https://example.com/{basePath}"}],
    "paths": {
      "/v1": {"post": {"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "payloadFormatVersion": "1.0", "uri": "arn:aws:lambda:us-east-1:000000000000:function:V1"}}},
      "/v2": {"post": {"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "payloadFormatVersion": "2.0", "uri": "arn:aws:lambda:us-east-1:000000000000:function:V2"}}},
      "/unset": {"post": {"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "uri": "arn:aws:lambda:us-east-1:000000000000:function:Unset"}}},
      "/number": {"post": {"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "payloadFormatVersion": 2.0, "uri": "arn:aws:lambda:us-east-1:000000000000:function:Number"}}}
    }
  })");
  auto routes = RoutesFromOpenApi(definition, HttpBase(), nullptr);
  ASSERT_EQ(routes.size(), 4u);
  EXPECT_EQ(Find(routes, "POST /v1")->payload_format, "1.0");
  EXPECT_EQ(Find(routes, "POST /v2")->payload_format, "2.0");
  EXPECT_EQ(Find(routes, "POST /unset")->payload_format, "2.0");  // the base's
  EXPECT_EQ(Find(routes, "POST /number")->payload_format, "2.0");
  EXPECT_EQ(Find(routes, "POST /v1")->type, ApiType::kHttp);
}

TEST(OpenApi, RestIgnoresPayloadFormatVersion) {
  Json definition = Json::parse(R"({"swagger": "2.0", "paths": {"/a": {"get": {
    "x-amazon-apigateway-integration": {"type": "aws_proxy", "payloadFormatVersion": "2.0",
      "uri": "arn:aws:lambda:us-east-1:000000000000:function:A"}}}}})");
  auto routes = RoutesFromOpenApi(definition, RestBase(), nullptr);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].payload_format, "1.0");
}

TEST(OpenApi, AnyMethodExtensionIsAny) {
  Json definition = Json::parse(R"({"openapi": "3.0.1", "paths": {"/{proxy+}": {
    "x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
      "type": "aws_proxy", "uri": "arn:aws:lambda:us-east-1:000000000000:function:Proxy"}}}}})");
  auto routes = RoutesFromOpenApi(definition, RestBase(), nullptr);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].method, "ANY");
  EXPECT_EQ(routes[0].path, "/{proxy+}");
  EXPECT_EQ(routes[0].function, "Proxy");
}

TEST(OpenApi, HttpApiDefaultPathIsTheDefaultRoute) {
  Json definition = Json::parse(R"({"openapi": "3.0.1", "paths": {"$default": {
    "x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
      "type": "aws_proxy", "payloadFormatVersion": "2.0",
      "uri": "arn:aws:lambda:us-east-1:000000000000:function:Catch"}}}}})");
  auto routes = RoutesFromOpenApi(definition, HttpBase(), nullptr);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].path, "$default");
  EXPECT_EQ(routes[0].method, "ANY");
  EXPECT_EQ(routes[0].RouteKey(), "$default");
  EXPECT_EQ(routes[0].function, "Catch");
}

TEST(OpenApi, NonProxyIntegrationsAndPlainOperationsAreSkipped) {
  Json definition = Json::parse(R"({"swagger": "2.0", "paths": {
    "/mock": {"options": {"x-amazon-apigateway-integration": {"type": "mock"}}},
    "/http": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy",
      "uri": "https://example.com"}}},
    "/aws": {"get": {"x-amazon-apigateway-integration": {"type": "aws",
      "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:Custom/invocations"}}},
    "/none": {"get": {"responses": {}}},
    "/nofunction": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
      "uri": "arn:aws:apigateway:us-east-1:s3:path/bucket"}}}
  }})");
  EXPECT_TRUE(RoutesFromOpenApi(definition, RestBase(), nullptr).empty());
}

TEST(OpenApi, FnSubUriNamesTheLogicalId) {
  Json definition = Json::parse(R"({"swagger": "2.0", "paths": {
    "/arn": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
      "uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HelloFunction.Arn}/invocations"}}}},
    "/list": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
      "uri": {"Fn::Sub": ["arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ListFunction.Alias}/invocations", {}]}}}}
  }})");
  auto routes = RoutesFromOpenApi(definition, RestBase(), nullptr);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(Find(routes, "GET /arn")->function, "HelloFunction");
  EXPECT_EQ(Find(routes, "GET /list")->function, "ListFunction");
}

TEST(OpenApi, FunctionForUriDecidesTheName) {
  Json definition = Json::parse(R"({"swagger": "2.0", "paths": {
    "/a": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "known"}}},
    "/b": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "unknown"}}}
  }})");
  std::vector<std::string> seen;
  auto routes = RoutesFromOpenApi(definition, RestBase(), [&seen](const std::string& uri) {
    seen.push_back(uri);
    return uri == "known" ? std::string("Mapped") : std::string();
  });
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].function, "Mapped");
  EXPECT_EQ(seen.size(), 2u);
}

TEST(OpenApi, UriToFunctionNameStripsQualifierAndInvocations) {
  EXPECT_EQ(FunctionNameFromUri(kHelloUri), "HelloFunction");
  EXPECT_EQ(FunctionNameFromUri("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                                "arn:aws:lambda:us-east-1:000000000000:function:Hello:live/"
                                "invocations"),
            "Hello");
  EXPECT_EQ(FunctionNameFromUri("arn:aws:lambda:us-east-1:000000000000:function:Bare"), "Bare");
  EXPECT_EQ(FunctionNameFromUri("arn:aws:lambda:us-east-1:000000000000:function:Q:$LATEST"), "Q");
  EXPECT_EQ(FunctionNameFromUri("functions/${Fn}/invocations"), "Fn");
  EXPECT_EQ(FunctionNameFromUri("https://example.com"), "");
  EXPECT_EQ(FunctionNameFromUri(""), "");
}

TEST(OpenApi, DefinitionWithoutPathsHasNoRoutes) {
  EXPECT_TRUE(RoutesFromOpenApi(Json::parse(R"({"swagger": "2.0"})"), RestBase(), nullptr).empty());
  EXPECT_TRUE(RoutesFromOpenApi(Json(), RestBase(), nullptr).empty());
  EXPECT_TRUE(RoutesFromOpenApi(Json::parse(R"({"paths": []})"), RestBase(), nullptr).empty());
}

TEST(OpenApi, SeveralMethodsOnOnePath) {
  Json definition = Json::parse(R"({"openapi": "3.0.1", "paths": {"/items": {
    "get": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
      "uri": "arn:aws:lambda:us-east-1:000000000000:function:List"}},
    "post": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
      "uri": "arn:aws:lambda:us-east-1:000000000000:function:Create"}},
    "PATCH": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
      "uri": "arn:aws:lambda:us-east-1:000000000000:function:Patch"}},
    "summary": "items"
  }}})");
  auto routes = RoutesFromOpenApi(definition, RestBase(), nullptr);
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(Find(routes, "GET /items")->function, "List");
  EXPECT_EQ(Find(routes, "POST /items")->function, "Create");
  EXPECT_EQ(Find(routes, "PATCH /items")->function, "Patch");
}

}  // namespace

}  // namespace lambda_emu::gateway
