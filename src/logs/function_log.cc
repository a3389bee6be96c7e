#include "logs/function_log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

namespace lambda_emu::logs {

namespace fs = std::filesystem;

namespace {

// Queue of 8k messages (~3 MB, allocated up front); when it is full the
// producer waits, so a line is never dropped.
constexpr size_t kQueueMessages = 8192;

}  // namespace

// One function's two outputs. Runs on spdlog's single worker thread. A
// message may hold several lines (END and REPORT go together); each gets the
// console prefix. Streams are flushed when the worker has nothing queued, so
// a burst of lines costs one write per stream and a quiet moment shows
// everything at once.
class FunctionLog::Sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  Sink(std::string prefix, spdlog::details::thread_pool* pool)
      : prefix_(std::move(prefix)), pool_(pool) {}
  ~Sink() override {
    if (file_) std::fclose(file_);
  }

  // Called once, before the first message is queued.
  void SetFile(std::FILE* file) {
    std::lock_guard lock(mutex_);
    file_ = file;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    console_.clear();
    for (std::string_view rest = text;;) {
      size_t newline = rest.find('\n');
      console_ += prefix_;
      console_ += rest.substr(0, newline);
      console_ += '\n';
      if (newline == std::string_view::npos) break;
      rest.remove_prefix(newline + 1);
    }
    std::fwrite(console_.data(), 1, console_.size(), stdout);
    if (file_) {
      std::fwrite(text.data(), 1, text.size(), file_);
      std::fputc('\n', file_);
    }
    if (pool_->queue_size() == 0) flush_();
  }

  void flush_() override {
    std::fflush(stdout);
    if (file_) std::fflush(file_);
  }

 private:
  const std::string prefix_;
  spdlog::details::thread_pool* const pool_;  // outlives every logger (ShutdownLogging)
  std::FILE* file_ = nullptr;
  std::string console_;  // reused buffer
};

void InitLogging(const std::string& server_level) {
  spdlog::init_thread_pool(kQueueMessages, 1);
  auto server = std::make_shared<spdlog::async_logger>(
      "lambda-emu", std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::block);
  server->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  server->set_level(spdlog::level::from_str(server_level));
  server->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(server);
}

void ShutdownLogging() { spdlog::shutdown(); }

FunctionLog::FunctionLog(std::string function_name, const fs::path& log_dir)
    : name_(std::move(function_name)), log_dir_(log_dir), file_(log_dir / (name_ + ".log")) {
  auto pool = spdlog::thread_pool();
  sink_ = std::make_shared<Sink>("[" + name_ + "] ", pool.get());
  logger_ = std::make_shared<spdlog::async_logger>("fn:" + name_, sink_, std::move(pool),
                                                   spdlog::async_overflow_policy::block);
  logger_->set_level(spdlog::level::info);
  logger_->flush_on(spdlog::level::off);  // the sink flushes when the queue runs dry
}

FunctionLog::~FunctionLog() = default;

// The file is opened on the first line, so a function that never logs holds
// no descriptor (1,000 registered functions would otherwise hold 1,000).
void FunctionLog::OpenFile() {
  std::error_code ec;
  fs::create_directories(log_dir_, ec);
  std::FILE* file = std::fopen(file_.c_str(), "ae");
  if (!file) {
    spdlog::warn("function {}: no log file {} ({})", name_, file_.string(),
                 std::strerror(errno));
    return;
  }
  sink_->SetFile(file);
}

void FunctionLog::Line(std::string_view text) {
  std::call_once(file_opened_, [this] { OpenFile(); });
  logger_->log(spdlog::level::info, spdlog::string_view_t(text.data(), text.size()));
}

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
