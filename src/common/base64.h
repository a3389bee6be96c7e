#pragma once
// Standard base64 (RFC 4648, with padding), as Lambda uses for
// X-Amz-Client-Context and X-Amz-Log-Result. Pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace lambda_emu {

std::string Base64Encode(std::string_view in);
// nullopt when `in` is not valid base64 (whitespace is not accepted).
std::optional<std::string> Base64Decode(std::string_view in);

}  // namespace lambda_emu
