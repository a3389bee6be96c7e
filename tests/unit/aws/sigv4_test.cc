#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>

namespace lambda_emu::aws {
namespace {

namespace http = boost::beast::http;
using std::chrono::system_clock;

// The published SigV4 test suite (aws-sig-v4-test-suite) signs every example
// at 2015-08-30T12:36:00Z for us-east-1 and the service "service" with these
// example keys.
const Credentials kSuiteKeys{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const system_clock::time_point kSuiteTime = system_clock::from_time_t(1440938160);
constexpr SignOptions kNoContentHash{.content_sha256_header = false};

SignedRequest SuiteRequest(http::verb method, std::string target) {
  SignedRequest request(method, target, 11);
  request.set(http::field::host, "example.amazonaws.com");
  return request;
}

TEST(SigV4, AmzDateIsCompactUtc) { EXPECT_EQ(AmzDate(kSuiteTime), "20150830T123600Z"); }

TEST(SigV4, SigningKeyMatchesPublishedDerivation) {
  EXPECT_EQ(HexEncode(SigningKey(kSuiteKeys.secret_access_key, "20150830", "us-east-1", "service")),
            "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75");
}

TEST(SigV4, GetVanilla) {
  SignedRequest request = SuiteRequest(http::verb::get, "/");
  Sign(request, kSuiteKeys, "us-east-1", "service", kSuiteTime, kNoContentHash);
  EXPECT_EQ(request[http::field::authorization],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(request["X-Amz-Date"], "20150830T123600Z");
  EXPECT_EQ(request.count("X-Amz-Security-Token"), 0u);
}

TEST(SigV4, GetVanillaQueryOrderKeySortsByNameThenValue) {
  SignedRequest request = SuiteRequest(http::verb::get, "/?Param1=value2&Param1=Value1");
  request.set("X-Amz-Date", "20150830T123600Z");
  std::string signed_headers;
  std::string canonical = CanonicalRequest(request, "service", Sha256Hex(""), &signed_headers);
  EXPECT_EQ(canonical,
            "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sign(request, kSuiteKeys, "us-east-1", "service", kSuiteTime, kNoContentHash);
  EXPECT_EQ(request[http::field::authorization],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1");
}

TEST(SigV4, PostXWwwFormUrlencodedSignsBodyAndContentType) {
  SignedRequest request = SuiteRequest(http::verb::post, "/");
  request.set(http::field::content_type, "application/x-www-form-urlencoded");
  request.set("X-Amz-Date", "20150830T123600Z");
  request.body() = "Param1=value1";
  std::string canonical = CanonicalRequest(request, "service", Sha256Hex(request.body()), nullptr);
  EXPECT_EQ(canonical,
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(StringToSign("20150830T123600Z", "us-east-1", "service", canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  Sign(request, kSuiteKeys, "us-east-1", "service", kSuiteTime, kNoContentHash);
  EXPECT_EQ(request[http::field::authorization],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4, PostStsHeaderBeforeSignsTheSessionToken) {
  Credentials keys = kSuiteKeys;
  keys.session_token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp"
      "SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPky"
      "QDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBA"
      "z+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  SignedRequest request = SuiteRequest(http::verb::post, "/");
  Sign(request, keys, "us-east-1", "service", kSuiteTime, kNoContentHash);
  EXPECT_EQ(request["X-Amz-Security-Token"], keys.session_token);
  EXPECT_EQ(request[http::field::authorization],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-security-token, "
            "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

// The expected values below were computed offline with botocore 1.43's
// SigV4Auth / S3SigV4Auth over the same request at 2024-01-02T03:04:05Z.
const system_clock::time_point kBotocoreTime = system_clock::from_time_t(1704164645);

TEST(SigV4, MatchesBotocoreForSqsJsonWithSessionToken) {
  Credentials keys = kSuiteKeys;
  keys.session_token = "session-token-1";
  SignedRequest request(http::verb::post, "/", 11);
  request.set(http::field::host, "localhost:4566");
  request.set(http::field::content_type, "application/x-amz-json-1.0");
  request.set("X-Amz-Target", "AmazonSQS.SendMessage");
  request.set(http::field::user_agent, "lambda-emu");  // unsigned, as botocore leaves it
  request.body() =
      R"({"QueueUrl":"http://localhost:4566/000000000000/dlq","MessageBody":"{\"a\":1}"})";
  Sign(request, keys, "eu-west-1", "sqs", kBotocoreTime);
  EXPECT_EQ(request["x-amz-content-sha256"],
            "3c25c2114cb4c552787cc254cf374a16b07a384e04c6b94ce5585309f6ec1357");
  EXPECT_EQ(request[http::field::authorization],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/sqs/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
            "x-amz-security-token;x-amz-target, "
            "Signature=4c19a33714120b7ce552e573083254d2f2b00f5b6dcbb7b04d2473ac976b43f5");
}

TEST(SigV4, MatchesBotocoreForS3PutObject) {
  SignedRequest request(http::verb::put,
                        "/failures/aws/lambda/async/my-fn/2024/01/02/"
                        "2024-01-02T03.04.05-0f6c1a4e-6a48-4d9b-9c1e-2f3a4b5c6d7e",
                        11);
  request.set(http::field::host, "127.0.0.1:4566");
  request.set(http::field::content_type, "application/json");
  request.body() = R"({"version":"1.0"})";
  Sign(request, Credentials{"test", "test", ""}, "eu-west-1", "s3", kBotocoreTime);
  EXPECT_EQ(request[http::field::authorization],
            "AWS4-HMAC-SHA256 Credential=test/20240102/eu-west-1/s3/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=8c565e5e87579216a818d867f31abcef7d84cba105673a8e58ced23896aff1b9");
}

TEST(SigV4, NonS3PathIsEncodedTwiceS3PathOnce) {
  SignedRequest request(http::verb::get, "/a%20b", 11);
  request.set(http::field::host, "h");
  EXPECT_EQ(CanonicalRequest(request, "service", "x", nullptr).substr(0, 14), "GET\n/a%2520b\n\n");
  EXPECT_EQ(CanonicalRequest(request, "s3", "x", nullptr).substr(0, 12), "GET\n/a%20b\n\n");
}

TEST(SigV4, HeaderValuesAreTrimmedAndRepeatsJoined) {
  SignedRequest request(http::verb::get, "/", 11);
  request.set(http::field::host, "h");
  request.insert("X-Custom", "  a   b  ");
  request.insert("x-custom", "c");
  std::string signed_headers;
  std::string canonical = CanonicalRequest(request, "service", "x", &signed_headers);
  EXPECT_NE(canonical.find("\nx-custom:a b,c\n"), std::string::npos) << canonical;
  EXPECT_EQ(signed_headers, "host;x-custom");
}

TEST(SigV4, ResigningReplacesTheOldSignature) {
  SignedRequest request = SuiteRequest(http::verb::get, "/");
  Sign(request, kSuiteKeys, "us-east-1", "service", kBotocoreTime, kNoContentHash);
  Sign(request, kSuiteKeys, "us-east-1", "service", kSuiteTime, kNoContentHash);
  EXPECT_EQ(request.count(http::field::authorization), 1u);
  EXPECT_NE(request[http::field::authorization].find("5fa00fa31553b73e"), std::string::npos);
}

TEST(SigV4, CredentialsDefaultToLocalStacksTestKeys) {
  const char* saved_id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* saved_secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  const char* saved_token = std::getenv("AWS_SESSION_TOKEN");
  std::string id = saved_id ? saved_id : "", secret = saved_secret ? saved_secret : "",
              token = saved_token ? saved_token : "";
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("AWS_SESSION_TOKEN");
  Credentials defaults = Credentials::FromEnvironment();
  EXPECT_EQ(defaults.access_key_id, "test");
  EXPECT_EQ(defaults.secret_access_key, "test");
  EXPECT_EQ(defaults.session_token, "");
  setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
  setenv("AWS_SESSION_TOKEN", "TOKEN", 1);
  Credentials set = Credentials::FromEnvironment();
  EXPECT_EQ(set.access_key_id, "AKID");
  EXPECT_EQ(set.secret_access_key, "SECRET");
  EXPECT_EQ(set.session_token, "TOKEN");
  auto restore = [](const char* name, const char* saved, const std::string& value) {
    if (saved) {
      setenv(name, value.c_str(), 1);
    } else {
      unsetenv(name);
    }
  };
  restore("AWS_ACCESS_KEY_ID", saved_id, id);
  restore("AWS_SECRET_ACCESS_KEY", saved_secret, secret);
  restore("AWS_SESSION_TOKEN", saved_token, token);
}

}  // namespace
}  // namespace lambda_emu::aws
