#pragma once
// The console's figures for GET /metrics: function output the console did
// not show (the log files have it), by reason. Pure rendering of counts the
// log writer keeps (logs::ConsoleDropCounts, thread-safe to read).

#include <string>

#include "logs/function_log.h"

namespace lambda_emu::metrics {

// lambda_emu_console_dropped_lines_total / _bytes_total, with
// reason="unread" (the console was not read: its backlog was full) and
// reason="limit" (a function went over --console-log-limit).
std::string RenderConsolePrometheus(const logs::ConsoleDrops& drops);

}  // namespace lambda_emu::metrics
