#include "logs/console_limits.h"

#include <cstdio>

namespace lambda_emu::logs {

bool ConsoleBacklog::Offer(std::string_view text, std::uint64_t lines, std::uint64_t bytes) {
  // Once dropping, keep dropping until the console has caught up: a reader
  // that frees a little room would otherwise get a marker every few lines.
  if (!dropping_ && queued_.size() + in_flight_ + text.size() > max_bytes_) dropping_ = true;
  if (dropping_) {
    dropped_.lines += lines;
    dropped_.bytes += bytes;
    return false;
  }
  queued_.append(text);
  return true;
}

bool ConsoleBacklog::Take(std::string& out) {
  out.clear();
  if (queued_.empty()) return false;
  out.swap(queued_);
  in_flight_ = out.size();
  return true;
}

std::optional<DroppedOutput> ConsoleBacklog::Written() {
  in_flight_ = 0;
  if (!dropping_ || !queued_.empty()) return std::nullopt;
  dropping_ = false;
  DroppedOutput dropped = dropped_;
  dropped_ = {};
  return dropped;
}

bool FunctionConsoleBudget::Admit(std::uint64_t bytes, Clock::time_point now) {
  if (bytes_per_second_ == 0) return true;
  if (now - window_start_ >= std::chrono::seconds(1)) {
    window_start_ = now;
    window_bytes_ = 0;
    cutting_ = false;
  }
  // The first line of a window always shows, however long.
  if (!cutting_ && window_bytes_ > 0 && window_bytes_ + bytes > bytes_per_second_) {
    cutting_ = true;
  }
  if (cutting_) {
    cut_.lines += 1;
    cut_.bytes += bytes;
    return false;
  }
  window_bytes_ += bytes;
  return true;
}

std::optional<DroppedOutput> FunctionConsoleBudget::TakeCut() {
  if (cut_.lines == 0) return std::nullopt;
  DroppedOutput cut = cut_;
  cut_ = {};
  return cut;
}

std::string DescribeDropped(const DroppedOutput& dropped) {
  char size[32];
  if (dropped.bytes >= 1000 * 1000) {
    std::snprintf(size, sizeof size, "%.1f MB", static_cast<double>(dropped.bytes) / 1e6);
  } else if (dropped.bytes >= 1000) {
    std::snprintf(size, sizeof size, "%.1f KB", static_cast<double>(dropped.bytes) / 1e3);
  } else {
    std::snprintf(size, sizeof size, "%llu bytes", static_cast<unsigned long long>(dropped.bytes));
  }
  return std::to_string(dropped.lines) + (dropped.lines == 1 ? " line (" : " lines (") + size + ")";
}

}  // namespace lambda_emu::logs
