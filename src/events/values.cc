#include "events/values.h"

#include <zlib.h>

#include <array>
#include <bit>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <stdexcept>

#include "common/base64.h"

namespace lambda_emu::events {

namespace {

constexpr std::string_view kHexLower = "0123456789abcdef";
constexpr std::string_view kHexUpper = "0123456789ABCDEF";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kDigits = "0123456789";

std::mt19937_64& Engine() {
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  return engine;
}

std::string RandomFrom(std::string_view alphabet, std::size_t length) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out(length, '\0');
  for (char& c : out) c = alphabet[pick(Engine())];
  return out;
}

std::string RandomBytes(std::size_t length) {
  std::uniform_int_distribution<int> pick(0, 255);
  std::string out(length, '\0');
  for (char& c : out) c = static_cast<char>(static_cast<unsigned char>(pick(Engine())));
  return out;
}

std::tm Utc(std::int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

std::string Format(std::int64_t epoch_ms, const char* format) {
  std::tm tm = Utc(epoch_ms);
  char buffer[64];
  std::size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
  return std::string(buffer, n);
}

}  // namespace

std::string NewUuid() {
  std::string bytes = RandomBytes(16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    auto b = static_cast<unsigned char>(bytes[i]);
    out.push_back(kHexLower[b >> 4]);
    out.push_back(kHexLower[b & 0x0f]);
  }
  return out;
}

std::string RandomHex(std::size_t length) { return RandomFrom(kHexLower, length); }
std::string RandomUpperHex(std::size_t length) { return RandomFrom(kHexUpper, length); }

std::string RandomDigits(std::size_t length) {
  if (length == 0) return {};
  return RandomFrom(kDigits.substr(1), 1) + RandomFrom(kDigits, length - 1);
}

std::string RandomAlphanumeric(std::size_t length) {
  static const std::string alphabet =
      std::string(kUpper) + std::string(kLower) + std::string(kDigits);
  return RandomFrom(alphabet, length);
}

std::string RandomUpperAlphanumeric(std::size_t length) {
  static const std::string alphabet = std::string(kUpper) + std::string(kDigits);
  return RandomFrom(alphabet, length);
}

std::string RandomLowerAlphanumeric(std::size_t length) {
  static const std::string alphabet = std::string(kLower) + std::string(kDigits);
  return RandomFrom(alphabet, length);
}

std::string RandomBase64(std::size_t bytes) { return Base64Encode(RandomBytes(bytes)); }

std::int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string IsoTimeMillis(std::int64_t epoch_ms) {
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(epoch_ms % 1000));
  return Format(epoch_ms, "%Y-%m-%dT%H:%M:%S") + millis;
}

std::string IsoTimeSeconds(std::int64_t epoch_ms) { return Format(epoch_ms, "%Y-%m-%dT%H:%M:%SZ"); }

std::string ClfTime(std::int64_t epoch_ms) {
  // %b is locale-dependent; API Gateway always writes English month names.
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm = Utc(epoch_ms);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string AmzDate(std::int64_t epoch_ms) { return Format(epoch_ms, "%Y%m%dT%H%M%SZ"); }

std::string TraceHeader(std::int64_t epoch_ms) {
  char seconds[16];
  std::snprintf(seconds, sizeof seconds, "%08llx",
                static_cast<unsigned long long>(epoch_ms / 1000));
  return std::string("Root=1-") + seconds + "-" + RandomHex(24);
}

std::string UrlEncodeKey(std::string_view key) {
  std::string out;
  for (char c : key) {
    auto b = static_cast<unsigned char>(c);
    bool unreserved = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (unreserved) {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[b >> 4]);
      out.push_back(kHexUpper[b & 0x0f]);
    }
  }
  return out;
}

std::string Gzip(std::string_view data) {
  z_stream stream{};
  // windowBits 15 + 16 asks zlib for a gzip header and trailer instead of zlib's own.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

std::string Md5Hex(std::string_view data) {
  // RFC 1321. Per-round shift amounts and the sine-derived constants.
  static constexpr std::array<int, 16> kShift = {7, 12, 17, 22, 5, 9,  14, 20,
                                                 4, 11, 16, 23, 6, 10, 15, 21};
  static constexpr std::array<std::uint32_t, 64> kSine = {
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
      0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
      0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
      0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
      0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
      0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
      0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
      0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
      0xeb86d391};
  std::string message(data);
  std::uint64_t bit_length = static_cast<std::uint64_t>(data.size()) * 8;
  message.push_back(static_cast<char>(0x80));
  while (message.size() % 64 != 56) message.push_back('\0');
  for (int i = 0; i < 8; ++i) message.push_back(static_cast<char>((bit_length >> (8 * i)) & 0xff));

  std::array<std::uint32_t, 4> state = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  for (std::size_t block = 0; block < message.size(); block += 64) {
    std::array<std::uint32_t, 16> words{};
    for (std::size_t i = 0; i < 64; ++i) {
      auto byte = static_cast<std::uint32_t>(static_cast<unsigned char>(message[block + i]));
      words[i / 4] |= byte << (8 * (i % 4));
    }
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    for (std::size_t i = 0; i < 64; ++i) {
      std::uint32_t f;
      std::size_t g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      f += a + kSine[i] + words[g];
      a = d;
      d = c;
      c = b;
      b += std::rotl(f, kShift[(i / 16) * 4 + i % 4]);
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
  }
  std::string out;
  for (std::uint32_t word : state) {
    for (int i = 0; i < 4; ++i) {
      auto byte = (word >> (8 * i)) & 0xff;
      out.push_back(kHexLower[byte >> 4]);
      out.push_back(kHexLower[byte & 0x0f]);
    }
  }
  return out;
}

std::string DnsSuffix(std::string_view partition) {
  if (partition == "aws-cn") return "amazonaws.com.cn";
  if (partition == "aws-iso") return "c2s.ic.gov";
  if (partition == "aws-iso-b") return "sc2s.sgov.gov";
  return "amazonaws.com";
}

std::string AbsolutePath(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return "/" + std::string(path);
}

}  // namespace lambda_emu::events
