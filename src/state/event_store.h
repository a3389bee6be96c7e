#pragma once
// EventStore: asynchronous invocation's durable queue, dir/async.db in the
// state directory (SQLite, WAL, synchronous=FULL). It keeps every accepted
// event until its outcome is recorded, and the records of destinations and
// dead-letter queues that were not delivered to an AWS endpoint (none was
// configured, or delivery failed).
//
// Writes are group-committed: Write() queues a batch and returns; a writer
// thread of the store's own takes every batch queued so far, applies them in
// one transaction (one fsync of the WAL) and posts each batch's `done` to the
// io_context with the outcome. Batches are applied in the order they were
// written, so a later delete of an event never overtakes its insert. An
// ephemeral store writes nothing and calls `done` (posted) at once.
//
// Load() is for start-up, before the first Write. The store itself does not
// lock the directory: the StateStore that owns the directory does. Write()
// is for the io thread; `done` runs there.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lambda_emu/status.h"

struct sqlite3;

namespace lambda_emu::state {

// One accepted event and how far it got.
struct StoredEvent {
  std::string id;         // the request id (kept across retries)
  std::string function;   // the function's name
  std::string qualifier;  // as invoked; "" for unqualified
  std::string payload;    // the event (JSON text)
  std::string trace_id;
  std::int64_t accepted_ms = 0;      // wall clock, ms since the epoch
  int attempts = 0;                  // times the function ran it
  std::int64_t next_attempt_ms = 0;  // not before this (0: now)
  // The last attempt's outcome as the invocation record reports it
  // ({"responseContext": ..., "responsePayload": ...}); "" before one.
  std::string last_outcome;
};

// What a retry changes.
struct EventProgress {
  std::string id;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string last_outcome;
};

// A destination or dead-letter message kept in the state directory.
struct StoredRecord {
  std::int64_t seq = 0;  // unique and increasing; the caller numbers them
  std::int64_t created_ms = 0;
  std::string kind;         // "destination" or "dead-letter"
  std::string destination;  // the ARN it was for
  std::string function;     // whose event it is
  std::string request_id;
  std::string condition;  // Success | RetriesExhausted | EventAgeExceeded
  std::string body;       // what would have been sent (JSON text)
  std::string reason;     // why it is kept here
};

struct EventBatch {
  std::vector<StoredEvent> inserts;
  std::vector<EventProgress> updates;
  std::vector<std::string> deletes;  // event ids
  std::vector<StoredRecord> records;

  bool empty() const {
    return inserts.empty() && updates.empty() && deletes.empty() && records.empty();
  }
};

class EventStore {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens or creates dir/async.db (dir must exist) and starts the writer.
  static Result<std::unique_ptr<EventStore>> Open(boost::asio::io_context& io,
                                                  const std::filesystem::path& dir);
  // Writes nothing; Load() returns nothing.
  static std::unique_ptr<EventStore> OpenEphemeral(boost::asio::io_context& io);
  ~EventStore();  // finishes queued batches, then stops the writer
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  struct Contents {
    std::vector<StoredEvent> events;  // in order of acceptance
    std::vector<StoredRecord> records;
  };
  Result<Contents> Load();

  using Done = std::function<void(Status)>;
  void Write(EventBatch batch, Done done);

  bool ephemeral() const { return db_ == nullptr; }
  // Transactions committed so far (for the benchmark's group-commit figure).
  std::uint64_t commits() const { return commits_.load(); }

 private:
  explicit EventStore(boost::asio::io_context& io) : io_(io) {}
  void WriterLoop();
  Status Apply(std::vector<EventBatch*>& batches);

  boost::asio::io_context& io_;
  sqlite3* db_ = nullptr;
  std::string db_name_;
  std::mutex mutex_;
  std::condition_variable wake_;
  struct Pending {
    EventBatch batch;
    Done done;
  };
  std::deque<Pending> pending_;      // GUARDED_BY(mutex_)
  bool stopping_ = false;            // GUARDED_BY(mutex_)
  std::int64_t next_event_seq_ = 1;  // writer thread only (after Open)
  std::atomic<std::uint64_t> commits_{0};
  std::thread writer_;
};

}  // namespace lambda_emu::state
