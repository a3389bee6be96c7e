#pragma once
// StateStore: the state directory, the only place lambda-emu keeps anything
// across restarts. It holds JSON documents by (kind, key) in dir/state.db
// (SQLite, WAL, synchronous=FULL: a Commit is on disk when it returns) and
// blobs (code and layer zips) content-addressed by SHA-256 in dir/blobs/.
// It is generic: it does not know what a function or a layer is; the caller
// owns the meaning of kinds, keys and documents, and checks that the blobs
// its documents name exist (HasBlob).
//
// Open takes an advisory lock on dir/lock for the store's lifetime, so two
// servers never share one directory. Every failure to open is a one-line
// message naming the path and what is wrong; nothing is ever deleted or
// emptied because of an error. OpenEphemeral keeps the documents in memory
// and only the blobs on disk, in a scratch directory the caller owns.
//
// Not thread-safe: a StateStore is used from one thread at a time (the
// StateWorker's), since every call blocks on disk.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lambda_emu/status.h"

struct sqlite3;

namespace lambda_emu::state {

struct Document {
  std::string kind;  // e.g. "function"
  std::string key;   // unique within its kind
  std::string json;  // one JSON value
};

struct DocumentKey {
  std::string kind;
  std::string key;
};

class StateStore {
 public:
  // The schema this build writes, kept in `PRAGMA user_version`.
  static constexpr int kSchemaVersion = 1;

  // Opens or creates `dir` (mkdir -p), dir/state.db and dir/blobs/, and
  // locks dir/lock. Refuses a database written by a newer lambda-emu, a file
  // that is not a lambda-emu state database, and a directory another
  // lambda-emu holds ("... is in use by another lambda-emu (pid N)").
  static Result<std::unique_ptr<StateStore>> Open(const std::filesystem::path& dir);
  // Documents in an in-memory SQLite database, blobs in `blob_dir` (created
  // if needed; the caller removes it). No lock, no state.db.
  static Result<std::unique_ptr<StateStore>> OpenEphemeral(const std::filesystem::path& blob_dir);

  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Every document, ordered by kind then key (byte order). A document whose
  // text is not valid JSON is an error naming it, not skipped.
  Result<std::vector<Document>> LoadAll();

  // One transaction: every put (insert or replace) and delete, or none.
  // Puts are applied first, then deletes, so a key in both ends up deleted.
  // A put whose json is not valid JSON fails the whole commit.
  Status Commit(const std::vector<Document>& puts, const std::vector<DocumentKey>& deletes);

  // Writes `bytes` as blobs/<sha256-hex>.zip (temp file, fsync, rename, fsync
  // of the directory) unless that blob is already there; returns the
  // lowercase hex SHA-256. Idempotent.
  Result<std::string> PutBlob(std::string_view bytes);
  std::filesystem::path BlobPath(std::string_view sha256_hex) const;
  bool HasBlob(std::string_view sha256_hex) const;

  // Deletes the blobs whose hex is not in `keep`, and temp files left by an
  // interrupted PutBlob; other files are left alone. Call at start-up, after
  // LoadAll. Returns how many files were deleted.
  size_t CollectGarbage(const std::set<std::string>& keep);

  // The state directory (the blob directory when ephemeral).
  const std::filesystem::path& dir() const { return dir_; }
  bool ephemeral() const { return ephemeral_; }

 private:
  StateStore(std::filesystem::path dir, std::filesystem::path blob_dir, bool ephemeral);
  static Result<std::unique_ptr<StateStore>> Init(std::unique_ptr<StateStore> store,
                                                  const std::string& db_path);

  std::filesystem::path dir_;
  std::filesystem::path blob_dir_;
  bool ephemeral_;
  std::string db_name_;  // how messages name the database
  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
};

}  // namespace lambda_emu::state
