#pragma once
// FunctionLog: where one function's log lines go — the console (stdout, each
// line prefixed with "[function-name] ", rendered for a terminal by
// console.h) and the function's own log file (<log dir>/<function-name>.log,
// in Lambda's format, appended, opened on the first line so an idle function
// holds no descriptor). At the info level the console also gets a one-line
// summary after each invocation.
//
// Writing is asynchronous: Line() appends to a buffer shared by all functions
// and one background writer thread (started by InitLogging) drains it. The
// writer wakes on its own every few milliseconds while lines keep coming and
// is signalled only when it had gone to sleep, so a busy server pays no
// thread wake-up per line; lines from all functions keep their order. When
// the writer falls far behind (a paused terminal), Line() waits rather than
// drop a line. Thread-safe; shared by a function's environments via
// shared_ptr.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace lambda_emu::logs {

// Where function lines go on the console: `serve` writes them to stdout
// as "[name] line"; `invoke` writes them bare to stderr (stdout carries the
// response), like `sam local invoke`.
struct ConsoleStyle {
  bool to_stderr = false;
  bool prefix = true;
  bool no_color = false;  // --no-color; NO_COLOR and a non-terminal also turn colour off
};

// Starts the writer thread and sets up the server's own logger (spdlog,
// stderr, at `server_level`, e.g. "info"). Call once, before any FunctionLog
// is made; ShutdownLogging() writes out everything and stops the writer.
void InitLogging(const std::string& server_level, ConsoleStyle console = {});
void ShutdownLogging();

// What the summary line after an invocation says.
struct InvocationSummary {
  std::string_view request_id;
  bool cold_start = false;
  double duration_ms = 0;
  double init_duration_ms = 0;  // cold starts only
  long long memory_used_mb = 0;
  int memory_size_mb = 0;
  std::string_view error_type;  // empty: success
};

class FunctionLog {
 public:
  // An empty `log_dir` means no log file.
  FunctionLog(std::string function_name, const std::filesystem::path& log_dir);
  ~FunctionLog();

  // One or more lines ("END ...\nREPORT ..."), without the final newline.
  void Line(std::string_view text);
  // The console's one-line summary of an invocation (not in the log file),
  // when the server logs at info or below.
  void Summary(const InvocationSummary& summary);
  const std::filesystem::path& file() const;

  struct Output;  // the console prefix and the file, shared with the writer

 private:
  std::shared_ptr<Output> output_;
};

// "2024-01-01T00:00:00.000Z", the timestamp Lambda puts in its own lines.
std::string IsoTimestampNow();

}  // namespace lambda_emu::logs
