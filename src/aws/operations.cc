#include "aws/operations.h"

#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>

namespace lambda_emu::aws {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

constexpr size_t kMaxErrorText = 300;

std::string Dump(const json& value) {
  // A record that is not valid UTF-8 still goes out (with U+FFFD) rather than
  // throwing from the io thread.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

SignedRequest NewRequest(http::verb method, std::string target, const Endpoint& endpoint,
                         std::string_view content_type) {
  SignedRequest request(method, target, 11);
  request.set(http::field::host, endpoint.host_header);
  request.set(http::field::content_type, content_type);
  return request;
}

std::string Shorten(std::string text) {
  if (text.size() > kMaxErrorText) {
    // Cut at a UTF-8 character boundary (not inside a multi-byte sequence).
    size_t cut = kMaxErrorText;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// The text between <tag> and </tag>, XML entities for &<>"' undone.
std::string XmlElement(std::string_view body, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t start = body.find(open);
  if (start == std::string_view::npos) return {};
  start += open.size();
  size_t end = body.find(close, start);
  if (end == std::string_view::npos) return {};
  std::string_view raw = body.substr(start, end - start);
  std::string out;
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
  for (size_t i = 0; i < raw.size(); ++i) {
    bool replaced = false;
    if (raw[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (raw.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += raw[i];
  }
  return out;
}

// AWS's error code and message from a failed response, whichever protocol
// the service speaks.
std::pair<std::string, std::string> ErrorCodeAndMessage(const Reply& reply) {
  std::string code;
  std::string message;
  // SQS's JSON protocol names the old query-protocol code here
  // ("AWS.SimpleQueueService.NonExistentQueue;Sender"), which is what the
  // SDKs report.
  if (auto it = reply.find("x-amzn-query-error"); it != reply.end()) {
    std::string_view value = it->value();
    code = std::string(value.substr(0, value.find(';')));
  }
  json body = json::parse(reply.body(), nullptr, false);
  if (!body.is_discarded() && body.is_object()) {
    if (code.empty()) {
      for (const char* key : {"__type", "code", "Code"}) {
        if (body.contains(key) && body[key].is_string()) {
          code = body[key].get<std::string>();
          break;
        }
      }
      // "com.amazonaws.sqs#QueueDoesNotExist", "NotFound:http://internal..."
      if (size_t hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
      if (size_t colon = code.find(':'); colon != std::string::npos) code = code.substr(0, colon);
    }
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (body.contains(key) && body[key].is_string()) {
        message = body[key].get<std::string>();
        break;
      }
    }
  } else if (reply.body().find('<') != std::string::npos) {
    if (code.empty()) code = XmlElement(reply.body(), "Code");
    message = XmlElement(reply.body(), "Message");
  }
  if (code.empty()) {
    if (auto it = reply.find("x-amzn-ErrorType"); it != reply.end()) {
      std::string_view value = it->value();
      code = std::string(value.substr(0, value.find(':')));
    }
  }
  return {Shorten(std::move(code)), Shorten(std::move(message))};
}

Result<Operation> SqsSendMessage(const Message& message, const Arn& arn, const Endpoint& endpoint) {
  if (arn.account.empty() || arn.resource.empty()) {
    return Status::Error(message.arn + ": an SQS queue ARN names an account and a queue");
  }
  json body = json::object();
  body["QueueUrl"] = endpoint.base_url + "/" + arn.account + "/" + arn.resource;
  body["MessageBody"] = message.body;
  if (!message.attributes.empty()) {
    json attributes = json::object();
    for (const MessageAttribute& attribute : message.attributes) {
      attributes[attribute.name] = {{"DataType", attribute.data_type},
                                    {"StringValue", attribute.value}};
    }
    body["MessageAttributes"] = std::move(attributes);
  }
  Operation operation;
  operation.service = "sqs";
  operation.name = "SendMessage";
  operation.request = NewRequest(http::verb::post, "/", endpoint, "application/x-amz-json-1.0");
  operation.request.set("X-Amz-Target", "AmazonSQS.SendMessage");
  // SQS speaks JSON for SDKs that announce it and still answers errors with
  // the query protocol's codes (the model's awsQueryCompatible); botocore
  // sends this header.
  operation.request.set("x-amzn-query-mode", "true");
  operation.request.body() = Dump(body);
  return operation;
}

Result<Operation> SnsPublish(const Message& message, const Endpoint& endpoint) {
  // The query protocol's form encoding: RFC 3986 unreserved stay, the rest
  // (space included) is %XX, as botocore's serializer writes it.
  std::string form = "Action=Publish&Version=2010-03-31&TopicArn=" + UriEncode(message.arn, false) +
                     "&Message=" + UriEncode(message.body, false);
  int n = 0;
  for (const MessageAttribute& attribute : message.attributes) {
    std::string prefix = "&MessageAttributes.entry." + std::to_string(++n) + ".";
    form += prefix + "Name=" + UriEncode(attribute.name, false);
    form += prefix + "Value.DataType=" + UriEncode(attribute.data_type, false);
    form += prefix + "Value.StringValue=" + UriEncode(attribute.value, false);
  }
  Operation operation;
  operation.service = "sns";
  operation.name = "Publish";
  operation.request = NewRequest(http::verb::post, "/", endpoint,
                                 "application/x-www-form-urlencoded; charset=utf-8");
  operation.request.body() = std::move(form);
  return operation;
}

Result<Operation> EventsPutEvents(const Message& message, const Endpoint& endpoint) {
  json entry = json::object();
  entry["Source"] = "lambda";
  entry["DetailType"] = message.detail_type;
  entry["Detail"] = message.body;
  entry["EventBusName"] = message.arn;
  if (!message.resources.empty()) entry["Resources"] = message.resources;
  json body = json::object();
  body["Entries"] = json::array({std::move(entry)});
  Operation operation;
  operation.service = "events";
  operation.name = "PutEvents";
  operation.request = NewRequest(http::verb::post, "/", endpoint, "application/x-amz-json-1.1");
  operation.request.set("X-Amz-Target", "AWSEvents.PutEvents");
  operation.request.body() = Dump(body);
  return operation;
}

Result<Operation> S3PutObject(const Message& message, const Arn& arn, const Endpoint& endpoint) {
  const std::string& bucket = arn.resource;
  if (bucket.empty() || bucket.find('/') != std::string::npos) {
    return Status::Error(message.arn + ": an S3 destination is a bucket ARN, arn:aws:s3:::BUCKET");
  }
  if (message.object_key.empty()) {
    return Status::Error(message.arn + ": no object key for the S3 destination");
  }
  Operation operation;
  operation.service = "s3";
  operation.name = "PutObject";
  operation.request = NewRequest(
      http::verb::put, "/" + UriEncode(bucket, false) + "/" + UriEncode(message.object_key, true),
      endpoint, "application/json");
  operation.request.body() = message.body;
  return operation;
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::Error("--aws-endpoint-url " + std::string(url) + ": " + std::string(why) +
                         "; expected http[s]://HOST[:PORT], e.g. http://localhost:4566");
  };
  std::string lower(url.substr(0, 8));
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Endpoint endpoint;
  std::string_view scheme;
  if (lower.starts_with("https://")) {
    endpoint.tls = true;
    scheme = "https://";
  } else if (lower.starts_with("http://")) {
    scheme = "http://";
  } else {
    return bad("not an http:// or https:// URL");
  }
  std::string_view rest = url.substr(scheme.size());
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? "" : rest.substr(end);
  if (!tail.empty() && tail != "/") return bad("a path, query or fragment is not supported");
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");

  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    endpoint.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) return bad("junk after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return bad("empty port");
    }
  } else {
    size_t colon = authority.rfind(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return bad("empty port");
    }
  }
  if (endpoint.host.empty()) return bad("no host");
  if (!port.empty()) {
    if (!AllDigits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
        std::stoi(std::string(port)) > 65535) {
      return bad("the port is not a number from 1 to 65535");
    }
    endpoint.port = std::string(port);
    endpoint.host_header = std::string(authority);
  } else {
    endpoint.port = endpoint.tls ? "443" : "80";
    endpoint.host_header = std::string(authority);
  }
  endpoint.base_url = std::string(scheme) + std::string(authority);
  return endpoint;
}

std::optional<Arn> ParseArn(std::string_view text) {
  std::string_view parts[5];
  std::string_view rest = text;
  for (auto& part : parts) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    part = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  }
  if (parts[0] != "arn" || parts[1].empty() || parts[2].empty()) return std::nullopt;
  Arn arn;
  arn.partition = std::string(parts[1]);
  arn.service = std::string(parts[2]);
  arn.region = std::string(parts[3]);
  arn.account = std::string(parts[4]);
  arn.resource = std::string(rest);
  return arn;
}

std::string Operation::Describe() const { return service + " " + name + " to " + arn; }

Result<Operation> BuildOperation(const Message& message, const Endpoint& endpoint,
                                 std::string_view default_region) {
  std::optional<Arn> arn = ParseArn(message.arn);
  if (!arn) return Status::Error(message.arn + ": not an ARN");
  Result<Operation> operation = Status::Error(
      message.arn + ": not an SQS queue, SNS topic, EventBridge event bus or S3 bucket ARN");
  if (arn->service == "sqs") {
    operation = SqsSendMessage(message, *arn, endpoint);
  } else if (arn->service == "sns") {
    operation = SnsPublish(message, endpoint);
  } else if (arn->service == "events") {
    operation = EventsPutEvents(message, endpoint);
  } else if (arn->service == "s3") {
    operation = S3PutObject(message, *arn, endpoint);
  }
  if (!operation.ok()) return operation;
  operation->region = arn->region.empty() ? std::string(default_region) : arn->region;
  operation->arn = message.arn;
  operation->request.set(http::field::user_agent, "lambda-emu/" LAMBDA_EMU_VERSION);
  return operation;
}

Status CheckResponse(const Operation& operation, const Reply& reply) {
  unsigned status = reply.result_int();
  if (status >= 200 && status < 300) {
    if (operation.service != "events") return Status::Ok();
    // PutEvents answers 200 even when it rejects the entry.
    json body = json::parse(reply.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Status::Error(operation.Describe() + ": HTTP " + std::to_string(status) +
                           " with a body that is not JSON");
    }
    auto failed = body.find("FailedEntryCount");
    if (failed == body.end() || !failed->is_number_integer() || failed->get<int64_t>() == 0) {
      return Status::Ok();
    }
    std::string code;
    std::string message;
    auto entries = body.find("Entries");
    if (entries != body.end() && entries->is_array() && !entries->empty() &&
        (*entries)[0].is_object()) {
      const json& entry = (*entries)[0];
      if (entry.contains("ErrorCode") && entry["ErrorCode"].is_string()) {
        code = entry["ErrorCode"].get<std::string>();
      }
      if (entry.contains("ErrorMessage") && entry["ErrorMessage"].is_string()) {
        message = entry["ErrorMessage"].get<std::string>();
      }
    }
    std::string text =
        operation.Describe() + ": FailedEntryCount " + std::to_string(failed->get<int64_t>());
    if (!code.empty()) text += " " + Shorten(code);
    if (!message.empty()) text += ": " + Shorten(message);
    return Status::Error(std::move(text));
  }
  auto [code, message] = ErrorCodeAndMessage(reply);
  std::string text = operation.Describe() + ": HTTP " + std::to_string(status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  return Status::Error(std::move(text));
}

std::string S3DestinationKey(std::string_view function_name,
                             std::chrono::system_clock::time_point time,
                             std::string_view random_uuid) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char day[16];
  char stamp[32];
  std::strftime(day, sizeof day, "%Y/%m/%d", &utc);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H.%M.%S", &utc);
  std::string key = "aws/lambda/async/";
  key += function_name;
  key += '/';
  key += day;
  key += '/';
  key += stamp;
  key += '-';
  key += random_uuid;
  return key;
}

}  // namespace lambda_emu::aws
