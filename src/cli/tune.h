#pragma once
// `lambda-emu tune [FUNCTION] -e event.json [--memory 128,256,...] [--runs N]
// [--output DIR]`: memory power tuning without a server (docs/insight.md).
// The event runs at each memory size (one cold start, then N warm runs,
// with the CPU share that size gets); the table goes to stdout, progress to
// stderr, and with --output DIR tune.json and chart.svg are written there.
// Exit status 0 when at least one size ran fine, 1 when none did, 2 for
// usage and configuration errors.

#include <CLI/CLI.hpp>
#include <string>

#include "cli/environment_options.h"
#include "cli/project.h"

namespace lambda_emu::cli {

struct TuneOptions {
  std::string function;    // empty: the project's only function
  std::string event_file;  // "-" is standard input
  std::string event_json;
  std::string memory;  // "128,256,..." (empty: tune::kDefaultMemorySizes)
  int runs = 10;
  std::string output_dir;
  bool json = false;  // stdout gets tune.json instead of the table
  ProjectOptions project;
  EnvironmentOptions environment;
  bool no_color = false;
  std::string log_level = "warn";
};

CLI::App* AddTuneCommand(CLI::App& app, TuneOptions& options);

int RunTune(const TuneOptions& options);

}  // namespace lambda_emu::cli
