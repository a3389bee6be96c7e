#pragma once
// The catalogue behind `lambda-emu generate-event SERVICE EVENT [options]`:
// sample events in the shape AWS sends them to a function, named as in SAM
// CLI's `sam local generate-event` (services, events and option names alike).

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_emu::events {

// An event's JSON, keys in the order AWS documents them.
using EventJson = nlohmann::ordered_json;

// One `--name value` option of an event. `name` is spelt as SAM spells it,
// without the leading dashes ("account-id", "restApiId").
struct EventOption {
  std::string name;
  std::string default_value;
  std::string help;
  bool json_value = false;  // the value must itself be a JSON document
};

// Option values by name, one per option of the event.
using OptionValues = std::map<std::string, std::string>;

// One event of a service. `build` gets a value for every option (the default
// where none was given) and returns a fresh event: new ids and timestamps on
// every call.
struct SampleEvent {
  std::string name;
  std::string help;
  std::vector<EventOption> options;
  std::function<EventJson(const OptionValues&)> build;
};

struct Service {
  std::string name;
  std::string help;
  std::vector<SampleEvent> events;
};

// Every service, sorted by name, each with its events sorted by name. Built
// once on first use; immutable afterwards and safe to read from any thread.
const std::vector<Service>& Catalogue();

// nullptr when there is no such service or event.
const Service* FindService(std::string_view name);
const SampleEvent* FindEvent(const Service& service, std::string_view name);

// Builds `event` with `given` over the defaults. Throws std::invalid_argument
// for a name that is not one of the event's options.
EventJson BuildEvent(const SampleEvent& event, const OptionValues& given = {});

}  // namespace lambda_emu::events
