#pragma once
// Resolver: evaluates CloudFormation intrinsic functions in a template's
// values, in both the long form ({"Fn::Sub": ...}) and YAML's short tags
// (!Sub ...), against a SymbolTable of parameters, mappings, conditions and
// resources, the way SAM CLI resolves them locally.
//
// What cannot be resolved on this machine (a Ref to a DynamoDB table, a
// GetAtt of a non-function resource, ImportValue) does not fail: it becomes
// an "unresolved" scalar holding what SAM CLI would use (the logical id for a
// Ref, "" otherwise), and the Resolver records one report naming the
// property and the reference. A malformed intrinsic (wrong arity, an unknown
// condition) throws TemplateError.
//
// One Resolver per template; single-threaded.

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace lambda_emu::templates {

// A problem that makes the template unusable; caught where the template is
// loaded and turned into a Status.
struct TemplateError {
  std::string message;
};
[[noreturn]] void Fail(const std::string& message);

// What a template's names stand for.
struct SymbolTable {
  // Parameters and pseudo parameters (AWS::Region, ...) by name: a scalar,
  // or a sequence for list types.
  std::map<std::string, YAML::Node> parameters;
  YAML::Node mappings;    // the Mappings section
  YAML::Node conditions;  // the Conditions section, evaluated on demand

  struct Resource {
    std::string type;
    std::string ref;                                // what Ref gives; empty: unresolvable
    std::map<std::string, std::string> attributes;  // what GetAtt X.<attr> gives
  };
  std::map<std::string, Resource> resources;
};

class Resolver {
 public:
  explicit Resolver(SymbolTable symbols);

  // Returns `node` with every intrinsic evaluated; map entries and list items
  // that evaluate to AWS::NoValue are dropped. `where` names the property in
  // reports, e.g. "HelloFunction Environment.Variables.TABLE".
  YAML::Node Resolve(const YAML::Node& node, const std::string& where);
  // The value of a named condition (memoised; cycles are an error).
  bool Condition(const std::string& name);

  // One line per distinct unresolvable reference, in the order met.
  const std::vector<std::string>& reports() const { return reports_; }
  SymbolTable& symbols() { return symbols_; }

 private:
  YAML::Node Evaluate(const YAML::Node& node, const std::string& where);
  YAML::Node Call(const std::string& function, const YAML::Node& args, const std::string& where);
  YAML::Node Ref(const std::string& name, const std::string& where);
  YAML::Node GetAtt(const std::string& resource, const std::string& attribute,
                    const std::string& where);
  YAML::Node Sub(const YAML::Node& args, const std::string& where);
  std::string Text(const YAML::Node& node, const std::string& function);
  bool Truth(const YAML::Node& node, const std::string& where);
  YAML::Node Unresolved(const std::string& fallback, const std::string& report);

  SymbolTable symbols_;
  std::map<std::string, bool> condition_values_;
  std::set<std::string> evaluating_conditions_;
  std::vector<std::string> reports_;
  std::set<std::string> reported_;
};

// The name of the intrinsic a node calls ("Ref", "Fn::Sub", "Condition"),
// from a short tag or a one-key map; empty when it is not a call.
std::string IntrinsicName(const YAML::Node& node);
// `node[key]` when `node` is a map that has it, else a null node. (yaml-cpp's
// own [] gives an "invalid" node for a missing key, on which IsMap() throws.)
YAML::Node Field(const YAML::Node& node, const std::string& key);
// True for the values AWS::NoValue and unresolvable references produce.
bool IsNoValue(const YAML::Node& node);
bool IsUnresolved(const YAML::Node& node);

}  // namespace lambda_emu::templates
