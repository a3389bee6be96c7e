#pragma once
// SAM's Globals: merging `Globals.Function` into each
// AWS::Serverless::Function's Properties, with the SAM transform's rules:
// maps merge key by key (recursively), lists combine (globals first), and
// for anything else, or when the two kinds differ, the function's own value
// wins. An intrinsic (!Ref, {"Fn::If": ...}) counts as a plain value.
// Pure functions; thread-safe.

#include <yaml-cpp/yaml.h>

namespace lambda_emu::templates {

// Returns a new node: `global` merged under `local` (both may be undefined).
YAML::Node MergeGlobals(const YAML::Node& global, const YAML::Node& local);

}  // namespace lambda_emu::templates
