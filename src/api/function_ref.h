#pragma once
// FunctionRef: what the {FunctionName} segment of an API path names, after
// the forms Lambda accepts are reduced to a name and an optional qualifier:
//   my-function, my-function:v1,
//   arn:aws:lambda:us-east-1:123456789012:function:my-function[:v1],
//   123456789012:function:my-function[:v1]
// Pure functions; thread-safe.

#include <optional>
#include <string>

#include "lambda_emu/status.h"

namespace lambda_emu::api {

struct FunctionRef {
  std::string name;
  std::optional<std::string> qualifier;
  std::optional<std::string> region;   // from a full ARN
  std::optional<std::string> account;  // from a full or partial ARN
};

// Parses an already URL-decoded FunctionName. The error message is the
// ValidationException text Lambda gives.
Result<FunctionRef> ParseFunctionRef(const std::string& raw);

// Percent-decodes a path segment or query value ('+' is left alone).
std::string UrlDecode(std::string_view in);

std::string FunctionArn(const std::string& region, const std::string& account,
                        const std::string& name);

}  // namespace lambda_emu::api
