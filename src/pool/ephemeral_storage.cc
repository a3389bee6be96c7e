// EphemeralStorage: an environment whose /tmp holds more than the
// function's EphemeralStorage is stopped, as Lambda's /tmp is a volume of
// that size. The pool calls EnforceEphemeralStorage() periodically.

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "pool/execution_environment.h"
#include "pool/outcomes.h"

namespace lambda_emu::pool {

namespace fs = std::filesystem;

namespace {
// Disk space the files under `dir` take: their allocated blocks, as du
// counts, but never more than their length rounded up to a page. Some
// filesystems (XFS) preallocate past the end of a file while it grows, so
// blocks alone would stop a function that wrote exactly EphemeralStorage.
std::uint64_t DiskUsage(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it =
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      const auto allocated = static_cast<std::uint64_t>(st.st_blocks) * 512;
      const auto length = (static_cast<std::uint64_t>(st.st_size) + 4095) & ~std::uint64_t{4095};
      total += std::min(allocated, length);
    }
  }
  return total;
}
}  // namespace

bool ExecutionEnvironment::EnforceEphemeralStorage() {
  if (state_ == State::kDead) return false;
  const std::uint64_t limit = static_cast<std::uint64_t>(function_->config.ephemeral_storage_mb)
                              << 20;
  const std::uint64_t used = DiskUsage(tmp_dir_);
  if (used <= limit) return false;
  std::string line =
      "lambda-emu: /tmp holds " + std::to_string(used >> 20) + " MB, more than EphemeralStorage (" +
      std::to_string(function_->config.ephemeral_storage_mb) + " MB); the environment is stopped";
  function_->log->Line(line);
  auto* invocation = current_ ? current_.get() : pending_.get();
  if (!invocation) {
    Die("ephemeral storage exceeded", std::nullopt);
    return true;
  }
  invocation->AppendLog(line);
  std::string message = outcomes::ExitMessage(invocation->request_id, "signal: killed");
  // Built field by field: from the nested braces GCC 12 at -O3 warns (falsely)
  // that the outcome's log may be used uninitialised.
  Ending ending;
  ending.outcome.kind = InvokeOutcome::Kind::kFunctionError;
  ending.outcome.payload = outcomes::ErrorPayload(outcomes::kExitError, message);
  ending.status = "error";
  ending.error_type = outcomes::kExitError;
  Die("ephemeral storage exceeded", std::move(ending));
  return true;
}

}  // namespace lambda_emu::pool
