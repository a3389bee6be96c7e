#include "api/function_ref.h"

#include <regex>

#include "config/function_config.h"

namespace lambda_emu::api {

namespace {
// The pattern Lambda quotes in its ValidationException.
constexpr const char* kPattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?)";
// The same, with character classes spelled unambiguously for std::regex.
constexpr const char* kMatcher =
    R"((arn:(aws[a-zA-Z\-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9_.\-]+)(:(\$LATEST|[a-zA-Z0-9_\-]+))?)";
}  // namespace

Result<FunctionRef> ParseFunctionRef(const std::string& raw) {
  // The common case, a plain name, skips the regex (it costs microseconds).
  if (config::IsValidFunctionName(raw))
    return FunctionRef{raw, std::nullopt, std::nullopt, std::nullopt};
  static const std::regex kRef(kMatcher);
  std::smatch m;
  if (raw.size() > 170 || !std::regex_match(raw, m, kRef)) {
    return Status::Error("1 validation error detected: Value '" + raw +
                         "' at 'functionName' failed to satisfy constraint: Member must satisfy "
                         "regular expression pattern: " +
                         kPattern);
  }
  FunctionRef ref;
  ref.name = m[7].str();
  if (m[9].matched) ref.qualifier = m[9].str();
  if (m[3].matched) {
    std::string region = m[3].str();
    ref.region = region.substr(0, region.size() - 1);
  }
  if (m[5].matched) {
    std::string account = m[5].str();
    ref.account = account.substr(0, account.size() - 1);
  }
  if (ref.name.size() > 64) {
    return Status::Error("1 validation error detected: Value '" + raw +
                         "' at 'functionName' failed to satisfy constraint: Member must have "
                         "length less than or equal to 64");
  }
  return ref;
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

std::string FunctionArn(const std::string& region, const std::string& account,
                        const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
}

}  // namespace lambda_emu::api
