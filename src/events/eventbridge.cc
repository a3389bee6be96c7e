// Amazon EventBridge: a custom event delivered by a rule. SAM CLI has no
// eventbridge service (its only EventBridge event is `cloudwatch
// scheduled-event`); this one is lambda-emu's own.
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson Event(const OptionValues& v) {
  return {{"version", "0"},
          {"id", NewUuid()},
          {"detail-type", v.at("detail-type")},
          {"source", v.at("source")},
          {"account", v.at("account-id")},
          {"time", IsoTimeSeconds(NowMillis())},
          {"region", v.at("region")},
          {"resources", EventJson::array()},
          // The option is checked to be JSON before the builder runs.
          {"detail", EventJson::parse(v.at("detail"))}};
}

}  // namespace

Service EventBridgeService() {
  return {"eventbridge",
          "Amazon EventBridge events (not in SAM CLI)",
          {{"event",
            "Generates an Amazon EventBridge Event (a custom event matched by a rule)",
            {AccountIdOption(),
             RegionOption(),
             {"source", "com.mycompany.myapp", "Event source"},
             {"detail-type", "myDetailType", "Event detail-type"},
             {"detail", R"({"key1":"value1","key2":"value2"})", "Event detail, as JSON", true}},
            Event}}};
}

}  // namespace lambda_emu::events
