// Amazon Kinesis: Data Streams records, and Data Firehose transformation
// requests (direct PUT, and with a Kinesis data stream as the source).
#include "common/base64.h"
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

// SAM's Kinesis events have no account-id option; ARNs use this one.
constexpr const char* kAccount = "123456789012";

std::string Arn(const OptionValues& v, const std::string& service, const std::string& resource) {
  return "arn:" + v.at("partition") + ":" + service + ":" + v.at("region") + ":" + kAccount + ":" +
         resource;
}

EventJson GetRecords(const OptionValues& v) {
  const std::int64_t now = NowMillis();
  const std::string& sequence = v.at("sequence");
  EventJson kinesis = {{"kinesisSchemaVersion", "1.0"},
                       {"partitionKey", v.at("partition-key")},
                       {"sequenceNumber", sequence},
                       {"data", Base64Encode(v.at("data"))},
                       {"approximateArrivalTimestamp", static_cast<double>(now) / 1000.0}};
  EventJson record = {
      {"kinesis", kinesis},
      {"eventSource", "aws:kinesis"},
      {"eventVersion", "1.0"},
      {"eventID", "shardId-000000000000:" + sequence},
      {"eventName", "aws:kinesis:record"},
      {"invokeIdentityArn", "arn:" + v.at("partition") + ":iam::" + kAccount + ":role/lambda-role"},
      {"awsRegion", v.at("region")},
      {"eventSourceARN", Arn(v, "kinesis", "stream/lambda-stream")}};
  return {{"Records", EventJson::array({record})}};
}

EventJson FirehoseRequest(const OptionValues& v, EventJson record, bool from_stream) {
  EventJson request = {{"invocationId", NewUuid()}};
  if (from_stream) request["sourceKinesisStreamArn"] = Arn(v, "kinesis", "stream/lambda-stream");
  request["deliveryStreamArn"] = Arn(v, "firehose", "deliverystream/lambda-delivery-stream");
  request["region"] = v.at("region");
  request["records"] = EventJson::array({std::move(record)});
  return request;
}

EventJson Firehose(const OptionValues& v) {
  return FirehoseRequest(v,
                         {{"recordId", RandomDigits(56)},
                          {"approximateArrivalTimestamp", NowMillis()},
                          {"data", v.at("data")}},
                         false);
}

EventJson StreamsAsSource(const OptionValues& v) {
  const std::int64_t now = NowMillis();
  EventJson metadata = {{"sequenceNumber", v.at("sequence")},
                        {"subsequenceNumber", 0},
                        {"partitionKey", v.at("partition-key")},
                        {"shardId", "shardId-000000000000"},
                        {"approximateArrivalTimestamp", now}};
  return FirehoseRequest(v,
                         {{"recordId", RandomDigits(56)},
                          {"approximateArrivalTimestamp", now},
                          {"data", v.at("data")},
                          {"kinesisRecordMetadata", metadata}},
                         true);
}

constexpr const char* kSequence = "49545115243490985018280067714973144582180062593244200961";
constexpr const char* kBase64Data = "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0IDEyMy4=";

}  // namespace

Service KinesisService() {
  return {
      "kinesis",
      "Amazon Kinesis events",
      {{"get-records",
        "Generates an Amazon Kinesis Data Stream Event",
        {RegionOption(),
         PartitionOption(),
         {"sequence", kSequence, "Record sequence number"},
         {"data", "Hello, this is a test 123.", "Record data; the event carries it base64-encoded"},
         {"partition-key", "partitionKey-03", "Record partition key"}},
        GetRecords},
       {"kinesis-firehose",
        "Generates an Amazon Kinesis Data Firehose Event",
        {PartitionOption(),
         RegionOption(),
         {"data", kBase64Data, "Record data, already base64-encoded (used as given)"}},
        Firehose},
       {"streams-as-source",
        "Generates an Amazon Kinesis Data Firehose Streams as Source Event",
        {PartitionOption(),
         RegionOption(),
         {"partition-key", "partitionKey-03", "Record partition key"},
         {"data", kBase64Data, "Record data, already base64-encoded (used as given)"},
         {"sequence", kSequence, "Record sequence number"}},
        StreamsAsSource}}};
}

}  // namespace lambda_emu::events
