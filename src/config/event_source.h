#pragma once
// Event sources (SAM's `Events` of a function; the same key in a lambda-emu
// config file): parsing a resolved `Events` map into EventSource values.
// Pure functions; thread-safe.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"

namespace lambda_emu::config {

// `events` is a map of event name to {Type, Properties}, intrinsics already
// resolved. `where` prefixes messages ("HelloFunction.Events").
Result<std::vector<EventSource>> ParseEventSources(const YAML::Node& events,
                                                   const std::string& where);

// A YAML value as JSON text: unquoted integers and booleans become JSON
// numbers and booleans, everything else strings.
std::string YamlToJson(const YAML::Node& node);

}  // namespace lambda_emu::config
