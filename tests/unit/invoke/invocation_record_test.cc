#include "invoke/invocation_record.h"

#include <gtest/gtest.h>

namespace lambda_emu::invoke {

// The record's members in AWS's order (LocalStack's AWS-recorded
// test_lambda_destinations snapshots).
TEST(InvocationRecord, FailureRecordHasEveryMemberInAwsOrder) {
  const std::string outcome =
      AttemptOutcome(true, "$LATEST", R"({"errorMessage":"boom","errorType":"Exception"})");
  RecordFields f;
  f.request_id = "rid";
  f.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST";
  f.condition = kRetriesExhausted;
  f.approximate_invoke_count = 3;
  f.timestamp_ms = 1573755365568;  // 2019-11-14T18:16:05.568Z
  f.request_payload = R"({"raise_error": 1})";
  f.last_outcome = outcome;
  EXPECT_EQ(InvocationRecord(f),
            R"({"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z","requestContext":)"
            R"({"requestId":"rid","functionArn":"arn:aws:lambda:us-east-1:000000000000:)"
            R"(function:fn:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},)"
            R"("requestPayload":{"raise_error": 1},"responseContext":{"statusCode":200,)"
            R"("executedVersion":"$LATEST","functionError":"Unhandled"},"responsePayload":)"
            R"({"errorMessage":"boom","errorType":"Exception"}})");
}

TEST(InvocationRecord, SuccessHasNoFunctionErrorAndAnyResponseIsJson) {
  EXPECT_EQ(AttemptOutcome(false, "3", "[1,2]"),
            R"({"responseContext":{"statusCode":200,"executedVersion":"3"},)"
            R"("responsePayload":[1,2]})");
  EXPECT_EQ(AttemptOutcome(false, "$LATEST", ""),
            R"({"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},)"
            R"("responsePayload":null})");
  // A custom runtime may answer with bytes that are not JSON: a string.
  EXPECT_EQ(AttemptOutcome(false, "$LATEST", "plain text"),
            R"({"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},)"
            R"("responsePayload":"plain text"})");
}

TEST(InvocationRecord, NeverRunEventHasNoResponse) {
  RecordFields f;
  f.request_id = "r";
  f.function_arn = "arn";
  f.condition = kEventAgeExceeded;
  f.timestamp_ms = 0;
  f.request_payload = "{}";
  EXPECT_EQ(InvocationRecord(f),
            R"({"version":"1.0","timestamp":"1970-01-01T00:00:00.000Z","requestContext":)"
            R"({"requestId":"r","functionArn":"arn","condition":"EventAgeExceeded",)"
            R"("approximateInvokeCount":0},"requestPayload":{}})");
}

TEST(InvocationRecord, LastErrorMessageForTheDeadLetterAttribute) {
  EXPECT_EQ(LastErrorMessage(AttemptOutcome(true, "$LATEST", R"({"errorMessage":"it broke"})")),
            "it broke");
  EXPECT_EQ(LastErrorMessage(AttemptOutcome(true, "$LATEST", "not json")), "");
  EXPECT_EQ(LastErrorMessage(""), "");
}

}  // namespace lambda_emu::invoke
