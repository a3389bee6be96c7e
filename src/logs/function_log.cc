#include "logs/function_log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
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
#include "logs/console_limits.h"
#include "logs/console_writer.h"

namespace lambda_emu::logs {

namespace fs = std::filesystem;

struct FunctionLog::Output {
  std::string name;
  std::string prefix;             // "[name] "
  std::string_view prefix_color;  // empty without colour
  fs::path file_path;
  std::FILE* file = nullptr;     // writer thread only, once opened
  bool open_failed = false;      // writer thread only
  FunctionConsoleBudget budget;  // writer thread only

  ~Output() {
    if (file) std::fclose(file);
  }
};

namespace {

using Output = FunctionLog::Output;

ConsoleStyle console_style;  // set once by InitLogging, before the writer starts
bool console_color = false;  // likewise

// How long shutdown waits for a console that takes nothing.
constexpr auto kConsolePatience = std::chrono::seconds(2);

ConsoleWriter* console_out = nullptr;  // made by InitLogging, never destroyed

// Function output cut by the per-function console limit (totals).
std::atomic<std::uint64_t> limited_lines{0};
std::atomic<std::uint64_t> limited_bytes{0};

enum class Kind {
  kRuntime,   // what the function wrote: subject to its console budget
  kPlatform,  // START, END, REPORT, errors the server logs: always shown
  kSummary,   // the console's summary after an invocation (no log file)
};

// The single writer behind every FunctionLog. spdlog's async logger, used
// before, signals its worker on every message; on the warm invoke path that
// wake-up and the context switches around it were a fifth of the server's
// CPU samples (perf, serial load). Here producers only append under a mutex;
// the writer drains in batches: files first, then the console text goes to
// the ConsoleWriter, which never holds this thread up, so the files stay
// current even while the console is stuck and producers (the io thread)
// never wait.
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
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      Write(pending_);  // appended between the writer's last look and now
      pending_.clear();
    }
    console_out->Flush(kConsolePatience);
  }

  // `outcome` set: a console-only summary line.
  void Append(const std::shared_ptr<Output>& output, std::string_view text, Kind kind,
              std::string_view outcome = {}, bool failed = false) {
    Record record{output, std::string(text), kind, std::string(outcome), failed};
    std::unique_lock lock(mutex_);
    if (stopped_) {
      std::vector<Record> one{std::move(record)};
      Write(one);
      lock.unlock();
      console_out->Flush(kConsolePatience);
      return;
    }
    // Not bounded here: the writer waits only for the files, never for the
    // console, and the io thread bounds what it reads per turn
    // (function_output.cc).
    pending_.push_back(std::move(record));
    if (writer_asleep_) {
      writer_asleep_ = false;
      wake_.notify_one();
    }
  }

 private:
  // While lines keep coming the writer wakes on this period by itself.
  static constexpr auto kBatchPeriod = std::chrono::milliseconds(5);

  struct Record {
    std::shared_ptr<Output> output;
    std::string text;
    Kind kind = Kind::kRuntime;
    std::string outcome;  // kSummary: the outcome
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
        // The first line after a quiet spell is most often an invocation's
        // START, and a cold start's runs on the CPU that starts the runtime.
        // It waits a batch period as well, so that opening the function's
        // file and the writes come after the invocation, not inside it.
        wake_.wait_for(lock, kBatchPeriod, [&] { return stopping_; });
        continue;
      }
      batch.swap(pending_);
      lock.unlock();
      Write(batch);
      batch.clear();
      std::this_thread::sleep_for(kBatchPeriod);
      lock.lock();
    }
  }

  void Write(std::vector<Record>& batch) {
    console_.clear();
    pieces_.clear();
    touched_.clear();
    auto now = FunctionConsoleBudget::Clock::now();
    for (auto& [output, text, kind, outcome, failed] : batch) {
      if (kind == Kind::kSummary) {
        ShowCut(*output);
        RenderSummary(console_, output->prefix, output->prefix_color, text, outcome, failed,
                      console_color);
        pieces_.push_back({console_.size(), 1, text.size()});
        continue;
      }
      if (kind == Kind::kPlatform) {
        ShowCut(*output);
        Show(*output, text);
      } else if (output->budget.Admit(text.size(), now)) {
        ShowCut(*output);
        Show(*output, text);
      } else {
        limited_lines.fetch_add(1, std::memory_order_relaxed);
        limited_bytes.fetch_add(text.size(), std::memory_order_relaxed);
      }
      if (!output->file && !output->open_failed && !output->file_path.empty()) Open(*output);
      if (output->file) {
        text += '\n';
        std::fwrite(text.data(), 1, text.size(), output->file);
        if (touched_.empty() || touched_.back() != output->file) touched_.push_back(output->file);
      }
    }
    // Files first: whoever sees a line on the console can then read it from the file.
    for (std::FILE* file : touched_) std::fflush(file);
    console_out->Offer(console_, pieces_);
  }

  void Show(const Output& output, std::string_view text) {
    if (!console_style.show_functions) return;
    RenderConsole(console_, output.prefix, output.prefix_color, text, console_color);
    pieces_.push_back({console_.size(), 1, text.size()});
  }

  // The marker where a function's console output was cut by its budget.
  void ShowCut(Output& output) {
    auto cut = output.budget.TakeCut();
    if (!cut) return;
    std::string text = "lambda-emu: " + DescribeDropped(*cut) +
                       " of this function's output were not shown (more than " + DescribeLimit() +
                       "; see --console-log-limit)";
    if (!output.file_path.empty()) text += "; " + output.file_path.string() + " has them";
    RenderConsole(console_, output.prefix, output.prefix_color, text, console_color);
    pieces_.push_back({console_.size(), 1, 0});
  }

  static std::string DescribeLimit() {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g MB a second",
                  static_cast<double>(console_style.limit_bytes_per_second) / 1e6);
    return buf;
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
  std::condition_variable wake_;              // the writer: lines arrived, or stop
  std::vector<Record> pending_;               // guarded by mutex_
  bool writer_asleep_ = false;                // guarded by mutex_
  bool stopping_ = false;                     // guarded by mutex_
  bool stopped_ = false;                      // guarded by mutex_: the thread is gone
  std::string console_;                       // writer thread only
  std::vector<ConsoleWriter::Piece> pieces_;  // writer thread only: console_'s lines
  std::vector<std::FILE*> touched_;           // writer thread only
  std::thread thread_;                        // last: starts after the members above exist
};

// Created by InitLogging, stopped (not destroyed) by ShutdownLogging.
Writer* writer = nullptr;

}  // namespace

void InitLogging(const std::string& server_level, ConsoleStyle console) {
  console_style = console;
  int console_fd = console.to_stderr ? STDERR_FILENO : STDOUT_FILENO;
  console_color = ColorWanted(console.no_color, console_fd);
  // Both live until exit.
  if (!console_out) console_out = new ConsoleWriter(console_fd, console.backlog_bytes);
  if (!writer) writer = new Writer();
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
  output_->budget = FunctionConsoleBudget(console_style.limit_bytes_per_second);
  if (!log_dir.empty()) {
    output_->file_path = log_dir / (function_name + ".log");
    if (console_out) console_out->SetLogDir(log_dir);
  }
  output_->name = std::move(function_name);
}

FunctionLog::~FunctionLog() = default;

const fs::path& FunctionLog::file() const { return output_->file_path; }

void FunctionLog::Line(std::string_view text) { writer->Append(output_, text, Kind::kPlatform); }

void FunctionLog::RuntimeLine(std::string_view text) {
  writer->Append(output_, text, Kind::kRuntime);
}

namespace {
std::string Milliseconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", ms);
  return buf;
}
}  // namespace

void FunctionLog::Summary(const InvocationSummary& s) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  // "REQUEST_ID cold (init 85.12 ms) 1.23 ms, 41 of 128 MB: " then the outcome;
  // an event's retry says "REQUEST_ID attempt 2 warm ...".
  std::string text;
  if (!console_style.prefix) text += output_->name + ' ';
  text += s.request_id;
  if (s.attempt > 1) text += " attempt " + std::to_string(s.attempt);
  text += s.cold_start ? " cold (init " + Milliseconds(s.init_duration_ms) + ") " : " warm ";
  text += Milliseconds(s.duration_ms) + ", " + std::to_string(s.memory_used_mb) + " of " +
          std::to_string(s.memory_size_mb) + " MB: ";
  bool failed = !s.error_type.empty();
  std::string outcome = failed ? "Error " + std::string(s.error_type) : std::string("Success");
  writer->Append(output_, text, Kind::kSummary, outcome, failed);
}

ConsoleDrops ConsoleDropCounts() {
  ConsoleDrops drops;
  if (console_out) {
    DroppedOutput unread = console_out->dropped();
    drops.unread = {unread.lines, unread.bytes};
  }
  drops.limited = {limited_lines.load(std::memory_order_relaxed),
                   limited_bytes.load(std::memory_order_relaxed)};
  return drops;
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
