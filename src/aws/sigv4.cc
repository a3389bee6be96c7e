#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

namespace lambda_emu::aws {
namespace {

namespace http = boost::beast::http;

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// SigV4 trims a header value and folds each run of spaces inside it to one.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      in_space = !out.empty();
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

// botocore leaves these unsigned (hop-by-hop headers a proxy may change, and
// the User-Agent); Content-Length is left out here too because Beast sets it
// after signing.
bool Unsigned(std::string_view lower_name) {
  static constexpr std::string_view kNames[] = {"authorization",
                                                "connection",
                                                "content-length",
                                                "expect",
                                                "keep-alive",
                                                "proxy-authenticate",
                                                "proxy-authorization",
                                                "te",
                                                "trailer",
                                                "transfer-encoding",
                                                "upgrade",
                                                "user-agent",
                                                "x-amzn-trace-id"};
  return std::find(std::begin(kNames), std::end(kNames), lower_name) != std::end(kNames);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// The query's parameters decoded, re-encoded the SigV4 way and sorted by name,
// then by value (get-vanilla-query-order-key).
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (!query.empty() && start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view part = query.substr(start, end - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string_view name = part.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
      params.emplace_back(UriEncode(PercentDecode(name), false),
                          UriEncode(PercentDecode(value), false));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

}  // namespace

Credentials Credentials::FromEnvironment() {
  Credentials credentials;
  credentials.access_key_id = Getenv("AWS_ACCESS_KEY_ID");
  credentials.secret_access_key = Getenv("AWS_SECRET_ACCESS_KEY");
  credentials.session_token = Getenv("AWS_SESSION_TOKEN");
  if (credentials.access_key_id.empty()) credentials.access_key_id = "test";
  if (credentials.secret_access_key.empty()) credentials.secret_access_key = "test";
  return credentials;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    spdlog::critical("aws: EVP_Digest(SHA-256) failed");
    std::abort();
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &length) == nullptr) {
    spdlog::critical("aws: HMAC-SHA256 failed");
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0x0f];
    }
  }
  return out;
}

std::string CanonicalRequest(const SignedRequest& request, std::string_view service,
                             std::string_view payload_hash, std::string* signed_headers) {
  std::string_view target = request.target();
  size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (path.empty()) path = "/";

  // Header names sorted; a repeated header's values joined with ',' in order.
  std::map<std::string, std::string> headers;
  for (const auto& field : request) {
    std::string name = Lower(field.name_string());
    if (Unsigned(name)) continue;
    std::string value = CanonicalHeaderValue(field.value());
    auto [it, inserted] = headers.emplace(name, value);
    if (!inserted) it->second += "," + value;
  }

  std::string out;
  out += request.method_string();
  out += '\n';
  // S3 signs the path exactly as sent; the other services sign the sent
  // (already percent-encoded) path encoded once more.
  out += service == "s3" ? std::string(path) : UriEncode(path, true);
  out += '\n';
  out += CanonicalQuery(query);
  out += '\n';
  std::string names;
  for (const auto& [name, value] : headers) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
    if (!names.empty()) names += ';';
    names += name;
  }
  out += '\n';
  out += names;
  out += '\n';
  out += payload_hash;
  if (signed_headers != nullptr) *signed_headers = std::move(names);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view region,
                         std::string_view service, std::string_view canonical_request) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += amz_date;
  out += '\n';
  out += amz_date.substr(0, 8);
  out += '/';
  out += region;
  out += '/';
  out += service;
  out += "/aws4_request\n";
  out += Sha256Hex(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string key = HmacSha256("AWS4" + std::string(secret_access_key), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, "aws4_request");
}

void Sign(SignedRequest& request, const Credentials& credentials, std::string_view region,
          std::string_view service, std::chrono::system_clock::time_point now,
          SignOptions options) {
  std::string amz_date = AmzDate(now);
  std::string payload_hash = Sha256Hex(request.body());
  request.erase(http::field::authorization);
  request.set("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    request.set("X-Amz-Security-Token", credentials.session_token);
  } else {
    request.erase("X-Amz-Security-Token");
  }
  if (options.content_sha256_header) request.set("x-amz-content-sha256", payload_hash);

  std::string signed_headers;
  std::string canonical = CanonicalRequest(request, service, payload_hash, &signed_headers);
  std::string to_sign = StringToSign(amz_date, region, service, canonical);
  std::string date = amz_date.substr(0, 8);
  std::string signature = HexEncode(
      HmacSha256(SigningKey(credentials.secret_access_key, date, region, service), to_sign));

  std::string authorization = "AWS4-HMAC-SHA256 Credential=";
  authorization += credentials.access_key_id;
  authorization += '/';
  authorization += date;
  authorization += '/';
  authorization += region;
  authorization += '/';
  authorization += service;
  authorization += "/aws4_request, SignedHeaders=";
  authorization += signed_headers;
  authorization += ", Signature=";
  authorization += signature;
  request.set(http::field::authorization, authorization);
}

}  // namespace lambda_emu::aws
