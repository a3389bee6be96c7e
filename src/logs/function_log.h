#pragma once
// FunctionLog: where one function's log lines go — the console (stdout, each
// line prefixed with "[function-name] ") and the function's own log file
// (<log dir>/<function-name>.log, appended).
//
// Writing is asynchronous (spdlog's async logger on one background thread),
// so the invoke path never waits for a terminal or a disk; lines from all
// functions keep their order because the thread pool has a single worker.
// The file is opened on the first line. Thread-safe; shared by a function's
// environments via shared_ptr.

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace lambda_emu::logs {

// Sets up the async pool and the server's own logger (stderr, at
// `server_level`, e.g. "info"). Call once, before any FunctionLog is made;
// ShutdownLogging() flushes everything.
void InitLogging(const std::string& server_level);
void ShutdownLogging();

class FunctionLog {
 public:
  FunctionLog(std::string function_name, const std::filesystem::path& log_dir);
  ~FunctionLog();

  // One or more lines ("END ...\nREPORT ..."), without the final newline.
  void Line(std::string_view text);
  const std::filesystem::path& file() const { return file_; }

 private:
  class Sink;
  void OpenFile();

  const std::string name_;
  const std::filesystem::path log_dir_;
  const std::filesystem::path file_;
  std::once_flag file_opened_;
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

// "2024-01-01T00:00:00.000Z", the timestamp Lambda puts in its own lines.
std::string IsoTimestampNow();

}  // namespace lambda_emu::logs
