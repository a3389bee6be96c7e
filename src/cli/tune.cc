#include "cli/tune.h"

#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/local_run.h"
#include "logs/function_log.h"
#include "tune/power_tuning.h"
#include "tune/tune_chart.h"

namespace lambda_emu::cli {

namespace fs = std::filesystem;

CLI::App* AddTuneCommand(CLI::App& app, TuneOptions& o) {
  CLI::App* tune = app.add_subcommand(
      "tune",
      "Run an event at several memory sizes and show which is cheapest, fastest and balanced "
      "(memory power tuning, without deploying)");
  tune->add_option("function", o.function,
                   "Function name, logical id or Child/LogicalId (default: the only function)");
  auto* event =
      tune->add_option("--event,-e", o.event_file,
                       "File with the event (JSON); - reads standard input (default: {})");
  auto* json = tune->add_option("--event-json", o.event_json, "The event, as JSON text");
  event->excludes(json);
  tune->add_option("--memory", o.memory,
                   "Memory sizes to try, in MB, comma-separated (default: "
                   "128,256,512,1024,1769,3008)");
  tune->add_option("--runs", o.runs, "Warm runs per memory size, after its cold start")
      ->capture_default_str()
      ->check(CLI::Range(1, tune::kMaxRuns));
  tune->add_option("--output", o.output_dir,
                   "Directory to write tune.json and chart.svg to (made if missing)");
  tune->add_flag("--json", o.json, "Print tune.json on stdout instead of the table");
  AddProjectOptions(tune, o.project);
  tune->add_option("--log-level", o.log_level, "lambda-emu's own log level")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  tune->add_flag("--no-color", o.no_color, "No colour on standard error (also: NO_COLOR)");
  AddEnvironmentOptions(tune, o.environment);
  return tune;
}

namespace {

Status WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return Status::Error("cannot write " + path.string());
  return Status::Ok();
}

// One line on stderr per memory size as it ends.
void ReportProgress(const tune::TuneRun& run, size_t& reported) {
  const auto& sizes = run.result().sizes;
  while (reported < sizes.size()) {
    const auto& size = sizes[reported];
    const bool over =
        run.finished() || (reported + 1 < sizes.size() && (sizes[reported + 1].cold || !size.ok()));
    if (!over) return;
    char line[256];
    if (size.ok()) {
      std::snprintf(
          line, sizeof line, "  %5d MB: cold start %.1f ms, p50 %.2f ms over %zu runs\n",
          size.memory_mb,
          size.cold ? size.cold->duration_ms + size.cold->init_duration_ms.value_or(0) : 0.0,
          size.p50_ms, size.warm.size());
    } else {
      std::snprintf(line, sizeof line, "  %5d MB: %s (%s)\n", size.memory_mb, size.status.c_str(),
                    size.error.c_str());
    }
    std::cerr << line << std::flush;
    ++reported;
  }
}

}  // namespace

int RunTune(const TuneOptions& o) {
  auto event = ReadEvent(o.event_file, o.event_json);
  if (!event.ok()) return UsageError(event.status().message());
  tune::TuneRequest request;
  request.event = std::move(event.value());
  request.runs = o.runs;
  if (!o.memory.empty()) {
    auto sizes = tune::ParseMemorySizes(o.memory);
    if (!sizes.ok()) return UsageError(sizes.status().message());
    request.memory_sizes = std::move(sizes.value());
  }

  logs::ConsoleStyle console;
  console.to_stderr = true;
  console.prefix = false;
  console.no_color = o.no_color;
  console.show_functions = false;  // the runs' output would bury the progress
  logs::InitLogging(o.log_level, console);
  SetUpProcess();

  LocalProject loaded;
  if (Status s = loaded.Load(o.project, o.environment, o.function); !s.ok()) {
    return UsageError(s.message());
  }
  const config::FunctionConfig& function = *loaded.function;
  request.function = function;
  if (Status s = tune::CheckRequest(request); !s.ok()) return UsageError(s.message());
  auto run = LocalRun::Make(o.environment, loaded.settings, *loaded.project, function.name);
  if (!run.ok()) return UsageError(run.status().message());
  LocalRun& local = **run;

  const std::string runs_with = local.runtimes->Describe(function);
  std::cerr << "Tuning " << function.name << " (" << runs_with
            << "): " << request.memory_sizes.size() << " memory sizes, a cold start and "
            << request.runs << " warm runs each\n";
  size_t reported = 0;
  auto tuning = std::make_shared<tune::TuneRun>(
      *local.services, *local.runtimes, request,
      [&reported](const tune::TuneRun& r) { ReportProgress(r, reported); });
  tuning->Start();
  local.RunUntil([&] { return tuning->finished(); });
  if (!tuning->failure().empty()) return UsageError(tuning->failure());
  logs::ShutdownLogging();

  const tune::TuneResult& result = tuning->result();
  const std::string json = tune::ToJson(result).dump(2) + "\n";
  std::cout << (o.json ? json : tune::FormatTable(result)) << std::flush;
  if (!o.output_dir.empty()) {
    std::error_code ignored;  // a directory that cannot be made fails the write below
    fs::create_directories(o.output_dir, ignored);
    const fs::path dir(o.output_dir);
    Status s = WriteFile(dir / "tune.json", json);
    if (s.ok()) s = WriteFile(dir / "chart.svg", tune::RenderChart(result));
    if (!s.ok()) return UsageError(s.message());
    std::cerr << "wrote " << (dir / "tune.json").string() << " and " << (dir / "chart.svg").string()
              << "\n";
  }
  return result.cheapest ? 0 : 1;
}

}  // namespace lambda_emu::cli
