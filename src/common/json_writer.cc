#include "common/json_writer.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace lambda_emu {

namespace {

// A thread's spare writer buffer, so that a writer does not allocate one each time.
struct SpareBuffer {
  std::unique_ptr<char[]> buf;
  std::size_t capacity = 0;
};
thread_local SpareBuffer spare;
constexpr std::size_t kMaxSpare = 1 << 20;

}  // namespace

JsonWriter::JsonWriter(std::size_t expected_size) {
  std::size_t capacity = expected_size;
  if (spare.buf && spare.capacity >= expected_size) {
    buf_ = std::move(spare.buf);
    capacity = spare.capacity;
    spare.capacity = 0;
  } else {
    buf_ = std::make_unique_for_overwrite<char[]>(capacity);
  }
  cur_ = buf_.get();
  end_ = buf_.get() + capacity;
}

JsonWriter::~JsonWriter() {
  const auto capacity = static_cast<std::size_t>(end_ - buf_.get());
  if (capacity <= kMaxSpare && capacity >= spare.capacity) {
    spare.buf = std::move(buf_);
    spare.capacity = capacity;
  }
}

void JsonWriter::Grow(std::size_t n) {
  const std::size_t size = this->size();
  const std::size_t capacity =
      std::max(2 * static_cast<std::size_t>(end_ - buf_.get()), size + n + 64);
  auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
  std::memcpy(bigger.get(), buf_.get(), size);
  buf_ = std::move(bigger);
  cur_ = buf_.get() + size;
  end_ = buf_.get() + capacity;
}

void JsonWriter::LongString(std::string_view s) {
  if (!Clean(s)) return EscapedString(s);
  Ensure(s.size() + 2);
  cur_[0] = '"';
  std::memcpy(cur_ + 1, s.data(), s.size());
  cur_[s.size() + 1] = '"';
  cur_ += s.size() + 2;
}

void JsonWriter::EscapedString(std::string_view s) {
  bool high = false;
  for (char ch : s) high |= static_cast<unsigned char>(ch) >= 0x80;
  if (high && !IsValidUtf8(s)) {
    // Rare: let nlohmann do the U+FFFD replacement, exactly as it always has.
    Raw(nlohmann::json(std::string(s))
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  Ensure(s.size() + 2);
  Raw('"');
  const char* run = s.data();  // start of the bytes not yet copied
  const char* const end = s.data() + s.size();
  for (const char* p = run; p != end; ++p) {
    auto c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    Copy(run, static_cast<std::size_t>(p - run));
    run = p + 1;
    switch (c) {
      case '"':
        Raw("\\\"");
        break;
      case '\\':
        Raw("\\\\");
        break;
      case '\b':
        Raw("\\b");
        break;
      case '\t':
        Raw("\\t");
        break;
      case '\n':
        Raw("\\n");
        break;
      case '\f':
        Raw("\\f");
        break;
      case '\r':
        Raw("\\r");
        break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        Copy(u, sizeof u);
      }
    }
  }
  Copy(run, static_cast<std::size_t>(end - run));
  Raw('"');
}

void JsonWriter::String(std::initializer_list<std::string_view> parts) {
  bool clean = true;
  std::size_t size = 0;
  for (std::string_view part : parts) {
    clean = clean && Clean(part);
    size += part.size();
  }
  if (!clean) {
    std::string joined;
    joined.reserve(size);
    for (std::string_view part : parts) joined += part;
    EscapedString(joined);
    return;
  }
  Ensure(size + 2);
  Raw('"');
  for (std::string_view part : parts) Raw(part);
  Raw('"');
}

void JsonWriter::Int(long long v) {
  Ensure(24);
  auto [end, ec] = std::to_chars(cur_, end_, v);
  cur_ = end;
}

void AppendJsonString(std::string& out, std::string_view s) {
  JsonWriter w(s.size() + 2);
  w.String(s);
  out += w.Take();
}

void AppendJsonInt(std::string& out, long long v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // Skip ASCII 8 bytes at a time.
    while (s.size() - i >= 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, sizeof w);
      if ((w & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace lambda_emu
