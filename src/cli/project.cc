#include "cli/project.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <set>
#include <sstream>

#include "config/config_file.h"
#include "template/env_vars.h"

namespace lambda_emu::cli {

namespace fs = std::filesystem;

const std::vector<std::string> kDiscoveredFiles = {".aws-sam/build/template.yaml", "template.yaml",
                                                   "template.yml", "lambda-emu.yaml"};

void AddProjectOptions(CLI::App* command, ProjectOptions& o) {
  auto* tmpl = command
                   ->add_option("--template,-t", o.template_file,
                                "SAM or CloudFormation template (default: the first of "
                                ".aws-sam/build/template.yaml, template.yaml, template.yml, "
                                "lambda-emu.yaml in the current directory)")
                   ->check(CLI::ExistingFile);
  auto* config = command
                     ->add_option("--config,-c", o.config_file,
                                  "lambda-emu config file (YAML or JSON) declaring the functions")
                     ->check(CLI::ExistingFile);
  tmpl->excludes(config);
  command
      ->add_option("--parameter-overrides", o.parameter_overrides,
                   "Template parameter values: 'Key=Value Key2=Value2' or "
                   "'ParameterKey=Key,ParameterValue=Value' (repeatable)")
      ->expected(1)
      ->take_all();
  command
      ->add_option("--env-vars,-n", o.env_vars_file,
                   "JSON file of environment variable values, SAM CLI's format: "
                   "{\"LogicalId\": {\"VAR\": \"value\"}, \"Parameters\": {\"VAR\": \"value\"}}")
      ->check(CLI::ExistingFile);
  command
      ->add_option("--layer-dir", o.layer_dirs,
                   "ARN=DIR: a local directory with the contents of a layer the template names "
                   "by ARN (repeatable)")
      ->expected(1)
      ->take_all();
}

namespace {

Result<fs::path> FindFile(const ProjectOptions& o, std::string& how) {
  if (!o.template_file.empty()) {
    how = "--template";
    return fs::absolute(o.template_file);
  }
  if (!o.config_file.empty()) {
    how = "--config";
    return fs::absolute(o.config_file);
  }
  fs::path cwd = fs::current_path();
  std::error_code ec;
  for (const auto& name : kDiscoveredFiles) {
    if (fs::is_regular_file(cwd / name, ec)) {
      how = "found in " + cwd.string();
      return cwd / name;
    }
  }
  std::string tried;
  for (const auto& name : kDiscoveredFiles) tried += (tried.empty() ? "" : ", ") + name;
  return Status::Error("no template or config file given, and none in " + cwd.string() +
                       " (tried " + tried + "); name one with --template FILE or --config FILE");
}

Result<Project> Load(fs::path file, std::string how, const ProjectOptions& o,
                     const fs::path& unpack_dir, const std::string& region,
                     const std::string& account_id) {
  Project project;
  project.file = std::move(file);
  project.how = std::move(how);

  std::optional<templates::EnvVarsFile> env_vars;
  if (!o.env_vars_file.empty()) {
    auto loaded = templates::LoadEnvVarsFile(o.env_vars_file);
    if (!loaded.ok()) return loaded.status();
    env_vars = std::move(loaded.value());
  }

  try {
    project.is_template = templates::IsTemplate(YAML::LoadFile(project.file.string()));
  } catch (const YAML::Exception& e) {
    return Status::Error(project.file.string() + ": invalid YAML: " + e.what());
  }

  if (!project.is_template) {
    if (!o.parameter_overrides.empty() || !o.layer_dirs.empty()) {
      return Status::Error("--parameter-overrides and --layer-dir apply to templates; " +
                           project.file.string() + " is a lambda-emu config file");
    }
    auto config = config::LoadConfigFile(project.file, unpack_dir);
    if (!config.ok()) return config.status();
    project.config = std::move(config.value());
    if (env_vars) {
      for (auto& function : project.config.functions) {
        templates::ApplyEnvVars(function, *env_vars, nullptr);
      }
    }
    return project;
  }

  templates::TemplateOptions options;
  auto overrides = templates::ParseParameterOverrides(o.parameter_overrides);
  if (!overrides.ok()) return overrides.status();
  options.parameter_overrides = std::move(overrides.value());
  options.pseudo.region = region;
  options.pseudo.account_id = account_id;
  for (const auto& mapping : o.layer_dirs) {
    // An ARN holds ':' but no '=': split at the last '='.
    auto eq = mapping.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == mapping.size()) {
      return Status::Error("--layer-dir: '" + mapping + "' is not ARN=DIR");
    }
    options.layer_dirs[mapping.substr(0, eq)] = fs::absolute(mapping.substr(eq + 1));
  }
  options.env_vars = env_vars ? &*env_vars : nullptr;
  const auto shell = templates::ShellEnvironment();
  options.shell = &shell;
  options.unpack_dir = unpack_dir;
  auto loaded = templates::LoadTemplate(project.file, options);
  if (!loaded.ok()) return loaded.status();
  project.details = std::move(loaded.value());
  project.config = project.details.config;
  return project;
}

std::string Seconds(int s) { return std::to_string(s) + " s"; }

}  // namespace

Result<Project> LoadProject(const ProjectOptions& o, const fs::path& unpack_dir,
                            const std::string& region, const std::string& account_id) {
  std::string how;
  auto file = FindFile(o, how);
  if (!file.ok()) return file.status();
  return Load(file.value(), how, o, unpack_dir, region, account_id);
}

Result<Project> ReloadProject(const Project& previous, const ProjectOptions& o,
                              const fs::path& unpack_dir, const std::string& region,
                              const std::string& account_id) {
  return Load(previous.file, previous.how, o, unpack_dir, region, account_id);
}

std::vector<fs::path> ProjectFiles(const Project& project, const ProjectOptions& o) {
  std::vector<fs::path> files = {project.file};
  for (const auto& nested : project.details.files) {
    if (nested != project.file) files.push_back(nested);
  }
  if (!o.env_vars_file.empty()) files.push_back(fs::absolute(o.env_vars_file));
  return files;
}

namespace {

// --debug: what changes for the debugged functions, and names in
// --debug-function that match none.
void PrintDebugNotes(std::ostream& out, const Project& project, sandbox::RuntimeLocator& runtimes,
                     bool debugged) {
  if (!runtimes.debugging()) return;
  for (const auto& wanted : runtimes.debug_options().functions) {
    bool found = false;
    for (const auto& f : project.config.functions) {
      found = found || f.name == wanted ||
              std::find(f.aliases.begin(), f.aliases.end(), wanted) != f.aliases.end();
    }
    if (!found) out << "  warning: --debug-function " << wanted << ": no such function\n";
  }
  if (debugged) {
    out << "  debugging (docs/debugging.md): Timeout not enforced; one environment per debugged "
           "function, further invokes wait for it; no CPU limit\n";
  }
}

}  // namespace

void PrintBanner(std::ostream& out, const Project& project, sandbox::RuntimeLocator& runtimes) {
  const auto& details = project.details;
  const size_t count = project.config.functions.size();
  size_t width = 0;
  std::map<std::string, std::string> runs_on;  // resolved first: it may log a fallback
  for (const auto& f : project.config.functions) {
    width = std::max(width, f.name.size());
    runs_on[f.name] = runtimes.Describe(f);
  }
  bool debugged = false;
  out << "lambda-emu: " << (project.is_template ? "template " : "config ") << project.file.string()
      << " (" << project.how << "): " << count << " function" << (count == 1 ? "" : "s") << "\n";
  for (const auto& f : project.config.functions) {
    std::ostringstream line;
    line << "  " << std::left << std::setw(static_cast<int>(width)) << f.name << "  " << f.runtime
         << " on " << runs_on[f.name] << "  "
         << (f.handler.empty() ? std::string("(no handler)") : f.handler) << "  " << f.memory_mb
         << " MB  " << Seconds(f.timeout_s);
    if (!f.aliases.empty()) {
      line << "  (also ";
      for (size_t i = 0; i < f.aliases.size(); ++i) line << (i ? ", " : "") << f.aliases[i];
      line << ")";
    }
    out << line.str() << "\n";
    if (std::string mismatch = runtimes.VersionMismatch(f); !mismatch.empty()) {
      out << "      warning: " << mismatch << "\n";
    }
    for (const auto& event : f.events) {
      out << "      event " << event.name << ": " << event.type
          << (event.summary.empty() ? "" : " " + event.summary)
          << (event.type == "Api" || event.type == "HttpApi" || event.type == "Schedule" ||
                      event.type == "ScheduleV2" ||
                      (event.type == "EventBridgeRule" &&
                       event.properties.find("\"ScheduleExpression\"") != std::string::npos)
                  ? ""
                  : " (not emulated yet)")
          << "\n";
    }
    if (auto it = details.function_warnings.find(f.name); it != details.function_warnings.end()) {
      for (const auto& warning : it->second) out << "      warning: " << warning << "\n";
    }
    if (auto debugger = runtimes.DescribeDebugger(f)) {
      debugged = true;
      out << "      debugger: " << *debugger << "\n";
    }
  }
  std::set<std::string> said;  // one function may be listed under several names
  for (const auto& [name, why] : details.unsupported) {
    if (said.insert(why).second) out << "  not run: " << why << "\n";
  }
  if (!details.ignored_resources.empty()) {
    out << "  ignored (not emulated): ";
    for (size_t i = 0; i < details.ignored_resources.size(); ++i) {
      out << (i ? ", " : "") << details.ignored_resources[i];
    }
    out << "\n";
  }
  for (const auto& warning : details.warnings) out << "  warning: " << warning << "\n";
  PrintDebugNotes(out, project, runtimes, debugged);
  out.flush();
}

}  // namespace lambda_emu::cli
