#pragma once
// Unpacks a function's .zip deployment package into a directory, as Lambda
// does into /var/task. Stateless; safe to call from any thread.

#include <filesystem>

#include "config/function_config.h"
#include "lambda_emu/status.h"

namespace lambda_emu::config {

// Extracts `zip` into `destination` (created if needed). Entries that would
// land outside `destination` ("../x", absolute paths) are refused. Unix
// permission bits stored in the archive are kept, so a zipped `bootstrap`
// stays executable.
Status ExtractZip(const std::filesystem::path& zip, const std::filesystem::path& destination);

// Points `function`'s code at `path` (absolute): a directory is used in
// place; a .zip is extracted under `unpack_dir` (one directory per package
// version, so environments still running the previous one keep their files).
// Sets code_dir, code_source and code_version. The message says what is wrong.
Status UseCode(const std::filesystem::path& path, const std::filesystem::path& unpack_dir,
               FunctionConfig& function);

}  // namespace lambda_emu::config
