// Amazon Cognito Sync: a sync trigger with the dataset's changed records.
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson SyncTrigger(const OptionValues& v) {
  const std::string& region = v.at("region");
  return {
      {"version", 2},
      {"eventType", "SyncTrigger"},
      {"region", region},
      {"identityPoolId", region + ":" + NewUuid()},
      {"identityId", region + ":" + NewUuid()},
      {"datasetName", "datasetName"},
      {"datasetRecords",
       {{"SampleKey1", {{"oldValue", "oldValue1"}, {"newValue", "newValue1"}, {"op", "replace"}}},
        {"SampleKey2",
         {{"oldValue", "oldValue2"}, {"newValue", "newValue2"}, {"op", "replace"}}}}}};
}

}  // namespace

Service CognitoService() {
  return {"cognito",
          "Amazon Cognito events",
          {{"sync-trigger",
            "Generates an Amazon Cognito Sync Trigger Event",
            {RegionOption()},
            SyncTrigger}}};
}

}  // namespace lambda_emu::events
