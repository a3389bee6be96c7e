#include "api/function_ref.h"
#include "registry/function_registry.h"

namespace lambda_emu::api {

std::optional<FunctionRef> ValidateFunctionName(const std::string& raw,
                                                registry::FunctionRegistry& registry,
                                                ValidationErrors& errors) {
  if (raw.find('/') != std::string::npos && registry.Find(raw)) {
    return FunctionRef{raw, std::nullopt, std::nullopt, std::nullopt};
  }
  return ValidateFunctionName(std::string_view(raw), errors);
}

}  // namespace lambda_emu::api
