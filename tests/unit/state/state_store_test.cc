#include "state/state_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

namespace lambda_emu::state {

namespace fs = std::filesystem;

namespace {

// FIPS 180-2's "abc" example.
constexpr const char* kAbcSha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

}  // namespace

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("state-store-test-" + std::to_string(::getpid()) + "-" + test->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    dir_ = root_ / "state";
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(root_);
  }

  std::unique_ptr<StateStore> OpenOrDie() {
    auto store = StateStore::Open(dir_);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Runs `sql` on dir_/state.db behind the store's back.
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "state.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

  static void Write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(StateStoreTest, DocumentsSurviveCloseAndReopen) {
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store);
    EXPECT_FALSE(store->ephemeral());
    EXPECT_EQ(store->dir(), dir_);
    auto empty = store->LoadAll();
    ASSERT_TRUE(empty.ok()) << empty.status().message();
    EXPECT_TRUE(empty->empty());
    Status committed = store->Commit(
        {{"function", "b", R"({"n":2})"}, {"function", "a", R"({"n":1})"}, {"layer", "a", "[1,2]"}},
        {});
    ASSERT_TRUE(committed.ok()) << committed.message();
  }
  EXPECT_TRUE(fs::is_regular_file(dir_ / "state.db"));
  EXPECT_TRUE(fs::is_directory(dir_ / "blobs"));
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  auto documents = store->LoadAll();
  ASSERT_TRUE(documents.ok()) << documents.status().message();
  ASSERT_EQ(documents->size(), 3u);
  // Ordered by kind, then key.
  EXPECT_EQ((*documents)[0].kind, "function");
  EXPECT_EQ((*documents)[0].key, "a");
  EXPECT_EQ((*documents)[0].json, R"({"n":1})");
  EXPECT_EQ((*documents)[1].key, "b");
  EXPECT_EQ((*documents)[2].kind, "layer");
  EXPECT_EQ((*documents)[2].json, "[1,2]");
}

TEST_F(StateStoreTest, DatabaseIsInWalModeWithOurSchemaVersion) {
  { ASSERT_TRUE(OpenOrDie()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "state.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), StateStore::kSchemaVersion);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(StateStoreTest, CommitAppliesAPutAndADeleteTogether) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Commit({{"function", "old", "{}"}}, {}).ok());
  Status renamed = store->Commit({{"function", "new", "{}"}}, {{"function", "old"}});
  ASSERT_TRUE(renamed.ok()) << renamed.message();
  auto documents = store->LoadAll();
  ASSERT_TRUE(documents.ok());
  ASSERT_EQ(documents->size(), 1u);
  EXPECT_EQ((*documents)[0].key, "new");
}

TEST_F(StateStoreTest, FailedCommitLeavesNothingBehind) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Commit({{"function", "keep", "1"}, {"function", "boom", "2"}}, {}).ok());
  // Deleting "boom" fails inside the transaction, after the put ran.
  Sql("CREATE TRIGGER refuse BEFORE DELETE ON documents WHEN old.key = 'boom' "
      "BEGIN SELECT RAISE(ABORT, 'refused'); END");
  Status failed = store->Commit({{"function", "added", "3"}, {"function", "keep", "4"}},
                                {{"function", "boom"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("refused"), std::string::npos) << failed.message();
  auto documents = store->LoadAll();
  ASSERT_TRUE(documents.ok());
  ASSERT_EQ(documents->size(), 2u);
  EXPECT_EQ((*documents)[0].key, "boom");
  EXPECT_EQ((*documents)[1].key, "keep");
  EXPECT_EQ((*documents)[1].json, "1");
}

TEST_F(StateStoreTest, CommitRefusesInvalidJsonAndWritesNothing) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  Status failed = store->Commit({{"function", "ok", "{}"}, {"function", "bad", "{nope"}}, {});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.message(), "cannot store document function/bad: not valid JSON");
  auto documents = store->LoadAll();
  ASSERT_TRUE(documents.ok());
  EXPECT_TRUE(documents->empty());
}

TEST_F(StateStoreTest, PutReplacesTheDocument) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Commit({{"function", "f", R"({"v":1})"}}, {}).ok());
  ASSERT_TRUE(store->Commit({{"function", "f", R"({"v":2})"}}, {}).ok());
  auto documents = store->LoadAll();
  ASSERT_TRUE(documents.ok());
  ASSERT_EQ(documents->size(), 1u);
  EXPECT_EQ((*documents)[0].json, R"({"v":2})");
}

TEST_F(StateStoreTest, DeletingAMissingDocumentIsNotAnError) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->Commit({}, {{"function", "never"}}).ok());
}

TEST_F(StateStoreTest, PutBlobIsContentAddressedAndIdempotent) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  auto hex = store->PutBlob("abc");
  ASSERT_TRUE(hex.ok()) << hex.status().message();
  EXPECT_EQ(*hex, kAbcSha256);
  EXPECT_EQ(store->BlobPath(*hex), dir_ / "blobs" / (std::string(kAbcSha256) + ".zip"));
  EXPECT_EQ(Read(store->BlobPath(*hex)), "abc");
  EXPECT_TRUE(store->HasBlob(*hex));
  auto again = store->PutBlob("abc");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *hex);
  // One file, no temp files left over.
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "blobs")) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(StateStoreTest, PutBlobRewritesATruncatedBlob) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  Write(store->BlobPath(kAbcSha256), "ab");
  auto hex = store->PutBlob("abc");
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(Read(store->BlobPath(kAbcSha256)), "abc");
}

TEST_F(StateStoreTest, HasBlobIsFalseForMissingOrMalformedNames) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->HasBlob(kAbcSha256));
  EXPECT_FALSE(store->HasBlob("../state"));
  EXPECT_FALSE(store->HasBlob(""));
}

TEST_F(StateStoreTest, CollectGarbageKeepsReferencedBlobs) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  auto kept = store->PutBlob("abc");
  auto dropped = store->PutBlob("def");
  ASSERT_TRUE(kept.ok() && dropped.ok());
  Write(dir_ / "blobs" / (".tmp-" + std::string(kAbcSha256) + "-1"), "partial");
  Write(dir_ / "blobs" / "README", "not ours");
  EXPECT_EQ(store->CollectGarbage({*kept}), 2u);
  EXPECT_TRUE(store->HasBlob(*kept));
  EXPECT_FALSE(store->HasBlob(*dropped));
  EXPECT_FALSE(fs::exists(dir_ / "blobs" / (".tmp-" + std::string(kAbcSha256) + "-1")));
  EXPECT_TRUE(fs::exists(dir_ / "blobs" / "README"));
  EXPECT_EQ(store->CollectGarbage({*kept}), 0u);
}

TEST_F(StateStoreTest, GarbageStateDbIsAClearErrorAndLeftUnchanged) {
  fs::create_directories(dir_);
  std::string garbage;
  for (int i = 0; i < 200; ++i) garbage += "this is not an SQLite database " + std::to_string(i);
  Write(dir_ / "state.db", garbage);
  auto store = StateStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message(),
            (dir_ / "state.db").string() +
                " is not a lambda-emu state database (file is not a database)");
  EXPECT_EQ(Read(dir_ / "state.db"), garbage);
  EXPECT_FALSE(fs::exists(dir_ / "state.db-wal"));
  EXPECT_FALSE(fs::exists(dir_ / "state.db-journal"));
}

TEST_F(StateStoreTest, ShortGarbageStateDbIsAClearError) {
  fs::create_directories(dir_);
  Write(dir_ / "state.db", "hello");
  auto store = StateStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("is not a lambda-emu state database"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(Read(dir_ / "state.db"), "hello");
}

TEST_F(StateStoreTest, StateDbThatIsADirectoryIsAnError) {
  fs::create_directories(dir_ / "state.db");
  auto store = StateStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(
      store.status().message(),
      (dir_ / "state.db").string() + " is not a lambda-emu state database (it is a directory)");
  EXPECT_TRUE(fs::is_directory(dir_ / "state.db"));
}

TEST_F(StateStoreTest, AnotherProgramsDatabaseIsRefused) {
  fs::create_directories(dir_);
  Sql("CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('ada');");
  auto store = StateStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("is not a lambda-emu state database"), std::string::npos)
      << store.status().message();
}

TEST_F(StateStoreTest, StateDirThatIsAFileIsAnError) {
  Write(dir_, "a file");
  auto store = StateStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message(), dir_.string() + " is not a directory");
}

TEST_F(StateStoreTest, OpenCreatesMissingParents) {
  dir_ = root_ / "a" / "b" / "state";
  EXPECT_TRUE(OpenOrDie());
}

TEST_F(StateStoreTest, UnreadableStateDirIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any directory";
  { ASSERT_TRUE(OpenOrDie()); }
  fs::permissions(dir_, fs::perms::none);
  auto store = StateStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("Permission denied"), std::string::npos)
      << store.status().message();
}

TEST_F(StateStoreTest, SecondOpenIsRefusedWhileTheFirstHoldsTheLock) {
  auto first = OpenOrDie();
  ASSERT_TRUE(first);
  auto second = StateStore::Open(dir_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(), "state directory " + dir_.string() +
                                           " is in use by another lambda-emu (pid " +
                                           std::to_string(::getpid()) + ")");
  first.reset();
  EXPECT_TRUE(OpenOrDie());
}

TEST_F(StateStoreTest, NewerSchemaIsRefused) {
  { ASSERT_TRUE(OpenOrDie()); }
  Sql("PRAGMA user_version = " + std::to_string(StateStore::kSchemaVersion + 1));
  auto store = StateStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message(),
            (dir_ / "state.db").string() +
                " was written by a newer lambda-emu (schema version 2; this one reads up to 1)");
}

TEST_F(StateStoreTest, InvalidJsonDocumentIsALoadAllError) {
  { ASSERT_TRUE(OpenOrDie()); }
  Sql("INSERT INTO documents (kind, key, json) VALUES ('function', 'foo', '{\"a\":')");
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  auto documents = store->LoadAll();
  ASSERT_FALSE(documents.ok());
  EXPECT_EQ(documents.status().message(),
            (dir_ / "state.db").string() + ": document function/foo is not valid JSON");
}

TEST_F(StateStoreTest, EphemeralStoreLeavesNoStateDb) {
  const fs::path scratch = root_ / "scratch";
  auto store = StateStore::OpenEphemeral(scratch);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_TRUE((*store)->ephemeral());
  EXPECT_EQ((*store)->dir(), scratch);
  ASSERT_TRUE((*store)->Commit({{"function", "f", "{}"}}, {}).ok());
  auto documents = (*store)->LoadAll();
  ASSERT_TRUE(documents.ok());
  EXPECT_EQ(documents->size(), 1u);
  auto hex = (*store)->PutBlob("abc");
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ((*store)->BlobPath(*hex), scratch / (std::string(kAbcSha256) + ".zip"));
  EXPECT_TRUE((*store)->HasBlob(*hex));
  for (const auto& entry : fs::recursive_directory_iterator(root_)) {
    EXPECT_EQ(entry.path().filename().string().find("state.db"), std::string::npos) << entry.path();
    EXPECT_NE(entry.path().filename(), "lock") << entry.path();
  }
  // A second ephemeral store is independent.
  auto other = StateStore::OpenEphemeral(root_ / "scratch2");
  ASSERT_TRUE(other.ok());
  auto none = (*other)->LoadAll();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace lambda_emu::state
