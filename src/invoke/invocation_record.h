#pragma once
// The invocation record asynchronous invocation sends to a destination, and
// the pieces it is made of, exactly as Lambda writes them:
//   {"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z",
//    "requestContext":{"requestId":ID,"functionArn":ARN:QUALIFIER,
//                      "condition":"Success"|"RetriesExhausted"|"EventAgeExceeded",
//                      "approximateInvokeCount":N},
//    "requestPayload":EVENT,
//    "responseContext":{"statusCode":200,"executedVersion":"$LATEST"[,"functionError":"Unhandled"]},
//    "responsePayload":RESPONSE}
// The event and the function's response are spliced in as they are (both
// are JSON); a response that is not JSON becomes a JSON string. Pure
// functions.

#include <cstdint>
#include <string>
#include <string_view>

namespace lambda_emu::invoke {

inline constexpr std::string_view kSuccess = "Success";
inline constexpr std::string_view kRetriesExhausted = "RetriesExhausted";
inline constexpr std::string_view kEventAgeExceeded = "EventAgeExceeded";

// One attempt's outcome as the record reports it:
// {"responseContext":{...},"responsePayload":...}.
std::string AttemptOutcome(bool function_error, std::string_view executed_version,
                           std::string_view response);

struct RecordFields {
  std::string_view request_id;
  std::string_view function_arn;  // qualified: ...:function:NAME:$LATEST
  std::string_view condition;
  int approximate_invoke_count = 0;
  std::int64_t timestamp_ms = 0;
  std::string_view request_payload;
  // AttemptOutcome() of the last attempt; empty when the function never
  // ran the event (then the record has no responseContext/responsePayload).
  std::string_view last_outcome;
};
std::string InvocationRecord(const RecordFields& fields);

// The errorMessage of the last attempt's error response, for a dead-letter
// message's ErrorMessage attribute ("" when there is none).
std::string LastErrorMessage(std::string_view last_outcome);

}  // namespace lambda_emu::invoke
