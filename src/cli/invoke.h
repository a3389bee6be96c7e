#pragma once
// `lambda-emu invoke [FUNCTION] [-e FILE|-] [--event-json JSON]`: one
// invocation without a server, as `sam local invoke` does it — the response
// payload on stdout (the function's bytes, nothing added), the function's
// log (START, its output, END, REPORT) on stderr. Exit status 0 on success,
// 1 when the function failed (its error payload still on stdout), 2 for
// usage and configuration errors.

#include <CLI/CLI.hpp>
#include <string>

#include "cli/environment_options.h"
#include "cli/project.h"

namespace lambda_emu::cli {

struct InvokeOptions {
  std::string function;    // empty: the project's only function
  std::string event_file;  // "-" is standard input
  std::string event_json;
  ProjectOptions project;
  EnvironmentOptions environment;
  bool no_color = false;
  std::string log_level = "warn";
};

CLI::App* AddInvokeCommand(CLI::App& app, InvokeOptions& options);

int RunInvoke(const InvokeOptions& options);

}  // namespace lambda_emu::cli
