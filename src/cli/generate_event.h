#pragma once
// `lambda-emu generate-event SERVICE EVENT [options]`: prints a sample event
// in the shape AWS sends to a function (SAM CLI's `sam local generate-event`).

#include <CLI/CLI.hpp>

namespace lambda_emu::cli {

// Registers `generate-event` with one subcommand per service and one per
// event below it. When one is parsed, its callback writes the JSON document
// to stdout. Returns the `generate-event` subcommand.
CLI::App* AddGenerateEventCommand(CLI::App& app);

}  // namespace lambda_emu::cli
