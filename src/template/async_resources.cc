// The resources of a template that feed asynchronous invocation: what a
// Ref / GetAtt of a queue, topic, event bus or bucket gives (so destinations
// and dead-letter queues can name them), AWS::Lambda::EventInvokeConfig,
// schedules declared as AWS::Events::Rule or AWS::Scheduler::Schedule, and
// the check that Lambda destinations name functions of the template.

#include <nlohmann/json.hpp>

#include "api/function_ref.h"
#include "config/event_invoke_config.h"
#include "config/event_source.h"
#include "template/template_loader.h"

namespace lambda_emu::templates {

namespace {

inline constexpr const char* kSqsQueue = "AWS::SQS::Queue";
inline constexpr const char* kSnsTopic = "AWS::SNS::Topic";
inline constexpr const char* kEventBus = "AWS::Events::EventBus";
inline constexpr const char* kS3Bucket = "AWS::S3::Bucket";

// The physical name a resource gets: its name property when that resolves,
// else the logical id (CloudFormation would add the stack name and a random
// suffix; locally the logical id is the stable choice).
std::string PhysicalName(const YAML::Node& properties, const char* key, const std::string& id,
                         const std::string& path, Resolver& resolver) {
  const YAML::Node raw = Field(properties, key);
  if (raw.IsNull()) return id;
  YAML::Node resolved = resolver.Resolve(raw, path + "." + key);
  if (!resolved.IsScalar() || IsUnresolved(resolved) || resolved.Scalar().empty()) return id;
  return resolved.Scalar();
}

bool IsTrue(const YAML::Node& node) {
  return node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "True");
}

// The function of `functions` that `arn` names (its ARN, or its ARN with a
// qualifier), or nullptr.
config::FunctionConfig* FunctionByArn(std::vector<config::FunctionConfig>& functions,
                                      const PseudoParameters& pseudo, const std::string& arn) {
  for (auto& f : functions) {
    const std::string own = api::FunctionArn(pseudo.region, pseudo.account_id, f.name);
    if (arn == own || arn.rfind(own + ":", 0) == 0) return &f;
  }
  return nullptr;
}

}  // namespace

bool IsMessagingResource(const std::string& type) {
  return type == kSqsQueue || type == kSnsTopic || type == kEventBus || type == kS3Bucket;
}

SymbolTable::Resource MessagingSymbol(const std::string& type, const std::string& id,
                                      const YAML::Node& properties, const std::string& path,
                                      const PseudoParameters& pseudo, Resolver& resolver) {
  SymbolTable::Resource symbol{type, "", {}};
  const std::string region_account = pseudo.region + ":" + pseudo.account_id + ":";
  if (type == kSqsQueue) {
    std::string name = PhysicalName(properties, "QueueName", id, path, resolver);
    const std::string fifo = ".fifo";
    if (IsTrue(Field(properties, "FifoQueue")) &&
        (name.size() < fifo.size() || name.compare(name.size() - fifo.size(), 5, fifo) != 0)) {
      name += fifo;
    }
    symbol.ref = QueueUrl(pseudo, name);
    symbol.attributes["Arn"] = "arn:aws:sqs:" + region_account + name;
    symbol.attributes["QueueName"] = name;
    symbol.attributes["QueueUrl"] = symbol.ref;
  } else if (type == kSnsTopic) {
    const std::string name = PhysicalName(properties, "TopicName", id, path, resolver);
    symbol.ref = "arn:aws:sns:" + region_account + name;
    symbol.attributes["TopicArn"] = symbol.ref;
    symbol.attributes["TopicName"] = name;
  } else if (type == kEventBus) {
    const std::string name = PhysicalName(properties, "Name", id, path, resolver);
    symbol.ref = name;
    symbol.attributes["Arn"] = "arn:aws:events:" + region_account + "event-bus/" + name;
    symbol.attributes["Name"] = name;
  } else if (type == kS3Bucket) {
    const std::string name = PhysicalName(properties, "BucketName", id, path, resolver);
    symbol.ref = name;
    symbol.attributes["Arn"] = "arn:aws:s3:::" + name;
  }
  return symbol;
}

std::string QueueUrl(const PseudoParameters& pseudo, const std::string& name) {
  return "https://sqs." + pseudo.region + ".amazonaws.com/" + pseudo.account_id + "/" + name;
}

std::string GeneratedDestinationId(const std::string& function_id, const std::string& side,
                                   const std::string& kind) {
  return function_id + "EventInvokeConfig" + side + kind;
}

SymbolTable::Resource GeneratedDestinationSymbol(const std::string& id, const std::string& kind,
                                                 const PseudoParameters& pseudo) {
  const std::string region_account = pseudo.region + ":" + pseudo.account_id + ":";
  if (kind == "Queue") {
    SymbolTable::Resource symbol{kSqsQueue, QueueUrl(pseudo, id), {}};
    symbol.attributes["Arn"] = "arn:aws:sqs:" + region_account + id;
    symbol.attributes["QueueName"] = id;
    symbol.attributes["QueueUrl"] = symbol.ref;
    return symbol;
  }
  SymbolTable::Resource symbol{kSnsTopic, "arn:aws:sns:" + region_account + id, {}};
  symbol.attributes["TopicArn"] = symbol.ref;
  symbol.attributes["TopicName"] = id;
  return symbol;
}

void RequireResolvedArns(const YAML::Node& node, const std::string& where) {
  // A reference that cannot be resolved locally becomes "" (or the logical
  // id): as a destination it would be no destination, or SAM's generated
  // queue, silently. Say so instead.
  auto check = [&where](const YAML::Node& value, const std::string& key) {
    if (IsUnresolved(value)) {
      Fail(where + "." + key +
           ": a reference lambda-emu cannot resolve locally; give the ARN (or a !GetAtt / !Ref "
           "of a function, queue, topic, event bus or bucket of the template)");
    }
  };
  check(Field(node, "TargetArn"), "TargetArn");
  const YAML::Node destinations = Field(node, "DestinationConfig");
  for (const char* side : {"OnSuccess", "OnFailure"}) {
    check(Field(Field(destinations, side), "Destination"),
          std::string("DestinationConfig.") + side + ".Destination");
  }
}

bool TemplateLoader::LoadAsyncResource(const std::string& id, const YAML::Node& resource,
                                       const Stack& stack, Resolver& resolver) {
  const std::string type = resource["Type"].Scalar();
  const std::string path = stack.prefix + id;
  auto& functions = out_.config.functions;
  if (type == kLambdaEventInvokeConfig) {
    YAML::Node properties = resolver.Resolve(Field(resource, "Properties"), path);
    if (!properties.IsMap()) Fail(path + ".Properties: must be a map");
    const YAML::Node function = Field(properties, "FunctionName");
    const YAML::Node qualifier = Field(properties, "Qualifier");
    if (!function.IsScalar() || function.Scalar().empty()) Fail(path + ".FunctionName: required");
    if (!qualifier.IsScalar() || qualifier.Scalar().empty()) Fail(path + ".Qualifier: required");
    // FunctionName: a name (what !Ref gives) or an ARN.
    const std::string name = function.Scalar();
    config::FunctionConfig* target = FunctionByArn(functions, options_.pseudo, name);
    for (auto& f : functions) {
      if (!target && f.name == name) target = &f;
    }
    if (!target) {
      if (out_.unsupported.count(name)) return true;  // a container image function
      Fail(path + ".FunctionName: function " + name + " is not defined in the template");
    }
    YAML::Node members = YAML::Clone(properties);
    members.remove("FunctionName");
    members.remove("Qualifier");
    RequireResolvedArns(members, path);
    auto parsed = config::ParseEventInvokeConfig(members, path, config::EventInvokeSyntax{});
    if (!parsed.ok()) Fail(parsed.status().message());
    if (!target->event_invoke_configs.emplace(qualifier.Scalar(), parsed.value()).second) {
      Fail(path + ": function " + target->name + " already has an EventInvokeConfig for " +
           qualifier.Scalar() + " (its own EventInvokeConfig property, or another resource)");
    }
    return true;
  }
  if (type != kEventsRule && type != kSchedulerSchedule) return false;

  const bool rule = type == kEventsRule;
  YAML::Node properties = resolver.Resolve(Field(resource, "Properties"), path);
  const YAML::Node expression = Field(properties, "ScheduleExpression");
  if (!expression.IsScalar()) return false;  // an event-pattern rule: not a schedule
  // Rule: Targets [{Arn, Input}]; Scheduler: one Target {Arn, Input}.
  std::vector<YAML::Node> targets;
  if (rule && Field(properties, "Targets").IsSequence()) {
    for (const auto& t : properties["Targets"]) targets.push_back(t);
  } else if (!rule && Field(properties, "Target").IsMap()) {
    targets.push_back(properties["Target"]);
  }
  bool used = false;
  for (const auto& target : targets) {
    const YAML::Node arn = Field(target, "Arn");
    if (!arn.IsScalar()) continue;
    config::FunctionConfig* f = FunctionByArn(functions, options_.pseudo, arn.Scalar());
    if (!f) continue;  // a target that is not a function here
    nlohmann::json event = {{rule ? "Schedule" : "ScheduleExpression", expression.Scalar()}};
    if (Field(target, "Input").IsScalar()) event["Input"] = target["Input"].Scalar();
    for (const char* key : {"State", "Name", "ScheduleExpressionTimezone"}) {
      if (Field(properties, key).IsScalar()) event[key] = properties[key].Scalar();
    }
    config::EventSource source;
    source.name = id;
    source.type = rule ? "Schedule" : "ScheduleV2";
    source.summary = expression.Scalar();
    // Not necessarily UTF-8 (see config::YamlToJson): replace, never throw.
    source.properties = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    f->events.push_back(std::move(source));
    used = true;
  }
  return used;
}

void TemplateLoader::CheckDestinations() {
  std::vector<std::string> defined;
  for (const auto& f : out_.config.functions) defined.push_back(f.name);
  for (const auto& [name, why] : out_.unsupported) defined.push_back(name);
  Status s =
      config::CheckFunctionDestinations(out_.config.functions, defined, options_.pseudo.region,
                                        options_.pseudo.account_id, "the template");
  if (!s.ok()) Fail(s.message());
}

}  // namespace lambda_emu::templates
