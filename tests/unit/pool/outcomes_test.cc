#include "pool/outcomes.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "pool/ids.h"
#include "sandbox/spawn.h"

namespace lambda_emu {

TEST(Outcomes, TimeoutPayloadIsLambdas) {
  EXPECT_EQ(
      pool::outcomes::ErrorPayload(pool::outcomes::kTimedOut,
                                   pool::outcomes::TimeoutMessage("abc", 1)),
      R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: abc Error: Task timed out after 1.00 seconds"})");
}

TEST(Outcomes, ExitMessageNamesStatusOrSignal) {
  EXPECT_EQ(pool::outcomes::ExitMessage("id", sandbox::DescribeWaitStatus(7 << 8)),
            "RequestId: id Error: Runtime exited with error: exit status 7");
  EXPECT_EQ(sandbox::DescribeWaitStatus(SIGKILL), "signal: killed");
  EXPECT_EQ(sandbox::DescribeWaitStatus(SIGSEGV), "signal: segmentation fault");
}

TEST(Outcomes, ErrorPayloadEscapesJson) {
  EXPECT_EQ(pool::outcomes::ErrorPayload("T", "a \"quoted\"\nline"),
            R"({"errorType":"T","errorMessage":"a \"quoted\"\nline"})");
}

TEST(Ids, RequestIdsAreVersion4Uuids) {
  std::string id = pool::NewRequestId();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(id, pool::NewRequestId());
}

TEST(Ids, TraceIdHasRootParentSampled) {
  std::string trace = pool::NewTraceId();
  EXPECT_EQ(trace.rfind("Root=1-", 0), 0u);
  EXPECT_NE(trace.find(";Parent="), std::string::npos);
  EXPECT_NE(trace.find(";Sampled=0"), std::string::npos);
}

}  // namespace lambda_emu
