#include "dashboard/activity_feed.h"

#include <gtest/gtest.h>

#include "pool/invocation.h"

namespace lambda_emu::dashboard {

namespace {

void Add(ActivityFeed& feed, const std::string& function, const std::string& id,
         metrics::InvocationRecord record = {}, std::string log = "") {
  pool::FunctionContext context;
  context.config.name = function;
  context.config.memory_mb = 256;
  pool::Invocation invocation;
  invocation.request_id = id;
  feed.OnInvocation(context, invocation, record, std::move(log));
}

}  // namespace

TEST(ActivityFeed, KeepsTheLastInvocationsInOrder) {
  ActivityFeed feed;
  EXPECT_EQ(feed.last_seq(), 0u);
  for (size_t i = 0; i < ActivityFeed::kCapacity + 5; ++i) {
    Add(feed, i % 2 ? "odd" : "even", "id-" + std::to_string(i));
  }
  EXPECT_EQ(feed.last_seq(), ActivityFeed::kCapacity + 5);
  EXPECT_EQ(feed.Find("id-4"), nullptr);  // gone: the oldest five
  ASSERT_NE(feed.Find("id-5"), nullptr);
  EXPECT_EQ(feed.Find("id-5")->function_name, "odd");

  auto fresh = feed.Since(feed.last_seq() - 2);
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0]->request_id, "id-" + std::to_string(ActivityFeed::kCapacity + 3));
  EXPECT_EQ(feed.Since(0).size(), ActivityFeed::kCapacity);  // older than kept: all
  EXPECT_TRUE(feed.Since(feed.last_seq()).empty());

  auto odd = feed.Recent("odd", 3);
  ASSERT_EQ(odd.size(), 3u);
  EXPECT_EQ(odd.back()->request_id, "id-" + std::to_string(ActivityFeed::kCapacity + 3));
  EXPECT_LT(odd.front()->seq, odd.back()->seq);  // oldest first
}

TEST(ActivityFeed, NamesTheOutcome) {
  ActivityFeed feed;
  metrics::InvocationRecord r;
  Add(feed, "f", "ok", r);
  r.error_type = "Runtime.ExitError";
  Add(feed, "f", "error", r);
  r.timed_out = true;
  r.error_type = "Sandbox.Timedout";
  Add(feed, "f", "timeout", r);
  r.timed_out = false;
  r.out_of_memory = true;
  r.error_type = "Runtime.OutOfMemory";
  r.max_memory_used_mb = 256;
  Add(feed, "f", "oom", r);
  EXPECT_STREQ(feed.Find("ok")->outcome, "Success");
  EXPECT_STREQ(feed.Find("error")->outcome, "Error");
  EXPECT_STREQ(feed.Find("timeout")->outcome, "Timeout");
  EXPECT_STREQ(feed.Find("oom")->outcome, "OutOfMemory");
  auto j = ToJson(*feed.Find("oom"), false);
  EXPECT_EQ(j["ErrorType"], "Runtime.OutOfMemory");
  EXPECT_EQ(j["MaxMemoryUsedMb"], 256);
  EXPECT_EQ(j["MemorySizeMb"], 256);
  EXPECT_TRUE(j["InitDurationMs"].is_null());
  EXPECT_FALSE(j.contains("Log"));
}

TEST(ActivityFeed, KeepsTheEndOfALongLog) {
  ActivityFeed feed;
  std::string log;
  for (int i = 0; i < 5000; ++i) log += "line " + std::to_string(i) + "\n";
  log += "REPORT RequestId: x\n";
  Add(feed, "f", "x", {}, log);
  const std::string& kept = feed.Find("x")->log;
  EXPECT_LE(kept.size(), ActivityFeed::kLogBytes + 64);
  EXPECT_EQ(kept.rfind("[... earlier lines not kept ...]\nline ", 0), 0u);  // at a line start
  EXPECT_NE(kept.find("REPORT RequestId: x\n"), std::string::npos);
  EXPECT_EQ(ToJson(*feed.Find("x"), true)["Log"], kept);
}

}  // namespace lambda_emu::dashboard
