// lambda-emu: a local AWS Lambda-compatible function runtime.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/generate_event.h"
#include "cli/invoke.h"
#include "cli/serve.h"
#include "cli/tune.h"
#include "sandbox/spare_process.h"
#include "sandbox/spare_protocol.h"

int main(int argc, char** argv) {
  // A spare sandbox the server exec'd (sandbox/spare_process.h).
  namespace spare = lambda_emu::sandbox::spare;
  if (argc >= 2 && std::string_view(argv[1]) == spare::kCommand) {
    const bool forked = argc == 4 && std::string_view(argv[2]) == spare::kForked;
    lambda_emu::sandbox::RunSpare(forked ? std::atoi(argv[3]) : -1);
  }
  CLI::App app{
      "lambda-emu: run AWS Lambda functions locally, with the real Invoke and Runtime APIs"};
  app.set_version_flag("--version", std::string(LAMBDA_EMU_VERSION));
  app.require_subcommand(1);

  lambda_emu::cli::ServeOptions serve_options;
  CLI::App* serve = lambda_emu::cli::AddServeCommand(app, serve_options);
  lambda_emu::cli::ServeOptions start_api_options;
  CLI::App* start_api = lambda_emu::cli::AddStartApiCommand(app, start_api_options);
  lambda_emu::cli::InvokeOptions invoke_options;
  CLI::App* invoke = lambda_emu::cli::AddInvokeCommand(app, invoke_options);
  lambda_emu::cli::TuneOptions tune_options;
  CLI::App* tune = lambda_emu::cli::AddTuneCommand(app, tune_options);
  lambda_emu::cli::AddGenerateEventCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; a usage error exits 2, as documented.
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (serve->parsed()) return lambda_emu::cli::RunServe(serve_options);
  if (start_api->parsed()) return lambda_emu::cli::RunServe(start_api_options);
  if (invoke->parsed()) return lambda_emu::cli::RunInvoke(invoke_options);
  if (tune->parsed()) return lambda_emu::cli::RunTune(tune_options);
  return 0;  // generate-event printed its event while parsing
}
