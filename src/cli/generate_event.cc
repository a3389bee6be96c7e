#include "cli/generate_event.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "events/sample_events.h"

namespace lambda_emu::cli {

namespace {

std::string Join(const std::vector<std::string>& names, const char* separator = ", ") {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : separator) + name;
  return out;
}

std::string CommandPath(const CLI::App& command) {
  std::string path;
  for (const CLI::App* app = &command; app != nullptr && app->get_parent() != nullptr;
       app = app->get_parent()) {
    path = app->get_name() + (path.empty() ? "" : " " + path);
  }
  return path;
}

// Runs when `command` has parsed its part of the command line: it must have
// found one of its subcommands (a `what`, one of `choices`) and nothing it does
// not know. CLI11 alone would say "A subcommand is required" or "The following
// argument was not expected"; these messages list the choices.
void RequireOneOf(const CLI::App& command, const std::string& what,
                  const std::vector<std::string>& choices) {
  std::vector<std::string> unknown = command.remaining();
  if (!unknown.empty()) {
    throw CLI::ExtrasError(CommandPath(command) + ": unknown " + what + " '" + unknown.front() +
                               "'; valid " + what + "s: " + Join(choices),
                           CLI::ExitCodes::ExtrasError);
  }
  if (command.get_subcommands().empty()) {
    throw CLI::RequiredError(
        CommandPath(command) + ": missing " + what + "; valid " + what + "s: " + Join(choices),
        CLI::ExitCodes::RequiredError);
  }
}

CLI::Validator JsonDocument() {
  return CLI::Validator(
      [](std::string& value) {
        return nlohmann::json::accept(value) ? std::string() : std::string("not valid JSON");
      },
      "JSON");
}

void AddEventCommand(CLI::App& service_command, const events::SampleEvent& event) {
  CLI::App* command = service_command.add_subcommand(event.name, event.help);
  // The map's nodes never move, so each option can write straight into its value.
  auto values = std::make_shared<events::OptionValues>();
  std::vector<std::string> option_names;
  for (const events::EventOption& option : event.options) {
    std::string& value = (*values)[option.name] = option.default_value;
    CLI::Option* cli_option =
        command->add_option("--" + option.name, value, option.help)->capture_default_str();
    if (option.json_value) cli_option->check(JsonDocument());
    option_names.push_back("--" + option.name);
  }
  command->parse_complete_callback([command, option_names] {
    std::vector<std::string> unknown = command->remaining();
    if (unknown.empty()) return;
    throw CLI::ExtrasError(
        CommandPath(*command) + ": unexpected argument '" + unknown.front() +
            "'; valid options: " + (option_names.empty() ? "none" : Join(option_names)),
        CLI::ExitCodes::ExtrasError);
  });
  command->final_callback([values, &event] {
    std::cout << events::BuildEvent(event, *values)
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << std::endl;
  });
}

}  // namespace

CLI::App* AddGenerateEventCommand(CLI::App& app) {
  CLI::App* command = app.add_subcommand(
      "generate-event", "Print a sample event as AWS sends it (like `sam local generate-event`)");
  command->footer(
      "Usage: generate-event SERVICE EVENT [options]. `generate-event SERVICE --help` lists a "
      "service's events, `generate-event SERVICE EVENT --help` an event's options.");
  std::vector<std::string> service_names;
  for (const events::Service& service : events::Catalogue()) {
    CLI::App* service_command = command->add_subcommand(service.name, service.help);
    std::vector<std::string> event_names;
    for (const events::SampleEvent& event : service.events) {
      AddEventCommand(*service_command, event);
      event_names.push_back(event.name);
    }
    // At most one EVENT; none, or an unknown one, fails with the list of events.
    service_command->require_subcommand(0, 1);
    service_command->parse_complete_callback(
        [service_command, event_names] { RequireOneOf(*service_command, "event", event_names); });
    service_names.push_back(service.name);
  }
  command->require_subcommand(0, 1);
  command->parse_complete_callback(
      [command, service_names] { RequireOneOf(*command, "service", service_names); });
  return command;
}

}  // namespace lambda_emu::cli
