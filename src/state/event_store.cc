#include "state/event_store.h"

#include <sqlite3.h>

#include <boost/asio/post.hpp>
#include <utility>

#include "state/sqlite.h"

namespace lambda_emu::state {

namespace fs = std::filesystem;

namespace {

// `PRAGMA application_id` of async.db ("LEMQ").
constexpr std::int32_t kApplicationId = 0x4C454D51;

constexpr const char* kCreateSchema =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS events ("
    "  id TEXT PRIMARY KEY,"
    "  accepted_seq INTEGER NOT NULL,"
    "  function TEXT NOT NULL,"
    "  qualifier TEXT NOT NULL,"
    "  trace_id TEXT NOT NULL,"
    "  accepted_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL,"
    "  next_attempt_ms INTEGER NOT NULL,"
    "  last_outcome TEXT NOT NULL,"
    "  payload BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS records ("
    "  seq INTEGER PRIMARY KEY,"
    "  created_ms INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  destination TEXT NOT NULL,"
    "  function TEXT NOT NULL,"
    "  request_id TEXT NOT NULL,"
    "  condition TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  body BLOB NOT NULL);"
    "PRAGMA application_id = 1279610193;"  // kApplicationId
    "PRAGMA user_version = 1;"             // EventStore::kSchemaVersion
    "COMMIT;";
static_assert(kApplicationId == 1279610193);
static_assert(EventStore::kSchemaVersion == 1);

int QueryInt(sqlite3* db, const char* sql, std::int64_t& value) {
  Statement statement(db, sql);
  if (!statement.ok()) return sqlite3_errcode(db);
  int rc = statement.Step();
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
  value = statement.Int(0);
  return SQLITE_OK;
}

}  // namespace

Result<std::unique_ptr<EventStore>> EventStore::Open(boost::asio::io_context& io,
                                                     const fs::path& dir) {
  std::unique_ptr<EventStore> store(new EventStore(io));
  const fs::path path = dir / "async.db";
  store->db_name_ = path.string();
  const std::string& name = store->db_name_;
  if (sqlite3_open_v2(path.c_str(), &store->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string message = store->db_ ? sqlite3_errmsg(store->db_) : "out of memory";
    return Status::Error("cannot open " + name + ": " + message);
  }
  sqlite3* db = store->db_;
  sqlite3_busy_timeout(db, 5000);
  std::int64_t application_id = 0;
  std::int64_t user_version = 0;
  if (QueryInt(db, "PRAGMA application_id", application_id) != SQLITE_OK ||
      QueryInt(db, "PRAGMA user_version", user_version) != SQLITE_OK) {
    return Status::Error(name + " is not a lambda-emu event queue: " + sqlite3_errmsg(db));
  }
  const bool fresh = application_id == 0 && user_version == 0;
  if (!fresh && application_id != kApplicationId) {
    return Status::Error(name + " is not a lambda-emu event queue");
  }
  if (user_version > kSchemaVersion) {
    return Status::Error(name + " was written by a newer lambda-emu (schema " +
                         std::to_string(user_version) + ")");
  }
  // WAL: readers never block the writer; FULL: a commit is on disk when it
  // returns, so an event is durable before its 202 (one fsync of the WAL
  // per group commit, not per event).
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status::Error("cannot configure " + name + ": " + sqlite3_errmsg(db));
  }
  if (fresh && sqlite3_exec(db, kCreateSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return Status::Error("cannot create the schema in " + name + ": " + message);
  }
  std::int64_t last_event_seq = 0;
  if (QueryInt(db, "SELECT COALESCE(MAX(accepted_seq), 0) FROM events", last_event_seq) !=
      SQLITE_OK) {
    return Status::Error("cannot read " + name + ": " + sqlite3_errmsg(db));
  }
  store->next_event_seq_ = last_event_seq + 1;
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return store;
}

std::unique_ptr<EventStore> EventStore::OpenEphemeral(boost::asio::io_context& io) {
  return std::unique_ptr<EventStore>(new EventStore(io));
}

EventStore::~EventStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Result<EventStore::Contents> EventStore::Load() {
  Contents contents;
  if (db_ == nullptr) return contents;
  auto fail = [this] {
    return Status::Error("cannot read " + db_name_ + ": " + sqlite3_errmsg(db_));
  };
  Statement events(db_,
                   "SELECT id, function, qualifier, trace_id, accepted_ms, attempts, "
                   "next_attempt_ms, last_outcome, payload FROM events ORDER BY accepted_seq");
  if (!events.ok()) return fail();
  int rc;
  while ((rc = events.Step()) == SQLITE_ROW) {
    StoredEvent e;
    e.id = events.Text(0);
    e.function = events.Text(1);
    e.qualifier = events.Text(2);
    e.trace_id = events.Text(3);
    e.accepted_ms = events.Int(4);
    e.attempts = static_cast<int>(events.Int(5));
    e.next_attempt_ms = events.Int(6);
    e.last_outcome = events.Text(7);
    e.payload = events.Text(8);
    contents.events.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return fail();
  Statement records(db_,
                    "SELECT seq, created_ms, kind, destination, function, request_id, condition, "
                    "reason, body FROM records ORDER BY seq");
  if (!records.ok()) return fail();
  while ((rc = records.Step()) == SQLITE_ROW) {
    StoredRecord r;
    r.seq = records.Int(0);
    r.created_ms = records.Int(1);
    r.kind = records.Text(2);
    r.destination = records.Text(3);
    r.function = records.Text(4);
    r.request_id = records.Text(5);
    r.condition = records.Text(6);
    r.reason = records.Text(7);
    r.body = records.Text(8);
    contents.records.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return fail();
  return contents;
}

void EventStore::Write(EventBatch batch, Done done) {
  if (db_ == nullptr) {
    boost::asio::post(io_, [done = std::move(done)] { done(Status::Ok()); });
    return;
  }
  {
    std::lock_guard lock(mutex_);
    pending_.push_back({std::move(batch), std::move(done)});
  }
  wake_.notify_one();
}

void EventStore::WriterLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, nothing left
    // Group commit: everything queued while the last transaction was being
    // synced goes into this one.
    std::deque<Pending> taken;
    taken.swap(pending_);
    lock.unlock();
    std::vector<EventBatch*> batches;
    batches.reserve(taken.size());
    for (auto& p : taken) batches.push_back(&p.batch);
    Status status = Apply(batches);
    for (auto& p : taken) {
      boost::asio::post(io_, [done = std::move(p.done), status] { done(status); });
    }
    lock.lock();
  }
}

Status EventStore::Apply(std::vector<EventBatch*>& batches) {
  auto fail = [this] {
    return Status::Error("cannot write " + db_name_ + ": " + sqlite3_errmsg(db_));
  };
  Transaction transaction(db_);
  if (!transaction.ok()) return fail();
  Statement insert(db_,
                   "INSERT OR REPLACE INTO events (id, accepted_seq, function, qualifier, "
                   "trace_id, accepted_ms, attempts, next_attempt_ms, last_outcome, payload) "
                   "VALUES (?1, ?10, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  Statement update(db_,
                   "UPDATE events SET attempts = ?2, next_attempt_ms = ?3, last_outcome = ?4 "
                   "WHERE id = ?1");
  Statement erase(db_, "DELETE FROM events WHERE id = ?1");
  Statement record(db_,
                   "INSERT INTO records (seq, created_ms, kind, destination, function, "
                   "request_id, condition, reason, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                   "?9)");
  if (!insert.ok() || !update.ok() || !erase.ok() || !record.ok()) return fail();
  const std::int64_t event_seq_before = next_event_seq_;
  for (EventBatch* batch : batches) {
    for (const StoredEvent& e : batch->inserts) {
      insert.Reset();
      if (insert.Bind(1, e.id) || insert.Bind(2, e.function) || insert.Bind(3, e.qualifier) ||
          insert.Bind(4, e.trace_id) || insert.BindInt(5, e.accepted_ms) ||
          insert.BindInt(6, e.attempts) || insert.BindInt(7, e.next_attempt_ms) ||
          insert.Bind(8, e.last_outcome) || insert.BindBlob(9, e.payload) ||
          insert.BindInt(10, next_event_seq_++) || insert.Step() != SQLITE_DONE) {
        next_event_seq_ = event_seq_before;
        return fail();
      }
    }
    for (const EventProgress& p : batch->updates) {
      update.Reset();
      if (update.Bind(1, p.id) || update.BindInt(2, p.attempts) ||
          update.BindInt(3, p.next_attempt_ms) || update.Bind(4, p.last_outcome) ||
          update.Step() != SQLITE_DONE) {
        next_event_seq_ = event_seq_before;
        return fail();
      }
    }
    for (const StoredRecord& r : batch->records) {
      record.Reset();
      if (record.BindInt(1, r.seq) || record.BindInt(2, r.created_ms) || record.Bind(3, r.kind) ||
          record.Bind(4, r.destination) || record.Bind(5, r.function) ||
          record.Bind(6, r.request_id) || record.Bind(7, r.condition) || record.Bind(8, r.reason) ||
          record.BindBlob(9, r.body) || record.Step() != SQLITE_DONE) {
        next_event_seq_ = event_seq_before;
        return fail();
      }
    }
    for (const std::string& id : batch->deletes) {
      erase.Reset();
      if (erase.Bind(1, id) || erase.Step() != SQLITE_DONE) {
        next_event_seq_ = event_seq_before;
        return fail();
      }
    }
  }
  if (transaction.Commit() != SQLITE_OK) {
    next_event_seq_ = event_seq_before;
    return fail();
  }
  ++commits_;
  return Status::Ok();
}

}  // namespace lambda_emu::state
