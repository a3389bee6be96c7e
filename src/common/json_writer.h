#pragma once
// Writing JSON text straight into a std::string, for hot paths where building
// a nlohmann::json tree and dumping it costs too much. Strings come out byte
// for byte as nlohmann's dump(-1, ' ', false, error_handler_t::replace)
// writes them: `"` and `\` escaped, control characters below 0x20 as \b \t \n
// \f \r or \u00xx, everything else (0x7F and UTF-8 sequences included) as is,
// and ill-formed UTF-8 replaced by U+FFFD, so the text is always valid JSON.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lambda_emu {

namespace json_detail {
// True for the bytes a JSON string carries as they are, without checking UTF-8.
struct PlainTable {
  bool v[256];
  constexpr PlainTable() : v() {
    for (int c = 0; c < 256; ++c) v[c] = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
  }
  constexpr bool operator[](unsigned char c) const { return v[c]; }
};
inline constexpr PlainTable kPlain{};
}  // namespace json_detail

class JsonWriter {
 public:
  // `expected_size`: a guess at the final size; the text grows past it if need be.
  explicit JsonWriter(std::size_t expected_size)
      : buf_(std::make_unique_for_overwrite<char[]>(expected_size + kSlack)),
        cur_(buf_.get()),
        end_(buf_.get() + expected_size) {}

  // JSON text (keys, punctuation, literals) copied as is.
  template <std::size_t N>
  [[gnu::always_inline]] void Raw(const char (&text)[N]) {
    Ensure(N - 1);
    std::memcpy(cur_, text, N - 1);
    cur_ += N - 1;
  }
  void Raw(std::string_view text) {
    Ensure(text.size());
    std::memcpy(cur_, text.data(), text.size());
    cur_ += text.size();
  }
  [[gnu::always_inline]] void Raw(char c) {
    Ensure(1);
    *cur_++ = c;
  }

  // `s` as a JSON string literal, quotes included.
  void String(std::string_view s) {
    const char* p = s.data();
    const std::size_t n = s.size();
    Ensure(n + 2);
    char* out = cur_;
    if (n >= 8) {
      if (n <= 16) {
        // Two overlapping words hold it all: check and copy them.
        const std::uint64_t a = Load(p), b = Load(p + n - 8);
        if (!Attention(a, b)) {
          out[0] = '"';
          std::memcpy(out + 1, &a, 8);
          std::memcpy(out + 1 + n - 8, &b, 8);
          out[n + 1] = '"';
          cur_ = out + n + 2;
          return;
        }
      } else if (Clean(s)) {
        out[0] = '"';
        std::memcpy(out + 1, p, n);
        out[n + 1] = '"';
        cur_ = out + n + 2;
        return;
      }
    } else if (n >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      if (!Attention(a | std::uint64_t{b} << 32, a | std::uint64_t{b} << 32)) {
        out[0] = '"';
        std::memcpy(out + 1, &a, 4);
        std::memcpy(out + 1 + n - 4, &b, 4);
        out[n + 1] = '"';
        cur_ = out + n + 2;
        return;
      }
    } else {
      // 0 to 3 bytes: p[0], p[n / 2] and p[n - 1] are all of them.
      if (n == 0) {
        out[0] = '"';
        out[1] = '"';
        cur_ = out + 2;
        return;
      }
      const char x = p[0], y = p[n / 2], z = p[n - 1];
      if (json_detail::kPlain[static_cast<unsigned char>(x)] &
          json_detail::kPlain[static_cast<unsigned char>(y)] &
          json_detail::kPlain[static_cast<unsigned char>(z)]) {
        out[0] = '"';
        out[1] = x;
        out[1 + n / 2] = y;
        out[n] = z;
        out[n + 1] = '"';
        cur_ = out + n + 2;
        return;
      }
    }
    EscapedString(s);
  }
  // The concatenation of `parts` as one JSON string literal.
  void String(std::initializer_list<std::string_view> parts);

  void Int(long long v);
  void Bool(bool v) {
    if (v) {
      Raw("true");
    } else {
      Raw("false");
    }
  }

  std::size_t size() const { return static_cast<std::size_t>(cur_ - buf_.get()); }
  // The text written so far, to patch in place (e.g. lower-casing).
  char* data() { return buf_.get(); }
  // Drops everything written after the first `size` bytes.
  void Truncate(std::size_t size) { cur_ = buf_.get() + size; }

  // The text.
  std::string Take() const { return std::string(buf_.get(), size()); }

  // True when `s` needs no escaping and has no byte >= 0x80.
  static bool Clean(std::string_view s) {
    const char* p = s.data();
    const std::size_t n = s.size();
    if (n >= 8) {
      std::size_t i = 0;
      for (; i + 16 <= n; i += 16)
        if (Attention(Load(p + i), Load(p + i + 8))) return false;
      if (i == n) return true;
      return !Attention(Load(p + std::min(i, n - 8)), Load(p + n - 8));  // the tail, overlapping
    }
    bool clean = true;
    for (std::size_t i = 0; i < n; ++i)
      clean &= json_detail::kPlain[static_cast<unsigned char>(p[i])];
    return clean;
  }

 private:
  static constexpr std::size_t kSlack = 16;

  static std::uint64_t Load(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
  }
  // True when one of the 16 bytes of `w` and `v` is below 0x20, `"`, `\\` or >= 0x80.
  static bool Attention(std::uint64_t w, std::uint64_t v) {
#if defined(__SSE2__)
    const __m128i x = _mm_set_epi64x(static_cast<long long>(v), static_cast<long long>(w));
    // Signed: bytes >= 0x80 are negative, so below 0x20 too.
    const __m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
    return _mm_movemask_epi8(bad) != 0;
#else
    return (Attention8(w) | Attention8(v)) != 0;
#endif
  }
  // Nonzero when one of the 8 bytes of `w` is below 0x20, `"`, `\\` or >= 0x80.
  static std::uint64_t Attention8(std::uint64_t w) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHighs = 0x8080808080808080ull;
    std::uint64_t control = (w - kOnes * 0x20) & ~w;
    std::uint64_t q = w ^ (kOnes * '"');
    std::uint64_t quote = (q - kOnes) & ~q;
    std::uint64_t b = w ^ (kOnes * '\\');
    std::uint64_t backslash = (b - kOnes) & ~b;
    return (control | quote | backslash | w) & kHighs;
  }

  [[gnu::always_inline]] void Ensure(std::size_t n) {
    if (static_cast<std::size_t>(end_ - cur_) < n) Grow(n);
  }
  void Copy(const char* p, std::size_t n) {
    Ensure(n);
    std::memcpy(cur_, p, n);
    cur_ += n;
  }
  void Grow(std::size_t n);
  void EscapedString(std::string_view s);

  std::unique_ptr<char[]> buf_;  // the text is [buf_, cur_); end_ - buf_ + kSlack allocated
  char* cur_;
  char* end_;
};

// Appends `s` as a JSON string literal (as JsonWriter::String does).
void AppendJsonString(std::string& out, std::string_view s);

// Appends `v` as a JSON number.
void AppendJsonInt(std::string& out, long long v);

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace lambda_emu
