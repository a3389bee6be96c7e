#include "logs/function_log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>
#include <vector>

#include "logs/console.h"

namespace lambda_emu::logs {

namespace fs = std::filesystem;

struct FunctionLog::Output {
  std::string name;
  std::string prefix;             // "[name] "
  std::string_view prefix_color;  // empty without colour
  fs::path file_path;
  std::FILE* file = nullptr;  // writer thread only, once opened
  bool open_failed = false;   // writer thread only

  ~Output() {
    if (file) std::fclose(file);
  }
};

namespace {

using Output = FunctionLog::Output;

ConsoleStyle console_style;  // set once by InitLogging, before the writer starts
bool console_color = false;  // likewise

// The single writer behind every FunctionLog. spdlog's async logger, used
// before, signals its worker on every message; on the warm invoke path that
// wake-up and the context switches around it were a fifth of the server's
// CPU samples (perf, serial load). Here producers only append under a mutex;
// the writer drains in batches.
class Writer {
 public:
  Writer() : thread_([this] { Run(); }) {}
  ~Writer() { Stop(); }

  // Writes out what is pending and ends the thread; lines that still come
  // (environments stopping after shutdown) are then written at once.
  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    room_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    stopped_ = true;
    Write(pending_);  // appended between the writer's last look and now
    pending_.clear();
  }

  // `outcome` set: a console-only summary line.
  void Append(const std::shared_ptr<Output>& output, std::string_view text,
              std::string_view outcome = {}, bool failed = false) {
    Record record{output, std::string(text), std::string(outcome), failed};
    std::unique_lock lock(mutex_);
    if (stopped_) {
      std::vector<Record> one{std::move(record)};
      Write(one);
      return;
    }
    // Bounded: a writer stuck on a paused terminal holds producers back
    // instead of growing without limit.
    room_.wait(lock, [&] { return pending_bytes_ < kMaxPendingBytes || stopping_; });
    pending_bytes_ += text.size();
    pending_.push_back(std::move(record));
    if (writer_asleep_) {
      writer_asleep_ = false;
      wake_.notify_one();
    }
  }

 private:
  static constexpr size_t kMaxPendingBytes = 16 << 20;
  // While lines keep coming the writer wakes on this period by itself.
  static constexpr auto kBatchPeriod = std::chrono::milliseconds(5);

  struct Record {
    std::shared_ptr<Output> output;
    std::string text;
    std::string outcome;  // non-empty: a summary, console only
    bool failed = false;
  };

  void Run() {
    std::vector<Record> batch;
    std::unique_lock lock(mutex_);
    while (true) {
      if (pending_.empty()) {
        if (stopping_) return;
        writer_asleep_ = true;
        wake_.wait(lock, [&] { return !pending_.empty() || stopping_; });
        continue;
      }
      batch.swap(pending_);
      pending_bytes_ = 0;
      lock.unlock();
      room_.notify_all();
      Write(batch);
      batch.clear();
      std::this_thread::sleep_for(kBatchPeriod);
      lock.lock();
    }
  }

  void Write(std::vector<Record>& batch) {
    console_.clear();
    touched_.clear();
    for (auto& [output, text, outcome, failed] : batch) {
      if (!outcome.empty()) {
        RenderSummary(console_, output->prefix, output->prefix_color, text, outcome, failed,
                      console_color);
        continue;
      }
      RenderConsole(console_, output->prefix, output->prefix_color, text, console_color);
      if (!output->file && !output->open_failed && !output->file_path.empty()) Open(*output);
      if (output->file) {
        text += '\n';
        std::fwrite(text.data(), 1, text.size(), output->file);
        if (touched_.empty() || touched_.back() != output->file) touched_.push_back(output->file);
      }
    }
    // Files first: whoever sees a line on the console can then read it from the file.
    for (std::FILE* file : touched_) std::fflush(file);
    std::FILE* console = console_style.to_stderr ? stderr : stdout;
    std::fwrite(console_.data(), 1, console_.size(), console);
    std::fflush(console);
  }

  static void Open(Output& output) {
    std::error_code ec;
    fs::create_directories(output.file_path.parent_path(), ec);
    output.file = std::fopen(output.file_path.c_str(), "ae");
    if (!output.file) {
      output.open_failed = true;
      spdlog::warn("function {}: no log file {} ({})", output.name, output.file_path.string(),
                   std::strerror(errno));
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;     // the writer: lines arrived, or stop
  std::condition_variable room_;     // producers: the buffer was drained
  std::vector<Record> pending_;      // guarded by mutex_
  size_t pending_bytes_ = 0;         // guarded by mutex_
  bool writer_asleep_ = false;       // guarded by mutex_
  bool stopping_ = false;            // guarded by mutex_
  bool stopped_ = false;             // guarded by mutex_: the thread is gone
  std::string console_;              // writer thread only
  std::vector<std::FILE*> touched_;  // writer thread only
  std::thread thread_;               // last: starts after the members above exist
};

// Created by InitLogging, stopped (not destroyed) by ShutdownLogging.
Writer* writer = nullptr;

}  // namespace

void InitLogging(const std::string& server_level, ConsoleStyle console) {
  console_style = console;
  console_color = ColorWanted(console.no_color, console.to_stderr ? STDERR_FILENO : STDOUT_FILENO);
  if (!writer) writer = new Writer();  // lives until exit
  // The server's own lines are few (start, reload, environment failures):
  // written synchronously, so a crash never loses the last of them.
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(
      ColorWanted(console.no_color, STDERR_FILENO) ? spdlog::color_mode::always
                                                   : spdlog::color_mode::never);
  auto server = std::make_shared<spdlog::logger>("lambda-emu", std::move(sink));
  server->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  server->set_level(spdlog::level::from_str(server_level));
  server->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(server);
}

// The server's logger stays: it is synchronous and flushes every line, and
// objects torn down after this may still use it.
void ShutdownLogging() {
  if (writer) writer->Stop();
}

FunctionLog::FunctionLog(std::string function_name, const fs::path& log_dir)
    : output_(std::make_shared<Output>()) {
  if (console_style.prefix) output_->prefix = "[" + function_name + "] ";
  if (console_color) output_->prefix_color = PrefixColor(function_name);
  if (!log_dir.empty()) output_->file_path = log_dir / (function_name + ".log");
  output_->name = std::move(function_name);
}

FunctionLog::~FunctionLog() = default;

const fs::path& FunctionLog::file() const { return output_->file_path; }

void FunctionLog::Line(std::string_view text) { writer->Append(output_, text); }

namespace {
std::string Milliseconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", ms);
  return buf;
}
}  // namespace

void FunctionLog::Summary(const InvocationSummary& s) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  // "REQUEST_ID cold (init 85.12 ms) 1.23 ms, 41 of 128 MB: " then the outcome.
  std::string text;
  if (!console_style.prefix) text += output_->name + ' ';
  text += s.request_id;
  text += s.cold_start ? " cold (init " + Milliseconds(s.init_duration_ms) + ") " : " warm ";
  text += Milliseconds(s.duration_ms) + ", " + std::to_string(s.memory_used_mb) + " of " +
          std::to_string(s.memory_size_mb) + " MB: ";
  bool failed = !s.error_type.empty();
  std::string outcome = failed ? "Error " + std::string(s.error_type) : std::string("Success");
  writer->Append(output_, text, outcome, failed);
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
