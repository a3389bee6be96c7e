// lambda-emu: a local AWS Lambda-compatible function runtime.
#include <CLI/CLI.hpp>

#include "cli/serve.h"

int main(int argc, char** argv) {
  CLI::App app{
      "lambda-emu: run AWS Lambda functions locally, with the real Invoke and Runtime APIs"};
  app.set_version_flag("--version", std::string(LAMBDA_EMU_VERSION));
  app.require_subcommand(1);

  lambda_emu::cli::ServeOptions serve_options;
  CLI::App* serve = lambda_emu::cli::AddServeCommand(app, serve_options);

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return lambda_emu::cli::RunServe(serve_options);
  return 0;
}
