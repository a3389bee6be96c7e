#include "cli/generate_event.h"

namespace lambda_emu::cli {

// Placeholder until the event generators land.
CLI::App* AddGenerateEventCommand(CLI::App& app) {
  CLI::App* command = app.add_subcommand("generate-event", "Print a sample event for a service");
  command->require_subcommand(1);
  return command;
}

}  // namespace lambda_emu::cli
