// Amazon CloudWatch: a scheduled event (EventBridge rule) and a CloudWatch
// Logs subscription delivery, whose data is a gzipped, base64-encoded batch.
#include "common/base64.h"
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson ScheduledEvent(const OptionValues& v) {
  return {{"version", "0"},
          {"id", NewUuid()},
          {"detail-type", "Scheduled Event"},
          {"source", "aws.events"},
          {"account", v.at("account-id")},
          {"time", IsoTimeSeconds(NowMillis())},
          {"region", v.at("region")},
          {"resources", EventJson::array({"arn:" + v.at("partition") + ":events:" + v.at("region") +
                                          ":" + v.at("account-id") + ":rule/" + v.at("rule")})},
          {"detail", EventJson::object()}};
}

EventJson Logs(const OptionValues&) {
  const std::int64_t now = NowMillis();
  // Log event ids are 56-digit numbers; consecutive events share a prefix.
  const std::string id_prefix = RandomDigits(36);
  EventJson log_events = EventJson::array();
  const char* messages[] = {"[ERROR] First test message", "[ERROR] Second test message"};
  for (std::int64_t i = 0; i < 2; ++i) {
    log_events.push_back({{"id", id_prefix + RandomDigits(20)},
                          {"timestamp", now - 1 + i},
                          {"message", messages[i]}});
  }
  EventJson payload = {{"messageType", "DATA_MESSAGE"},
                       {"owner", "123456789012"},
                       {"logGroup", "testLogGroup"},
                       {"logStream", "testLogStream"},
                       {"subscriptionFilters", EventJson::array({"testFilter"})},
                       {"logEvents", log_events}};
  return {{"awslogs", {{"data", Base64Encode(Gzip(payload.dump()))}}}};
}

}  // namespace

Service CloudWatchService() {
  return {"cloudwatch",
          "Amazon CloudWatch events",
          {{"scheduled-event",
            "Generates an Amazon CloudWatch Events Scheduled Event",
            {AccountIdOption(),
             PartitionOption(),
             RegionOption(),
             {"rule", "ExampleRule", "Rule name, in resources"}},
            ScheduledEvent},
           {"logs", "Generates an Amazon Cloudwatch Logs Event", {}, Logs}}};
}

}  // namespace lambda_emu::events
