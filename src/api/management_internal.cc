// The helpers of management_internal.h that more than one of the management
// API's files uses (Ok, Fail, Body and PageSize are in management_api.cc).

#include "api/management_internal.h"

#include <algorithm>

#include "api/function_ref.h"
#include "api/invoke_api.h"

namespace lambda_emu::api::management {

namespace http_ns = beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view kTaggableResourcePattern =
    R"(arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+))";

}  // namespace

Page PageOf(const std::vector<std::string>& keys, std::string_view query, int page_size,
            const KeyOrder& before) {
  Page page;
  if (auto marker = QueryParam(query, "Marker"); marker && !marker->empty()) {
    page.begin = static_cast<size_t>(
        std::partition_point(keys.begin(), keys.end(),
                             [&](const std::string& key) { return before(key, *marker); }) -
        keys.begin());
  }
  page.end = std::min(keys.size(), page.begin + static_cast<size_t>(std::max(page_size, 1)));
  if (page.end < keys.size()) page.next_marker = keys[page.end];
  return page;
}

json Listing(const std::vector<std::string>& keys, std::string_view query, int page_size,
             const char* member, const std::function<json(size_t)>& item, const KeyOrder& before) {
  const Page page = PageOf(keys, query, page_size, before);
  json body = {{member, json::array()}};
  for (size_t i = page.begin; i < page.end; ++i) body[member].push_back(item(i));
  if (page.next_marker) body["NextMarker"] = *page.next_marker;
  return body;
}

AwsError Invalid(const ValidationErrors& errors) {
  std::string message = errors.Message();
  const std::string quoted = "'" + std::string(kNull) + "'";
  for (auto at = message.find(quoted); at != std::string::npos; at = message.find(quoted)) {
    message.replace(at, quoted.size(), "null");
  }
  return AwsError::Validation(message);
}

bool OnlyOf(std::string_view text, std::string_view allowed) {
  return text.find_first_not_of(allowed) == std::string_view::npos;
}

bool IsNumber(std::string_view text) { return !text.empty() && OnlyOf(text, "0123456789"); }

bool IsAliasName(std::string_view text) {
  return !text.empty() && !IsNumber(text) && OnlyOf(text, kNameChars);
}

std::string Shown(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

void CheckRange(const json& value, std::string_view member, long long min, long long max,
                ValidationErrors& errors) {
  if (!value.is_number_integer() || value.get<long long>() < min) {
    errors.Add(Shown(value), member,
               "Member must have value greater than or equal to " + std::to_string(min));
  } else if (value.get<long long>() > max) {
    errors.Add(Shown(value), member,
               "Member must have value less than or equal to " + std::to_string(max));
  }
}

bool IsNotFound(const AwsError& error) {
  return error.type == "ResourceNotFoundException" &&
         error.message.starts_with("Function not found: ");
}

Named NameOf(std::string_view function, std::string_view query,
             const pool::ServerSettings& settings) {
  Named named;
  std::string decoded = UrlDecode(function);
  std::optional<FunctionRef> ref = ParseFunctionRef(decoded);
  named.name = ref ? ref->name : decoded;
  named.arn = FunctionArn(settings.region,
                          ref && ref->account ? *ref->account : settings.account_id, named.name);
  named.qualifier = QueryParam(query, "Qualifier");
  if (named.qualifier && named.qualifier->empty()) named.qualifier.reset();
  if (!named.qualifier && ref) named.qualifier = ref->qualifier;
  return named;
}

void CheckStatementId(const json& body, ValidationErrors& errors) {
  const json sid = body.value("StatementId", json());
  if (sid.is_null()) {
    errors.Add(kNull, "statementId", "Member must not be null");
    return;
  }
  std::string text = Shown(sid);
  if (text.size() > 100) {
    errors.Add(text, "statementId", "Member must have length less than or equal to 100");
  }
  if (!sid.is_string() || text.empty() || !OnlyOf(text, kNameChars)) {
    errors.Add(text, "statementId",
               "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
  }
}

std::optional<AwsError> CheckTaggable(const std::string& arn) {
  std::optional<FunctionRef> ref = ParseFunctionRef(arn);
  if (arn.size() <= kMaxFunctionNameLength && ref && ref->region && ref->account &&
      arn.find(":function:") != std::string::npos) {
    return std::nullopt;
  }
  ValidationErrors errors;
  if (arn.size() > kMaxFunctionNameLength) {
    errors.Add(arn, "resource", "Member must have length less than or equal to 256");
  }
  errors.Add(
      arn, "resource",
      "Member must satisfy regular expression pattern: " + std::string(kTaggableResourcePattern));
  return Invalid(errors);
}

std::optional<json> PrincipalOf(const std::string& principal) {
  if (principal == "*") return json("*");
  if (principal.size() == 12 && IsNumber(principal)) {
    return json{{"AWS", "arn:aws:iam::" + principal + ":root"}};
  }
  if (principal.starts_with("arn:aws") && principal.find(":iam::") != std::string::npos) {
    return json{{"AWS", principal}};
  }
  for (std::string_view suffix : {".amazonaws.com", ".amazon.com", ".amazonaws.com.cn"}) {
    if (principal.size() > suffix.size() && principal.ends_with(suffix) &&
        OnlyOf(principal, "abcdefghijklmnopqrstuvwxyz0123456789-.")) {
      return json{{"Service", principal}};
    }
  }
  return std::nullopt;
}

nlohmann::ordered_json Ordered(const json& statement) {
  nlohmann::ordered_json out;
  for (const char* key : {"Sid", "Effect", "Principal", "Action", "Resource", "Condition"}) {
    if (statement.contains(key)) out[key] = statement[key];
  }
  return out;
}

std::string PolicyDocument(const std::vector<json>& statements) {
  nlohmann::ordered_json policy;
  policy["Version"] = "2012-10-17";
  policy["Id"] = "default";
  policy["Statement"] = nlohmann::ordered_json::array();
  for (const auto& statement : statements) policy["Statement"].push_back(Ordered(statement));
  return policy.dump();
}

control::Error StatementExists(const std::string& sid) {
  return control::Error{control::Error::Kind::kConflict,
                        "The statement id (" + sid +
                            ") provided already exists. Please provide a new statement id, or "
                            "remove the existing statement."};
}

std::optional<control::Error> RemoveStatement(std::vector<json>& statements,
                                              const std::string& sid) {
  auto it = std::find_if(statements.begin(), statements.end(),
                         [&](const json& s) { return s.value("Sid", "") == sid; });
  if (it == statements.end()) {
    return control::Error{control::Error::Kind::kNotFound,
                          "Statement " + sid + " is not found in resource policy."};
  }
  statements.erase(it);
  return std::nullopt;
}

std::string LayerArnOf(const pool::ServerSettings& settings, const std::string& name) {
  return "arn:aws:lambda:" + settings.region + ":" + settings.account_id + ":layer:" + name;
}

std::string LayerNameOf(std::string_view segment) {
  std::string decoded = UrlDecode(segment);
  if (decoded.starts_with("arn:")) {
    auto layer = decoded.find(":layer:");
    if (layer == std::string::npos) return {};
    decoded = decoded.substr(layer + 7);
  }
  return decoded.size() <= 140 && !decoded.empty() && OnlyOf(decoded, kNameChars) ? decoded
                                                                                  : std::string();
}

std::optional<int> VersionNumberOf(std::string_view segment, std::optional<AwsError>& error) {
  std::string text = UrlDecode(segment);
  bool negative = text.starts_with("-");
  std::string digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 9 || !IsNumber(digits)) {
    error = AwsError::ResourceNotFound(std::string(kNoSuchResource));
    return std::nullopt;
  }
  int number = std::stoi(digits);
  if (negative || number < 1) {
    error = AwsError::InvalidParameterValue("Layer Version Cannot be less than 1");
    return std::nullopt;
  }
  return number;
}

std::set<std::string>& LayersChanging() {
  static std::set<std::string> changing;
  return changing;
}

AwsError LayerBusy(const pool::ServerSettings& settings, const std::string& name) {
  return {http_ns::status::conflict,
          "ResourceConflictException",
          "The operation cannot be performed at this time. An update is in progress for "
          "resource: " +
              LayerArnOf(settings, name),
          {}};
}

}  // namespace lambda_emu::api::management
