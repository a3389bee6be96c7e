#include "template/env_vars.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

extern char** environ;

namespace lambda_emu::templates {

namespace {

Result<std::map<std::string, std::string>> Variables(const nlohmann::json& object,
                                                     const std::string& key) {
  if (!object.is_object()) return Status::Error(key + ": must be an object of variables");
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : object.items()) {
    if (value.is_string()) {
      out[name] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      out[name] = value.dump();
    } else if (value.is_null()) {
      out[name] = "";
    } else {
      return Status::Error(key + "." + name + ": must be a string, number or boolean");
    }
  }
  return out;
}

}  // namespace

Result<EnvVarsFile> ParseEnvVars(const std::string& json) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) {
    return Status::Error(
        R"(expected an object: {"FunctionLogicalId": {"VAR": "value"}, "Parameters": {...}})");
  }
  EnvVarsFile file;
  for (const auto& [key, value] : root.items()) {
    auto vars = Variables(value, key);
    if (!vars.ok()) return vars.status();
    if (key == "Parameters") {
      file.parameters = std::move(vars.value());
    } else {
      file.functions[key] = std::move(vars.value());
    }
  }
  return file;
}

Result<EnvVarsFile> LoadEnvVarsFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("--env-vars: cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  auto file = ParseEnvVars(text.str());
  if (!file.ok())
    return Status::Error("--env-vars: " + path.string() + ": " + file.status().message());
  return file;
}

void ApplyEnvVars(config::FunctionConfig& function, const EnvVarsFile& file,
                  const std::map<std::string, std::string>* shell) {
  const std::map<std::string, std::string>* own = nullptr;
  std::vector<std::string> ids = function.aliases;
  ids.push_back(function.name);
  for (const auto& id : ids) {
    if (auto it = file.functions.find(id); it != file.functions.end()) {
      own = &it->second;
      break;
    }
  }
  for (auto& [name, value] : function.environment) {
    if (shell) {
      if (auto it = shell->find(name); it != shell->end()) value = it->second;
    }
    if (auto it = file.parameters.find(name); it != file.parameters.end()) value = it->second;
    if (own) {
      if (auto it = own->find(name); it != own->end()) value = it->second;
    }
  }
}

std::map<std::string, std::string> ShellEnvironment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view kv(*entry);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) out.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

}  // namespace lambda_emu::templates
