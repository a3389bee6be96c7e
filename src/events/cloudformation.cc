// AWS CloudFormation: a custom resource Create request.
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson CreateRequest(const OptionValues& v) {
  const std::string& region = v.at("region");
  const std::string arn_prefix = "arn:" + v.at("partition") + ":";
  const std::string stack_id = arn_prefix + "cloudformation:" + region + ":" + v.at("account-id") +
                               ":stack/" + v.at("stack") + "/" + NewUuid();
  const std::string request_id = NewUuid();
  const std::string service_token = arn_prefix + "lambda:" + region + ":" + v.at("account-id") +
                                    ":function:CustomResourceFunction";
  // CloudFormation waits for the function's answer at a pre-signed S3 URL.
  const std::string response_url =
      "https://cloudformation-custom-resource-response-" + region + ".s3." + region + "." +
      DnsSuffix(v.at("partition")) + "/" + "arn%3A" + v.at("partition") + "%3Acloudformation%3A" +
      region + "%3A" + v.at("account-id") + "%3Astack/" + v.at("stack") + "%7C" +
      "MyTestResource%7C" + request_id + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200";
  return {{"RequestType", "Create"},
          {"ServiceToken", service_token},
          {"ResponseURL", response_url},
          {"StackId", stack_id},
          {"RequestId", request_id},
          {"ResourceType", "Custom::TestResource"},
          {"LogicalResourceId", "MyTestResource"},
          {"ResourceProperties",
           {{"ServiceToken", service_token},
            {"StackName", v.at("stack")},
            {"List", EventJson::array({"1", "2", "3"})}}}};
}

}  // namespace

Service CloudFormationService() {
  return {
      "cloudformation",
      "AWS CloudFormation events",
      {{"create-request",
        "Generates an AWS CloudFormation Create Request Event",
        {AccountIdOption(), PartitionOption(), RegionOption(), {"stack", "MyStack", "Stack name"}},
        CreateRequest}}};
}

}  // namespace lambda_emu::events
