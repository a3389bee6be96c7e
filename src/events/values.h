#pragma once
// The fresh ids, clock readings and encodings that sample events share. All
// functions are safe to call from any thread (the random source is
// thread-local).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lambda_emu::events {

// A random (version 4) UUID, lower case: "3f1c0e6a-...".
std::string NewUuid();
// `length` random characters from the named alphabet.
std::string RandomHex(std::size_t length);       // 0-9a-f
std::string RandomUpperHex(std::size_t length);  // 0-9A-F
std::string RandomDigits(std::size_t length);    // no leading zero
std::string RandomAlphanumeric(std::size_t length);
std::string RandomUpperAlphanumeric(std::size_t length);  // A-Z0-9
std::string RandomLowerAlphanumeric(std::size_t length);  // a-z0-9
// Base64 of `bytes` random bytes.
std::string RandomBase64(std::size_t bytes);

// Milliseconds since the epoch, now.
std::int64_t NowMillis();
// "2024-05-01T12:34:56.789Z"
std::string IsoTimeMillis(std::int64_t epoch_ms);
// "2024-05-01T12:34:56Z"
std::string IsoTimeSeconds(std::int64_t epoch_ms);
// "01/May/2024:12:34:56 +0000", API Gateway's requestTime.
std::string ClfTime(std::int64_t epoch_ms);
// "20240501T123456Z", as in X-Amz-Date.
std::string AmzDate(std::int64_t epoch_ms);
// An X-Ray trace header: "Root=1-<epoch seconds hex>-<24 hex>".
std::string TraceHeader(std::int64_t epoch_ms);

// An object key as S3 writes it into event notifications: URL-encoded with
// '/' kept and a space as '+'.
std::string UrlEncodeKey(std::string_view key);
// `data` in gzip format (RFC 1952).
std::string Gzip(std::string_view data);
// MD5 of `data`, 32 lower-case hex digits.
std::string Md5Hex(std::string_view data);
// The DNS suffix of a partition: "amazonaws.com", "amazonaws.com.cn", ...
std::string DnsSuffix(std::string_view partition);
// `path` with exactly one leading '/'.
std::string AbsolutePath(std::string_view path);

}  // namespace lambda_emu::events
