#pragma once
// AWS Signature Version 4 for the requests lambda-emu sends to AWS-compatible
// endpoints (async destinations and dead-letter queues, docs/async/aws.md).
//
// Sign() adds X-Amz-Date, X-Amz-Security-Token (when the credentials carry a
// session token), x-amz-content-sha256 (S3 requires it; other services
// ignore it) and Authorization to a Beast request, signing every header the
// request carries at that moment except the few the SDKs leave unsigned
// (User-Agent, Connection and the other hop-by-hop headers, X-Amzn-Trace-Id,
// Content-Length).
// Set Host and every header that must be signed first; Content-Length after.
//
// The intermediate steps (canonical request, string to sign, signing key) are
// exposed so that tests can compare each against AWS's published SigV4 test
// suite. Everything here is a pure function of its arguments; safe from any
// thread.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace lambda_emu::aws {

using SignedRequest = boost::beast::http::request<boost::beast::http::string_body>;

// An access key pair as the SDKs read it from the environment. A plain value.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none (long-term keys)

  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. An unset
  // or empty key id or secret becomes "test", LocalStack's convention, so that
  // pointing at LocalStack needs no setup.
  static Credentials FromEnvironment();
};

struct SignOptions {
  // Add and sign x-amz-content-sha256 (the body's SHA-256). S3 requires it;
  // the published test suite's vectors do not have it.
  bool content_sha256_header = true;
};

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Raw (32-byte) HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);
// "20150830T123600Z"
std::string AmzDate(std::chrono::system_clock::time_point time);
// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters
// (A-Z a-z 0-9 - _ . ~) stay, everything else is %XX (upper-case hex); '/'
// stays when `keep_slash`.
std::string UriEncode(std::string_view text, bool keep_slash);

// The canonical request for `request` whose body hashes to `payload_hash`.
// `service` matters for the path only: S3 signs the path as sent, every other
// service signs it percent-encoded once more. Sets `signed_headers` to the
// ';'-joined lower-case names signed.
std::string CanonicalRequest(const SignedRequest& request, std::string_view service,
                             std::string_view payload_hash, std::string* signed_headers);
// "AWS4-HMAC-SHA256\n<amz date>\n<date>/<region>/<service>/aws4_request\n<hash>"
std::string StringToSign(std::string_view amz_date, std::string_view region,
                         std::string_view service, std::string_view canonical_request);
// The raw key derived from the secret for one day, region and service.
std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service);

// Signs `request` in place for `region` and `service` at `now`.
void Sign(SignedRequest& request, const Credentials& credentials, std::string_view region,
          std::string_view service, std::chrono::system_clock::time_point now,
          SignOptions options = {});

}  // namespace lambda_emu::aws
