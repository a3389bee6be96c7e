#pragma once
// The four AWS operations an async destination or dead-letter queue becomes,
// as the current SDKs put them on the wire (botocore's service models):
//
//   sqs    SendMessage  JSON 1.0, X-Amz-Target AmazonSQS.SendMessage
//   sns    Publish      query protocol, form-encoded, Version 2010-03-31
//   events PutEvents    JSON 1.1, X-Amz-Target AWSEvents.PutEvents
//   s3     PutObject    REST, PUT /BUCKET/KEY (path style)
//
// BuildOperation() turns a Message into an unsigned HTTP request plus the
// service and region to sign it for; CheckResponse() turns what came back into
// OK or an error Status worded like "sqs SendMessage to arn:...: HTTP 400
// AWS.SimpleQueueService.NonExistentQueue: ...". No I/O here: these are pure
// functions, safe from any thread (DestinationClient does the sending).

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/sigv4.h"
#include "lambda_emu/status.h"

namespace lambda_emu::aws {

// An SQS/SNS message attribute. Lambda's dead-letter messages carry
// RequestID (String), ErrorCode (Number) and ErrorMessage (String).
struct MessageAttribute {
  std::string name;
  std::string value;
  std::string data_type = "String";  // the DataType: "String" or "Number"
};

// One record to deliver. Which fields matter depends on the ARN's service.
struct Message {
  std::string arn;   // the destination: arn:aws:sqs|sns|events|s3:...
  std::string body;  // the record (destinations) or the event payload (DLQ), JSON text
  // Message attributes, for SQS and SNS; ignored elsewhere.
  // {{"RequestID", id}, {"ErrorCode", "200", "Number"}, ...}
  std::vector<MessageAttribute> attributes;
  // EventBridge DetailType, e.g. "Lambda Function Invocation Result - Success".
  std::string detail_type;
  std::vector<std::string> resources;  // EventBridge Resources
  // S3 object key. When empty, DestinationClient::Send uses
  // S3DestinationKey(function_name, time, a new random UUID).
  std::string object_key;
  std::string function_name;                   // whose record it is (the S3 key)
  std::chrono::system_clock::time_point time;  // when it was made (the S3 key); epoch = now
};

// An http:// or https:// endpoint URL taken apart. `base_url` has no
// trailing slash.
struct Endpoint {
  bool tls = false;         // https
  std::string host;         // as written: "localhost", "127.0.0.1", "::1" (no brackets)
  std::string port;         // "80" / "443" when the URL names none
  std::string host_header;  // "localhost:4566", or just the host without a port
  std::string base_url;     // "http://localhost:4566"
};
// Accepts http[s]://HOST[:PORT][/]; anything else (a path, a query, user
// info) is an error saying what is accepted.
Result<Endpoint> ParseEndpoint(std::string_view url);

// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
struct Arn {
  std::string partition;
  std::string service;
  std::string region;
  std::string account;
  std::string resource;
};
std::optional<Arn> ParseArn(std::string_view arn);

// A request ready to be signed and sent.
struct Operation {
  std::string service;  // signing name: "sqs", "sns", "events", "s3"
  std::string name;     // "SendMessage", "Publish", "PutEvents", "PutObject"
  std::string region;   // to sign for
  std::string arn;      // the destination, for messages
  SignedRequest request;

  // "sqs SendMessage to arn:aws:sqs:..."
  std::string Describe() const;
};

// `default_region` signs for ARNs without a region (S3's arn:aws:s3:::BUCKET).
Result<Operation> BuildOperation(const Message& message, const Endpoint& endpoint,
                                 std::string_view default_region);

using Reply = boost::beast::http::response<boost::beast::http::string_body>;
// OK for a 2xx that the operation counts as success (PutEvents also needs
// FailedEntryCount 0); otherwise an error naming the operation, the HTTP
// status and AWS's error code and message when the body has them.
Status CheckResponse(const Operation& operation, const Reply& reply);

// The object key Lambda writes an on-failure record under in an S3
// destination: "aws/lambda/async/<function-name>/YYYY/MM/DD/
// YYYY-MM-DDTHH.MM.SS-<random UUID>" (AWS Lambda Developer Guide, "Capturing
// records of Lambda asynchronous invocations", S3 destination row), in UTC.
std::string S3DestinationKey(std::string_view function_name,
                             std::chrono::system_clock::time_point time,
                             std::string_view random_uuid);

}  // namespace lambda_emu::aws
