// Amazon DynamoDB Streams: an INSERT, a MODIFY and a REMOVE of one item.
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson Item(const char* message) {
  return {{"Message", {{"S", message}}}, {"Id", {{"N", "101"}}}};
}

EventJson Update(const OptionValues& v) {
  const std::int64_t now = NowMillis();
  // The stream label is the stream's creation time; an hour ago will do.
  std::string label = IsoTimeMillis(now - 3600 * 1000);
  label.pop_back();  // no 'Z' in stream labels
  const std::string stream_arn = "arn:" + v.at("partition") + ":dynamodb:" + v.at("region") + ":" +
                                 v.at("account-id") + ":table/" + v.at("table") + "/stream/" +
                                 label;
  // Sequence numbers grow within a shard; start from a random 21-digit one.
  const std::string sequence_base = RandomDigits(20);
  struct Change {
    const char* name;
    const char* new_message;
    const char* old_message;
    int size_bytes;
  };
  const Change changes[] = {{"INSERT", "New item!", nullptr, 26},
                            {"MODIFY", "This item has changed", "New item!", 59},
                            {"REMOVE", nullptr, "This item has changed", 38}};
  EventJson records = EventJson::array();
  int n = 1;
  for (const Change& change : changes) {
    EventJson stream = {{"ApproximateCreationDateTime", now / 1000},
                        {"Keys", {{"Id", {{"N", "101"}}}}}};
    if (change.new_message != nullptr) stream["NewImage"] = Item(change.new_message);
    if (change.old_message != nullptr) stream["OldImage"] = Item(change.old_message);
    stream["SequenceNumber"] = sequence_base + std::to_string(n++);
    stream["SizeBytes"] = change.size_bytes;
    stream["StreamViewType"] = "NEW_AND_OLD_IMAGES";
    records.push_back({{"eventID", RandomHex(32)},
                       {"eventName", change.name},
                       {"eventVersion", "1.1"},
                       {"eventSource", "aws:dynamodb"},
                       {"awsRegion", v.at("region")},
                       {"dynamodb", stream},
                       {"eventSourceARN", stream_arn}});
  }
  return {{"Records", records}};
}

}  // namespace

Service DynamoDbService() {
  return {"dynamodb",
          "Amazon DynamoDB events",
          {{"update",
            "Generates an Amazon DynamoDB Update Event",
            {AccountIdOption(),
             PartitionOption(),
             RegionOption(),
             {"table", "ExampleTableWithStream", "Table name, in eventSourceARN"}},
            Update}}};
}

}  // namespace lambda_emu::events
