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
  explicit JsonWriter(std::size_t expected_size);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

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
  [[gnu::always_inline]] void String(std::string_view s) { StringImpl<false>('\0', s, '\0'); }
  // `before`, `s` as a JSON string literal, `after`: `,"name":` in one go.
  [[gnu::always_inline]] void String(char before, std::string_view s, char after) {
    StringImpl<true>(before, s, after);
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

  // The text (a copy: the writer's buffer is reused by the thread's next writer).
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
  [[gnu::always_inline]] static std::uint64_t Load(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
  }
  // True when one of the 16 bytes of `w` and `v` is below 0x20, `"`, `\\` or >= 0x80.
#if defined(__SSE2__)
  static constexpr std::size_t kInlineMax = 32;  // the longest string String() writes inline
  // True when one of the 16 bytes is below 0x20, `"`, `\\` or >= 0x80.
  [[gnu::always_inline]] static bool Attention16(__m128i x) {
    // Signed: bytes >= 0x80 are negative, so below 0x20 too.
    const __m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
    return _mm_movemask_epi8(bad) != 0;
  }
#else
  static constexpr std::size_t kInlineMax = 16;
#endif
  [[gnu::always_inline]] static bool Attention(std::uint64_t w, std::uint64_t v) {
#if defined(__SSE2__)
    return Attention16(_mm_set_epi64x(static_cast<long long>(v), static_cast<long long>(w)));
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
  template <bool kAround>
  [[gnu::always_inline]] void StringImpl(char before, std::string_view s, char after) {
    constexpr std::size_t k = kAround ? 1 : 0;  // where the string starts
    const char* p = s.data();
    const std::size_t n = s.size();
    if (n > kInlineMax || static_cast<std::size_t>(end_ - cur_) < n + 2 + 2 * k) {
      if (kAround) Raw(before);
      LongString(s);
      if (kAround) Raw(after);
      return;
    }
    char* out = cur_;
#if defined(__SSE2__)
    if (n > 16) {
      // Two overlapping 16-byte blocks hold it all: check and copy them.
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16));
      if (Attention16(a) | Attention16(b)) return Escaped<kAround>(before, s, after);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k + 1), a);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k + 1 + n - 16), b);
    } else
#endif
        if (n >= 8) {
      // Two overlapping words hold it all: check and copy them.
      const std::uint64_t a = Load(p), b = Load(p + n - 8);
      if (Attention(a, b)) return Escaped<kAround>(before, s, after);
      std::memcpy(out + k + 1, &a, 8);
      std::memcpy(out + k + 1 + n - 8, &b, 8);
    } else if (n >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      const std::uint64_t w = a | std::uint64_t{b} << 32;
      if (Attention(w, w)) return Escaped<kAround>(before, s, after);
      std::memcpy(out + k + 1, &a, 4);
      std::memcpy(out + k + 1 + n - 4, &b, 4);
    } else if (n > 0) {
      // 1 to 3 bytes: p[0], p[n / 2] and p[n - 1] are all of them.
      const char x = p[0], y = p[n / 2], z = p[n - 1];
      if (!(json_detail::kPlain[static_cast<unsigned char>(x)] &
            json_detail::kPlain[static_cast<unsigned char>(y)] &
            json_detail::kPlain[static_cast<unsigned char>(z)]))
        return Escaped<kAround>(before, s, after);
      out[k + 1] = x;
      out[k + 1 + n / 2] = y;
      out[k + n] = z;
    }
    if (kAround) out[0] = before;
    out[k] = '"';
    out[k + n + 1] = '"';
    if (kAround) out[n + 3] = after;
    cur_ = out + n + 2 + 2 * k;
  }
  template <bool kAround>
  void Escaped(char before, std::string_view s, char after) {
    if (kAround) Raw(before);
    EscapedString(s);
    if (kAround) Raw(after);
  }

  void Grow(std::size_t n);
  // String() for what its inline part does not do: long strings, escapes.
  void LongString(std::string_view s);
  void EscapedString(std::string_view s);

  std::unique_ptr<char[]> buf_;  // the text is [buf_, cur_); end_ - buf_ allocated
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
