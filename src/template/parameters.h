#pragma once
// Template parameters: `--parameter-overrides` as SAM CLI takes it, and the
// Parameters section resolved against it (Default, Type, AllowedValues,
// AllowedPattern, Min/MaxLength, Min/MaxValue), plus the pseudo parameters.
// Pure functions; thread-safe.

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::templates {

using ParameterOverrides = std::map<std::string, std::string>;

// Parses each argument as SAM CLI does: space-separated `Key=Value` pairs
// (a value may be quoted: Key="a b" or Key='a b'), or CloudFormation's
// `ParameterKey=Key,ParameterValue=Value`. Later values win.
Result<ParameterOverrides> ParseParameterOverrides(const std::vector<std::string>& arguments);

struct PseudoParameters {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string stack_name = "local";
};

// The value of every parameter (scalars; a sequence for list types) and
// pseudo parameter. Throws TemplateError when a value breaks the
// parameter's constraints; appends a warning for an override that names no
// parameter and for a parameter with neither Default nor override (it then
// resolves to "").
std::map<std::string, YAML::Node> ResolveParameters(const YAML::Node& section,
                                                    const ParameterOverrides& overrides,
                                                    const PseudoParameters& pseudo,
                                                    std::vector<std::string>& warnings);

}  // namespace lambda_emu::templates
