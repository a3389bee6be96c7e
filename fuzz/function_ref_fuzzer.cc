// ARN / name / qualifier parsing (src/api/function_ref.cc): the input is
// "FUNCTIONNAME\nQUALIFIER" (percent-encoded as it arrives in a path). What a
// name parses into must satisfy the model's pattern, and every message quoting
// it must encode as JSON.

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/aws_error.h"
#include "api/function_ref.h"

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view raw_name = input.substr(0, input.find('\n'));
  std::string_view raw_qualifier =
      raw_name.size() < input.size() ? input.substr(raw_name.size() + 1) : std::string_view();

  const std::string name = lambda_emu::api::UrlDecode(raw_name);
  const std::string qualifier = lambda_emu::api::UrlDecode(raw_qualifier);

  if (auto ref = lambda_emu::api::ParseFunctionRef(name)) {
    if (ref->name.empty()) std::abort();
    for (char c : ref->name) {
      if (!IsNameChar(c)) std::abort();
    }
    if (ref->account && ref->account->size() != 12) std::abort();
    if (ref->qualifier && ref->qualifier->empty()) std::abort();
  }

  lambda_emu::api::ValidationErrors errors;
  auto validated = lambda_emu::api::ValidateFunctionName(std::string_view(name), errors);
  if (validated.has_value() == !errors.empty()) std::abort();  // exactly one of the two
  lambda_emu::api::ValidateQualifier(qualifier, errors);
  (void)lambda_emu::api::QueryParam(raw_qualifier, "Qualifier");

  lambda_emu::http::Request req;
  if (!errors.empty()) {
    auto res = ToResponse(lambda_emu::api::AwsError::Validation(errors), req, "id");
    if (!nlohmann::json::accept(res.body())) std::abort();
  }
  return 0;
}
