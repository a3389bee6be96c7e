#include "state/event_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>

namespace lambda_emu::state {

namespace fs = std::filesystem;

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("event-store-test-" + std::to_string(::getpid()) + "-" + test->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<EventStore> OpenOrDie() {
    auto store = EventStore::Open(io_, dir_);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Writes `batch` and runs the io_context until its `done` has run.
  Status WriteAndWait(EventStore& store, EventBatch batch) {
    std::optional<Status> result;
    store.Write(std::move(batch), [&](Status s) { result = std::move(s); });
    RunUntil([&] { return result.has_value(); });
    return *result;
  }

  // The writer posts `done` from its own thread: keep the io_context from
  // running out of work (and stopping) while it waits.
  template <typename Predicate>
  void RunUntil(Predicate done) {
    auto guard = boost::asio::make_work_guard(io_);
    io_.restart();
    while (!done()) io_.run_one_for(std::chrono::milliseconds(100));
  }

  static StoredEvent Event(std::string id, std::string payload) {
    StoredEvent e;
    e.id = std::move(id);
    e.function = "fn";
    e.payload = std::move(payload);
    e.trace_id = "Root=1-x";
    e.accepted_ms = 1700000000000;
    return e;
  }

  boost::asio::io_context io_;
  fs::path dir_;
};

TEST_F(EventStoreTest, AcceptedEventsSurviveReopeningInOrderOfAcceptance) {
  {
    auto store = OpenOrDie();
    EventBatch batch;
    batch.inserts = {Event("b", R"({"n":1})"), Event("a", R"({"n":2})")};
    ASSERT_TRUE(WriteAndWait(*store, std::move(batch)).ok());
    EventBatch more;
    more.inserts = {Event("c", std::string("{\"bin\":\"\xff\"}"))};
    ASSERT_TRUE(WriteAndWait(*store, std::move(more)).ok());
  }
  auto store = OpenOrDie();
  auto contents = store->Load();
  ASSERT_TRUE(contents.ok()) << contents.status().message();
  ASSERT_EQ(contents->events.size(), 3u);
  EXPECT_EQ(contents->events[0].id, "b");
  EXPECT_EQ(contents->events[1].id, "a");
  EXPECT_EQ(contents->events[2].id, "c");
  EXPECT_EQ(contents->events[1].payload, R"({"n":2})");
  EXPECT_EQ(contents->events[2].payload, std::string("{\"bin\":\"\xff\"}"));  // bytes as given
  EXPECT_EQ(contents->events[0].trace_id, "Root=1-x");
  EXPECT_EQ(contents->events[0].accepted_ms, 1700000000000);
}

TEST_F(EventStoreTest, ProgressAndDeletesApplyAndRecordsAreKept) {
  {
    auto store = OpenOrDie();
    EventBatch batch;
    batch.inserts = {Event("a", "{}"), Event("b", "{}")};
    ASSERT_TRUE(WriteAndWait(*store, std::move(batch)).ok());
    EventBatch progress;
    progress.updates = {{"a", 2, 1700000060000, R"({"responseContext":{}})"}};
    progress.deletes = {"b"};
    StoredRecord record;
    record.seq = 7;
    record.created_ms = 5;
    record.kind = "dead-letter";
    record.destination = "arn:aws:sqs:us-east-1:000000000000:dlq";
    record.function = "fn";
    record.request_id = "b";
    record.condition = "RetriesExhausted";
    record.body = "{}";
    record.reason = "kept";
    progress.records = {record};
    ASSERT_TRUE(WriteAndWait(*store, std::move(progress)).ok());
  }
  auto store = OpenOrDie();
  auto contents = store->Load();
  ASSERT_TRUE(contents.ok());
  ASSERT_EQ(contents->events.size(), 1u);
  EXPECT_EQ(contents->events[0].attempts, 2);
  EXPECT_EQ(contents->events[0].next_attempt_ms, 1700000060000);
  EXPECT_EQ(contents->events[0].last_outcome, R"({"responseContext":{}})");
  ASSERT_EQ(contents->records.size(), 1u);
  EXPECT_EQ(contents->records[0].seq, 7);
  EXPECT_EQ(contents->records[0].kind, "dead-letter");
  EXPECT_EQ(contents->records[0].destination, "arn:aws:sqs:us-east-1:000000000000:dlq");
  EXPECT_EQ(contents->records[0].reason, "kept");
}

TEST_F(EventStoreTest, ManyWritesQueuedTogetherShareCommits) {
  auto store = OpenOrDie();
  int done = 0;
  for (int i = 0; i < 200; ++i) {
    EventBatch batch;
    batch.inserts = {Event("e" + std::to_string(i), "{}")};
    store->Write(std::move(batch), [&](Status s) {
      EXPECT_TRUE(s.ok());
      ++done;
    });
  }
  RunUntil([&] { return done == 200; });
  // Group commit: far fewer transactions (each one fsync) than writes.
  EXPECT_LT(store->commits(), 200u);
  auto contents = store->Load();
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->events.size(), 200u);
}

TEST_F(EventStoreTest, AnotherProgramsFileIsRefusedNotOverwritten) {
  std::ofstream(dir_ / "async.db") << "not a database, just text that is long enough to be read";
  auto store = EventStore::Open(io_, dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("async.db"), std::string::npos)
      << store.status().message();
}

TEST_F(EventStoreTest, EphemeralStoreWritesNothingAndAnswersAtOnce) {
  auto store = EventStore::OpenEphemeral(io_);
  EventBatch batch;
  batch.inserts = {Event("a", "{}")};
  EXPECT_TRUE(WriteAndWait(*store, std::move(batch)).ok());
  EXPECT_FALSE(fs::exists(dir_ / "async.db"));
  auto contents = store->Load();
  ASSERT_TRUE(contents.ok());
  EXPECT_TRUE(contents->events.empty());
}

}  // namespace lambda_emu::state
