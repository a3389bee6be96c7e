#pragma once
// The project `serve` and `invoke` run: which file declares the functions
// (--template, --config, or found in the current directory as SAM CLI finds
// it), loading it as a SAM/CloudFormation template or a lambda-emu config
// (by its content, whatever its name), and the start-up banner that says
// what was loaded.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "lambda_emu/status.h"
#include "sandbox/runtime_command.h"
#include "template/sam_template.h"

namespace lambda_emu::cli {

// The flags that choose and shape the project; shared by serve and invoke.
struct ProjectOptions {
  std::string template_file;
  std::string config_file;
  std::vector<std::string> parameter_overrides;
  std::string env_vars_file;
  std::vector<std::string> layer_dirs;  // ARN=DIR
};

void AddProjectOptions(CLI::App* command, ProjectOptions& options);

// The names tried, in order, when no file is given.
extern const std::vector<std::string> kDiscoveredFiles;

struct Project {
  std::filesystem::path file;  // absolute
  std::string how;             // "--template", "--config" or "found in DIR"
  bool is_template = false;
  config::ServerConfig config;
  templates::LoadedTemplate details;  // warnings and the like (templates only)
};

// Finds the file and loads it. `unpack_dir` receives .zip packages and
// inline code; region and account are the pseudo parameters' values.
// Errors are for the user as they are (exit status 2).
Result<Project> LoadProject(const ProjectOptions& options, const std::filesystem::path& unpack_dir,
                            const std::string& region, const std::string& account_id);

// Loads the same file again (SIGHUP, --watch).
Result<Project> ReloadProject(const Project& previous, const ProjectOptions& options,
                              const std::filesystem::path& unpack_dir, const std::string& region,
                              const std::string& account_id);

// The files a change to which means reloading: the project file, nested
// templates, the --env-vars file.
std::vector<std::filesystem::path> ProjectFiles(const Project& project,
                                                const ProjectOptions& options);

// Writes what was loaded: the file and how it was found, then per function
// its name (and logical id), runtime and what runs it, handler, memory,
// timeout, events and warnings; then ignored resources and template-wide
// warnings.
void PrintBanner(std::ostream& out, const Project& project, sandbox::RuntimeLocator& runtimes);

}  // namespace lambda_emu::cli
