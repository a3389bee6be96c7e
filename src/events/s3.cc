// Amazon S3: event notifications (object created, object removed) and the
// S3 Batch Operations invocation (schema 1.0).
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson Notification(const OptionValues& v, const char* event_name, EventJson object) {
  const std::string& bucket = v.at("bucket");
  EventJson record = {
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"awsRegion", v.at("region")},
      {"eventTime", IsoTimeMillis(NowMillis())},
      {"eventName", event_name},
      {"userIdentity", {{"principalId", "AWS:AIDA" + RandomUpperAlphanumeric(17)}}},
      {"requestParameters", {{"sourceIPAddress", "127.0.0.1"}}},
      {"responseElements",
       {{"x-amz-request-id", RandomUpperHex(16)}, {"x-amz-id-2", RandomBase64(57)}}},
      {"s3",
       {{"s3SchemaVersion", "1.0"},
        {"configurationId", "testConfigRule"},
        {"bucket",
         {{"name", bucket},
          {"ownerIdentity", {{"principalId", "A" + RandomUpperAlphanumeric(13)}}},
          {"arn", "arn:" + v.at("partition") + ":s3:::" + bucket}}},
        {"object", std::move(object)}}}};
  return {{"Records", EventJson::array({record})}};
}

EventJson Put(const OptionValues& v) {
  return Notification(v, "ObjectCreated:Put",
                      {{"key", UrlEncodeKey(v.at("key"))},
                       {"size", 1024},
                       {"eTag", RandomHex(32)},
                       {"sequencer", RandomUpperHex(18)}});
}

EventJson Delete(const OptionValues& v) {
  return Notification(v, "ObjectRemoved:Delete",
                      {{"key", UrlEncodeKey(v.at("key"))}, {"sequencer", RandomUpperHex(18)}});
}

EventJson BatchInvocation(const OptionValues& v) {
  EventJson task = {{"taskId", RandomBase64(15)},
                    {"s3Key", UrlEncodeKey(v.at("key"))},
                    {"s3VersionId", "1"},
                    {"s3BucketArn", v.at("bucket-arn")}};
  return {{"invocationSchemaVersion", "1.0"},
          {"invocationId", RandomBase64(36)},
          {"job", {{"id", NewUuid()}}},
          {"tasks", EventJson::array({task})}};
}

std::vector<EventOption> NotificationOptions() {
  return {RegionOption(),
          PartitionOption(),
          {"bucket", "example-bucket", "Bucket name"},
          {"key", "test/key", "Object key; the event carries it URL-encoded"}};
}

}  // namespace

Service S3Service() {
  return {"s3",
          "Amazon Simple Storage Service events",
          {{"put", "Generates an Amazon S3 Put Event", NotificationOptions(), Put},
           {"delete", "Generates an Amazon S3 Delete Event", NotificationOptions(), Delete},
           {"batch-invocation",
            "Generates an Amazon S3 Batch Operations Invocation Event",
            {{"bucket-arn", "arn:aws:s3:::examplebucket", "Bucket ARN"},
             {"key", "test/key", "Object key; the event carries it URL-encoded"}},
            BatchInvocation}}};
}

}  // namespace lambda_emu::events
