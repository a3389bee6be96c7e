#pragma once
// Unpacks a function's .zip deployment package into a directory, as Lambda
// does into /var/task. Stateless; safe to call from any thread.

#include <filesystem>

#include "lambda_emu/status.h"

namespace lambda_emu::config {

// Extracts `zip` into `destination` (created if needed). Entries that would
// land outside `destination` ("../x", absolute paths) are refused. Unix
// permission bits stored in the archive are kept, so a zipped `bootstrap`
// stays executable.
Status ExtractZip(const std::filesystem::path& zip, const std::filesystem::path& destination);

}  // namespace lambda_emu::config
