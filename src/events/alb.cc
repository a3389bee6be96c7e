// Application Load Balancer: a request forwarded to a Lambda target group.
#include <cctype>

#include "common/base64.h"
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

// "us-east-2.elb.amazonaws.com" -> "us-east-2". The target group lives in the
// load balancer's region; SAM always writes us-east-2 there.
std::string RegionOfDnsSuffix(const std::string& dns_suffix) {
  std::string first = dns_suffix.substr(0, dns_suffix.find('.'));
  bool looks_like_region = first.find('-') != std::string::npos && !first.empty() &&
                           std::isdigit(static_cast<unsigned char>(first.back()));
  return looks_like_region ? first : "us-east-2";
}

EventJson AlbRequest(const OptionValues& v) {
  const std::int64_t now = NowMillis();
  const std::string& dns_suffix = v.at("dns-suffix");
  const bool china = dns_suffix.ends_with(".cn");
  const std::string target_group = "arn:" + std::string(china ? "aws-cn" : "aws") +
                                   ":elasticloadbalancing:" + RegionOfDnsSuffix(dns_suffix) + ":" +
                                   v.at("account-id") + ":targetgroup/lambda-" +
                                   RandomAlphanumeric(16) + "/" + RandomHex(16);
  EventJson headers = {
      {"accept",
       "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8"},
      {"accept-encoding", "gzip"},
      {"accept-language", "en-US,en;q=0.9"},
      {"connection", "keep-alive"},
      {"host", "lambda-alb-" + RandomDigits(9) + "." + dns_suffix},
      {"upgrade-insecure-requests", "1"},
      {"user-agent",
       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/71.0.3578.98 Safari/537.36"},
      {"x-amzn-trace-id", TraceHeader(now)},
      {"x-forwarded-for", "72.12.164.125"},
      {"x-forwarded-port", "80"},
      {"x-forwarded-proto", "http"},
      {"x-imforwards", "20"}};
  return {{"requestContext", {{"elb", {{"targetGroupArn", target_group}}}}},
          {"httpMethod", v.at("method")},
          {"path", AbsolutePath(v.at("path"))},
          {"queryStringParameters", {{"query", "1234ABCD"}}},
          {"headers", headers},
          {"body", Base64Encode(v.at("body"))},
          {"isBase64Encoded", true}};
}

}  // namespace

Service AlbService() {
  return {"alb",
          "Elastic Load Balancing (Application Load Balancer) events",
          {{"request",
            "Generates an Application Load Balancer Event",
            {{"body", R"({"test":"body"})", "Request body; the event carries it base64-encoded"},
             {"method", "POST", "HTTP method"},
             {"path", "path/to/resource", "Request path; a leading '/' is added"},
             AccountIdOption(),
             {"dns-suffix", "us-east-2.elb.amazonaws.com",
              "Suffix of the load balancer's host name; its first label is the region"}},
            AlbRequest}}};
}

}  // namespace lambda_emu::events
