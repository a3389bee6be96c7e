#include "state/state_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "api/code_package.h"
#include "state/sqlite.h"

namespace lambda_emu::state {

namespace fs = std::filesystem;

namespace {

// `PRAGMA application_id` of every state.db ("LEMU"), which tells our
// database from another program's SQLite file.
constexpr std::int32_t kApplicationId = 0x4C454D55;

constexpr std::string_view kBlobSuffix = ".zip";
constexpr std::string_view kTempPrefix = ".tmp-";

constexpr const char* kCreateSchema =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE documents ("
    "  kind TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  PRIMARY KEY (kind, key)"
    ") WITHOUT ROWID;"
    "PRAGMA application_id = 1279610197;"  // kApplicationId
    "PRAGMA user_version = 1;"             // StateStore::kSchemaVersion
    "COMMIT;";
static_assert(kApplicationId == 1279610197);
static_assert(StateStore::kSchemaVersion == 1);

std::string ErrnoMessage(int err) {
  return std::error_code(err, std::generic_category()).message();
}

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close() may carry (a delayed write error).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// The single integer a pragma such as `PRAGMA user_version` returns.
int QueryInt(sqlite3* db, std::string_view sql, std::int64_t& value) {
  Statement statement(db, sql);
  if (!statement.ok()) return sqlite3_errcode(db);
  int rc = statement.Step();
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
  value = statement.Int(0);
  return SQLITE_OK;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0xF];
  }
  return hex;
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// fsync of a directory, so that the entries just created or renamed in it
// survive a crash (rename alone is atomic but not durable).
Status SyncDirectory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return Status::Error("cannot sync " + dir.string() + ": " + ErrnoMessage(errno));
  }
  return Status::Ok();
}

// Takes dir/lock for the store's lifetime and writes our pid into it. The
// descriptor is O_CLOEXEC: a runtime process inheriting it would keep the
// directory locked after the server died.
Result<int> LockDirectory(const fs::path& dir) {
  const fs::path lock_path = dir / "lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::Error("cannot open " + lock_path.string() + ": " + ErrnoMessage(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      return Status::Error("cannot lock " + lock_path.string() + ": " + ErrnoMessage(err));
    }
    char buffer[32] = {};
    ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    ::close(fd);
    std::string pid(buffer, n > 0 ? static_cast<size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    // The holder writes its pid just after locking: it may not be there yet.
    if (pid.empty()) pid = "unknown";
    return Status::Error("state directory " + dir.string() +
                         " is in use by another lambda-emu (pid " + pid + ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int err = errno;
    ::close(fd);
    return Status::Error("cannot write " + lock_path.string() + ": " + ErrnoMessage(err));
  }
  return fd;
}

// Creates `dir` if missing (syncing its parent, so that what is later
// written in it survives a crash); refuses anything that is not a directory.
Status MakeDirectory(const fs::path& dir) {
  std::error_code ec;
  auto status = fs::status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) return Status::Error(dir.string() + " is not a directory");
    return Status::Ok();
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("cannot create " + dir.string() + ": " + ec.message());
  fs::path parent = dir.parent_path();
  if (parent.empty()) parent = ".";
  return SyncDirectory(parent);
}

}  // namespace

StateStore::StateStore(fs::path dir, fs::path blob_dir, bool ephemeral)
    : dir_(std::move(dir)), blob_dir_(std::move(blob_dir)), ephemeral_(ephemeral) {}

StateStore::~StateStore() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) {
    // The lock goes with the descriptor; the pid goes too, not to mislead
    // (best effort: the lock, not the pid, is what counts).
    [[maybe_unused]] int truncated = ::ftruncate(lock_fd_, 0);
    ::close(lock_fd_);
  }
}

Result<std::unique_ptr<StateStore>> StateStore::Open(const fs::path& dir) {
  if (Status made = MakeDirectory(dir); !made.ok()) return made;
  auto lock = LockDirectory(dir);
  if (!lock.ok()) return lock.status();
  std::unique_ptr<StateStore> store(new StateStore(dir, dir / "blobs", false));
  store->lock_fd_ = *lock;
  if (Status made = MakeDirectory(store->blob_dir_); !made.ok()) return made;

  const fs::path db_path = dir / "state.db";
  std::error_code ec;
  auto db_status = fs::status(db_path, ec);
  if (fs::is_directory(db_status)) {
    return Status::Error(db_path.string() +
                         " is not a lambda-emu state database (it is a directory)");
  }
  if (fs::exists(db_status) && !fs::is_regular_file(db_status)) {
    return Status::Error(db_path.string() +
                         " is not a lambda-emu state database (not a regular file)");
  }
  store->db_name_ = db_path.string();
  return Init(std::move(store), db_path.string());
}

Result<std::unique_ptr<StateStore>> StateStore::OpenEphemeral(const fs::path& blob_dir) {
  if (Status made = MakeDirectory(blob_dir); !made.ok()) return made;
  std::unique_ptr<StateStore> store(new StateStore(blob_dir, blob_dir, true));
  store->db_name_ = "the in-memory state database";
  return Init(std::move(store), ":memory:");
}

Result<std::unique_ptr<StateStore>> StateStore::Init(std::unique_ptr<StateStore> store,
                                                     const std::string& db_path) {
  const std::string& name = store->db_name_;
  // NOMUTEX: the store is used from one thread at a time (see the header).
  int rc =
      sqlite3_open_v2(db_path.c_str(), &store->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite3* db = store->db_;
  if (rc != SQLITE_OK) {
    return Status::Error("cannot open " + name + ": " +
                         (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  // SQLite silently opens a write-protected file read-only; every Commit
  // would then fail, so say so now.
  if (sqlite3_db_readonly(db, "main") == 1) {
    return Status::Error("cannot open " + name + " for writing: it is read-only");
  }

  // The header is read before anything is written: a file that is not ours
  // is refused untouched. SQLite reads nothing until the first statement.
  std::int64_t version = 0, application_id = 0, objects = 0;
  rc = QueryInt(db, "PRAGMA user_version", version);
  if (rc == SQLITE_OK) rc = QueryInt(db, "PRAGMA application_id", application_id);
  if (rc == SQLITE_OK) rc = QueryInt(db, "SELECT count(*) FROM sqlite_schema", objects);
  if ((rc & 0xFF) == SQLITE_NOTADB) {
    return Status::Error(name + " is not a lambda-emu state database (" + sqlite3_errmsg(db) + ")");
  }
  if (rc != SQLITE_OK) return Status::Error("cannot read " + name + ": " + sqlite3_errmsg(db));
  const bool fresh = version == 0 && application_id == 0 && objects == 0;
  if (!fresh && application_id != kApplicationId) {
    return Status::Error(name +
                         " is not a lambda-emu state database (another program's SQLite file)");
  }
  if (!fresh && version > kSchemaVersion) {
    return Status::Error(name + " was written by a newer lambda-emu (schema version " +
                         std::to_string(version) + "; this one reads up to " +
                         std::to_string(kSchemaVersion) + ")");
  }
  if (!fresh && version < 1) {
    return Status::Error(name + " has an unknown schema version " + std::to_string(version));
  }

  // WAL: a commit appends to state.db-wal and fsyncs it once; FULL makes
  // that fsync happen on every commit, so a Commit that returned survives a
  // power cut. An in-memory database answers "memory" and stays so.
  {
    Statement journal(db, "PRAGMA journal_mode=WAL");
    rc = journal.ok() ? journal.Step() : sqlite3_errcode(db);
    if (rc != SQLITE_ROW) {
      return Status::Error("cannot set WAL mode on " + name + ": " + sqlite3_errmsg(db));
    }
    std::string mode = journal.Text(0);
    if (!store->ephemeral_ && mode != "wal") {
      return Status::Error("cannot set WAL mode on " + name + " (journal mode stays " + mode + ")");
    }
  }
  if (sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status::Error("cannot configure " + name + ": " + sqlite3_errmsg(db));
  }
  if (fresh) {
    if (sqlite3_exec(db, kCreateSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(db);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return Status::Error("cannot create the schema in " + name + ": " + message);
    }
    if (!store->ephemeral_) {
      if (Status synced = SyncDirectory(store->dir_); !synced.ok()) return synced;
    }
  }
  return store;
}

Result<std::vector<Document>> StateStore::LoadAll() {
  Statement select(db_, "SELECT kind, key, json FROM documents ORDER BY kind, key");
  if (!select.ok()) return Status::Error("cannot read " + db_name_ + ": " + sqlite3_errmsg(db_));
  std::vector<Document> documents;
  int rc;
  while ((rc = select.Step()) == SQLITE_ROW) {
    Document document{select.Text(0), select.Text(1), select.Text(2)};
    if (!nlohmann::json::accept(document.json)) {
      return Status::Error(db_name_ + ": document " + document.kind + "/" + document.key +
                           " is not valid JSON");
    }
    documents.push_back(std::move(document));
  }
  if (rc != SQLITE_DONE)
    return Status::Error("cannot read " + db_name_ + ": " + sqlite3_errmsg(db_));
  return documents;
}

Status StateStore::Commit(const std::vector<Document>& puts,
                          const std::vector<DocumentKey>& deletes) {
  for (const auto& document : puts) {
    if (!nlohmann::json::accept(document.json)) {
      return Status::Error("cannot store document " + document.kind + "/" + document.key +
                           ": not valid JSON");
    }
  }
  auto fail = [this] {
    return Status::Error("cannot write " + db_name_ + ": " + sqlite3_errmsg(db_));
  };
  Transaction transaction(db_);
  if (!transaction.ok()) return fail();
  if (!puts.empty()) {
    Statement put(db_, "INSERT OR REPLACE INTO documents (kind, key, json) VALUES (?1, ?2, ?3)");
    if (!put.ok()) return fail();
    for (const auto& document : puts) {
      put.Reset();
      if (put.Bind(1, document.kind) != SQLITE_OK || put.Bind(2, document.key) != SQLITE_OK ||
          put.Bind(3, document.json) != SQLITE_OK || put.Step() != SQLITE_DONE) {
        return fail();
      }
    }
  }
  if (!deletes.empty()) {
    Statement erase(db_, "DELETE FROM documents WHERE kind = ?1 AND key = ?2");
    if (!erase.ok()) return fail();
    for (const auto& key : deletes) {
      erase.Reset();
      if (erase.Bind(1, key.kind) != SQLITE_OK || erase.Bind(2, key.key) != SQLITE_OK ||
          erase.Step() != SQLITE_DONE) {
        return fail();
      }
    }
  }
  if (transaction.Commit() != SQLITE_OK) return fail();
  return Status::Ok();
}

fs::path StateStore::BlobPath(std::string_view sha256_hex) const {
  return blob_dir_ / (std::string(sha256_hex) + std::string(kBlobSuffix));
}

bool StateStore::HasBlob(std::string_view sha256_hex) const {
  std::error_code ec;
  return IsSha256Hex(sha256_hex) && fs::is_regular_file(BlobPath(sha256_hex), ec);
}

Result<std::string> StateStore::PutBlob(std::string_view bytes) {
  std::string hex = Hex(api::Sha256(bytes));
  if (!IsSha256Hex(hex)) return Status::Error("cannot compute a SHA-256");
  const fs::path path = BlobPath(hex);
  // Blobs are only ever renamed into place whole, so one of the right size
  // is the right one.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uint64_t>(st.st_size) == bytes.size()) {
    return hex;
  }

  const fs::path temp =
      blob_dir_ / (std::string(kTempPrefix) + hex + "-" + std::to_string(::getpid()));
  auto fail = [&](int err) {
    ::unlink(temp.c_str());
    return Status::Error("cannot write " + path.string() + ": " + ErrnoMessage(err));
  };
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return fail(errno);
  std::string_view rest = bytes;
  while (!rest.empty()) {
    ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno);
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd.get()) != 0) return fail(errno);
  if (fd.Close() != 0) return fail(errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail(errno);
  if (Status synced = SyncDirectory(blob_dir_); !synced.ok()) return synced;
  return hex;
}

size_t StateStore::CollectGarbage(const std::set<std::string>& keep) {
  size_t removed = 0;
  std::error_code ec;
  fs::directory_iterator it(blob_dir_, ec), end;
  if (ec) {
    spdlog::warn("cannot read {}: {}", blob_dir_.string(), ec.message());
    return 0;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      spdlog::warn("cannot read {}: {}", blob_dir_.string(), ec.message());
      break;
    }
    const std::string name = it->path().filename().string();
    bool blob = name.size() == 64 + kBlobSuffix.size() && name.ends_with(kBlobSuffix) &&
                IsSha256Hex(std::string_view(name).substr(0, 64));
    bool temp = name.starts_with(kTempPrefix);
    if (!blob && !temp) continue;  // not ours: left alone
    if (blob && keep.count(name.substr(0, 64)) > 0) continue;
    std::error_code remove_ec;
    if (fs::remove(it->path(), remove_ec)) {
      ++removed;
    } else if (remove_ec) {
      spdlog::warn("cannot delete {}: {}", it->path().string(), remove_ec.message());
    }
  }
  return removed;
}

}  // namespace lambda_emu::state
