#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/base64.h"
#include "gateway/proxy_response_internal.h"

namespace lambda_emu::gateway::response_detail {

// The fast path parses with simdjson's DOM. It serves every document that
// simdjson accepts and that nlohmann::ordered_json (the reference semantics)
// would read the same way. Documents where the two differ take the nlohmann
// path below, so behaviour is identical either way:
//  - anything simdjson rejects (invalid JSON, but also integers beyond 64
//    bits, doubles beyond range, nesting deeper than 1024, a UTF-8 BOM...);
//  - objects with a repeated key (nlohmann keeps the first position and the
//    last value);
//  - a negative zero (nlohmann reads "-0" as the integer 0, simdjson as -0.0).
// The last two are found where the mapping reads or dumps a value, and
// signalled by throwing NeedsReference.
namespace fast {

namespace dom = simdjson::dom;

// Accessors for an element whose type is already known.
dom::array AsArray(dom::element e) { return dom::array(e.get_array().value_unsafe()); }
dom::object AsObject(dom::element e) { return dom::object(e.get_object().value_unsafe()); }
std::string_view AsString(dom::element e) { return e.get_string().value_unsafe(); }

bool HasRepeatedKey(dom::object object) {
  constexpr size_t kSmall = 16;
  std::array<std::string_view, kSmall> small;
  std::vector<std::string_view> large;
  size_t n = 0;
  for (auto field : object) {
    if (n < kSmall) {
      for (size_t i = 0; i < n; ++i)
        if (small[i] == field.key) return true;
      small[n] = field.key;
    } else {
      if (n == kSmall) large.assign(small.begin(), small.end());
      large.push_back(field.key);
    }
    ++n;
  }
  if (n <= kSmall) return false;
  std::sort(large.begin(), large.end());
  return std::adjacent_find(large.begin(), large.end()) != large.end();
}

// An output buffer written through a raw pointer: Reserve() before writing.
class Writer {
 public:
  explicit Writer(size_t size_hint) {
    buffer_.resize(std::max<size_t>(size_hint, 64));
    next_ = buffer_.data();
  }
  void Reserve(size_t n) {
    if (static_cast<size_t>(buffer_.data() + buffer_.size() - next_) < n) Grow(n);
  }
  void Put(char c) { *next_++ = c; }
  void Put(const char* s, size_t n) {
    std::memcpy(next_, s, n);
    next_ += n;
  }
  std::string Take() && {
    buffer_.resize(static_cast<size_t>(next_ - buffer_.data()));
    return std::move(buffer_);
  }

 private:
  void Grow(size_t n) {
    const auto used = static_cast<size_t>(next_ - buffer_.data());
    buffer_.resize(std::max(buffer_.size() * 2, used + n));
    next_ = buffer_.data() + used;
  }
  std::string buffer_;
  char* next_;
};

// Whether any of these 8 bytes is a control character, '"' or '\\' (may also
// say so for a byte after one that is).
bool MayNeedEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  return (((w - kOnes * 0x20) & ~w & kHigh) | has_zero(w ^ (kOnes * '"')) |
          has_zero(w ^ (kOnes * '\\'))) != 0;
}

// A JSON string as nlohmann's dump() writes it (ensure_ascii off): '"' and
// '\\' escaped, \b \t \n \f \r, other control characters as \u00xx.
void AppendQuoted(Writer& out, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  out.Reserve(s.size() + 2);
  out.Put('"');
  while (true) {
    // The run of bytes that need no escaping.
    const char* run = p;
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (MayNeedEscape(w)) break;
      p += 8;
    }
    while (p != end) {
      const auto c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c == '"' || c == '\\') break;
      ++p;
    }
    out.Put(run, static_cast<size_t>(p - run));
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    out.Reserve(static_cast<size_t>(end - p) + 7);
    switch (c) {
      case '"':
        out.Put("\\\"", 2);
        break;
      case '\\':
        out.Put("\\\\", 2);
        break;
      case '\b':
        out.Put("\\b", 2);
        break;
      case '\t':
        out.Put("\\t", 2);
        break;
      case '\n':
        out.Put("\\n", 2);
        break;
      case '\f':
        out.Put("\\f", 2);
        break;
      case '\r':
        out.Put("\\r", 2);
        break;
      default: {
        constexpr std::string_view kHex = "0123456789abcdef";
        const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.Put(escape, sizeof escape);
      }
    }
  }
  out.Put('"');
}

// Appends `value` as nlohmann's dump() writes it: compact, keys in document
// order, numbers as nlohmann prints them (simdjson's double formatting is
// nlohmann's). False when nlohmann would have read the document differently
// (see above): a repeated key or a negative zero.
bool AppendDump(Writer& out, dom::element value) {
  switch (value.type()) {
    case dom::element_type::OBJECT: {
      dom::object object = AsObject(value);
      if (HasRepeatedKey(object)) return false;
      out.Reserve(1);
      out.Put('{');
      bool first = true;
      for (auto field : object) {
        if (!first) {
          out.Reserve(1);
          out.Put(',');
        }
        first = false;
        AppendQuoted(out, field.key);
        out.Reserve(1);
        out.Put(':');
        if (!AppendDump(out, field.value)) return false;
      }
      out.Reserve(1);
      out.Put('}');
      return true;
    }
    case dom::element_type::ARRAY: {
      out.Reserve(1);
      out.Put('[');
      bool first = true;
      for (dom::element item : AsArray(value)) {
        if (!first) {
          out.Reserve(1);
          out.Put(',');
        }
        first = false;
        if (!AppendDump(out, item)) return false;
      }
      out.Reserve(1);
      out.Put(']');
      return true;
    }
    case dom::element_type::STRING:
      AppendQuoted(out, AsString(value));
      return true;
    case dom::element_type::INT64:
    case dom::element_type::UINT64: {
      char buffer[24];
      auto [end, ec] =
          value.type() == dom::element_type::INT64
              ? std::to_chars(buffer, buffer + sizeof buffer, value.get_int64().value_unsafe())
              : std::to_chars(buffer, buffer + sizeof buffer, value.get_uint64().value_unsafe());
      const auto n = static_cast<size_t>(end - buffer);
      out.Reserve(n);
      out.Put(buffer, n);
      return true;
    }
    case dom::element_type::DOUBLE: {
      double d = value.get_double().value_unsafe();
      if (d == 0 && std::signbit(d)) return false;
      char buffer[32];
      char* end = simdjson::internal::to_chars(buffer, buffer + sizeof buffer, d);
      const auto n = static_cast<size_t>(end - buffer);
      out.Reserve(n);
      out.Put(buffer, n);
      return true;
    }
    case dom::element_type::BOOL:
      out.Reserve(5);
      if (value.get_bool().value_unsafe()) {
        out.Put("true", 4);
      } else {
        out.Put("false", 5);
      }
      return true;
    case dom::element_type::NULL_VALUE:
      out.Reserve(4);
      out.Put("null", 4);
      return true;
  }
  return true;
}

// Where dumping finds a document nlohmann would read differently, the whole
// response goes to the reference path.
struct NeedsReference {};

std::string Dump(dom::element value, size_t size_hint = 0) {
  Writer out(size_hint);
  if (!AppendDump(out, value)) throw NeedsReference{};
  return std::move(out).Take();
}

// statusCode: a JSON integer or a string of digits ("201" is accepted by both
// REST, per AWS-recorded tests, and Function URLs, "418"), within 100..599.
std::optional<int> StatusCode(dom::element value) {
  long long code = 0;
  switch (value.type()) {
    case dom::element_type::INT64:
      code = value.get_int64().value_unsafe();
      break;
    case dom::element_type::UINT64:
      // Beyond int64 (nlohmann reads it as a negative long long): malformed.
      if (value.get_uint64().value_unsafe() > 599) return std::nullopt;
      code = static_cast<long long>(value.get_uint64().value_unsafe());
      break;
    case dom::element_type::DOUBLE: {
      double d = value.get_double().value_unsafe();
      if (d != static_cast<double>(static_cast<long long>(d))) return std::nullopt;
      code = static_cast<long long>(d);
      break;
    }
    case dom::element_type::STRING: {
      std::string_view s = AsString(value);
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), code);
      if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
      break;
    }
    default:
      return std::nullopt;
  }
  if (code < 100 || code > 599) return std::nullopt;
  return static_cast<int>(code);
}

// A header value as API Gateway's (Jackson) parser coerces it: strings as
// they are, booleans and numbers as their JSON text; null means "no value"
// (nothing added); objects and arrays are malformed (false).
bool AddHeader(HttpResponse& r, std::string_view name, dom::element value) {
  switch (value.type()) {
    case dom::element_type::NULL_VALUE:
      return true;
    case dom::element_type::STRING:
      r.headers.emplace_back(name, AsString(value));
      return true;
    case dom::element_type::OBJECT:
    case dom::element_type::ARRAY:
      return false;
    default:  // bool, number
      r.headers.emplace_back(name, Dump(value));
      return true;
  }
}

// A member of the response object.
struct Member {
  dom::element value;
  bool present = false;
  // Absent or null: both mean "not given".
  bool Given() const { return present && !value.is_null(); }
  void Set(dom::element v) {
    value = v;
    present = true;
  }
};

// The members a response object may have.
struct Fields {
  Member status_code, headers, multi_value_headers, body, is_base64_encoded, cookies;
  bool unknown = false;  // a key outside the 1.0 set (cookies counts as one)
};

Fields ReadFields(dom::object object) {
  if (HasRepeatedKey(object)) throw NeedsReference{};
  Fields f;
  for (auto field : object) {
    std::string_view key = field.key;
    if (key == "statusCode") {
      f.status_code.Set(field.value);
    } else if (key == "headers") {
      f.headers.Set(field.value);
    } else if (key == "body") {
      f.body.Set(field.value);
    } else if (key == "isBase64Encoded") {
      f.is_base64_encoded.Set(field.value);
    } else if (key == "multiValueHeaders") {
      f.multi_value_headers.Set(field.value);
    } else {
      if (key == "cookies") f.cookies.Set(field.value);
      f.unknown = true;
    }
  }
  return f;
}

// body: a string is the body; null or absent is empty; a number or boolean is
// its text; anything else is malformed (1.0), or sent as JSON text (2.0).
// isBase64Encoded: a boolean, or the strings "true"/"false" (any case);
// absent is false. A base64 body is decoded.
bool SetBody(HttpResponse& r, const Fields& f, bool lenient) {
  bool base64 = false;
  dom::element flag = f.is_base64_encoded.value;
  switch (f.is_base64_encoded.present ? flag.type() : dom::element_type::NULL_VALUE) {
    case dom::element_type::NULL_VALUE:
      break;
    case dom::element_type::BOOL:
      base64 = flag.get_bool().value_unsafe();
      break;
    case dom::element_type::STRING: {
      std::string_view s = AsString(flag);
      if (EqualsIgnoreCase(s, "true")) {
        base64 = true;
      } else if (!EqualsIgnoreCase(s, "false")) {
        return false;
      }
      break;
    }
    default:
      return false;
  }
  std::string_view text;
  std::string dumped;
  dom::element body = f.body.value;
  switch (f.body.present ? body.type() : dom::element_type::NULL_VALUE) {
    case dom::element_type::NULL_VALUE:
      break;
    case dom::element_type::STRING:
      text = AsString(body);
      break;
    case dom::element_type::OBJECT:
    case dom::element_type::ARRAY:
      if (!lenient) return false;
      [[fallthrough]];
    default:
      dumped = Dump(body);
      if (!base64) {
        r.body = std::move(dumped);
        return true;
      }
      text = dumped;
  }
  if (!base64) {
    r.body.assign(text.data(), text.size());
    return true;
  }
  std::optional<std::string> decoded = Base64Decode(text);
  if (!decoded) return false;
  r.body = std::move(*decoded);
  return true;
}

// Payload 1.0: only statusCode, headers, multiValueHeaders, body and
// isBase64Encoded may appear (AWS answers 502 to {"statusCode": 200,
// "wrongValue": ...}); all are optional, statusCode defaults to 200.
bool MapV1(dom::element result, ApiType type, HttpResponse& r) {
  if (!result.is_object()) return false;
  const Fields f = ReadFields(AsObject(result));
  if (f.unknown) return false;
  if (f.status_code.Given()) {
    std::optional<int> code = StatusCode(f.status_code.value);
    if (!code) return false;
    r.status = *code;
  }

  // multiValueHeaders must map names to lists; where a name appears in both,
  // only its multiValueHeaders values are sent (AWS docs: "If the same
  // key-value pair is specified in both, only the values from
  // multiValueHeaders will appear"). Names compare case-insensitively.
  constexpr size_t kSmall = 8;
  std::array<std::string_view, kSmall> small_names;
  std::vector<std::string_view> large_names;
  size_t multi_count = 0;
  dom::object multi;
  const bool has_multi = f.multi_value_headers.Given();
  if (has_multi) {
    if (!f.multi_value_headers.value.is_object()) return false;
    multi = AsObject(f.multi_value_headers.value);
    if (HasRepeatedKey(multi)) throw NeedsReference{};
    for (auto field : multi) {
      if (field.value.is_null()) continue;
      if (!field.value.is_array()) return false;
      if (multi_count < kSmall) {
        small_names[multi_count] = field.key;
      } else {
        if (multi_count == kSmall) large_names.assign(small_names.begin(), small_names.end());
        large_names.push_back(field.key);
      }
      ++multi_count;
    }
  }
  auto in_multi = [&](std::string_view name) {
    if (multi_count <= kSmall) {
      for (size_t i = 0; i < multi_count; ++i)
        if (EqualsIgnoreCase(small_names[i], name)) return true;
      return false;
    }
    for (std::string_view n : large_names)
      if (EqualsIgnoreCase(n, name)) return true;
    return false;
  };
  if (f.headers.Given()) {
    if (!f.headers.value.is_object()) return false;
    dom::object headers = AsObject(f.headers.value);
    if (HasRepeatedKey(headers)) throw NeedsReference{};
    r.headers.reserve(headers.size() + multi_count + 1);
    for (auto field : headers) {
      if (multi_count != 0 && in_multi(field.key)) {
        // Not sent, but still must be a valid header value.
        if (field.value.is_object() || field.value.is_array()) return false;
        continue;
      }
      if (!AddHeader(r, field.key, field.value)) return false;
    }
  }
  if (has_multi) {
    for (auto field : multi) {
      if (field.value.is_null()) continue;
      for (dom::element v : AsArray(field.value))
        if (!AddHeader(r, field.key, v)) return false;
    }
  }

  if (!SetBody(r, f, /*lenient=*/false)) return false;
  AddDefaultContentType(r, type == ApiType::kRest ? kJson : kHttpApiDefaultContentType);
  return true;
}

// Payload 2.0: an object with statusCode is a response object; any other
// valid JSON is a 200 whose body is that JSON (a string: its text) with
// content-type application/json.
bool MapV2(dom::element result, size_t result_size, ApiType type, HttpResponse& r) {
  Fields f;
  if (result.is_object()) f = ReadFields(AsObject(result));
  if (!f.status_code.present) {
    if (result.is_string()) {
      std::string_view s = AsString(result);
      r.body.assign(s.data(), s.size());
    } else {
      r.body = Dump(result, result_size);
    }
    r.headers.emplace_back("Content-Type", kJson);
    return true;
  }
  std::optional<int> code = StatusCode(f.status_code.value);
  if (!code) return false;
  r.status = *code;
  if (f.headers.Given()) {
    if (!f.headers.value.is_object()) return false;
    dom::object headers = AsObject(f.headers.value);
    if (HasRepeatedKey(headers)) throw NeedsReference{};
    r.headers.reserve(headers.size() + 1);
    for (auto field : headers)
      if (!AddHeader(r, field.key, field.value)) return false;
  }
  // Each cookie becomes its own Set-Cookie header.
  if (f.cookies.Given()) {
    if (!f.cookies.value.is_array()) return false;
    for (dom::element cookie : AsArray(f.cookies.value)) {
      if (!cookie.is_string()) return false;
      r.headers.emplace_back("Set-Cookie", AsString(cookie));
    }
  }
  if (!SetBody(r, f, /*lenient=*/true)) return false;
  AddDefaultContentType(r, type == ApiType::kFunctionUrl ? kJson : kHttpApiDefaultContentType);
  return true;
}

Outcome Map(simdjson::dom::parser& parser, ApiType type, bool v2, const std::string& result,
            HttpResponse& r) {
  dom::element root;
  if (parser.parse(result).get(root)) return Outcome::kUseReference;
  try {
    return (v2 ? MapV2(root, result.size(), type, r) : MapV1(root, type, r)) ? Outcome::kMapped
                                                                             : Outcome::kMalformed;
  } catch (const NeedsReference&) {
    return Outcome::kUseReference;
  }
}

}  // namespace fast

}  // namespace lambda_emu::gateway::response_detail
