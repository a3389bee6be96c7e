// API Gateway: REST API proxy integration (payload 1.0), HTTP API (payload
// 2.0), and the TOKEN and REQUEST Lambda authorizer inputs.
#include <optional>
#include <vector>

#include "common/base64.h"
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

constexpr const char* kUserAgent = "Custom User Agent String";

EventOption BodyOption() {
  return {"body", R"({"test":"body"})", "Request body; the event carries it base64-encoded"};
}
EventOption MethodOption(const char* default_method) {
  return {"method", default_method, "HTTP method"};
}
EventOption StageOption(const char* default_stage) {
  return {"stage", default_stage, "API stage name"};
}
EventOption PathOption() {
  return {"path", "path/to/resource", "Request path (without the stage); a leading '/' is added"};
}
EventOption DnsSuffixOption() {
  return {"dns-suffix", "us-east-1.amazonaws.com", "Suffix of the API's execute-api host name"};
}

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    std::size_t end = path.find('/');
    out.emplace_back(path.substr(0, end));
    path.remove_prefix(end == std::string_view::npos ? path.size() : end);
  }
  return out;
}

// Matches a resource template against the request path as API Gateway does:
// "{name}" takes one segment, "{name+}" takes the rest of the path. API
// Gateway sends null when the resource has no parameters.
EventJson PathParameters(std::string_view resource, std::string_view path) {
  std::vector<std::string> pattern = Segments(resource);
  std::vector<std::string> actual = Segments(path);
  EventJson parameters = EventJson::object();
  std::size_t i = 0;
  for (; i < pattern.size(); ++i) {
    const std::string& part = pattern[i];
    bool variable = part.size() > 2 && part.front() == '{' && part.back() == '}';
    if (variable && part[part.size() - 2] == '+') {
      if (i >= actual.size()) return nullptr;
      std::string rest;
      for (std::size_t k = i; k < actual.size(); ++k) rest += (k > i ? "/" : "") + actual[k];
      parameters[part.substr(1, part.size() - 3)] = rest;
      return parameters;
    }
    if (i >= actual.size()) return nullptr;
    if (variable) {
      parameters[part.substr(1, part.size() - 2)] = actual[i];
    } else if (part != actual[i]) {
      return nullptr;
    }
  }
  if (i != actual.size() || parameters.empty()) return nullptr;
  return parameters;
}

EventJson MultiValue(const EventJson& single) {
  EventJson out = EventJson::object();
  for (const auto& [name, value] : single.items()) out[name] = EventJson::array({value});
  return out;
}

std::string WithoutLeadingSlash(const std::string& path) { return AbsolutePath(path).substr(1); }

std::string UrlSafe(std::string base64) {
  for (char& c : base64) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return base64;
}

std::string MethodArn(const OptionValues& v) {
  return "arn:" + v.at("partition") + ":execute-api:" + v.at("region") + ":" + v.at("account-id") +
         ":" + v.at("restApiId") + "/" + v.at("stage") + "/" + v.at("method") + "/" +
         WithoutLeadingSlash(v.at("resource"));
}

EventJson ClientCert() {
  return {{"clientCertPem",
           "-----BEGIN CERTIFICATE-----\nMIIEZTCCAk0CAQEwDQ...\n-----END "
           "CERTIFICATE-----"},
          {"subjectDN", "www.example.com"},
          {"issuerDN", "Example issuer"},
          {"serialNumber", "a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1"},
          {"validity",
           {{"notBefore", "May 28 12:30:02 2019 GMT"}, {"notAfter", "Aug  5 09:36:04 2031 GMT"}}}};
}

EventJson AwsProxy(const OptionValues& v) {
  const std::int64_t now = NowMillis();
  const std::string api_id = RandomLowerAlphanumeric(10);
  const std::string host = api_id + ".execute-api." + v.at("dns-suffix");
  const std::string path = AbsolutePath(v.at("path"));
  const std::string& stage = v.at("stage");
  const std::string& method = v.at("method");
  const std::string& resource = v.at("resource");

  EventJson headers = {
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8"},
      {"Accept-Encoding", "gzip, deflate, sdch"},
      {"Accept-Language", "en-US,en;q=0.8"},
      {"Cache-Control", "max-age=0"},
      {"CloudFront-Forwarded-Proto", "https"},
      {"CloudFront-Is-Desktop-Viewer", "true"},
      {"CloudFront-Is-Mobile-Viewer", "false"},
      {"CloudFront-Is-SmartTV-Viewer", "false"},
      {"CloudFront-Is-Tablet-Viewer", "false"},
      {"CloudFront-Viewer-Country", "US"},
      {"Host", host},
      {"Upgrade-Insecure-Requests", "1"},
      {"User-Agent", kUserAgent},
      {"Via", "1.1 " + RandomHex(32) + ".cloudfront.net (CloudFront)"},
      {"X-Amz-Cf-Id", UrlSafe(RandomBase64(40))},
      {"X-Amzn-Trace-Id", TraceHeader(now)},
      {"X-Forwarded-For", "127.0.0.1, 127.0.0.2"},
      {"X-Forwarded-Port", "443"},
      {"X-Forwarded-Proto", "https"}};
  EventJson query = {{"foo", "bar"}};
  EventJson identity = {{"cognitoIdentityPoolId", nullptr},
                        {"accountId", nullptr},
                        {"cognitoIdentityId", nullptr},
                        {"caller", nullptr},
                        {"sourceIp", "127.0.0.1"},
                        {"principalOrgId", nullptr},
                        {"accessKey", nullptr},
                        {"cognitoAuthenticationType", nullptr},
                        {"cognitoAuthenticationProvider", nullptr},
                        {"userArn", nullptr},
                        {"userAgent", kUserAgent},
                        {"user", nullptr}};
  EventJson context = {{"resourceId", RandomLowerAlphanumeric(6)},
                       {"resourcePath", resource},
                       {"httpMethod", method},
                       {"extendedRequestId", RandomAlphanumeric(15) + "="},
                       {"requestTime", ClfTime(now)},
                       {"path", "/" + stage + path},
                       {"accountId", v.at("account-id")},
                       {"protocol", "HTTP/1.1"},
                       {"stage", stage},
                       {"domainPrefix", api_id},
                       {"requestTimeEpoch", now},
                       {"requestId", NewUuid()},
                       {"identity", identity},
                       {"domainName", host},
                       {"deploymentId", RandomLowerAlphanumeric(6)},
                       {"apiId", api_id}};
  return {{"resource", resource},
          {"path", path},
          {"httpMethod", method},
          {"headers", headers},
          {"multiValueHeaders", MultiValue(headers)},
          {"queryStringParameters", query},
          {"multiValueQueryStringParameters", MultiValue(query)},
          {"pathParameters", PathParameters(resource, path)},
          {"stageVariables", {{"baz", "qux"}}},
          {"requestContext", context},
          {"body", Base64Encode(v.at("body"))},
          {"isBase64Encoded", true}};
}

EventJson HttpApiProxy(const OptionValues& v) {
  const std::int64_t now = NowMillis();
  const std::string api_id = RandomLowerAlphanumeric(10);
  const std::string host = api_id + ".execute-api." + v.at("dns-suffix");
  const std::string& stage = v.at("stage");
  // Outside the $default stage, the stage name is the first segment of the path.
  const std::string raw_path =
      (stage == "$default" ? "" : "/" + stage) + AbsolutePath(v.at("path"));
  const std::string& body = v.at("body");

  EventJson headers = {{"accept", "*/*"},
                       {"content-length", std::to_string(body.size())},
                       {"content-type", "application/json"},
                       {"header1", "value1"},
                       {"header2", "value1,value2"},
                       {"host", host},
                       {"user-agent", "agent"},
                       {"x-amzn-trace-id", TraceHeader(now)},
                       {"x-forwarded-for", "192.0.2.1"},
                       {"x-forwarded-port", "443"},
                       {"x-forwarded-proto", "https"}};
  EventJson context = {{"accountId", v.at("account-id")},
                       {"apiId", api_id},
                       {"authentication", {{"clientCert", ClientCert()}}},
                       {"authorizer",
                        {{"jwt",
                          {{"claims", {{"claim1", "value1"}, {"claim2", "value2"}}},
                           {"scopes", EventJson::array({"scope1", "scope2"})}}}}},
                       {"domainName", host},
                       {"domainPrefix", api_id},
                       {"http",
                        {{"method", v.at("method")},
                         {"path", raw_path},
                         {"protocol", "HTTP/1.1"},
                         {"sourceIp", "192.0.2.1"},
                         {"userAgent", "agent"}}},
                       {"requestId", RandomAlphanumeric(15) + "="},
                       {"routeKey", "$default"},
                       {"stage", stage},
                       {"time", ClfTime(now)},
                       {"timeEpoch", now}};
  return {{"version", "2.0"},
          {"routeKey", "$default"},
          {"rawPath", raw_path},
          {"rawQueryString", "parameter1=value1&parameter1=value2&parameter2=value"},
          {"cookies", EventJson::array({"cookie1", "cookie2"})},
          {"headers", headers},
          {"queryStringParameters", {{"parameter1", "value1,value2"}, {"parameter2", "value"}}},
          {"requestContext", context},
          {"body", Base64Encode(body)},
          {"pathParameters", {{"parameter1", "value1"}}},
          {"isBase64Encoded", true},
          {"stageVariables", {{"stageVariable1", "value1"}, {"stageVariable2", "value2"}}}};
}

EventJson TokenAuthorizer(const OptionValues& v) {
  return {{"type", "TOKEN"},
          {"authorizationToken", "incoming-client-token"},
          {"methodArn", MethodArn(v)}};
}

EventJson RequestAuthorizer(const OptionValues& v) {
  const std::int64_t now = NowMillis();
  const std::string resource = AbsolutePath(v.at("resource"));
  const std::string& stage = v.at("stage");
  const std::string& api_id = v.at("restApiId");
  EventJson headers = {{"X-AMZ-Date", AmzDate(now)},
                       {"Accept", "*/*"},
                       {"HeaderAuth1", "headerValue1"},
                       {"CloudFront-Viewer-Country", "US"},
                       {"CloudFront-Forwarded-Proto", "https"},
                       {"CloudFront-Is-Tablet-Viewer", "false"},
                       {"CloudFront-Is-Mobile-Viewer", "false"},
                       {"User-Agent", kUserAgent},
                       {"X-Amzn-Trace-Id", TraceHeader(now)}};
  EventJson query = {{"QueryString1", "queryValue1"}};
  EventJson context = {{"path", "/" + stage + resource},
                       {"accountId", v.at("account-id")},
                       {"resourceId", RandomLowerAlphanumeric(6)},
                       {"stage", stage},
                       {"requestId", NewUuid()},
                       {"extendedRequestId", RandomAlphanumeric(15) + "="},
                       {"requestTime", ClfTime(now)},
                       {"requestTimeEpoch", now},
                       {"identity",
                        {{"apiKey", RandomAlphanumeric(40)},
                         {"sourceIp", "127.0.0.1"},
                         {"userAgent", kUserAgent},
                         {"clientCert", ClientCert()}}},
                       {"domainName", api_id + ".execute-api." + v.at("region") + "." +
                                          DnsSuffix(v.at("partition"))},
                       {"protocol", "HTTP/1.1"},
                       {"resourcePath", resource},
                       {"httpMethod", v.at("method")},
                       {"apiId", api_id}};
  return {{"type", "REQUEST"},
          {"methodArn", MethodArn(v)},
          {"resource", resource},
          {"path", resource},
          {"httpMethod", v.at("method")},
          {"headers", headers},
          {"multiValueHeaders", MultiValue(headers)},
          {"queryStringParameters", query},
          {"multiValueQueryStringParameters", MultiValue(query)},
          {"pathParameters", EventJson::object()},
          {"stageVariables", {{"StageVar1", "stageValue1"}}},
          {"requestContext", context}};
}

std::vector<EventOption> AuthorizerOptions(const char* stage, const char* method,
                                           const char* resource, const char* api_id) {
  return {AccountIdOption(),
          PartitionOption(),
          RegionOption(),
          StageOption(stage),
          MethodOption(method),
          {"resource", resource, "API resource, the last part of the methodArn"},
          {"restApiId", api_id, "REST API id"}};
}

}  // namespace

Service ApiGatewayService() {
  return {"apigateway",
          "Amazon API Gateway events",
          {{"aws-proxy",
            "Generates an Amazon API Gateway AWS Proxy Event (REST API, payload format 1.0)",
            {BodyOption(),
             StageOption("prod"),
             MethodOption("POST"),
             {"resource", "/{proxy+}", "API resource the request matched"},
             PathOption(),
             AccountIdOption(),
             DnsSuffixOption()},
            AwsProxy},
           {"http-api-proxy",
            "Generates an Amazon API Gateway Http API Event (payload format 2.0)",
            {BodyOption(), StageOption("$default"), MethodOption("POST"), PathOption(),
             AccountIdOption(), DnsSuffixOption()},
            HttpApiProxy},
           {"authorizer", "Generates an Amazon API Gateway Authorizer Event (TOKEN authorizer)",
            AuthorizerOptions("prod", "POST", "{proxy+}", "example"), TokenAuthorizer},
           {"request-authorizer",
            "Generates an Amazon API Gateway Request Authorizer Event (REQUEST authorizer)",
            AuthorizerOptions("test", "GET", "request", "abcdef123"), RequestAuthorizer}}};
}

}  // namespace lambda_emu::events
