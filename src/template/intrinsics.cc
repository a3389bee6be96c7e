#include "template/intrinsics.h"

#include <algorithm>

#include "common/base64.h"

namespace lambda_emu::templates {

namespace {

constexpr const char* kNoValueTag = "!NoValue";
constexpr const char* kUnresolvedTag = "!Unresolved";

YAML::Node Scalar(const std::string& value) { return YAML::Node(value); }
YAML::Node Boolean(bool value) { return YAML::Node(std::string(value ? "true" : "false")); }

// The arguments of a short-tag call: the same node without its tag, so
// evaluating them does not call the function again.
YAML::Node WithoutTag(const YAML::Node& node) {
  YAML::Node copy = YAML::Clone(node);
  copy.SetTag("");
  return copy;
}

YAML::Node Arguments(const YAML::Node& node) {
  if (node.IsMap() && node.size() == 1 && node.Tag().size() < 2) return node.begin()->second;
  return WithoutTag(node);
}

void ExpectList(const YAML::Node& args, size_t min, size_t max, const std::string& function) {
  if (!args.IsSequence() || args.size() < min || args.size() > max) {
    Fail(function + ": expected a list of " +
         (min == max ? std::to_string(min) : std::to_string(min) + "-" + std::to_string(max)) +
         " items");
  }
}

}  // namespace

void Fail(const std::string& message) { throw TemplateError{message}; }

std::string IntrinsicName(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  if (tag.size() > 1 && tag[0] == '!' && tag != kNoValueTag && tag != kUnresolvedTag &&
      tag.rfind("!!", 0) != 0) {
    std::string name = tag.substr(1);
    if (name == "Ref" || name == "Condition") return name;
    return "Fn::" + name;
  }
  if (node.IsMap() && node.size() == 1) {
    std::string key = node.begin()->first.Scalar();
    if (key == "Ref" || key.rfind("Fn::", 0) == 0) return key;
  }
  return "";
}

YAML::Node Field(const YAML::Node& node, const std::string& key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node();
  const YAML::Node value = node[key];
  return value ? value : YAML::Node();
}

bool IsNoValue(const YAML::Node& node) { return node.Tag() == kNoValueTag; }
bool IsUnresolved(const YAML::Node& node) { return node.Tag() == kUnresolvedTag; }

Resolver::Resolver(SymbolTable symbols) : symbols_(std::move(symbols)) {}

YAML::Node Resolver::Resolve(const YAML::Node& node, const std::string& where) {
  return Evaluate(node, where);
}

YAML::Node Resolver::Evaluate(const YAML::Node& node, const std::string& where) {
  if (!node.IsDefined() || node.IsNull()) return YAML::Node();
  if (std::string name = IntrinsicName(node); !name.empty()) {
    return Call(name, Arguments(node), where);
  }
  if (node.IsMap()) {
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : node) {
      std::string key = kv.first.Scalar();
      YAML::Node value = Evaluate(kv.second, where + "." + key);
      if (!IsNoValue(value)) out[key] = value;
    }
    return out;
  }
  if (node.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    size_t i = 0;
    for (const auto& item : node) {
      YAML::Node value = Evaluate(item, where + "[" + std::to_string(i++) + "]");
      if (!IsNoValue(value)) out.push_back(value);
    }
    return out;
  }
  return YAML::Clone(node);
}

YAML::Node Resolver::Call(const std::string& fn, const YAML::Node& args, const std::string& where) {
  if (fn == "Ref") return Ref(Text(Evaluate(args, where), fn), where);
  if (fn == "Fn::GetAtt") {
    if (args.IsScalar()) {
      const std::string& dotted = args.Scalar();
      auto dot = dotted.find('.');
      if (dot == std::string::npos) Fail("Fn::GetAtt: expected Resource.Attribute, got " + dotted);
      return GetAtt(dotted.substr(0, dot), dotted.substr(dot + 1), where);
    }
    ExpectList(args, 2, 2, fn);
    return GetAtt(Text(args[0], fn), Text(Evaluate(args[1], where), fn), where);
  }
  if (fn == "Fn::Sub") return Sub(args, where);
  if (fn == "Fn::Join") {
    ExpectList(args, 2, 2, fn);
    std::string delimiter = Text(args[0], fn);
    YAML::Node items = Evaluate(args[1], where);
    if (!items.IsSequence()) Fail("Fn::Join: the second item must be a list");
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += delimiter;
      out += Text(items[i], fn);
    }
    return Scalar(out);
  }
  if (fn == "Fn::Select") {
    ExpectList(args, 2, 2, fn);
    std::string index_text = Text(Evaluate(args[0], where), fn);
    YAML::Node items = Evaluate(args[1], where);
    if (!items.IsSequence()) Fail("Fn::Select: the second item must be a list");
    size_t index = 0;
    try {
      index = std::stoul(index_text);
    } catch (const std::exception&) {
      Fail("Fn::Select: index must be a number, got '" + index_text + "'");
    }
    if (index >= items.size()) {
      Fail("Fn::Select: index " + index_text + " is out of range for a list of " +
           std::to_string(items.size()));
    }
    return items[index];
  }
  if (fn == "Fn::Split") {
    ExpectList(args, 2, 2, fn);
    std::string delimiter = Text(args[0], fn);
    std::string source = Text(Evaluate(args[1], where), fn);
    if (delimiter.empty()) Fail("Fn::Split: the delimiter must not be empty");
    YAML::Node out(YAML::NodeType::Sequence);
    for (size_t start = 0;;) {
      size_t at = source.find(delimiter, start);
      out.push_back(source.substr(start, at - start));
      if (at == std::string::npos) break;
      start = at + delimiter.size();
    }
    return out;
  }
  if (fn == "Fn::If") {
    ExpectList(args, 3, 3, fn);
    return Condition(Text(args[0], fn)) ? Evaluate(args[1], where) : Evaluate(args[2], where);
  }
  if (fn == "Fn::Equals") {
    ExpectList(args, 2, 2, fn);
    return Boolean(Text(Evaluate(args[0], where), fn) == Text(Evaluate(args[1], where), fn));
  }
  if (fn == "Fn::And" || fn == "Fn::Or") {
    ExpectList(args, 2, 10, fn);
    bool is_and = fn == "Fn::And";
    for (const auto& item : args) {
      if (Truth(item, where) != is_and) return Boolean(!is_and);
    }
    return Boolean(is_and);
  }
  if (fn == "Fn::Not") {
    ExpectList(args, 1, 1, fn);
    return Boolean(!Truth(args[0], where));
  }
  if (fn == "Condition") return Boolean(Condition(Text(args, fn)));
  if (fn == "Fn::FindInMap") {
    ExpectList(args, 3, 4, fn);
    std::string map = Text(Evaluate(args[0], where), fn);
    std::string top = Text(Evaluate(args[1], where), fn);
    std::string second = Text(Evaluate(args[2], where), fn);
    const YAML::Node& mappings = symbols_.mappings;
    if (mappings.IsMap() && mappings[map] && mappings[map][top] && mappings[map][top][second]) {
      return Evaluate(mappings[map][top][second], where);
    }
    if (args.size() == 4 && args[3].IsMap() && args[3]["DefaultValue"]) {
      return Evaluate(args[3]["DefaultValue"], where);
    }
    Fail("Fn::FindInMap: Mappings has no " + map + "." + top + "." + second);
  }
  if (fn == "Fn::Base64") return Scalar(Base64Encode(Text(Evaluate(args, where), fn)));
  if (fn == "Fn::GetAZs") {
    std::string region = symbols_.parameters.count("AWS::Region")
                             ? symbols_.parameters["AWS::Region"].Scalar()
                             : "us-east-1";
    YAML::Node out(YAML::NodeType::Sequence);
    for (char zone : {'a', 'b', 'c'}) out.push_back(region + zone);
    return out;
  }
  if (fn == "Fn::Length") {
    YAML::Node items = Evaluate(args, where);
    if (!items.IsSequence()) Fail("Fn::Length: expected a list");
    return Scalar(std::to_string(items.size()));
  }
  if (fn == "Fn::ImportValue") {
    YAML::Node name = Evaluate(args, where);
    return Unresolved("", where + ": Fn::ImportValue " + (name.IsScalar() ? name.Scalar() : "") +
                              " names another stack's export; it resolves to \"\" locally");
  }
  return Unresolved("", where + ": " + fn + " is not evaluated locally; it resolves to \"\"");
}

YAML::Node Resolver::Ref(const std::string& name, const std::string& where) {
  if (name == "AWS::NoValue") {
    YAML::Node none(std::string(""));
    none.SetTag(kNoValueTag);
    return none;
  }
  if (auto it = symbols_.parameters.find(name); it != symbols_.parameters.end()) {
    return YAML::Clone(it->second);
  }
  if (auto it = symbols_.resources.find(name); it != symbols_.resources.end()) {
    if (!it->second.ref.empty()) return Scalar(it->second.ref);
    return Unresolved(name, where + ": Ref " + name + " (" + it->second.type +
                                ") cannot be resolved locally; it resolves to its logical id '" +
                                name + "'");
  }
  return Unresolved(name, where + ": Ref " + name +
                              " names no parameter or resource of the template (a resource SAM "
                              "generates at deploy time?); it resolves to '" +
                              name + "'");
}

YAML::Node Resolver::GetAtt(const std::string& resource, const std::string& attribute,
                            const std::string& where) {
  auto it = symbols_.resources.find(resource);
  if (it != symbols_.resources.end()) {
    if (auto attr = it->second.attributes.find(attribute); attr != it->second.attributes.end()) {
      return Scalar(attr->second);
    }
    return Unresolved("", where + ": GetAtt " + resource + "." + attribute + " (" +
                              it->second.type +
                              ") cannot be resolved locally; it resolves to \"\"");
  }
  return Unresolved("", where + ": GetAtt " + resource + "." + attribute +
                            " names no resource of the template; it resolves to \"\"");
}

YAML::Node Resolver::Sub(const YAML::Node& args, const std::string& where) {
  std::string text;
  std::map<std::string, std::string> variables;
  if (args.IsSequence()) {
    ExpectList(args, 2, 2, "Fn::Sub");
    text = Text(args[0], "Fn::Sub");
    YAML::Node vars = Evaluate(args[1], where);
    if (!vars.IsMap()) Fail("Fn::Sub: the second item must be a map of variables");
    for (const auto& kv : vars) variables[kv.first.Scalar()] = Text(kv.second, "Fn::Sub");
  } else {
    text = Text(args, "Fn::Sub");
  }
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t open = text.find("${", i);
    if (open == std::string::npos) {
      out.append(text, i, std::string::npos);
      break;
    }
    out.append(text, i, open - i);
    size_t close = text.find('}', open);
    if (close == std::string::npos) Fail("Fn::Sub: unterminated ${ in '" + text + "'");
    std::string name = text.substr(open + 2, close - open - 2);
    i = close + 1;
    if (!name.empty() && name[0] == '!') {  // ${!Literal} stands for ${Literal}
      out += "${" + name.substr(1) + "}";
      continue;
    }
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (auto var = variables.find(name); var != variables.end()) {
      out += var->second;
      continue;
    }
    YAML::Node value;
    auto dot = name.find('.');
    if (dot != std::string::npos && !symbols_.parameters.count(name)) {
      value = GetAtt(name.substr(0, dot), name.substr(dot + 1), where);
    } else {
      value = Ref(name, where);
    }
    if (value.IsSequence()) {  // a list parameter substitutes as its comma-joined text
      std::string joined;
      for (size_t k = 0; k < value.size(); ++k) joined += (k ? "," : "") + value[k].Scalar();
      out += joined;
    } else if (!IsNoValue(value)) {
      out += Text(value, "Fn::Sub");
    }
  }
  return Scalar(out);
}

std::string Resolver::Text(const YAML::Node& node, const std::string& function) {
  if (!IntrinsicName(node).empty()) return Text(Evaluate(node, function), function);
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) return "";
  Fail(function + ": expected a string");
}

bool Resolver::Truth(const YAML::Node& node, const std::string& where) {
  if (node.IsMap() && node.size() == 1 && node["Condition"]) {
    return Condition(Text(node["Condition"], "Condition"));
  }
  std::string value = Text(Evaluate(node, where), "condition");
  std::transform(value.begin(), value.end(), value.begin(), ::tolower);
  if (value == "true") return true;
  if (value == "false") return false;
  Fail(where + ": a condition must be true or false, got '" + value + "'");
}

bool Resolver::Condition(const std::string& name) {
  if (auto it = condition_values_.find(name); it != condition_values_.end()) return it->second;
  const YAML::Node& conditions = symbols_.conditions;  // const: [] must not add keys
  if (!conditions.IsMap() || !conditions[name]) {
    Fail("Condition '" + name + "' is not defined in Conditions");
  }
  if (!evaluating_conditions_.insert(name).second) {
    Fail("Conditions: '" + name + "' depends on itself");
  }
  bool value = Truth(conditions[name], "Conditions." + name);
  evaluating_conditions_.erase(name);
  condition_values_[name] = value;
  return value;
}

YAML::Node Resolver::Unresolved(const std::string& fallback, const std::string& report) {
  if (reported_.insert(report).second) reports_.push_back(report);
  YAML::Node node(fallback);
  node.SetTag(kUnresolvedTag);
  return node;
}

}  // namespace lambda_emu::templates
