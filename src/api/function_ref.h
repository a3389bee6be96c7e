#pragma once
// FunctionRef: what the {FunctionName} segment of an API path names, after
// the forms Lambda accepts are reduced to a name and an optional qualifier:
//   my-function, my-function:v1, my-function:$LATEST,
//   arn:aws:lambda:us-east-1:123456789012:function:my-function[:v1],
//   123456789012:function:my-function[:v1]
// and the checks Lambda's Invoke applies to FunctionName and Qualifier before
// it looks anything up, worded as its ValidationException words them.
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "api/aws_error.h"

namespace lambda_emu::registry {
class FunctionRegistry;
}

namespace lambda_emu::api {

// The constraints Invoke's input model puts on FunctionName and Qualifier
// (botocore's lambda/2015-03-31 model), quoted verbatim in the messages.
inline constexpr std::string_view kFunctionNamePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?)";
inline constexpr size_t kMaxFunctionNameLength = 256;
inline constexpr std::string_view kQualifierPattern = R"(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)";
inline constexpr size_t kMaxQualifierLength = 128;

struct FunctionRef {
  std::string name;
  std::optional<std::string> qualifier;  // from NAME:QUALIFIER or a qualified ARN
  std::optional<std::string> region;     // from a full ARN (or a REGION:NAME prefix)
  std::optional<std::string> account;    // from a full or partial ARN
};

// Parses an already URL-decoded FunctionName that matches
// kFunctionNamePattern; nullopt when it does not. Length is not checked.
std::optional<FunctionRef> ParseFunctionRef(std::string_view raw);

// ParseFunctionRef, adding FunctionName's violations to `errors` (length,
// then pattern); nullopt when there are any.
std::optional<FunctionRef> ValidateFunctionName(std::string_view raw, ValidationErrors& errors);

// ValidateFunctionName for a name the registry may know: a nested stack's
// function also answers to "Child/Function", SAM's name for it, which is
// not a Lambda name. (In function_ref_registry.cc, so that the parsing above
// links without the registry: the fuzz targets use it alone.)
std::optional<FunctionRef> ValidateFunctionName(const std::string& raw,
                                                registry::FunctionRegistry& registry,
                                                ValidationErrors& errors);

// Adds a Qualifier's violations to `errors` (length, then pattern).
void ValidateQualifier(std::string_view qualifier, ValidationErrors& errors);

// Percent-decodes a path segment or query value ('+' is left alone).
std::string UrlDecode(std::string_view in);

// The value of `key` in a query string ("a=1&Qualifier=x"), URL-decoded.
std::optional<std::string> QueryParam(std::string_view query, std::string_view key);

std::string FunctionArn(const std::string& region, const std::string& account,
                        const std::string& name);

}  // namespace lambda_emu::api
