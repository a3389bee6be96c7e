// AWS CodePipeline: a job for a Lambda invoke action, with one input and one
// output artifact in S3.
#include "events/services.h"
#include "events/values.h"

namespace lambda_emu::events {

namespace {

EventJson Artifact(const char* name, const std::string& bucket, const std::string& key) {
  return {
      {"location", {{"s3Location", {{"bucketName", bucket}, {"objectKey", key}}}, {"type", "S3"}}},
      {"revision", nullptr},
      {"name", name}};
}

EventJson Job(const OptionValues& v) {
  EventJson data = {
      {"actionConfiguration",
       {{"configuration",
         {{"FunctionName", "MyLambdaFunctionForAWSCodePipeline"},
          {"UserParameters", "some-input-such-as-a-URL"}}}}},
      {"inputArtifacts",
       EventJson::array({Artifact("ArtifactName", v.at("input-bucket"), v.at("input-key"))})},
      {"outputArtifacts",
       EventJson::array({Artifact("ArtifactName2", v.at("output-bucket"), v.at("output-key"))})},
      {"artifactCredentials",
       {{"accessKeyId", "ASIA" + RandomUpperAlphanumeric(16)},
        {"secretAccessKey", RandomBase64(30)},
        {"sessionToken", RandomBase64(300)}}}};
  return {
      {"CodePipeline.job", {{"id", NewUuid()}, {"accountId", v.at("account-id")}, {"data", data}}}};
}

}  // namespace

Service CodePipelineService() {
  return {"codepipeline",
          "AWS CodePipeline events",
          {{"job",
            "Generates an AWS CodePipeline Job Event",
            {AccountIdOption(),
             {"input-bucket", "example-bucket", "Bucket of the input artifact"},
             {"input-key", "test/key", "Key of the input artifact"},
             {"output-bucket", "example-bucket2", "Bucket of the output artifact"},
             {"output-key", "test/key2", "Key of the output artifact"}},
            Job}}};
}

}  // namespace lambda_emu::events
