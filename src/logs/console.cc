#include "logs/console.h"

#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>

namespace lambda_emu::logs {

namespace {

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kGreen = "\x1b[32m";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "Runtime.ExitError", "Sandbox.Timedout": the error type the platform
// logs on a line of its own after a failure.
bool IsBareErrorType(std::string_view line) {
  for (std::string_view family : {"Runtime.", "Sandbox.", "Function."}) {
    if (!StartsWith(line, family) || line.size() == family.size()) continue;
    for (char c : line.substr(family.size())) {
      if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    }
    return true;
  }
  return false;
}

}  // namespace

RecordKind ClassifyRecord(std::string_view record) {
  std::string_view line = record.substr(0, record.find('\r'));
  for (std::string_view platform : {"START RequestId: ", "END RequestId: ", "REPORT RequestId: ",
                                    "INIT_START ", "INIT_REPORT "}) {
    if (!StartsWith(line, platform)) continue;
    bool failed = line.find("\tStatus: error") != std::string_view::npos ||
                  line.find("\tStatus: timeout") != std::string_view::npos;
    return failed ? RecordKind::kError : RecordKind::kPlatform;
  }
  // Python's logging and runtime errors: "[ERROR]\t..." / "[ERROR] Type: ...";
  // Node's console.error: "TIMESTAMP\tREQUEST_ID\tERROR\t...".
  if (StartsWith(line, "[ERROR]") || StartsWith(line, "[CRITICAL]") ||
      StartsWith(line, "Traceback (most recent call last):") ||
      line.substr(0, 80).find("\tERROR\t") != std::string_view::npos ||
      line.substr(0, 80).find("\tFATAL\t") != std::string_view::npos ||
      line.find(" Task timed out after ") != std::string_view::npos ||
      (StartsWith(line, "RequestId: ") && line.find(" Error: ") != std::string_view::npos) ||
      IsBareErrorType(line)) {
    return RecordKind::kError;
  }
  return RecordKind::kOutput;
}

bool ColorWanted(bool no_color, int fd) {
  if (no_color) return false;
  const char* env = std::getenv("NO_COLOR");
  if (env && *env) return false;
  return ::isatty(fd) == 1;
}

std::string_view PrefixColor(std::string_view function_name) {
  // Red is kept for errors. FNV-1a: the same name gets the same colour on
  // every run and build.
  static constexpr std::array<std::string_view, 10> kPalette = {
      "\x1b[36m", "\x1b[35m", "\x1b[33m", "\x1b[34m", "\x1b[32m",
      "\x1b[96m", "\x1b[95m", "\x1b[93m", "\x1b[94m", "\x1b[92m"};
  std::uint32_t hash = 2166136261u;
  for (char c : function_name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return kPalette[hash % kPalette.size()];
}

namespace {

void AppendPrefix(std::string& out, std::string_view prefix, std::string_view prefix_color) {
  if (prefix.empty()) return;
  if (prefix_color.empty()) {
    out += prefix;
    return;
  }
  out += prefix_color;
  out += prefix;
  out += kReset;
}

}  // namespace

void RenderConsole(std::string& out, std::string_view prefix, std::string_view prefix_color,
                   std::string_view entry, bool color) {
  for (std::string_view records = entry;;) {
    size_t newline = records.find('\n');
    std::string_view record = records.substr(0, newline);
    std::string_view style;
    if (color) {
      switch (ClassifyRecord(record)) {
        case RecordKind::kOutput:
          break;
        case RecordKind::kPlatform:
          style = kDim;
          break;
        case RecordKind::kError:
          style = kRed;
          break;
      }
    }
    for (std::string_view lines = record;;) {
      size_t cr = lines.find('\r');
      std::string_view line = lines.substr(0, cr);
      AppendPrefix(out, prefix, prefix_color);
      if (style.empty()) {
        out += line;
      } else {
        out += style;
        out += line;
        out += kReset;
      }
      out += '\n';
      if (cr == std::string_view::npos) break;
      lines.remove_prefix(cr + 1);
      if (lines.empty()) break;  // a record that ends in '\r'
    }
    if (newline == std::string_view::npos) break;
    records.remove_prefix(newline + 1);
  }
}

void RenderSummary(std::string& out, std::string_view prefix, std::string_view prefix_color,
                   std::string_view summary, std::string_view outcome, bool failed, bool color) {
  AppendPrefix(out, prefix, prefix_color);
  if (!color) {
    out += summary;
    out += outcome;
    out += '\n';
    return;
  }
  out += kDim;
  out += summary;
  out += kReset;
  out += failed ? kRed : kGreen;
  out += outcome;
  out += kReset;
  out += '\n';
}

}  // namespace lambda_emu::logs
