// Amazon SNS: one notification delivered to a Lambda subscription.
#include "common/base64.h"
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson Notification(const OptionValues& v) {
  const std::string& region = v.at("region");
  const std::string endpoint = "https://sns." + region + "." + DnsSuffix(v.at("partition"));
  const std::string topic_arn = "arn:" + v.at("partition") + ":sns:" + region + ":" +
                                v.at("account-id") + ":" + v.at("topic");
  const std::string subscription_arn = topic_arn + ":" + NewUuid();
  EventJson attributes = {
      {"Test", {{"Type", "String"}, {"Value", "TestString"}}},
      {"TestBinary", {{"Type", "Binary"}, {"Value", Base64Encode("TestBinary")}}}};
  EventJson sns = {
      {"Type", "Notification"},
      {"MessageId", NewUuid()},
      {"TopicArn", topic_arn},
      {"Subject", v.at("subject")},
      {"Message", v.at("message")},
      {"Timestamp", IsoTimeMillis(NowMillis())},
      {"SignatureVersion", "1"},
      {"Signature", RandomBase64(256)},
      {"SigningCertUrl", endpoint + "/SimpleNotificationService-" + RandomHex(32) + ".pem"},
      {"UnsubscribeUrl", endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + subscription_arn},
      {"MessageAttributes", attributes}};
  EventJson record = {{"EventSource", "aws:sns"},
                      {"EventVersion", "1.0"},
                      {"EventSubscriptionArn", subscription_arn},
                      {"Sns", sns}};
  return {{"Records", EventJson::array({record})}};
}

}  // namespace

Service SnsService() {
  return {"sns",
          "Amazon Simple Notification Service events",
          {{"notification",
            "Generates an Amazon SNS Topic Notification Event",
            {AccountIdOption(),
             PartitionOption(),
             RegionOption(),
             {"topic", "ExampleTopic", "Topic name, the last part of TopicArn"},
             {"subject", "example subject", "Message subject"},
             {"message", "example message", "Message body"}},
            Notification}}};
}

}  // namespace lambda_emu::events
