#include <algorithm>
#include <stdexcept>

#include "events/sample_events.h"
#include "events/services.h"

namespace lambda_emu::events {

EventOption AccountIdOption() {
  return {"account-id", "123456789012", "AWS account id used in ARNs and account fields"};
}

EventOption PartitionOption() {
  return {"partition", "aws", "AWS partition used in ARNs (aws, aws-cn, aws-us-gov)"};
}

EventOption RegionOption() { return {"region", "us-east-1", "AWS region of the event source"}; }

const std::vector<Service>& Catalogue() {
  static const std::vector<Service> catalogue = [] {
    std::vector<Service> services = {
        AlbService(),
        ApiGatewayService(),
        CloudFormationService(),
        CloudWatchService(),
        CodeCommitService(),
        CodePipelineService(),
        CognitoService(),
        DynamoDbService(),
        EventBridgeService(),
        KinesisService(),
        S3Service(),
        SnsService(),
        SqsService(),
        StepFunctionsService(),
    };
    auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
    std::sort(services.begin(), services.end(), by_name);
    for (Service& service : services) {
      std::sort(service.events.begin(), service.events.end(), by_name);
    }
    return services;
  }();
  return catalogue;
}

const Service* FindService(std::string_view name) {
  for (const Service& service : Catalogue()) {
    if (service.name == name) return &service;
  }
  return nullptr;
}

const SampleEvent* FindEvent(const Service& service, std::string_view name) {
  for (const SampleEvent& event : service.events) {
    if (event.name == name) return &event;
  }
  return nullptr;
}

EventJson BuildEvent(const SampleEvent& event, const OptionValues& given) {
  OptionValues values;
  for (const EventOption& option : event.options) values[option.name] = option.default_value;
  for (const auto& [name, value] : given) {
    auto it = values.find(name);
    if (it == values.end()) {
      throw std::invalid_argument("event " + event.name + " has no option --" + name);
    }
    it->second = value;
  }
  return event.build(values);
}

}  // namespace lambda_emu::events
