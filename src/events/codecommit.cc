// AWS CodeCommit: a repository trigger firing for a push.
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson Repository(const OptionValues& v) {
  const std::string& region = v.at("region");
  const std::string arn_prefix = "arn:" + v.at("partition") + ":";
  const std::int64_t now = NowMillis();
  // CodeCommit writes its times with a numeric zone: 2016-01-01T23:59:59.000+0000.
  std::string time = IsoTimeMillis(now);
  time.pop_back();
  time += "+0000";
  EventJson record = {
      {"awsRegion", region},
      {"codecommit",
       {{"references",
         EventJson::array({{{"commit", RandomHex(40)}, {"ref", "refs/heads/main"}}})}}},
      {"customData", v.at("custom-data")},
      {"eventId", NewUuid()},
      {"eventName", "ReferenceChanges"},
      {"eventPartNumber", 1},
      {"eventSource", "aws:codecommit"},
      {"eventSourceARN",
       arn_prefix + "codecommit:" + region + ":" + v.at("account-id") + ":" + v.at("repository")},
      {"eventTime", time},
      {"eventTotalParts", 1},
      {"eventTriggerConfigId", NewUuid()},
      {"eventTriggerName", v.at("trigger")},
      {"eventVersion", "1.0"},
      {"userIdentityARN", arn_prefix + "iam::" + v.at("account-id") + ":root"}};
  return {{"Records", EventJson::array({record})}};
}

}  // namespace

Service CodeCommitService() {
  return {"codecommit",
          "AWS CodeCommit events",
          {{"repository",
            "Generates an AWS CodeCommit Repository Event",
            {AccountIdOption(),
             PartitionOption(),
             RegionOption(),
             {"repository", "my-repo", "Repository name"},
             {"trigger", "my-trigger", "Trigger name"},
             {"custom-data", "this is custom data", "The trigger's custom data"}},
            Repository}}};
}

}  // namespace lambda_emu::events
