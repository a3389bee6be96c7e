#include "config/event_source.h"

#include <nlohmann/json.hpp>
#include <regex>

namespace lambda_emu::config {

namespace {

nlohmann::json JsonValue(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsSequence()) {
    auto out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(JsonValue(item));
    return out;
  }
  if (node.IsMap()) {
    auto out = nlohmann::json::object();
    for (const auto& kv : node) out[kv.first.Scalar()] = JsonValue(kv.second);
    return out;
  }
  const std::string& text = node.Scalar();
  if (node.Tag() != "!") {  // unquoted: YAML's plain numbers and booleans
    static const std::regex kInteger(R"(-?\d{1,15})");
    if (std::regex_match(text, kInteger)) return std::stoll(text);
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
  }
  return text;
}

std::string Field(const YAML::Node& properties, const char* key) {
  if (!properties.IsDefined() || !properties.IsMap()) return "";
  const YAML::Node value = properties[key];
  return value && value.IsScalar() ? value.Scalar() : "";
}

// What the banner says about an event source.
std::string Summarize(const std::string& type, const YAML::Node& p) {
  if (type == "Api" || type == "HttpApi") {
    std::string method = Field(p, "Method");
    for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string route = Field(p, "Path");
    if (method.empty() && route.empty()) return "$default route";
    return (method.empty() || method == "ANY" ? "ANY" : method) + " " + route;
  }
  if (type == "Schedule") return Field(p, "Schedule");
  if (type == "ScheduleV2") return Field(p, "ScheduleExpression");
  if (type == "SQS") return Field(p, "Queue");
  if (type == "SNS") return Field(p, "Topic");
  if (type == "S3") return Field(p, "Bucket");
  if (type == "DynamoDB" || type == "Kinesis") return Field(p, "Stream");
  if (type == "CloudWatchLogs") return Field(p, "LogGroupName");
  return "";
}

}  // namespace

// A YAML file need not be UTF-8: a scalar's bytes that are not become U+FFFD,
// where nlohmann's plain dump() throws type_error 316 (found by
// fuzz/config_file_fuzzer.cc: a config or template with such bytes in an
// event's properties or FunctionUrlConfig terminated the server).
std::string YamlToJson(const YAML::Node& node) {
  return JsonValue(node).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<EventSource>> ParseEventSources(const YAML::Node& events,
                                                   const std::string& where) {
  std::vector<EventSource> out;
  if (!events.IsDefined() || events.IsNull()) return out;
  if (!events.IsMap())
    return Status::Error(where + ": must be a map of event name to event source");
  for (const auto& kv : events) {
    EventSource source;
    source.name = kv.first.Scalar();
    const YAML::Node& event = kv.second;
    const YAML::Node type = event.IsMap() ? event["Type"] : YAML::Node();
    if (!type.IsDefined() || !type.IsScalar()) {
      return Status::Error(where + "." + source.name + ": needs a Type");
    }
    source.type = type.Scalar();
    const YAML::Node properties = event["Properties"];
    source.summary = Summarize(source.type, properties);
    source.properties = properties.IsDefined() ? YamlToJson(properties) : "null";
    out.push_back(std::move(source));
  }
  return out;
}

}  // namespace lambda_emu::config
