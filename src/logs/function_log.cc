#include "logs/function_log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

namespace lambda_emu::logs {

void InitLogging(const std::string& server_level) {
  // Queue of 64k lines; when full, the producer waits (a line is never dropped).
  spdlog::init_thread_pool(65536, 1);
  auto server = std::make_shared<spdlog::async_logger>(
      "lambda-emu", std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::block);
  server->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  server->set_level(spdlog::level::from_str(server_level));
  server->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(server);
}

void ShutdownLogging() { spdlog::shutdown(); }

FunctionLog::FunctionLog(std::string function_name, const std::filesystem::path& log_dir)
    : file_(log_dir / (function_name + ".log")) {
  // One logger, two sinks: a line is queued once and written to both. Each
  // function has its own stdout sink (spdlog serialises stdout across them)
  // so the prefix can be a pattern.
  auto console = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  console->set_pattern("[" + function_name + "] %v");
  std::vector<spdlog::sink_ptr> sinks{console};
  std::error_code ec;
  std::filesystem::create_directories(log_dir, ec);
  try {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file_.string());
    file->set_pattern("%v");
    sinks.push_back(std::move(file));
  } catch (const spdlog::spdlog_ex& e) {
    spdlog::warn("function {}: no log file ({})", function_name, e.what());
  }
  logger_ = std::make_shared<spdlog::async_logger>("fn:" + function_name, sinks.begin(),
                                                   sinks.end(), spdlog::thread_pool(),
                                                   spdlog::async_overflow_policy::block);
  logger_->set_level(spdlog::level::info);
  logger_->flush_on(spdlog::level::info);
}

FunctionLog::~FunctionLog() = default;

void FunctionLog::Line(std::string_view line) { logger_->info("{}", line); }

std::string IsoTimestampNow() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace lambda_emu::logs
