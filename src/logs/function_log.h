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
// thread wake-up per line; lines from all functions keep their order. A
// signalled writer, too, waits that period before it writes: the line that
// woke it is most often an invocation's START, and writing (a cold start's
// first line opens the function's file) is then done after the invocation
// rather than on its CPU during it. Lines reach their file within ~5 ms.
//
// Line() never waits. The log file gets every line; the console gets them
// through its own thread (console_writer.h), which alone waits for a console
// that is not read, and drops what does not fit its bounded backlog with a
// marker. A function's own output (RuntimeLine) is also capped on the
// console at ConsoleStyle::limit_bytes_per_second, with a marker line.
// Thread-safe; shared by a function's environments via shared_ptr.

#include <cstdint>
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
  // --console-log-limit: one function's output shown on the console per
  // second at most; the rest is cut (the log file keeps it). 0: no limit.
  std::uint64_t limit_bytes_per_second = 0;
  // What may wait for a console that is not read; past it output is dropped.
  std::size_t backlog_bytes = 4 << 20;
  // false: function lines are not shown at all (`tune` prints its own progress).
  bool show_functions = true;
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
  int attempt = 1;              // an asynchronous event's retry: 2 or 3
};

class FunctionLog {
 public:
  // An empty `log_dir` means no log file.
  FunctionLog(std::string function_name, const std::filesystem::path& log_dir);
  ~FunctionLog();

  // One or more of the platform's lines ("END ...\nREPORT ..."), without
  // the final newline: always on the console.
  void Line(std::string_view text);
  // One line the function's runtime wrote (stdout or stderr): counted
  // against the function's console limit.
  void RuntimeLine(std::string_view text);
  // The console's one-line summary of an invocation (not in the log file),
  // when the server logs at info or below.
  void Summary(const InvocationSummary& summary);
  const std::filesystem::path& file() const;

  struct Output;  // the console prefix and the file, shared with the writer

 private:
  std::shared_ptr<Output> output_;
};

// Function output the console did not show (the log files have it), since
// the start: `unread` because the console was not read (its backlog was
// full), `limited` because a function went over --console-log-limit.
struct ConsoleDrops {
  struct Count {
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
  };
  Count unread;
  Count limited;
};
ConsoleDrops ConsoleDropCounts();

// "2024-01-01T00:00:00.000Z", the timestamp Lambda puts in its own lines.
std::string IsoTimestampNow();

}  // namespace lambda_emu::logs
