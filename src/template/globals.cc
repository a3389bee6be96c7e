#include "template/globals.h"

#include "template/intrinsics.h"

namespace lambda_emu::templates {

namespace {

enum class Kind { kPlain, kMap, kList };

Kind KindOf(const YAML::Node& node) {
  if (!IntrinsicName(node).empty()) return Kind::kPlain;
  if (node.IsMap()) return Kind::kMap;
  if (node.IsSequence()) return Kind::kList;
  return Kind::kPlain;
}

}  // namespace

YAML::Node MergeGlobals(const YAML::Node& global, const YAML::Node& local) {
  if (!global || global.IsNull()) return local ? YAML::Clone(local) : YAML::Node();
  if (!local || local.IsNull()) return YAML::Clone(global);
  Kind g = KindOf(global);
  Kind l = KindOf(local);
  if (g != l || g == Kind::kPlain) return YAML::Clone(local);
  if (g == Kind::kList) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : global) out.push_back(YAML::Clone(item));
    for (const auto& item : local) out.push_back(YAML::Clone(item));
    return out;
  }
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& kv : global) {
    const std::string key = kv.first.Scalar();
    out[key] = MergeGlobals(kv.second, local[key]);
  }
  for (const auto& kv : local) {
    const std::string key = kv.first.Scalar();
    if (!global[key]) out[key] = YAML::Clone(kv.second);
  }
  return out;
}

}  // namespace lambda_emu::templates
