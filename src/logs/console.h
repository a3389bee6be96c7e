#pragma once
// How function log entries look on a terminal. The log file and the Invoke
// API's log tail keep Lambda's format (one record per line, a multi-line
// record joined with '\r' as CloudWatch stores it); the console shows each
// line of a record as its own line, prefixed with the function's name, so a
// terminal does not overwrite them at the '\r'.
//
// With colour (a TTY, no NO_COLOR, no --no-color) the prefix has a stable
// colour per function, Lambda's own START/END/REPORT lines are dimmed and
// errors (an "[ERROR]" record, a Node ERROR line, a traceback, a timeout, a
// runtime exit, a failed init or REPORT with an error status) are red.
// Pure functions: no state, thread-safe.

#include <string>
#include <string_view>

namespace lambda_emu::logs {

// What a record is, from its text alone (its first line).
enum class RecordKind {
  kOutput,    // what the function wrote
  kPlatform,  // START, END, REPORT, INIT_START, INIT_REPORT
  kError,     // an error the function logged, or a platform failure
};
RecordKind ClassifyRecord(std::string_view record);

// Whether to colour output written to `fd`: never when `no_color` (the
// flag) or the NO_COLOR environment variable is set to anything non-empty,
// else only when `fd` is a terminal.
bool ColorWanted(bool no_color, int fd);

// The escape sequence that colours `function_name`'s prefix: the same
// colour for the same name on every run.
std::string_view PrefixColor(std::string_view function_name);

// Appends one log entry (records separated by '\n', lines within a record
// by '\r') to `out` as console lines, each starting with `prefix` (which
// may be empty) and ending with '\n'. `prefix_color` is empty without
// colour.
void RenderConsole(std::string& out, std::string_view prefix, std::string_view prefix_color,
                   std::string_view entry, bool color);

// The per-invocation summary line, rendered the same way: dimmed, its
// outcome red when the invocation failed.
void RenderSummary(std::string& out, std::string_view prefix, std::string_view prefix_color,
                   std::string_view summary, std::string_view outcome, bool failed, bool color);

}  // namespace lambda_emu::logs
