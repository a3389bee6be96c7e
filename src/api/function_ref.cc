#include "api/function_ref.h"

#include <array>

#include "config/function_config.h"

namespace lambda_emu::api {

namespace {

// kFunctionNamePattern is a sequence of ':'-separated parts, each optional
// but the name, none of which can contain ':'. So the string is split at its
// colons and the pieces are matched part by part, preferring to take each
// optional part and backing off when the rest then fails, as the regular
// expression's greedy `?` does. No std::regex: it costs microseconds, and
// libstdc++'s recurses once per character of input.
constexpr size_t kMaxPieces =
    9;  // arn, partition, lambda, region, account, function, name, qualifier

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return IsLower(c) || (c >= 'A' && c <= 'Z'); }
// [a-zA-Z0-9-_]: the '-' after a range is a literal in the model's pattern.
bool IsNameChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '-' || c == '_'; }

template <typename Pred>
bool AllOf(std::string_view s, Pred pred) {
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

// aws[a-zA-Z-]*, or nothing.
bool IsPartition(std::string_view s) {
  if (s.empty()) return true;
  return s.substr(0, 3) == "aws" &&
         AllOf(s.substr(3), [](char c) { return IsAlpha(c) || c == '-'; });
}

// -[a-z]+-\d
bool IsRegionTail(std::string_view s) {
  if (s.size() < 4 || s[0] != '-' || !IsDigit(s.back()) || s[s.size() - 2] != '-') return false;
  return AllOf(s.substr(1, s.size() - 3), IsLower);
}

// [a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}
bool IsRegion(std::string_view s) {
  if (s.size() < 2 || !IsLower(s[0]) || !IsLower(s[1])) return false;
  s.remove_prefix(2);
  if (IsRegionTail(s)) return true;
  if (s.substr(0, 4) == "-gov") return IsRegionTail(s.substr(4));
  if (s.substr(0, 4) == "-iso") {
    s.remove_prefix(4);
    return IsRegionTail(s) || (!s.empty() && IsLower(s[0]) && IsRegionTail(s.substr(1)));
  }
  return false;
}

bool IsAccount(std::string_view s) { return s.size() == 12 && AllOf(s, IsDigit); }

// [a-zA-Z0-9-_\.]+
bool IsFunctionName(std::string_view s) {
  return !s.empty() && AllOf(s, [](char c) { return IsNameChar(c) || c == '.'; });
}

// \$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+
bool IsNameQualifier(std::string_view s) {
  if (s == "$LATEST" || s == "$LATEST.PUBLISHED") return true;
  return !s.empty() && AllOf(s, IsNameChar);
}

struct Pieces {
  std::array<std::string_view, kMaxPieces> at;
  size_t count = 0;
};

// The parts of the pattern in order; Match tries to take part `part` at
// piece `i` (when it is optional, first with it and then without).
enum Part { kArnPrefix, kRegion, kAccount, kFunctionWord, kName, kQualifier, kEnd };

struct Match {
  const Pieces& p;
  FunctionRef& ref;

  bool From(int part, size_t i) {
    auto piece = [&](size_t k) { return i + k < p.count ? p.at[i + k] : std::string_view(); };
    bool left = i < p.count;
    switch (part) {
      case kArnPrefix:
        if (p.count - i >= 3 && piece(0) == "arn" && IsPartition(piece(1)) &&
            piece(2) == "lambda" && From(kRegion, i + 3)) {
          return true;
        }
        return From(kRegion, i);
      case kRegion:
        if (left && IsRegion(piece(0)) && From(kAccount, i + 1)) {
          ref.region = std::string(piece(0));
          return true;
        }
        ref.region.reset();
        return From(kAccount, i);
      case kAccount:
        if (left && IsAccount(piece(0)) && From(kFunctionWord, i + 1)) {
          ref.account = std::string(piece(0));
          return true;
        }
        ref.account.reset();
        return From(kFunctionWord, i);
      case kFunctionWord:
        if (left && piece(0) == "function" && From(kName, i + 1)) return true;
        return From(kName, i);
      case kName:
        if (!left || !IsFunctionName(piece(0)) || !From(kQualifier, i + 1)) return false;
        ref.name = std::string(piece(0));
        return true;
      case kQualifier:
        if (left && IsNameQualifier(piece(0)) && From(kEnd, i + 1)) {
          ref.qualifier = std::string(piece(0));
          return true;
        }
        ref.qualifier.reset();
        return From(kEnd, i);
      default:
        return i == p.count;
    }
  }
};

// Characters, as Lambda counts a length (UTF-8 continuation bytes are not).
size_t Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::optional<FunctionRef> ParseFunctionRef(std::string_view raw) {
  // The common case, a plain name, needs no splitting.
  if (config::IsValidFunctionName(raw))
    return FunctionRef{std::string(raw), std::nullopt, std::nullopt, std::nullopt};
  Pieces pieces;
  size_t start = 0;
  while (true) {
    if (pieces.count == kMaxPieces) return std::nullopt;
    size_t colon = raw.find(':', start);
    pieces.at[pieces.count++] = raw.substr(start, colon - start);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  FunctionRef ref;
  if (!Match{pieces, ref}.From(kArnPrefix, 0)) return std::nullopt;
  return ref;
}

std::optional<FunctionRef> ValidateFunctionName(std::string_view raw, ValidationErrors& errors) {
  // Within the length limit a plain name needs nothing else.
  if (config::IsValidFunctionName(raw))
    return FunctionRef{std::string(raw), std::nullopt, std::nullopt, std::nullopt};
  // Both constraints are reported when both fail, length first, as Lambda
  // lists them. A name of 65-256 characters passes both (Invoke's limit is
  // the full ARN's): it is looked up, and not found.
  size_t length = Length(raw);
  bool too_long = length > kMaxFunctionNameLength;
  if (length == 0) {
    errors.Add(raw, "functionName", "Member must have length greater than or equal to 1");
  }
  if (too_long) {
    errors.Add(
        raw, "functionName",
        "Member must have length less than or equal to " + std::to_string(kMaxFunctionNameLength));
  }
  auto ref = ParseFunctionRef(raw);
  if (!ref) {
    errors.Add(
        raw, "functionName",
        "Member must satisfy regular expression pattern: " + std::string(kFunctionNamePattern));
  }
  if (too_long) return std::nullopt;
  return ref;
}

void ValidateQualifier(std::string_view qualifier, ValidationErrors& errors) {
  if (Length(qualifier) > kMaxQualifierLength) {
    errors.Add(
        qualifier, "qualifier",
        "Member must have length less than or equal to " + std::to_string(kMaxQualifierLength));
  }
  // \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+ : the character class already
  // admits $LATEST; only $LATEST.PUBLISHED needs its own alternative.
  bool matches =
      qualifier == "$LATEST.PUBLISHED" ||
      (!qualifier.empty() && AllOf(qualifier, [](char c) { return IsNameChar(c) || c == '$'; }));
  if (!matches) {
    errors.Add(qualifier, "qualifier",
               "Member must satisfy regular expression pattern: " + std::string(kQualifierPattern));
  }
}

std::string UrlDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string() : UrlDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string FunctionArn(const std::string& region, const std::string& account,
                        const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
}

}  // namespace lambda_emu::api
