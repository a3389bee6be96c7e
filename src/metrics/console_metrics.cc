#include "metrics/console_metrics.h"

namespace lambda_emu::metrics {

std::string RenderConsolePrometheus(const logs::ConsoleDrops& drops) {
  std::string out;
  auto family = [&](const char* name, const char* help, std::uint64_t unread, std::uint64_t limit) {
    out += std::string("# HELP ") + name + " " + help + "\n";
    out += std::string("# TYPE ") + name + " counter\n";
    out += std::string(name) + "{reason=\"unread\"} " + std::to_string(unread) + "\n";
    out += std::string(name) + "{reason=\"limit\"} " + std::to_string(limit) + "\n";
  };
  family("lambda_emu_console_dropped_lines_total",
         "Function output lines not shown on the console (the log files have them)",
         drops.unread.lines, drops.limited.lines);
  family("lambda_emu_console_dropped_bytes_total",
         "Bytes of function output not shown on the console (the log files have them)",
         drops.unread.bytes, drops.limited.bytes);
  return out;
}

}  // namespace lambda_emu::metrics
