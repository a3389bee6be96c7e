#include "config/event_invoke_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/suggest.h"

namespace lambda_emu::config {

namespace {

using nlohmann::json;

// Thrown inside this file only, turned into a Status by each public function.
struct Invalid {
  std::string message;
};
[[noreturn]] void Fail(const std::string& message) { throw Invalid{message}; }

// The Lambda API model's pattern for DestinationConfig.*.Destination (the
// same as src/api/management_event_invoke.cc checks requests against).
constexpr const char* kDestinationPattern =
    R"(^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*))";

constexpr int kMinRetryAttempts = 0;
constexpr int kMaxRetryAttempts = 2;
constexpr int kMinEventAgeS = 60;
constexpr int kMaxEventAgeS = 21600;

const std::vector<std::string> kMembers = {"MaximumRetryAttempts", "MaximumEventAgeInSeconds",
                                           "DestinationConfig"};
const std::vector<std::string> kSides = {"OnSuccess", "OnFailure"};
const std::vector<std::string> kSamTypes = {"SQS", "SNS", "Lambda", "EventBridge", "S3Bucket"};

const char* Describe(DestinationService service) {
  switch (service) {
    case DestinationService::kSqs:
      return "an SQS queue";
    case DestinationService::kSns:
      return "an SNS topic";
    case DestinationService::kLambda:
      return "a Lambda function";
    case DestinationService::kEventBridge:
      return "an EventBridge event bus";
    case DestinationService::kS3:
      return "an S3 bucket";
  }
  return "";
}

// SAM's Type -> the service its ARN must name. SAM's docs spell the S3 one
// "S3", CloudFormation's Lambda docs "S3Bucket": both are taken.
std::optional<DestinationService> TypeService(const std::string& type) {
  if (type == "SQS") return DestinationService::kSqs;
  if (type == "SNS") return DestinationService::kSns;
  if (type == "Lambda") return DestinationService::kLambda;
  if (type == "EventBridge") return DestinationService::kEventBridge;
  if (type == "S3Bucket" || type == "S3") return DestinationService::kS3;
  return std::nullopt;
}

std::string Text(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) Fail(where + ": must be a string");
  return node.Scalar();
}

int Integer(const YAML::Node& node, const std::string& where, int min, int max) {
  const std::string text = node.IsScalar() ? node.Scalar() : "";
  static const std::regex kInteger(R"(-?\d{1,9})");
  if (!std::regex_match(text, kInteger)) {
    Fail(where + ": must be a whole number, got '" + text + "'");
  }
  const int value = std::stoi(text);
  if (value < min || value > max) {
    Fail(where + ": must be between " + std::to_string(min) + " and " + std::to_string(max) +
         ", got " + text);
  }
  return value;
}

void CheckMembers(const YAML::Node& node, const std::vector<std::string>& known,
                  const std::string& where) {
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      Fail(where + "." + key + ": unknown member" + DidYouMean(key, known));
    }
  }
}

DestinationArn Destination(const std::string& arn, const std::string& where) {
  auto parsed = ParseDestinationArn(arn);
  if (!parsed.ok()) Fail(where + ": " + parsed.status().message());
  return std::move(parsed).value();
}

// One side of DestinationConfig -> {} or {"Destination": ARN}.
json ParseSide(const YAML::Node& node, const std::string& side, const std::string& where,
               const EventInvokeSyntax& syntax) {
  if (node.IsNull()) return json::object();
  if (!node.IsMap()) Fail(where + ": must be a map with Destination");
  std::vector<std::string> members = {"Destination"};
  if (syntax.sam || node["Type"]) members.push_back("Type");
  CheckMembers(node, members, where);

  std::optional<DestinationService> typed;
  std::string type;
  if (const YAML::Node t = node["Type"]) {
    type = Text(t, where + ".Type");
    typed = TypeService(type);
    if (!typed) {
      Fail(where + ".Type: must be one of SQS, SNS, Lambda, EventBridge or S3Bucket, got '" + type +
           "'" + DidYouMean(type, kSamTypes));
    }
  } else if (syntax.sam) {
    Fail(where + ".Type: required (SQS, SNS, Lambda, EventBridge or S3Bucket)");
  }

  std::string arn;
  if (const YAML::Node d = node["Destination"]; d && !d.IsNull()) {
    arn = Text(d, where + ".Destination");
  }
  if (arn.empty()) {
    // SAM creates a queue or topic for a destination that has a Type but no
    // ARN; Lambda and EventBridge destinations must name one.
    if (syntax.sam && typed == DestinationService::kSqs && syntax.generated_arn) {
      arn = syntax.generated_arn(side, "Queue");
    } else if (syntax.sam && typed == DestinationService::kSns && syntax.generated_arn) {
      arn = syntax.generated_arn(side, "Topic");
    } else if (syntax.sam) {
      Fail(where + ".Destination: required when Type is " + type +
           " (SAM creates a queue or topic only for Type SQS or SNS)");
    } else if (typed) {
      Fail(where + ".Destination: required when a Type is given");
    } else {
      return json::object();  // as Lambda stores {"OnSuccess": {}}
    }
  }
  const DestinationArn parsed = Destination(arn, where + ".Destination");
  if (typed && *typed != parsed.service) {
    Fail(where + ": Type " + type + " does not match the Destination " + arn + ", which is " +
         Describe(parsed.service));
  }
  if (parsed.service == DestinationService::kS3 && side != "OnFailure") {
    Fail(where + ".Destination: " + arn +
         ": an S3 bucket can only be an OnFailure destination (Lambda sends successful "
         "invocations' records to SQS, SNS, Lambda or EventBridge)");
  }
  return json{{"Destination", arn}};
}

}  // namespace

Result<DestinationArn> ParseDestinationArn(const std::string& arn) {
  static const std::regex kPattern(kDestinationPattern);
  if (arn.empty() || !std::regex_match(arn, kPattern)) {
    // A queue's Ref is its URL, the usual slip in a template.
    const bool queue_url = arn.rfind("https://sqs.", 0) == 0;
    return Status::Error("'" + arn +
                         "' is not an ARN (Lambda's pattern: arn:PARTITION:SERVICE:REGION:"
                         "ACCOUNT:RESOURCE)" +
                         (queue_url ? "; that is a queue URL: use the queue's ARN (!GetAtt "
                                      "Queue.Arn)"
                                    : ""));
  }
  // arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE; the pattern guarantees the
  // first five colons.
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  DestinationArn out;
  const std::string& service = parts[2];
  out.region = parts[3];
  out.account = parts[4];
  out.resource = arn.substr(start);
  if (service == "sqs") {
    out.service = DestinationService::kSqs;
  } else if (service == "sns") {
    out.service = DestinationService::kSns;
  } else if (service == "lambda") {
    out.service = DestinationService::kLambda;
    if (out.resource.rfind("function:", 0) != 0 || out.resource.size() == 9) {
      return Status::Error(arn +
                           " is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:"
                           "function:NAME)");
    }
  } else if (service == "events") {
    out.service = DestinationService::kEventBridge;
    if (out.resource.rfind("event-bus/", 0) != 0) {
      return Status::Error(arn +
                           " is not an EventBridge event bus ARN (arn:aws:events:REGION:"
                           "ACCOUNT:event-bus/NAME)");
    }
  } else if (service == "s3") {
    out.service = DestinationService::kS3;
  } else {
    return Status::Error("Lambda cannot send records to " + arn +
                         ": a destination is an SQS queue, an SNS topic, a Lambda function, an "
                         "EventBridge event bus or (OnFailure only) an S3 bucket");
  }
  return out;
}

std::string DestinationFunctionName(const DestinationArn& arn) {
  std::string rest = arn.resource.substr(std::string("function:").size());
  return rest.substr(0, rest.find(':'));
}

Result<std::string> ParseEventInvokeConfig(const YAML::Node& node, const std::string& where,
                                           const EventInvokeSyntax& syntax) {
  try {
    if (!node.IsMap()) {
      Fail(where +
           ": must be a map of MaximumRetryAttempts, MaximumEventAgeInSeconds and "
           "DestinationConfig");
    }
    CheckMembers(node, kMembers, where);
    json out = json::object();
    if (const YAML::Node v = node["MaximumRetryAttempts"]; v && !v.IsNull()) {
      out["MaximumRetryAttempts"] =
          Integer(v, where + ".MaximumRetryAttempts", kMinRetryAttempts, kMaxRetryAttempts);
    }
    if (const YAML::Node v = node["MaximumEventAgeInSeconds"]; v && !v.IsNull()) {
      out["MaximumEventAgeInSeconds"] =
          Integer(v, where + ".MaximumEventAgeInSeconds", kMinEventAgeS, kMaxEventAgeS);
    }
    json destinations = {{"OnSuccess", json::object()}, {"OnFailure", json::object()}};
    const YAML::Node config = node["DestinationConfig"];
    if (config && !config.IsNull()) {
      const std::string config_where = where + ".DestinationConfig";
      if (!config.IsMap()) Fail(config_where + ": must be a map with OnSuccess and OnFailure");
      CheckMembers(config, kSides, config_where);
      for (const auto& side : kSides) {
        destinations[side] = ParseSide(config[side] ? config[side] : YAML::Node(), side,
                                       config_where + "." + side, syntax);
      }
    }
    if (out.empty() && (!config || config.IsNull())) {
      // Lambda's own words for an empty PutFunctionEventInvokeConfig.
      Fail(where +
           ": You must specify at least one of error handling or destination setting "
           "(MaximumRetryAttempts, MaximumEventAgeInSeconds or DestinationConfig)");
    }
    out["DestinationConfig"] = std::move(destinations);
    // A YAML file need not be UTF-8 (see YamlToJson): replace, never throw.
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const Invalid& e) {
    return Status::Error(e.message);
  }
}

Result<std::string> ParseDeadLetterTarget(const YAML::Node& node, const std::string& where,
                                          bool sam) {
  try {
    if (!node.IsMap())
      Fail(where + ": must be a map with " + (sam ? "Type and " : "") + "TargetArn");
    std::vector<std::string> members = {"TargetArn"};
    if (sam) members.push_back("Type");
    CheckMembers(node, members, where);
    std::optional<DestinationService> typed;
    if (sam) {
      if (!node["Type"]) Fail(where + ".Type: required (SQS or SNS)");
      const std::string type = Text(node["Type"], where + ".Type");
      if (type != "SQS" && type != "SNS") {
        Fail(where + ".Type: must be SQS or SNS, got '" + type + "'");
      }
      typed = TypeService(type);
      if (!node["TargetArn"]) Fail(where + ".TargetArn: required");
    }
    const YAML::Node target = node["TargetArn"];
    std::string arn = target && !target.IsNull() ? Text(target, where + ".TargetArn") : "";
    if (arn.empty()) {
      if (sam) Fail(where + ".TargetArn: required");
      return std::string();
    }
    const DestinationArn parsed = Destination(arn, where + ".TargetArn");
    if (parsed.service != DestinationService::kSqs && parsed.service != DestinationService::kSns) {
      Fail(where + ".TargetArn: " + arn + " is " + Describe(parsed.service) +
           "; a dead-letter queue is an SQS queue or an SNS topic");
    }
    if (typed && *typed != parsed.service) {
      Fail(where + ": Type " + node["Type"].Scalar() + " does not match the TargetArn " + arn +
           ", which is " + Describe(parsed.service));
    }
    return arn;
  } catch (const Invalid& e) {
    return Status::Error(e.message);
  }
}

Status CheckFunctionDestinations(const std::vector<FunctionConfig>& functions,
                                 const std::vector<std::string>& defined, const std::string& region,
                                 const std::string& account, const std::string& source) {
  for (const auto& f : functions) {
    for (const auto& [qualifier, text] : f.event_invoke_configs) {
      const json config = json::parse(text, nullptr, false);
      if (!config.is_object() || !config.contains("DestinationConfig")) continue;
      for (const auto& side : kSides) {
        const json& member = config["DestinationConfig"].value(side, json::object());
        if (!member.is_object() || !member.contains("Destination")) continue;
        const std::string arn = member["Destination"].get<std::string>();
        auto parsed = ParseDestinationArn(arn);
        if (!parsed.ok() || parsed->service != DestinationService::kLambda) continue;
        const std::string where = "function '" + f.name + "': EventInvokeConfig" +
                                  (qualifier == "$LATEST" ? "" : " (" + qualifier + ")") +
                                  ".DestinationConfig." + side + ".Destination";
        const std::string name = DestinationFunctionName(*parsed);
        if (name == f.name) {
          return Status::Error(where + ": " + arn +
                               ": You can't specify the function as a destination for itself.");
        }
        const bool here = (region.empty() || parsed->region == region) &&
                          (account.empty() || parsed->account == account);
        if (!here || std::find(defined.begin(), defined.end(), name) == defined.end()) {
          return Status::Error(where + ": destination function " + name + " is not defined in " +
                               source + " (" + arn + ")");
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace lambda_emu::config
