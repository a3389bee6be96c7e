#include "gateway/proxy_response.h"

#include <gtest/gtest.h>

#include <optional>

#include "common/base64.h"

namespace lambda_emu::gateway {
namespace {

std::optional<std::string> Header(const HttpResponse& r, const std::string& name) {
  std::optional<std::string> out;
  for (const auto& [n, v] : r.headers)
    if (n == name) out = v;
  return out;
}

std::vector<std::string> Headers(const HttpResponse& r, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : r.headers)
    if (n == name) out.push_back(v);
  return out;
}

HttpResponse Rest(const std::string& result, bool error = false) {
  return MapResponse(ApiType::kRest, "1.0", result, error);
}
HttpResponse HttpV2(const std::string& result, bool error = false) {
  return MapResponse(ApiType::kHttp, "2.0", result, error);
}
HttpResponse HttpV1(const std::string& result, bool error = false) {
  return MapResponse(ApiType::kHttp, "1.0", result, error);
}
HttpResponse Url(const std::string& result, bool error = false) {
  return MapResponse(ApiType::kFunctionUrl, "2.0", result, error);
}

void ExpectRest502(const HttpResponse& r) {
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body, R"({"message": "Internal server error"})");
  EXPECT_EQ(Header(r, "x-amzn-ErrorType"), "InternalServerErrorException");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
}

// ---- payload 1.0 ----

TEST(ProxyResponseV1, StatusHeadersAndBodyArePassed) {
  HttpResponse r = Rest(R"({"statusCode":201,"headers":{"X-A":"1"},"body":"hi"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "hi");
  EXPECT_EQ(Header(r, "X-A"), "1");
}

TEST(ProxyResponseV1, RestDefaultsContentTypeToApplicationJson) {
  EXPECT_EQ(Header(Rest(R"({"statusCode":200,"body":"x"})"), "Content-Type"), "application/json");
  HttpResponse r = Rest(R"({"statusCode":200,"headers":{"content-type":"text/html"}})");
  EXPECT_EQ(Header(r, "content-type"), "text/html");
  EXPECT_FALSE(Header(r, "Content-Type").has_value());
}

TEST(ProxyResponseV1, HttpApiDefaultsContentTypeToTextPlain) {
  EXPECT_EQ(Header(HttpV1(R"({"statusCode":200,"body":"x"})"), "Content-Type"),
            "text/plain; charset=utf-8");
}

TEST(ProxyResponseV1, MissingStatusCodeIsOkAndMissingBodyIsEmpty) {
  HttpResponse r = Rest(R"({"headers":{"test-header":"value"}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(Header(r, "test-header"), "value");
  EXPECT_EQ(Rest(R"({"statusCode":200})").body, "");
  EXPECT_EQ(Rest(R"({"statusCode":200,"body":null,"headers":null})").status, 200);
}

TEST(ProxyResponseV1, NumericStringStatusCodeIsAccepted) {
  EXPECT_EQ(Rest(R"({"statusCode":"201"})").status, 201);
}

TEST(ProxyResponseV1, InvalidStatusCodeIs502) {
  ExpectRest502(Rest(R"({"statusCode":"test"})"));
  ExpectRest502(Rest(R"({"statusCode":true})"));
  ExpectRest502(Rest(R"({"statusCode":42})"));
  ExpectRest502(Rest(R"({"statusCode":200.5})"));
}

TEST(ProxyResponseV1, UnknownKeyIsMalformed) {
  ExpectRest502(Rest(R"({"statusCode":200,"wrongValue":"value"})"));
}

TEST(ProxyResponseV1, NonObjectResultsAreMalformed) {
  ExpectRest502(Rest(R"("justAString")"));
  ExpectRest502(Rest("null"));
  ExpectRest502(Rest("[1,2]"));
  ExpectRest502(Rest("not json"));
  ExpectRest502(Rest(""));
}

TEST(ProxyResponseV1, FunctionErrorIs502) {
  ExpectRest502(Rest(R"({"errorMessage":"boom","errorType":"Exception"})", true));
  // An error payload returned as a result is malformed too.
  ExpectRest502(Rest(R"({"errorMessage":"boom","errorType":"Exception"})"));
}

TEST(ProxyResponseV1, HttpApiMalformedIs500) {
  HttpResponse r = HttpV1(R"({"statusCode":200,"bogus":1})");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})");
}

TEST(ProxyResponseV1, BooleanAndNumberHeaderValuesBecomeText) {
  HttpResponse r = Rest(R"({"statusCode":200,"headers":{"header-bool":true,"n":5}})");
  EXPECT_EQ(Header(r, "header-bool"), "true");
  EXPECT_EQ(Header(r, "n"), "5");
}

TEST(ProxyResponseV1, ObjectHeaderValueIsMalformed) {
  ExpectRest502(Rest(R"({"statusCode":200,"headers":{"h":{"x":1}}})"));
  ExpectRest502(Rest(R"({"statusCode":200,"headers":"h"})"));
}

TEST(ProxyResponseV1, MultiValueHeadersSendEveryValue) {
  HttpResponse r = Rest(R"({"statusCode":200,"multiValueHeaders":{"test-multi":["v1","v2"]}})");
  EXPECT_EQ(Headers(r, "test-multi"), (std::vector<std::string>{"v1", "v2"}));
}

TEST(ProxyResponseV1, MultiValueHeadersWinOverHeadersOfTheSameName) {
  HttpResponse r = Rest(R"({"statusCode":200,"multiValueHeaders":{"tesT-Multi":["value-multi"]},)"
                        R"("headers":{"test-multi":"value-solo","other":"o"}})");
  EXPECT_EQ(Headers(r, "tesT-Multi"), (std::vector<std::string>{"value-multi"}));
  EXPECT_TRUE(Headers(r, "test-multi").empty());
  EXPECT_EQ(Header(r, "other"), "o");
}

TEST(ProxyResponseV1, MultiValueHeaderThatIsNotAListIsMalformed) {
  ExpectRest502(Rest(R"({"statusCode":200,"multiValueHeaders":{"test-multi-invalid":"value1"}})"));
}

TEST(ProxyResponseV1, Base64BodyIsDecoded) {
  std::string png("\x89PNG\r\n\x1a\n\0\xff", 10);
  HttpResponse r = Rest(R"({"statusCode":200,"isBase64Encoded":true,"body":")" + Base64Encode(png) +
                        R"(","headers":{"Content-Type":"image/png"}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, png);
}

TEST(ProxyResponseV1, Base64TextIsNotDecodedWithoutTheFlag) {
  EXPECT_EQ(Rest(R"({"statusCode":200,"body":"dGVzdC1kYXRh"})").body, "dGVzdC1kYXRh");
  EXPECT_EQ(Rest(R"({"statusCode":200,"body":"dGVzdC1kYXRh","isBase64Encoded":true})").body,
            "test-data");
}

TEST(ProxyResponseV1, InvalidBase64BodyIsMalformed) {
  ExpectRest502(Rest(R"({"statusCode":200,"body":"***","isBase64Encoded":true})"));
}

TEST(ProxyResponseV1, ObjectBodyIsMalformed) {
  ExpectRest502(Rest(R"({"statusCode":200,"body":{"a":1}})"));
}

// ---- payload 2.0 ----

TEST(ProxyResponseV2, ResponseObjectIsMapped) {
  HttpResponse r =
      HttpV2(R"({"statusCode":201,"headers":{"Content-Type":"text/html"},"body":"<p>"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "<p>");
  EXPECT_EQ(Header(r, "Content-Type"), "text/html");
}

TEST(ProxyResponseV2, HttpApiDefaultContentTypeIsTextPlain) {
  HttpResponse r = HttpV2(R"({"statusCode":200,"body":"x"})");
  EXPECT_EQ(Header(r, "Content-Type"), "text/plain; charset=utf-8");
}

TEST(ProxyResponseV2, CookiesBecomeSetCookieHeaders) {
  HttpResponse r = HttpV2(R"({"statusCode":200,"cookies":["a=1; Path=/","b=2"],"body":""})");
  EXPECT_EQ(Headers(r, "Set-Cookie"), (std::vector<std::string>{"a=1; Path=/", "b=2"}));
}

TEST(ProxyResponseV2, ObjectWithoutStatusCodeIsTheBody) {
  HttpResponse r = HttpV2(R"({"hello": "world", "n": 1})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"hello":"world","n":1})");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
}

TEST(ProxyResponseV2, AnyJsonValueIsA200WithJsonContentType) {
  for (const char* value : {"3", "3.1", "true", R"(["hello",3,true])", "null"}) {
    HttpResponse r = HttpV2(value);
    EXPECT_EQ(r.status, 200) << value;
    EXPECT_EQ(r.body, value) << value;
    EXPECT_EQ(Header(r, "Content-Type"), "application/json") << value;
  }
}

TEST(ProxyResponseV2, JsonStringIsSentAsItsText) {
  HttpResponse r = HttpV2(R"("hello")");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
}

TEST(ProxyResponseV2, Base64BodyIsDecoded) {
  HttpResponse r = HttpV2(R"({"statusCode":200,"body":"aGk=","isBase64Encoded":true})");
  EXPECT_EQ(r.body, "hi");
}

TEST(ProxyResponseV2, NonStringBodyIsSentAsJson) {
  EXPECT_EQ(HttpV2(R"({"statusCode":200,"body":{"a":1}})").body, R"({"a":1})");
}

TEST(ProxyResponseV2, InvalidStatusCodeOrInvalidJsonIs500) {
  for (const char* result :
       {R"({"statusCode":"nope"})", "{not json", R"({"statusCode":200,"cookies":"a"})"}) {
    HttpResponse r = HttpV2(result);
    EXPECT_EQ(r.status, 500) << result;
    EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})") << result;
    EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  }
}

TEST(ProxyResponseV2, FunctionErrorIs500) {
  HttpResponse r = HttpV2(R"({"errorMessage":"x"})", true);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})");
}

TEST(ProxyResponseFunctionUrl, StringStatusCodeAndHeaders) {
  HttpResponse r = Url(R"({"statusCode":"418","body":"i'm a teapot"})");
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(r.body, "i'm a teapot");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  HttpResponse h = Url(R"({"statusCode":201,"headers":{"My-Custom-Header":"Custom Value"}})");
  EXPECT_EQ(Header(h, "My-Custom-Header"), "Custom Value");
}

TEST(ProxyResponseFunctionUrl, PlainValuesAreTheBody) {
  EXPECT_EQ(Url(R"({"hello": "world"})").body, R"({"hello":"world"})");
  EXPECT_EQ(Url(R"("hello")").body, "hello");
}

TEST(ProxyResponseFunctionUrl, FunctionErrorIs502InternalServerErrorText) {
  HttpResponse r = Url(R"({"errorMessage":"x"})", true);
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body, "Internal Server Error");
  EXPECT_EQ(Url("{bad").status, 502);
}

// ---- API Gateway's own answers ----

TEST(ProxyErrorResponse, MissingAuthenticationTokenIsRest403) {
  HttpResponse r = MissingAuthenticationToken();
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Missing Authentication Token"})");
  EXPECT_EQ(Header(r, "x-amzn-ErrorType"), "MissingAuthenticationTokenException");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
}

TEST(ProxyErrorResponse, NotFoundIsHttpApi404) {
  HttpResponse r = NotFound();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"message":"Not Found"})");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
}

TEST(ProxyErrorResponse, TimeoutIsRest504HttpApi503Url502) {
  HttpResponse rest = EndpointRequestTimedOut(ApiType::kRest);
  EXPECT_EQ(rest.status, 504);
  EXPECT_EQ(rest.body, R"({"message": "Endpoint request timed out"})");
  HttpResponse http = EndpointRequestTimedOut(ApiType::kHttp);
  EXPECT_EQ(http.status, 503);
  EXPECT_EQ(http.body, R"({"message":"Service Unavailable"})");
  HttpResponse url = EndpointRequestTimedOut(ApiType::kFunctionUrl);
  EXPECT_EQ(url.status, 502);
  EXPECT_EQ(url.body, "Internal Server Error");
}

TEST(ProxyErrorResponse, InternalServerErrorPerApiType) {
  ExpectRest502(InternalServerError(ApiType::kRest));
  EXPECT_EQ(InternalServerError(ApiType::kHttp).status, 500);
  EXPECT_EQ(InternalServerError(ApiType::kFunctionUrl).status, 502);
}

TEST(ProxyErrorResponse, ThrottledIsRest500HttpApi500Url429) {
  HttpResponse rest = Throttled(ApiType::kRest);
  EXPECT_EQ(rest.status, 500);
  EXPECT_EQ(rest.body, R"({"message": "Internal server error"})");
  HttpResponse http = Throttled(ApiType::kHttp);
  EXPECT_EQ(http.status, 500);
  EXPECT_EQ(http.body, R"({"message":"Internal Server Error"})");
  HttpResponse url = Throttled(ApiType::kFunctionUrl);
  EXPECT_EQ(url.status, 429);
  EXPECT_EQ(url.body, R"({"Message":"Rate Exceeded."})");
  EXPECT_EQ(Header(url, "x-amzn-ErrorType"), "TooManyRequestsException");
}

TEST(ProxyErrorResponse, UnauthorizedIs401) {
  HttpResponse r = Unauthorized();
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"message":"Unauthorized"})");
  EXPECT_EQ(Header(r, "x-amzn-ErrorType"), "UnauthorizedException");
}

TEST(ProxyErrorResponse, ForbiddenPerApiType) {
  HttpResponse rest = Forbidden(ApiType::kRest);
  EXPECT_EQ(rest.status, 403);
  EXPECT_EQ(
      rest.body,
      R"({"Message":"User is not authorized to access this resource with an explicit deny"})");
  EXPECT_EQ(Header(rest, "x-amzn-ErrorType"), "AccessDeniedException");
  HttpResponse http = Forbidden(ApiType::kHttp);
  EXPECT_EQ(http.status, 403);
  EXPECT_EQ(http.body, R"({"message":"Forbidden"})");
  HttpResponse url = Forbidden(ApiType::kFunctionUrl);
  EXPECT_EQ(url.status, 403);
  EXPECT_EQ(Header(url, "x-amzn-ErrorType"), "AccessDeniedException");
}

}  // namespace
}  // namespace lambda_emu::gateway
