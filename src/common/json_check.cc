#include "common/json_check.h"

#include <simdjson.h>

namespace lambda_emu {

std::optional<std::string> JsonError(std::string_view text) {
  static simdjson::dom::parser parser;
  // parse() copies into a padded buffer when the input has no spare capacity.
  auto error = parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).error();
  if (!error) return std::nullopt;
  return std::string(simdjson::error_message(error));
}

}  // namespace lambda_emu
