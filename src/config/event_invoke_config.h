#pragma once
// The asynchronous-invocation settings a project declares for a function:
// EventInvokeConfig (retries, event age, destinations) and the dead-letter
// queue (SAM DeadLetterQueue, CloudFormation DeadLetterConfig). Each is
// checked as Lambda checks PutFunctionEventInvokeConfig and CreateFunction's
// DeadLetterConfig, so a project that loads never holds a config the queue
// cannot act on, and turned into the values FunctionConfig keeps. Shared by
// the config file (config_file.cc) and the template loader (src/template/).
// Pure functions; thread-safe.

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"

namespace lambda_emu::config {

// The services Lambda sends an asynchronous invocation's record to.
enum class DestinationService { kSqs, kSns, kLambda, kEventBridge, kS3 };

// A destination ARN taken apart: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
struct DestinationArn {
  DestinationService service = DestinationService::kSqs;
  std::string region;
  std::string account;
  std::string resource;  // "function:NAME[:QUALIFIER]", "QUEUE", "event-bus/NAME", "BUCKET"
};

// Parses a destination as Lambda accepts one: the API's ARN pattern, and a
// service Lambda delivers to. The message says what is wrong with `arn`.
Result<DestinationArn> ParseDestinationArn(const std::string& arn);

// The function NAME of a Lambda ARN's resource "function:NAME[:QUALIFIER]".
std::string DestinationFunctionName(const DestinationArn& arn);

// How the declaring file spells EventInvokeConfig.
struct EventInvokeSyntax {
  // SAM: each destination needs a Type (SQS, SNS, Lambda, EventBridge,
  // S3Bucket) that must match its ARN; SQS and SNS may omit the Destination,
  // and SAM then creates the queue or topic. Otherwise (CloudFormation, the
  // config file) a destination is {Destination: ARN}; a Type, if given, is
  // still checked.
  bool sam = false;
  // SAM: the ARN of the queue or topic SAM creates, given "OnSuccess" or
  // "OnFailure" and "Queue" or "Topic".
  std::function<std::string(const std::string& side, const std::string& kind)> generated_arn;
};

// `node` (intrinsics resolved) as the JSON text FunctionConfig keeps:
// {"MaximumRetryAttempts": N, "MaximumEventAgeInSeconds": N, "DestinationConfig":
// {"OnSuccess": {} | {"Destination": ARN}, "OnFailure": ...}}, the numbers
// only when given. `where` names the key in messages
// ("HelloFunction.EventInvokeConfig").
Result<std::string> ParseEventInvokeConfig(const YAML::Node& node, const std::string& where,
                                           const EventInvokeSyntax& syntax);

// DeadLetterQueue ({Type: SQS|SNS, TargetArn}, `sam`) or DeadLetterConfig
// ({TargetArn}) -> the target ARN, an SQS queue or SNS topic. An empty
// TargetArn (CloudFormation's way of removing it) gives "".
Result<std::string> ParseDeadLetterTarget(const YAML::Node& node, const std::string& where,
                                          bool sam);

// Every Lambda-function destination of `functions` must name one of
// `defined` (function names) in `region`/`account` (either empty: any), and
// not the function itself. `source` ends the message: "the template".
Status CheckFunctionDestinations(const std::vector<FunctionConfig>& functions,
                                 const std::vector<std::string>& defined, const std::string& region,
                                 const std::string& account, const std::string& source);

}  // namespace lambda_emu::config
