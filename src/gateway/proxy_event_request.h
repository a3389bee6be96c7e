#pragma once
// Internal to proxy_event.cc: reading the parts of an HTTP request the proxy
// events are made of (headers classified and grouped, the query decoded, the
// body's base64 decision, the ids and times API Gateway puts in its events),
// without copying what can be pointed at. Split from the event writers to
// keep each file readable; every function here is used by proxy_event.cc
// alone. Pure; thread-safe (the memo in RestIdsFor is thread-local).

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/base64.h"
#include "common/json_writer.h"
#include "gateway/proxy_event.h"

namespace lambda_emu::gateway::event_detail {

using Json = nlohmann::ordered_json;

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// ASCII case-insensitive equality.
inline bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (!a.empty() && AsciiLower(a[0]) != AsciiLower(b[0])) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] && AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The headers the event treats specially, recognized once per request.
enum class Kind : std::uint8_t {
  kOther,
  kConnection,
  kContentLength,
  kContentType,
  kCookie,
  kUserAgent,
  kAuthorization,
  kForwardedFor,
  kForwardedPort,
  kForwardedProto,
};

inline Kind Classify(std::string_view name) {
  if (name.size() < 6 || name.size() > 17) return Kind::kOther;
  const char first = AsciiLower(name[0]);
  switch (name.size()) {
    case 6:
      return first == 'c' && IEquals(name, "cookie") ? Kind::kCookie : Kind::kOther;
    case 10:
      if (first == 'u') return IEquals(name, "user-agent") ? Kind::kUserAgent : Kind::kOther;
      return first == 'c' && IEquals(name, "connection") ? Kind::kConnection : Kind::kOther;
    case 12:
      return first == 'c' && IEquals(name, "content-type") ? Kind::kContentType : Kind::kOther;
    case 13:
      return first == 'a' && IEquals(name, "authorization") ? Kind::kAuthorization : Kind::kOther;
    case 14:
      return first == 'c' && IEquals(name, "content-length") ? Kind::kContentLength : Kind::kOther;
    case 15:
      return first == 'x' && IEquals(name, "x-forwarded-for") ? Kind::kForwardedFor : Kind::kOther;
    case 16:
      return first == 'x' && IEquals(name, "x-forwarded-port") ? Kind::kForwardedPort
                                                               : Kind::kOther;
    case 17:
      return first == 'x' && IEquals(name, "x-forwarded-proto") ? Kind::kForwardedProto
                                                                : Kind::kOther;
    default:
      return Kind::kOther;
  }
}

// A name and its value(s), grouped by name in first-seen order. `group` is
// the index of the first field with the same name; that first field also
// keeps the group's size and the index of its last value.
struct Field {
  std::string_view name;
  std::string_view value;
  std::uint32_t group;
  std::uint32_t count;
  std::uint32_t last;
  Kind kind;
};

// A 6-bit hash of a name, the same for names equal but for ASCII case.
inline unsigned NameBit(std::string_view name) {
  if (name.empty()) return 0;
  const auto first = static_cast<unsigned char>(AsciiLower(name.front()));
  const auto last = static_cast<unsigned char>(AsciiLower(name.back()));
  return (static_cast<unsigned>(name.size()) * 7 + first * 3 + last) & 63;
}

// A fixed-capacity list of fields, on the stack unless there are many.
class Fields {
 public:
  explicit Fields(std::size_t capacity) {
    if (capacity > kInline) {
      heap_.resize(capacity);
      data_ = heap_.data();
    } else {
      data_ = reinterpret_cast<Field*>(inline_);
    }
  }
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;

  // Adds a field that is, for now, a group of its own.
  void push_back(std::string_view name, std::string_view value, Kind kind) {
    const auto i = static_cast<std::uint32_t>(size_++);
    new (&data_[i]) Field{name, value, i, 1, i, kind};
    const std::uint64_t bit = std::uint64_t{1} << NameBit(name);
    maybe_repeated_ |= (seen_ & bit) != 0;
    seen_ |= bit;
  }
  // False when no two names are alike, even ignoring case.
  bool maybe_repeated() const { return maybe_repeated_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Field& operator[](std::size_t i) { return data_[i]; }
  const Field& operator[](std::size_t i) const { return data_[i]; }
  const Field* begin() const { return data_; }
  const Field* end() const { return data_ + size_; }

 private:
  static constexpr std::size_t kInline = 32;
  static_assert(std::is_trivially_destructible_v<Field>);
  alignas(Field) unsigned char inline_[kInline * sizeof(Field)];  // not zeroed
  std::vector<Field> heap_;
  Field* data_;
  std::size_t size_ = 0;
  std::uint64_t seen_ = 0;  // the NameBit()s of the names
  bool maybe_repeated_ = false;
};

// Fills in `group`, `count` and `last`. Header names are grouped
// case-insensitively (the first spelling wins), query keys exactly.
inline void Group(Fields& fields, bool case_insensitive) {
  if (!fields.maybe_repeated()) return;  // every field is a group of its own
  const auto n = static_cast<std::uint32_t>(fields.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    Field& f = fields[i];
    f.group = i;
    f.count = 1;
    f.last = i;
    for (std::uint32_t j = 0; j < i; ++j) {
      Field& leader = fields[j];
      if (leader.group != j || leader.name.size() != f.name.size()) continue;
      if (case_insensitive ? IEquals(leader.name, f.name) : leader.name == f.name) {
        f.group = j;
        ++leader.count;
        leader.last = i;
        break;
      }
    }
  }
}

inline bool NeedsDecoding(std::string_view s) {
  for (char c : s)
    if (c == '+' || c == '%') return true;
  return false;
}

// Query values are form-decoded on AWS: "%2B" is "+", and a bare "+" is a
// space (LocalStack's AWS recording: "plus=test+alias" arrives as "test alias").
// A malformed escape is kept as is. Pieces that need no decoding are returned
// as they are; the others are decoded into `storage`, which this
// reserves to `capacity`, the size of the whole query, so that it never moves
// (decoding never grows a piece).
inline std::string_view FormDecode(std::string_view s, std::string& storage, std::size_t capacity) {
  if (!NeedsDecoding(s)) return s;
  if (storage.capacity() < capacity) storage.reserve(capacity);
  const std::size_t start = storage.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      storage += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      storage += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      storage += s[i];
    }
  }
  return std::string_view(storage).substr(start);
}

// "a=1&b=2&a=3" -> [(a,1),(b,2),(a,3)], decoded, in order; empty pieces are
// skipped and a key without "=" has the empty value.
inline void ParseQuery(std::string_view query, Fields& out, std::string& storage) {
  const std::size_t capacity = query.size();
  const bool plain =
      query.find('+') == std::string_view::npos && query.find('%') == std::string_view::npos;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    std::size_t eq = piece.find('=');
    if (plain) {
      if (eq == std::string_view::npos) {
        out.push_back(piece, {}, Kind::kOther);
      } else {
        out.push_back(piece.substr(0, eq), piece.substr(eq + 1), Kind::kOther);
      }
    } else if (eq == std::string_view::npos) {
      out.push_back(FormDecode(piece, storage, capacity), {}, Kind::kOther);
    } else {
      std::string_view name = FormDecode(piece.substr(0, eq), storage, capacity);
      out.push_back(name, FormDecode(piece.substr(eq + 1), storage, capacity), Kind::kOther);
    }
  }
}

// The media type of a Content-Type value, lower case, without parameters.
inline std::string MediaType(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';'))));
}

// HTTP APIs and Function URLs pass a body as text only when its Content-Type
// is textual; anything else (form posts and a missing Content-Type included)
// arrives base64-encoded.
inline bool IsTextualContentType(std::string_view content_type) {
  std::string media = MediaType(content_type);
  if (media.empty()) return false;
  return media.starts_with("text/") || media.find("json") != std::string::npos ||
         media.find("xml") != std::string::npos || media.find("javascript") != std::string::npos;
}

inline char Digit(unsigned v) { return static_cast<char>('0' + v % 10); }

// "09/Apr/2015:12:34:56 +0000", the CLF time API Gateway writes, as a JSON string.
inline void WriteClfTime(JsonWriter& w, long long epoch_ms) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const long long seconds = epoch_ms / 1000;
  if (seconds < 0 || seconds > 253402300799LL) {  // outside years 1970..9999
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "\"%02d/%s/%04d:%02d:%02d:%02d +0000\"", tm.tm_mday,
                          kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    w.Raw(std::string_view(buf, static_cast<std::size_t>(n)));
    return;
  }
  // Civil date from days since the epoch (Howard Hinnant's algorithm).
  const long long days = seconds / 86400;
  const auto secs = static_cast<unsigned>(seconds % 86400);
  const long long z = days + 719468;
  const long long era = z / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const auto year = static_cast<unsigned>(static_cast<long long>(yoe) + era * 400 + (month <= 2));
  const unsigned hour = secs / 3600, minute = secs / 60 % 60, second = secs % 60;
  const char* mon = kMonths[month - 1];
  const char text[] = {'"',
                       Digit(day / 10),
                       Digit(day),
                       '/',
                       mon[0],
                       mon[1],
                       mon[2],
                       '/',
                       Digit(year / 1000),
                       Digit(year / 100),
                       Digit(year / 10),
                       Digit(year),
                       ':',
                       Digit(hour / 10),
                       Digit(hour),
                       ':',
                       Digit(minute / 10),
                       Digit(minute),
                       ':',
                       Digit(second / 10),
                       Digit(second),
                       ' ',
                       '+',
                       '0',
                       '0',
                       '0',
                       '0',
                       '"'};
  w.Raw(std::string_view(text, sizeof text));
}

inline constexpr std::uint64_t kFnvBasis = 14695981039346656037ull;

inline std::uint64_t Fnv1a(std::string_view s, std::uint64_t seed = kFnvBasis) {
  constexpr std::uint64_t kPrime = 1099511628211ull;
  std::uint64_t h = seed;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  for (; i + 4 <= s.size(); i += 4) {
    h = (h ^ p[i]) * kPrime;
    h = (h ^ p[i + 1]) * kPrime;
    h = (h ^ p[i + 2]) * kPrime;
    h = (h ^ p[i + 3]) * kPrime;
  }
  for (; i < s.size(); ++i) h = (h ^ p[i]) * kPrime;
  return h;
}

// A stable lower-case alphanumeric id of `length` characters derived from a
// seed string whose Fnv1a hash is `seed_hash`, written to `out`.
inline void StableId(std::uint64_t seed_hash, std::size_t length, char* out) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uint64_t h = seed_hash;
  for (std::size_t n = 0; n < length;) {
    out[n++] = kChars[h % 36];
    h /= 36;
    if (h < 36) h = Fnv1a(std::string_view(out, n), h ^ seed_hash);
  }
}

// StableId(a + sep + b, 6) as a JSON string.
inline void WriteStableId6(JsonWriter& w, std::string_view a, char sep, std::string_view b) {
  char id[8];
  id[0] = '"';
  StableId(Fnv1a(b, Fnv1a(std::string_view(&sep, 1), Fnv1a(a))), 6, id + 1);
  id[7] = '"';
  w.Raw(std::string_view(id, sizeof id));
}

// A REST route's deploymentId and resourceId (StableId(api_id + "/" + stage)
// and StableId(api_id + " " + path)), depending on the route alone: the last
// route's are kept per thread.
struct RestIds {
  std::string api_id, stage, path;
  std::string deployment_id, resource_id;  // as JSON strings
  bool valid = false;
};

inline const RestIds& RestIdsFor(const Route& route, std::string_view stage) {
  thread_local RestIds ids;
  if (ids.valid && ids.api_id == route.api_id && ids.stage == stage && ids.path == route.path)
    return ids;
  ids.api_id = route.api_id;
  ids.stage = stage;
  ids.path = route.path;
  JsonWriter w(16);
  WriteStableId6(w, route.api_id, '/', stage);
  ids.deployment_id = w.Take();
  w.Truncate(0);
  WriteStableId6(w, route.api_id, ' ', route.path);
  ids.resource_id = w.Take();
  ids.valid = true;
  return ids;
}

inline std::string_view HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

inline std::string_view PortOf(std::string_view host) {
  std::size_t close = host.rfind(']');
  std::size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || (close != std::string_view::npos && colon < close))
    return "80";
  return host.substr(colon + 1);
}

// AWS's domainPrefix: the first label of the domain name.
inline std::string_view DomainPrefix(std::string_view domain) {
  std::string_view host = HostWithoutPort(domain);
  return host.substr(0, host.find('.'));
}

// The parts both formats share, worked out once. The views point into the
// request or into the storage strings here.
struct Parsed {
  Parsed(std::size_t header_capacity, std::size_t query_capacity)
      : query(query_capacity), headers(header_capacity) {}

  std::string_view raw_path;
  std::string_view raw_query;
  std::string query_storage;
  Fields query;
  Fields headers;  // hop-by-hop headers dropped, X-Forwarded-* added when absent
  std::string_view body;
  std::string body_storage;  // the base64 text when the body is base64-encoded
  bool base64 = false;
  std::string_view domain_name;
  std::string domain_storage;
  const std::string_view* user_agent = nullptr;
  std::size_t size_hint = 0;  // the bytes of all the above, to size the event
};

// At most how many fields the query has: every one but the last is followed by "&".
inline std::size_t QueryCapacity(const HttpRequest& request) {
  std::size_t q = request.target.find('?');
  if (q == std::string::npos) return 0;
  return (request.target.size() - q) / 2 + 1;
}

inline void Parse(const HttpRequest& request, const Route& route, const std::string& region,
                  Parsed& p) {
  std::string_view target = request.target;
  std::size_t q = target.find('?');
  p.raw_path = target.substr(0, q);
  if (p.raw_path.empty()) p.raw_path = "/";
  if (q != std::string_view::npos) p.raw_query = target.substr(q + 1);
  if (!p.raw_query.empty()) ParseQuery(p.raw_query, p.query, p.query_storage);

  const bool rest = route.type == ApiType::kRest;
  std::size_t header_bytes = 0;
  bool has_for = false, has_port = false, has_proto = false;
  std::string_view content_type;
  for (const auto& [name, value] : request.headers) {
    Kind kind = Classify(name);
    if (kind == Kind::kContentType) content_type = value;
    // Connection is hop-by-hop; REST APIs also drop Content-Length (AWS
    // recordings show neither), HTTP APIs and URLs keep it.
    if (kind == Kind::kConnection || (rest && kind == Kind::kContentLength)) continue;
    has_for |= kind == Kind::kForwardedFor;
    has_port |= kind == Kind::kForwardedPort;
    has_proto |= kind == Kind::kForwardedProto;
    p.headers.push_back(name, value, kind);
    header_bytes += name.size() + value.size();
  }
  // API Gateway and Function URLs sit behind a proxy that adds these.
  std::string_view host = request.host.empty() ? std::string_view("localhost") : request.host;
  auto add_forwarded = [&](bool present, std::string_view lower_name, std::string_view name,
                           std::string_view value, Kind kind) {
    if (present) return;
    p.headers.push_back(rest ? name : lower_name, value, kind);
    header_bytes += name.size() + value.size();
  };
  add_forwarded(has_for, "x-forwarded-for", "X-Forwarded-For", request.source_ip,
                Kind::kForwardedFor);
  add_forwarded(has_port, "x-forwarded-port", "X-Forwarded-Port", PortOf(host),
                Kind::kForwardedPort);
  add_forwarded(has_proto, "x-forwarded-proto", "X-Forwarded-Proto", "http", Kind::kForwardedProto);
  for (const Field& f : p.headers)
    if (f.kind == Kind::kUserAgent) p.user_agent = &f.value;
  Group(p.headers, /*case_insensitive=*/true);
  Group(p.query, /*case_insensitive=*/false);

  if (route.type == ApiType::kFunctionUrl) {
    p.domain_storage = FunctionUrlDomain(route.function, region);
    p.domain_name = p.domain_storage;
  } else {
    p.domain_name = host;
  }

  if (!request.body.empty()) {
    bool text = IsValidUtf8(request.body);
    if (rest) {
      // REST: binary when the Content-Type is one of BinaryMediaTypes. Bytes
      // that are not UTF-8 cannot travel as a JSON string; AWS would mangle
      // them, we pass them base64-encoded.
      p.base64 = IsBinaryMediaType(std::string(content_type), route.binary_media_types) || !text;
    } else {
      p.base64 = !(text && IsTextualContentType(content_type));
    }
    if (p.base64) {
      p.body_storage = Base64Encode(request.body);
      p.body = p.body_storage;
    } else {
      p.body = request.body;
    }
  }
  p.size_hint = 1024 + 2 * request.target.size() + 2 * header_bytes + 16 * p.headers.size() +
                p.body.size() + p.domain_name.size() + 2 * request.source_ip.size();
}

}  // namespace lambda_emu::gateway::event_detail
