#pragma once
// CodePackage: a function's deployment package as GetFunction describes it —
// the .zip bytes Code.Location serves, their SHA-256 (CodeSha256), their size
// (CodeSize) and when the code last changed (LastModified).
//
// A .zip named by the config is served as it is. A code directory is zipped
// deterministically: entries sorted by path, one fixed timestamp, only the
// Unix permission bits kept, so the same files always give the same bytes and
// the same CodeSha256, and any edit gives another.
//
// CodePackages caches one package per code source and rebuilds it only when
// a cheap scan of the files (paths, sizes, mtimes) differs from the last one.
// Owned by the management API; io thread only (not thread-safe).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "lambda_emu/status.h"

namespace lambda_emu::api {

struct CodePackage {
  std::string zip;                    // the package's bytes
  std::string sha256_base64;          // CodeSha256
  std::int64_t last_modified_ms = 0;  // newest mtime among the files (Unix ms)
};

// The SHA-256 digest of `data` (32 raw bytes).
std::string Sha256(std::string_view data);

// Zips the regular files under `dir` deterministically (see above).
Result<std::string> ZipDirectory(const std::filesystem::path& dir);

// The package for `source`: a directory (zipped) or a .zip file (read).
Result<CodePackage> MakeCodePackage(const std::filesystem::path& source);

// The deployment packages of file-defined functions and layer folders, built
// on request and cached while their files stay the same. Building one walks,
// zips and hashes a folder, so Get runs on the state worker thread; the io
// thread reads what the last Get built with Cached. Thread-safe.
class CodePackages {
 public:
  // The package for `source`, rebuilt only when its files changed.
  Result<std::shared_ptr<const CodePackage>> Get(const std::filesystem::path& source);
  // The package the last Get built for `source`, without looking at its
  // files; nullptr if there was none.
  std::shared_ptr<const CodePackage> Cached(const std::filesystem::path& source) const;

 private:
  struct Entry {
    std::string fingerprint;
    std::shared_ptr<const CodePackage> package;
  };
  mutable std::mutex mutex_;
  std::map<std::filesystem::path, Entry> cache_;  // guarded by mutex_
};

}  // namespace lambda_emu::api
