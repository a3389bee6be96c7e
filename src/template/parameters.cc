#include "template/parameters.h"

#include <regex>

#include "template/intrinsics.h"

namespace lambda_emu::templates {

namespace {

// Splits SAM CLI's override syntax into tokens: whitespace separates,
// quotes group (and are removed).
std::vector<std::string> Tokens(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  bool in_token = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        current += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_token = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_token) out.push_back(current);
      current.clear();
      in_token = false;
    } else {
      current += c;
      in_token = true;
    }
  }
  if (in_token) out.push_back(current);
  return out;
}

bool IsListType(const std::string& type) {
  return type == "CommaDelimitedList" || type.rfind("List<", 0) == 0;
}

bool IsNumber(const std::string& text) {
  static const std::regex kNumber(R"(-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)");
  return std::regex_match(text, kNumber);
}

void Check(const std::string& name, const YAML::Node& spec, const std::string& type,
           const std::string& value) {
  auto fail = [&](const std::string& why) {
    Fail("Parameters: " + name + ": '" + value + "' " + why);
  };
  if (type == "Number" && !IsNumber(value)) fail("is not a Number");
  if (const YAML::Node& allowed = spec["AllowedValues"]; allowed && allowed.IsSequence()) {
    bool found = false;
    std::string list;
    for (const auto& v : allowed) {
      found = found || v.Scalar() == value;
      list += (list.empty() ? "" : ", ") + v.Scalar();
    }
    if (!found) fail("is not one of its AllowedValues [" + list + "]");
  }
  if (const YAML::Node& pattern = spec["AllowedPattern"]; pattern && pattern.IsScalar()) {
    try {
      if (!std::regex_match(value, std::regex(pattern.Scalar()))) {
        fail("does not match its AllowedPattern " + pattern.Scalar());
      }
    } catch (const std::regex_error&) {
      // A pattern std::regex cannot read is not checked.
    }
  }
  auto number = [&](const char* key) -> std::optional<double> {
    const YAML::Node& n = spec[key];
    if (!n || !n.IsScalar() || !IsNumber(n.Scalar())) return std::nullopt;
    return std::stod(n.Scalar());
  };
  if (auto min = number("MinLength"); min && static_cast<double>(value.size()) < *min) {
    fail("is shorter than its MinLength " + spec["MinLength"].Scalar());
  }
  if (auto max = number("MaxLength"); max && static_cast<double>(value.size()) > *max) {
    fail("is longer than its MaxLength " + spec["MaxLength"].Scalar());
  }
  if (IsNumber(value)) {
    if (auto min = number("MinValue"); min && std::stod(value) < *min) {
      fail("is less than its MinValue " + spec["MinValue"].Scalar());
    }
    if (auto max = number("MaxValue"); max && std::stod(value) > *max) {
      fail("is more than its MaxValue " + spec["MaxValue"].Scalar());
    }
  }
}

}  // namespace

Result<ParameterOverrides> ParseParameterOverrides(const std::vector<std::string>& arguments) {
  ParameterOverrides out;
  static const std::regex kCloudFormation(R"(ParameterKey=([^,]+),ParameterValue=(.*))");
  for (const auto& argument : arguments) {
    for (const auto& token : Tokens(argument)) {
      std::smatch m;
      if (std::regex_match(token, m, kCloudFormation)) {
        out[m[1].str()] = m[2].str();
        continue;
      }
      auto eq = token.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Status::Error("--parameter-overrides: '" + token +
                             "' is not Key=Value or ParameterKey=Key,ParameterValue=Value");
      }
      out[token.substr(0, eq)] = token.substr(eq + 1);
    }
  }
  return out;
}

std::map<std::string, YAML::Node> ResolveParameters(const YAML::Node& section,
                                                    const ParameterOverrides& overrides,
                                                    const PseudoParameters& pseudo,
                                                    std::vector<std::string>& warnings) {
  std::map<std::string, YAML::Node> values;
  values["AWS::Region"] = YAML::Node(pseudo.region);
  values["AWS::AccountId"] = YAML::Node(pseudo.account_id);
  values["AWS::StackName"] = YAML::Node(pseudo.stack_name);
  values["AWS::StackId"] =
      YAML::Node("arn:aws:cloudformation:" + pseudo.region + ":" + pseudo.account_id + ":stack/" +
                 pseudo.stack_name + "/00000000-0000-0000-0000-000000000000");
  values["AWS::Partition"] = YAML::Node(std::string("aws"));
  values["AWS::URLSuffix"] = YAML::Node(std::string("amazonaws.com"));
  values["AWS::NotificationARNs"] = YAML::Node(YAML::NodeType::Sequence);

  if (section && !section.IsNull() && !section.IsMap()) {
    Fail("Parameters: must be a map of parameter name to its definition");
  }
  if (section && section.IsMap()) {
    for (const auto& kv : section) {
      const std::string name = kv.first.Scalar();
      const YAML::Node& spec = kv.second;
      if (!spec.IsMap()) Fail("Parameters: " + name + ": must be a map with a Type");
      const std::string type = spec["Type"] ? spec["Type"].Scalar() : "String";
      std::string value;
      if (auto it = overrides.find(name); it != overrides.end()) {
        value = it->second;
      } else if (spec["Default"]) {
        const YAML::Node& def = spec["Default"];
        if (def.IsSequence()) {  // a list default written as a YAML list
          for (size_t i = 0; i < def.size(); ++i) value += (i ? "," : "") + def[i].Scalar();
        } else {
          value = def.Scalar();
        }
      } else {
        warnings.push_back("Parameters: " + name +
                           " has no Default and no --parameter-overrides value; it resolves to "
                           "\"\"");
      }
      if (IsListType(type)) {
        YAML::Node list(YAML::NodeType::Sequence);
        std::string item;
        for (size_t start = 0; !value.empty();) {
          size_t comma = value.find(',', start);
          item = value.substr(start, comma - start);
          item.erase(0, item.find_first_not_of(' '));
          item.erase(item.find_last_not_of(' ') + 1);
          if (type == "List<Number>" && !IsNumber(item)) {
            Fail("Parameters: " + name + ": '" + item + "' is not a Number");
          }
          list.push_back(item);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        values[name] = list;
      } else {
        if (!value.empty() || spec["Default"] || overrides.count(name)) {
          Check(name, spec, type, value);
        }
        values[name] = YAML::Node(value);
      }
    }
  }
  for (const auto& [name, value] : overrides) {
    if (!section || !section.IsMap() || !section[name]) {
      warnings.push_back("--parameter-overrides: " + name +
                         " is not a parameter of the template; ignored");
    }
  }
  return values;
}

}  // namespace lambda_emu::templates
