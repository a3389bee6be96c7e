#include "gateway/proxy_event.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace lambda_emu::gateway {
namespace {

using nlohmann::json;

constexpr long long kEpochMs = 1428582896000;  // 2015-04-09T12:34:56Z

Route RestRoute() {
  Route r;
  r.type = ApiType::kRest;
  r.api_id = "ServerlessRestApi";
  r.stage = "Prod";
  r.method = "GET";
  r.path = "/users/{id}";
  r.function = "UsersFunction";
  r.payload_format = "1.0";
  return r;
}

Route HttpRoute() {
  Route r;
  r.type = ApiType::kHttp;
  r.api_id = "ServerlessHttpApi";
  r.stage = "$default";
  r.method = "GET";
  r.path = "/users/{id}";
  r.function = "UsersFunction";
  r.payload_format = "2.0";
  return r;
}

Route UrlRoute() {
  Route r;
  r.type = ApiType::kFunctionUrl;
  r.method = "ANY";
  r.path = "/{proxy+}";
  r.function = "UrlFunction";
  r.payload_format = "2.0";
  return r;
}

EventContext Context() {
  EventContext c;
  c.account_id = "123456789012";
  c.request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
  c.time_epoch_ms = kEpochMs;
  return c;
}

HttpRequest Get(std::string target) {
  HttpRequest r;
  r.method = "GET";
  r.target = std::move(target);
  r.host = "localhost:3000";
  r.headers = {{"Host", "localhost:3000"}, {"User-Agent", "curl/8.0"}};
  return r;
}

json Build(const HttpRequest& request, const Route& route,
           std::map<std::string, std::string> params = {}, EventContext context = Context()) {
  RouteMatch match{&route, std::move(params)};
  return json::parse(BuildEvent(request, match, context));
}

// ---- payload format 1.0 (REST) ----

TEST(ProxyEventV1, RestTopLevelFieldsMatchAws) {
  Route route = RestRoute();
  json e = Build(Get("/users/42"), route, {{"id", "42"}});
  EXPECT_FALSE(e.contains("version"));
  EXPECT_EQ(e["resource"], "/users/{id}");
  EXPECT_EQ(e["path"], "/users/42");
  EXPECT_EQ(e["httpMethod"], "GET");
  EXPECT_EQ(e["pathParameters"], json({{"id", "42"}}));
  EXPECT_TRUE(e["stageVariables"].is_null());
  EXPECT_TRUE(e["queryStringParameters"].is_null());
  EXPECT_TRUE(e["multiValueQueryStringParameters"].is_null());
  EXPECT_TRUE(e["body"].is_null());
  EXPECT_EQ(e["isBase64Encoded"], false);
}

TEST(ProxyEventV1, RestRequestContextMatchesAws) {
  Route route = RestRoute();
  json rc = Build(Get("/users/42"), route, {{"id", "42"}})["requestContext"];
  EXPECT_EQ(rc["accountId"], "123456789012");
  EXPECT_EQ(rc["apiId"], "ServerlessRestApi");
  EXPECT_EQ(rc["domainName"], "localhost:3000");
  EXPECT_EQ(rc["domainPrefix"], "localhost");
  EXPECT_EQ(rc["httpMethod"], "GET");
  EXPECT_EQ(rc["path"], "/Prod/users/42");
  EXPECT_EQ(rc["protocol"], "HTTP/1.1");
  EXPECT_EQ(rc["requestId"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
  EXPECT_EQ(rc["requestTime"], "09/Apr/2015:12:34:56 +0000");
  EXPECT_EQ(rc["requestTimeEpoch"], kEpochMs);
  EXPECT_EQ(rc["resourcePath"], "/users/{id}");
  EXPECT_EQ(rc["stage"], "Prod");
  EXPECT_EQ(rc["resourceId"].get<std::string>().size(), 6u);
  EXPECT_EQ(rc["deploymentId"].get<std::string>().size(), 6u);
  EXPECT_EQ(rc["extendedRequestId"].get<std::string>().size(), 16u);
  EXPECT_FALSE(rc.contains("authorizer"));
}

TEST(ProxyEventV1, RestIdentityHasAllAwsKeysNullButSourceIpAndUserAgent) {
  Route route = RestRoute();
  HttpRequest req = Get("/users/42");
  req.source_ip = "192.0.2.7";
  json identity = Build(req, route)["requestContext"]["identity"];
  for (const char* key : {"accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
                          "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId",
                          "principalOrgId", "user", "userArn"}) {
    ASSERT_TRUE(identity.contains(key)) << key;
    EXPECT_TRUE(identity[key].is_null()) << key;
  }
  EXPECT_EQ(identity["sourceIp"], "192.0.2.7");
  EXPECT_EQ(identity["userAgent"], "curl/8.0");
  EXPECT_EQ(identity.size(), 12u);
}

TEST(ProxyEventV1, RequestTimeIsClfInUtc) {
  Route route = RestRoute();
  EventContext c = Context();
  c.time_epoch_ms = 1583348638390;  // 2020-03-04T19:03:58.390Z
  json rc = Build(Get("/users/1"), route, {}, c)["requestContext"];
  EXPECT_EQ(rc["requestTime"], "04/Mar/2020:19:03:58 +0000");
  EXPECT_EQ(rc["requestTimeEpoch"], 1583348638390);
}

TEST(ProxyEventV1, MultiValueHeadersKeepNamesAsSentAndHeadersTakeTheLastValue) {
  Route route = RestRoute();
  HttpRequest req = Get("/users/42");
  req.headers = {{"Host", "localhost:3000"},
                 {"tEsT-HEADeR", "aValUE"},
                 {"X-Multi", "one"},
                 {"x-multi", "two"}};
  json e = Build(req, route);
  EXPECT_EQ(e["headers"]["tEsT-HEADeR"], "aValUE");
  EXPECT_EQ(e["multiValueHeaders"]["tEsT-HEADeR"], json::array({"aValUE"}));
  EXPECT_EQ(e["headers"]["X-Multi"], "two");
  EXPECT_EQ(e["multiValueHeaders"]["X-Multi"], json::array({"one", "two"}));
  EXPECT_FALSE(e["headers"].contains("x-multi"));
}

TEST(ProxyEventV1, RestSpellsUserAgentAndAuthorizationLikeCloudFront) {
  Route route = RestRoute();
  HttpRequest req = Get("/users/42");
  req.headers = {{"user-agent", "ua"}, {"authorization", "token"}};
  json e = Build(req, route);
  EXPECT_EQ(e["headers"]["User-Agent"], "ua");
  EXPECT_EQ(e["headers"]["Authorization"], "token");
}

TEST(ProxyEventV1, RestDropsContentLengthAndConnectionAndAddsForwardedHeaders) {
  Route route = RestRoute();
  HttpRequest req = Get("/users/42");
  req.headers.emplace_back("Content-Length", "0");
  req.headers.emplace_back("Connection", "keep-alive");
  req.source_ip = "10.1.2.3";
  json h = Build(req, route)["headers"];
  EXPECT_FALSE(h.contains("Content-Length"));
  EXPECT_FALSE(h.contains("Connection"));
  EXPECT_EQ(h["X-Forwarded-For"], "10.1.2.3");
  EXPECT_EQ(h["X-Forwarded-Port"], "3000");
  EXPECT_EQ(h["X-Forwarded-Proto"], "http");
}

TEST(ProxyEventV1, ClientForwardedHeadersAreKept) {
  Route route = RestRoute();
  HttpRequest req = Get("/users/42");
  req.headers.emplace_back("X-Forwarded-For", "203.0.113.9");
  json e = Build(req, route);
  EXPECT_EQ(e["multiValueHeaders"]["X-Forwarded-For"], json::array({"203.0.113.9"}));
}

TEST(ProxyEventV1, QueryStringsAreFormDecodedWithLastValueAndAllValues) {
  Route route = RestRoute();
  json e =
      Build(Get("/users/42?price=10&price=20&email=test%2Balias%40x.com&plus=a+b&flag"), route);
  EXPECT_EQ(e["queryStringParameters"],
            json({{"price", "20"}, {"email", "test+alias@x.com"}, {"plus", "a b"}, {"flag", ""}}));
  EXPECT_EQ(e["multiValueQueryStringParameters"]["price"], json::array({"10", "20"}));
  EXPECT_EQ(e["multiValueQueryStringParameters"]["flag"], json::array({""}));
  EXPECT_EQ(e["path"], "/users/42");
}

TEST(ProxyEventV1, PathIsRawAsSent) {
  Route route = RestRoute();
  route.path = "/{proxy+}";
  json e = Build(Get("/files/a%2Bb/c"), route, {{"proxy", "files/a+b/c"}});
  EXPECT_EQ(e["path"], "/files/a%2Bb/c");
  EXPECT_EQ(e["requestContext"]["path"], "/Prod/files/a%2Bb/c");
  EXPECT_EQ(e["pathParameters"]["proxy"], "files/a+b/c");
}

TEST(ProxyEventV1, StageVariablesArePassed) {
  Route route = RestRoute();
  route.stage_variables = {{"env", "dev"}, {"table", "users"}};
  json e = Build(Get("/users/1"), route);
  EXPECT_EQ(e["stageVariables"], json({{"env", "dev"}, {"table", "users"}}));
}

TEST(ProxyEventV1, TextBodyIsPassedAsIs) {
  Route route = RestRoute();
  HttpRequest req = Get("/users/1");
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = R"({"a":1})";
  json e = Build(req, route);
  EXPECT_EQ(e["body"], R"({"a":1})");
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["httpMethod"], "POST");
}

TEST(ProxyEventV1, RestBodyIsBase64WhenContentTypeIsABinaryMediaType) {
  Route route = RestRoute();
  route.binary_media_types = {"image~1png"};
  HttpRequest req = Get("/users/1");
  req.method = "PUT";
  req.headers.emplace_back("Content-Type", "image/png");
  req.body = "plain-ascii-but-binary-type";
  json e = Build(req, route);
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_EQ(e["body"], Base64Encode("plain-ascii-but-binary-type"));
}

TEST(ProxyEventV1, RestTextBodyStaysTextWhenTypeIsNotBinary) {
  Route route = RestRoute();
  route.binary_media_types = {"image/png"};
  HttpRequest req = Get("/users/1");
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "application/octet-stream");
  req.body = "hello";
  json e = Build(req, route);
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["body"], "hello");
}

TEST(ProxyEventV1, RestNonUtf8BodyIsBase64Encoded) {
  Route route = RestRoute();
  HttpRequest req = Get("/users/1");
  req.method = "POST";
  req.body = std::string("\x89PNG\r\n\x1a\n\xff", 9);
  json e = Build(req, route);
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_EQ(*Base64Decode(e["body"].get<std::string>()), req.body);
}

TEST(ProxyEventV1, RestAuthorizerContextAndPrincipalAreInRequestContext) {
  Route route = RestRoute();
  EventContext c = Context();
  c.authorizer_context = R"({"user":"alice","admin":true})";
  c.authorizer_principal_id = "user|a1";
  json auth = Build(Get("/users/1"), route, {}, c)["requestContext"]["authorizer"];
  EXPECT_EQ(auth["principalId"], "user|a1");
  EXPECT_EQ(auth["user"], "alice");
  EXPECT_EQ(auth["admin"], "true");  // REST passes context values as strings
  EXPECT_EQ(auth["integrationLatency"], 0);
}

TEST(ProxyEventV1, HttpApiV1HasVersionAndNoStagePrefixOnDefaultStage) {
  Route route = HttpRoute();
  route.payload_format = "1.0";
  json e = Build(Get("/users/7?x=1"), route, {{"id", "7"}});
  EXPECT_EQ(e["version"], "1.0");
  EXPECT_EQ(e["resource"], "/users/{id}");
  EXPECT_EQ(e["requestContext"]["path"], "/users/7");
  EXPECT_EQ(e["requestContext"]["stage"], "$default");
  EXPECT_EQ(e["requestContext"]["resourceId"], "GET /users/{id}");
  EXPECT_FALSE(e["requestContext"].contains("deploymentId"));
  EXPECT_EQ(e["multiValueQueryStringParameters"]["x"], json::array({"1"}));
}

TEST(ProxyEventV1, HttpApiV1NamedStageIsPrefixed) {
  Route route = HttpRoute();
  route.payload_format = "1.0";
  route.stage = "dev";
  EXPECT_EQ(Build(Get("/users/7"), route)["requestContext"]["path"], "/dev/users/7");
}

TEST(ProxyEventV1, HttpApiV1FormBodyIsBase64LikeV2) {
  Route route = HttpRoute();
  route.payload_format = "1.0";
  HttpRequest req = Get("/users/1");
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.body = "a=1&b=2";
  json e = Build(req, route);
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_EQ(e["body"], Base64Encode("a=1&b=2"));
}

TEST(ProxyEventV1, CookiesStayInHeaders) {
  Route route = RestRoute();
  HttpRequest req = Get("/users/1");
  req.headers.emplace_back("Cookie", "a=1; b=2");
  json e = Build(req, route);
  EXPECT_EQ(e["headers"]["Cookie"], "a=1; b=2");
  EXPECT_FALSE(e.contains("cookies"));
}

TEST(ProxyEventV1, KeysAreInAwsDocumentedOrder) {
  Route route = RestRoute();
  nlohmann::ordered_json e =
      nlohmann::ordered_json::parse(BuildEvent(Get("/users/1"), RouteMatch{&route, {}}, Context()));
  std::vector<std::string> keys;
  for (auto& [k, v] : e.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "resource", "path", "httpMethod", "headers", "multiValueHeaders",
                      "queryStringParameters", "multiValueQueryStringParameters", "requestContext",
                      "pathParameters", "stageVariables", "body", "isBase64Encoded"}));
}

// ---- payload format 2.0 (HTTP API) ----

TEST(ProxyEventV2, TopLevelFieldsMatchAws) {
  Route route = HttpRoute();
  json e = Build(Get("/users/42?b=2&a=1"), route, {{"id", "42"}});
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "GET /users/{id}");
  EXPECT_EQ(e["rawPath"], "/users/42");
  EXPECT_EQ(e["rawQueryString"], "b=2&a=1");
  EXPECT_EQ(e["pathParameters"], json({{"id", "42"}}));
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_FALSE(e.contains("body"));
  EXPECT_FALSE(e.contains("cookies"));
  EXPECT_FALSE(e.contains("stageVariables"));
  EXPECT_FALSE(e.contains("multiValueHeaders"));
  EXPECT_FALSE(e.contains("multiValueQueryStringParameters"));
}

TEST(ProxyEventV2, RequestContextMatchesAws) {
  Route route = HttpRoute();
  HttpRequest req = Get("/users/42");
  req.source_ip = "192.0.2.1";
  json rc = Build(req, route)["requestContext"];
  EXPECT_EQ(rc["accountId"], "123456789012");
  EXPECT_EQ(rc["apiId"], "ServerlessHttpApi");
  EXPECT_EQ(rc["domainName"], "localhost:3000");
  EXPECT_EQ(rc["domainPrefix"], "localhost");
  EXPECT_EQ(rc["http"], json({{"method", "GET"},
                              {"path", "/users/42"},
                              {"protocol", "HTTP/1.1"},
                              {"sourceIp", "192.0.2.1"},
                              {"userAgent", "curl/8.0"}}));
  EXPECT_EQ(rc["requestId"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
  EXPECT_EQ(rc["routeKey"], "GET /users/{id}");
  EXPECT_EQ(rc["stage"], "$default");
  EXPECT_EQ(rc["time"], "09/Apr/2015:12:34:56 +0000");
  EXPECT_EQ(rc["timeEpoch"], kEpochMs);
}

TEST(ProxyEventV2, HeaderNamesAreLowerCasedAndRepeatsCommaJoined) {
  Route route = HttpRoute();
  HttpRequest req = Get("/users/1");
  req.headers = {{"X-Multi", "one"}, {"x-MULTI", "two"}, {"Content-Type", "text/plain"}};
  json h = Build(req, route)["headers"];
  EXPECT_EQ(h["x-multi"], "one,two");
  EXPECT_EQ(h["content-type"], "text/plain");
  EXPECT_FALSE(h.contains("X-Multi"));
  EXPECT_EQ(h["x-forwarded-proto"], "http");
}

TEST(ProxyEventV2, CookiesLeaveHeadersForTheCookiesList) {
  Route route = HttpRoute();
  HttpRequest req = Get("/users/1");
  req.headers.emplace_back("Cookie", "a=1; b=2");
  req.headers.emplace_back("cookie", "c=3");
  json e = Build(req, route);
  EXPECT_EQ(e["cookies"], json::array({"a=1", "b=2", "c=3"}));
  EXPECT_FALSE(e["headers"].contains("cookie"));
}

TEST(ProxyEventV2, QueryStringRepeatsAreCommaJoinedAndRawQueryIsAsSent) {
  Route route = HttpRoute();
  json e = Build(Get("/users/1?p=1&p=2&q=a%20b&e=x%2By"), route);
  EXPECT_EQ(e["rawQueryString"], "p=1&p=2&q=a%20b&e=x%2By");
  EXPECT_EQ(e["queryStringParameters"], json({{"p", "1,2"}, {"q", "a b"}, {"e", "x+y"}}));
}

TEST(ProxyEventV2, StageVariablesAndAuthorizerLambdaContext) {
  Route route = HttpRoute();
  route.stage_variables = {{"env", "dev"}};
  EventContext c = Context();
  c.authorizer_context = R"({"user":"bob"})";
  json e = Build(Get("/users/1"), route, {}, c);
  EXPECT_EQ(e["stageVariables"], json({{"env", "dev"}}));
  EXPECT_EQ(e["requestContext"]["authorizer"], json({{"lambda", {{"user", "bob"}}}}));
}

TEST(ProxyEventV2, DefaultRouteKey) {
  Route route = HttpRoute();
  route.path = "$default";
  route.method = "ANY";
  json e = Build(Get("/anything/here"), route);
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_EQ(e["requestContext"]["routeKey"], "$default");
}

TEST(ProxyEventV2, JsonBodyIsText) {
  Route route = HttpRoute();
  HttpRequest req = Get("/users/1");
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  req.body = R"({"k":"v"})";
  json e = Build(req, route);
  EXPECT_EQ(e["body"], R"({"k":"v"})");
  EXPECT_EQ(e["isBase64Encoded"], false);
}

TEST(ProxyEventV2, BodyWithoutTextualContentTypeIsBase64) {
  Route route = HttpRoute();
  for (const char* type :
       {"", "application/octet-stream", "application/x-www-form-urlencoded", "image/png"}) {
    HttpRequest req = Get("/users/1");
    req.method = "POST";
    if (*type) req.headers.emplace_back("Content-Type", type);
    req.body = "abc";
    json e = Build(req, route);
    EXPECT_EQ(e["isBase64Encoded"], true) << type;
    EXPECT_EQ(e["body"], "YWJj") << type;
  }
}

TEST(ProxyEventV2, NonUtf8BodyIsBase64EvenWithTextType) {
  Route route = HttpRoute();
  HttpRequest req = Get("/users/1");
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "text/plain");
  req.body = std::string("\xff\xfe", 2);
  json e = Build(req, route);
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_EQ(e["body"], Base64Encode(req.body));
}

TEST(ProxyEventV2, InvalidUtf8InAHeaderDoesNotBreakTheEvent) {
  Route route = HttpRoute();
  HttpRequest req = Get("/users/1");
  req.headers.emplace_back("X-Bytes", std::string("a\xff", 2));
  json e = Build(req, route);
  EXPECT_TRUE(e["headers"].contains("x-bytes"));
}

// ---- Function URLs (payload 2.0) ----

TEST(ProxyEventFunctionUrl, UsesDefaultRouteAndStageAndUrlDomain) {
  Route route = UrlRoute();
  json e = Build(Get("/custom_path/extend?test_param=test_value"), route,
                 {{"proxy", "custom_path/extend"}});
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_EQ(e["rawPath"], "/custom_path/extend");
  EXPECT_EQ(e["queryStringParameters"], json({{"test_param", "test_value"}}));
  const json& rc = e["requestContext"];
  std::string id = FunctionUrlId("UrlFunction");
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(rc["apiId"], id);
  EXPECT_EQ(rc["domainName"], id + ".lambda-url.us-east-1.on.aws");
  EXPECT_EQ(rc["domainPrefix"], id);
  EXPECT_EQ(rc["accountId"], "anonymous");
  EXPECT_EQ(rc["routeKey"], "$default");
  EXPECT_EQ(rc["stage"], "$default");
  EXPECT_FALSE(e.contains("pathParameters"));
  EXPECT_FALSE(e.contains("stageVariables"));
  EXPECT_EQ(e["headers"]["host"], "localhost:3000");
}

TEST(ProxyEventFunctionUrl, DomainUsesTheContextRegion) {
  Route route = UrlRoute();
  EventContext c = Context();
  c.region = "eu-west-1";
  json e = Build(Get("/"), route, {}, c);
  EXPECT_EQ(e["requestContext"]["domainName"],
            FunctionUrlId("UrlFunction") + ".lambda-url.eu-west-1.on.aws");
}

TEST(ProxyEventFunctionUrl, IdIsStablePerFunctionAndDistinctAcrossFunctions) {
  EXPECT_EQ(FunctionUrlId("a"), FunctionUrlId("a"));
  EXPECT_NE(FunctionUrlId("a"), FunctionUrlId("b"));
  for (char c : FunctionUrlId("SomeFunction"))
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << c;
}

TEST(ProxyEventFunctionUrl, TextBodyIsNotBase64AndEmptyBodyIsAbsent) {
  Route route = UrlRoute();
  HttpRequest req = Get("/x");
  req.method = "POST";
  req.headers.emplace_back("Content-Type", "text/plain");
  req.body = "text";
  json e = Build(req, route);
  EXPECT_EQ(e["body"], "text");
  EXPECT_EQ(e["isBase64Encoded"], false);

  req.body.clear();
  e = Build(req, route);
  EXPECT_FALSE(e.contains("body"));
  EXPECT_EQ(e["isBase64Encoded"], false);
}

TEST(ProxyEventFunctionUrl, IgnoresAuthorizerContext) {
  Route route = UrlRoute();
  EventContext c = Context();
  c.authorizer_context = R"({"x":"y"})";
  EXPECT_FALSE(Build(Get("/"), route, {}, c)["requestContext"].contains("authorizer"));
}

// ---- BinaryMediaTypes ----

TEST(ProxyBinaryMediaType, MatchesExactWildcardAndSamEscapedTypes) {
  EXPECT_TRUE(IsBinaryMediaType("image/png", {"image/png"}));
  EXPECT_TRUE(IsBinaryMediaType("image/png", {"image~1png"}));
  EXPECT_TRUE(IsBinaryMediaType("IMAGE/PNG; charset=x", {"image/png"}));
  EXPECT_TRUE(IsBinaryMediaType("image/jpeg", {"image/*"}));
  EXPECT_TRUE(IsBinaryMediaType("application/pdf", {"*~1*"}));
  EXPECT_TRUE(IsBinaryMediaType("", {"*/*"}));
  EXPECT_FALSE(IsBinaryMediaType("text/plain", {"image/*"}));
  EXPECT_FALSE(IsBinaryMediaType("image/png", {}));
  EXPECT_FALSE(IsBinaryMediaType("", {"image/png"}));
  EXPECT_FALSE(IsBinaryMediaType("imagex/png", {"image/*"}));
}

}  // namespace
}  // namespace lambda_emu::gateway
