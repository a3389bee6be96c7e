#include "gateway/cors.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace lambda_emu::gateway {

namespace {

using Json = nlohmann::json;
using Strings = std::vector<std::string>;

// The value of `name` (case-insensitive), or nullopt when absent.
std::optional<std::string> Header(const HttpResponse& res, std::string_view name) {
  for (const auto& [key, value] : res.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return std::nullopt;
}

int CorsHeaderCount(const HttpResponse& res) {
  int n = 0;
  for (const auto& [key, value] : res.headers) {
    std::string lower;
    for (char c : key) lower.push_back(static_cast<char>(std::tolower(c)));
    if (lower.rfind("access-control-", 0) == 0) ++n;
  }
  return n;
}

TEST(CorsParse, RestStringIsTheQuotedAllowOrigin) {
  CorsConfig cors = ParseRestCors(Json("'*'"));
  EXPECT_EQ(cors.allow_origins, Strings{"*"});
  EXPECT_TRUE(cors.allow_methods.empty());
  EXPECT_TRUE(cors.allow_headers.empty());
  EXPECT_FALSE(cors.max_age);
  EXPECT_FALSE(cors.allow_credentials);

  EXPECT_EQ(ParseRestCors(Json("'https://x.com'")).allow_origins, Strings{"https://x.com"});
}

TEST(CorsParse, RestStringWithoutQuotesIsTakenAsIs) {
  EXPECT_EQ(ParseRestCors(Json("https://x.com")).allow_origins, Strings{"https://x.com"});
}

TEST(CorsParse, RestObjectUnquotesAndSplitsEachValue) {
  CorsConfig cors = ParseRestCors(Json::parse(R"({
    "AllowOrigin": "'https://a.com, https://b.com'",
    "AllowMethods": "'GET,POST'",
    "AllowHeaders": "'Content-Type,X-Api-Key'",
    "MaxAge": "'600'",
    "AllowCredentials": true
  })"));
  EXPECT_EQ(cors.allow_origins, (Strings{"https://a.com", "https://b.com"}));
  EXPECT_EQ(cors.allow_methods, (Strings{"GET", "POST"}));
  EXPECT_EQ(cors.allow_headers, (Strings{"Content-Type", "X-Api-Key"}));
  EXPECT_EQ(cors.max_age, 600);
  EXPECT_TRUE(cors.allow_credentials);
}

TEST(CorsParse, RestObjectAcceptsNumericMaxAge) {
  CorsConfig cors = ParseRestCors(Json::parse(R"({"AllowOrigin": "'*'", "MaxAge": 30})"));
  EXPECT_EQ(cors.max_age, 30);
}

TEST(CorsParse, RestNonStringNonObjectIsEmpty) {
  EXPECT_TRUE(ParseRestCors(Json()).allow_origins.empty());
  EXPECT_TRUE(ParseRestCors(Json(false)).allow_origins.empty());
}

TEST(CorsParse, HttpTrueAllowsAnyOrigin) {
  CorsConfig cors = ParseHttpCors(Json(true));
  EXPECT_EQ(cors.allow_origins, Strings{"*"});
  EXPECT_TRUE(cors.allow_methods.empty());
  EXPECT_TRUE(ParseHttpCors(Json(false)).allow_origins.empty());
}

TEST(CorsParse, HttpObjectTakesLists) {
  CorsConfig cors = ParseHttpCors(Json::parse(R"({
    "AllowOrigins": ["https://a.com", "http://localhost:3000"],
    "AllowMethods": ["GET", "POST"],
    "AllowHeaders": ["authorization", "content-type"],
    "ExposeHeaders": ["x-request-id"],
    "MaxAge": 300,
    "AllowCredentials": true
  })"));
  EXPECT_EQ(cors.allow_origins, (Strings{"https://a.com", "http://localhost:3000"}));
  EXPECT_EQ(cors.allow_methods, (Strings{"GET", "POST"}));
  EXPECT_EQ(cors.allow_headers, (Strings{"authorization", "content-type"}));
  EXPECT_EQ(cors.expose_headers, Strings{"x-request-id"});
  EXPECT_EQ(cors.max_age, 300);
  EXPECT_TRUE(cors.allow_credentials);
}

TEST(CorsParse, FunctionUrlCorsUsesTheSameKeys) {
  CorsConfig cors = ParseHttpCors(Json::parse(R"({
    "AllowOrigins": ["*"], "AllowMethods": ["*"], "ExposeHeaders": ["date", "keep-alive"]
  })"));
  EXPECT_EQ(cors.allow_origins, Strings{"*"});
  EXPECT_EQ(cors.allow_methods, Strings{"*"});
  EXPECT_EQ(cors.expose_headers, (Strings{"date", "keep-alive"}));
  EXPECT_FALSE(cors.max_age);
}

TEST(CorsParse, HttpStringListIsCommaSeparated) {
  CorsConfig cors =
      ParseHttpCors(Json::parse(R"({"AllowOrigins": "https://a.com,https://b.com"})"));
  EXPECT_EQ(cors.allow_origins, (Strings{"https://a.com", "https://b.com"}));
}

TEST(CorsOrigin, WildcardsAndExactMatches) {
  CorsConfig cors;
  cors.allow_origins = {"https://app.example.com", "http://*", "https://*.dev.example.com"};
  EXPECT_TRUE(OriginAllowed(cors, "https://app.example.com"));
  EXPECT_TRUE(OriginAllowed(cors, "HTTPS://APP.EXAMPLE.COM"));
  EXPECT_TRUE(OriginAllowed(cors, "http://localhost:3000"));
  EXPECT_TRUE(OriginAllowed(cors, "https://a.dev.example.com"));
  EXPECT_FALSE(OriginAllowed(cors, "https://evil.com"));
  EXPECT_FALSE(OriginAllowed(cors, "https://app.example.com.evil.com"));
  EXPECT_FALSE(OriginAllowed(cors, "http://"));
  EXPECT_FALSE(OriginAllowed(cors, ""));

  CorsConfig any;
  any.allow_origins = {"*"};
  EXPECT_TRUE(OriginAllowed(any, "https://whatever.org"));
}

TEST(CorsPreflight, RestAnswersWithTheConfiguredHeadersForAnyOrigin) {
  CorsConfig cors = ParseRestCors(Json::parse(R"({
    "AllowOrigin": "'https://x.com'", "AllowMethods": "'GET,POST'",
    "AllowHeaders": "'Content-Type'", "MaxAge": "'600'", "AllowCredentials": true
  })"));
  auto res = Preflight(ApiType::kRest, cors, "https://other.com", "GET", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Header(*res, "Access-Control-Allow-Origin"), "https://x.com");
  EXPECT_EQ(Header(*res, "Access-Control-Allow-Methods"), "GET,POST");
  EXPECT_EQ(Header(*res, "Access-Control-Allow-Headers"), "Content-Type");
  EXPECT_EQ(Header(*res, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(Header(*res, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(Header(*res, "Content-Type"), "application/json");
  EXPECT_EQ(res->body, "{}");
}

TEST(CorsPreflight, RestOmitsHeadersNotConfigured) {
  auto res = Preflight(ApiType::kRest, ParseRestCors(Json("'*'")), "", "", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(Header(*res, "Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(Header(*res, "Access-Control-Allow-Headers"));
  EXPECT_FALSE(Header(*res, "Access-Control-Max-Age"));
  EXPECT_FALSE(Header(*res, "Access-Control-Allow-Credentials"));
}

TEST(CorsPreflight, RestDerivesAllowMethodsFromThePathLikeSam) {
  CorsConfig cors = ParseRestCors(Json("'*'"));
  auto res = Preflight(ApiType::kRest, cors, "https://x.com", "POST", "", {"post", "GET"});
  ASSERT_TRUE(res);
  EXPECT_EQ(Header(*res, "Access-Control-Allow-Methods"), "GET,OPTIONS,POST");

  res = Preflight(ApiType::kRest, cors, "https://x.com", "POST", "", {"ANY"});
  ASSERT_TRUE(res);
  EXPECT_EQ(Header(*res, "Access-Control-Allow-Methods"), "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT");

  res = Preflight(ApiType::kRest, cors, "https://x.com", "POST", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(Header(*res, "Access-Control-Allow-Methods"), "OPTIONS");
}

TEST(CorsPreflight, WithoutAllowedOriginsNothingAnswers) {
  CorsConfig none;
  EXPECT_FALSE(Preflight(ApiType::kRest, none, "https://x.com", "GET", ""));
  EXPECT_FALSE(Preflight(ApiType::kHttp, none, "https://x.com", "GET", ""));
}

TEST(CorsPreflight, HttpAllowedOriginGets204WithHeaders) {
  CorsConfig cors = ParseHttpCors(Json::parse(R"({
    "AllowOrigins": ["https://app.com"], "AllowMethods": ["GET", "POST"],
    "AllowHeaders": ["authorization"], "MaxAge": 300, "AllowCredentials": true,
    "ExposeHeaders": ["x-id"]
  })"));
  auto res = Preflight(ApiType::kHttp, cors, "https://app.com", "POST", "authorization");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(Header(*res, "access-control-allow-origin"), "https://app.com");
  EXPECT_EQ(Header(*res, "access-control-allow-methods"), "GET,POST");
  EXPECT_EQ(Header(*res, "access-control-allow-headers"), "authorization");
  EXPECT_EQ(Header(*res, "access-control-max-age"), "300");
  EXPECT_EQ(Header(*res, "access-control-allow-credentials"), "true");
  EXPECT_TRUE(res->body.empty());
}

TEST(CorsPreflight, HttpWildcardOriginAnswersStar) {
  auto res = Preflight(ApiType::kHttp, ParseHttpCors(Json(true)), "https://a.com", "GET", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(Header(*res, "access-control-allow-origin"), "*");
}

TEST(CorsPreflight, HttpDeniedOriginGetsNoCorsHeaders) {
  CorsConfig cors = ParseHttpCors(Json::parse(R"({"AllowOrigins": ["https://app.com"],
                                                  "AllowMethods": ["GET"]})"));
  auto res = Preflight(ApiType::kHttp, cors, "https://evil.com", "GET", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(CorsHeaderCount(*res), 0);
}

TEST(CorsPreflight, HttpRequestWithoutOriginOrRequestMethodIsNotAPreflight) {
  CorsConfig cors = ParseHttpCors(Json(true));
  EXPECT_FALSE(Preflight(ApiType::kHttp, cors, "", "GET", ""));
  EXPECT_FALSE(Preflight(ApiType::kHttp, cors, "https://a.com", "", ""));
  EXPECT_FALSE(Preflight(ApiType::kFunctionUrl, cors, "", "GET", ""));
}

TEST(CorsPreflight, FunctionUrlAllowedOriginGetsHeaders) {
  CorsConfig cors = ParseHttpCors(Json::parse(R"({"AllowOrigins": ["https://app.com"],
                                                  "AllowMethods": ["*"]})"));
  auto res = Preflight(ApiType::kFunctionUrl, cors, "https://app.com", "DELETE", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Header(*res, "access-control-allow-origin"), "https://app.com");
  EXPECT_EQ(Header(*res, "access-control-allow-methods"), "*");
}

TEST(CorsHeaders, HttpAllowedOriginGetsOriginExposeAndCredentials) {
  CorsConfig cors = ParseHttpCors(Json::parse(R"({
    "AllowOrigins": ["https://app.com"], "ExposeHeaders": ["x-id", "date"],
    "AllowCredentials": true, "AllowMethods": ["GET"], "MaxAge": 10
  })"));
  HttpResponse res;
  res.headers = {{"Content-Type", "text/plain"}};
  AddCorsHeaders(ApiType::kHttp, cors, "https://app.com", res);
  EXPECT_EQ(Header(res, "access-control-allow-origin"), "https://app.com");
  EXPECT_EQ(Header(res, "access-control-expose-headers"), "x-id,date");
  EXPECT_EQ(Header(res, "access-control-allow-credentials"), "true");
  // Only preflights carry the methods, headers and max age.
  EXPECT_FALSE(Header(res, "access-control-allow-methods"));
  EXPECT_FALSE(Header(res, "access-control-max-age"));
  EXPECT_EQ(Header(res, "Content-Type"), "text/plain");
}

TEST(CorsHeaders, HttpDropsTheFunctionsOwnCorsHeaders) {
  CorsConfig cors = ParseHttpCors(Json(true));
  HttpResponse res;
  res.headers = {{"Access-Control-Allow-Origin", "https://mine.com"},
                 {"access-control-allow-methods", "PUT"},
                 {"X-Other", "1"}};
  AddCorsHeaders(ApiType::kHttp, cors, "https://a.com", res);
  EXPECT_EQ(Header(res, "access-control-allow-origin"), "*");
  EXPECT_FALSE(Header(res, "access-control-allow-methods"));
  EXPECT_EQ(Header(res, "X-Other"), "1");
  EXPECT_EQ(CorsHeaderCount(res), 1);
}

TEST(CorsHeaders, HttpDeniedOrMissingOriginGetsNone) {
  CorsConfig cors = ParseHttpCors(Json::parse(R"({"AllowOrigins": ["https://app.com"]})"));
  HttpResponse denied;
  AddCorsHeaders(ApiType::kHttp, cors, "https://evil.com", denied);
  EXPECT_EQ(CorsHeaderCount(denied), 0);
  HttpResponse missing;
  AddCorsHeaders(ApiType::kFunctionUrl, cors, "", missing);
  EXPECT_EQ(CorsHeaderCount(missing), 0);
}

TEST(CorsHeaders, FunctionUrlAllowedOriginGetsHeaders) {
  CorsConfig cors = ParseHttpCors(Json::parse(R"({"AllowOrigins": ["*"],
                                                  "ExposeHeaders": ["x-id"]})"));
  HttpResponse res;
  AddCorsHeaders(ApiType::kFunctionUrl, cors, "https://a.com", res);
  EXPECT_EQ(Header(res, "access-control-allow-origin"), "*");
  EXPECT_EQ(Header(res, "access-control-expose-headers"), "x-id");
}

TEST(CorsHeaders, RestLeavesTheProxyResponseAlone) {
  CorsConfig cors = ParseRestCors(Json("'*'"));
  HttpResponse res;
  res.headers = {{"Access-Control-Allow-Origin", "https://mine.com"}};
  AddCorsHeaders(ApiType::kRest, cors, "https://a.com", res);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "https://mine.com");
}

TEST(CorsHeaders, CredentialsWithWildcardOriginEchoTheOrigin) {
  CorsConfig cors;
  cors.allow_origins = {"*"};
  cors.allow_credentials = true;
  HttpResponse res;
  AddCorsHeaders(ApiType::kHttp, cors, "https://a.com", res);
  EXPECT_EQ(Header(res, "access-control-allow-origin"), "https://a.com");
}

}  // namespace

}  // namespace lambda_emu::gateway
