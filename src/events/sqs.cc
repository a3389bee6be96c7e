// Amazon SQS: a batch of one message received by the event source mapping.
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson ReceiveMessage(const OptionValues& v) {
  const std::int64_t sent = NowMillis();
  const std::string& queue = v.at("queue-name");
  const std::string& body = v.at("body");
  EventJson attributes = {{"ApproximateReceiveCount", "1"},
                          {"SentTimestamp", std::to_string(sent)},
                          {"SenderId", v.at("account-id")},
                          {"ApproximateFirstReceiveTimestamp", std::to_string(sent + 1)}};
  // FIFO queues add the ordering attributes to every record.
  if (queue.ends_with(".fifo")) {
    attributes["SequenceNumber"] = RandomDigits(20);
    attributes["MessageGroupId"] = "1";
    attributes["MessageDeduplicationId"] = RandomHex(64);
  }
  EventJson record = {{"messageId", NewUuid()},
                      {"receiptHandle", "AQEB" + RandomBase64(120)},
                      {"body", body},
                      {"attributes", attributes},
                      {"messageAttributes", EventJson::object()},
                      {"md5OfBody", Md5Hex(body)},
                      {"eventSource", "aws:sqs"},
                      {"eventSourceARN", "arn:" + v.at("partition") + ":sqs:" + v.at("region") +
                                             ":" + v.at("account-id") + ":" + queue},
                      {"awsRegion", v.at("region")}};
  return {{"Records", EventJson::array({record})}};
}

}  // namespace

Service SqsService() {
  return {"sqs",
          "Amazon Simple Queue Service events",
          {{"receive-message",
            "Generates an Amazon SQS Event",
            {PartitionOption(),
             RegionOption(),
             AccountIdOption(),
             {"queue-name", "MyQueue", "Queue name, the last part of eventSourceARN"},
             {"body", "Hello from SQS!", "Message body; md5OfBody is its MD5"}},
            ReceiveMessage}}};
}

}  // namespace lambda_emu::events
