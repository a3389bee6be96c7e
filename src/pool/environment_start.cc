// How an environment's runtime process starts (ExecutionEnvironment::Start
// picks): spawned into a cgroup and sandbox of its own, or in a spare
// sandbox made ahead of time (sandbox/spares.h), which it becomes.
#include <unistd.h>

#include "pool/execution_environment.h"
#include "sandbox/process_table.h"
#include "sandbox/spawn.h"

namespace lambda_emu::pool {

Result<sandbox::SpawnedProcess> ExecutionEnvironment::StartDirect(
    const sandbox::ResourceLimits& limits) {
  auto cgroup = services_.cgroups.Create(id_, limits);
  if (!cgroup.ok()) return Status::Error("cgroup: " + cgroup.status().message());
  cgroup_ = std::move(cgroup.value());
  std::optional<sandbox::SandboxSpec> box;
  if (services_.sandboxed()) {
    // The environment's own view, /tmp volume and user (sandbox/sandbox.h).
    auto made = services_.sandbox->ForEnvironment(function_->view, tmp_dir_.parent_path(),
                                                  function_->config.ephemeral_storage_mb);
    if (!made.ok()) return Status::Error("sandbox: " + made.status().message());
    box = std::move(made.value());
  }
  sandbox::SpawnSpec spec = MakeSpawnSpec(box ? &*box : nullptr);
  spec.cgroup_procs_files = cgroup_->ProcsFiles();
  spec.cgroup_dir = cgroup_->Directory();
  spawned_at_ = Clock::now();
  auto spawned = sandbox::Spawn(spec);
  if (box && box->held_fd >= 0) ::close(box->held_fd);
  return spawned;
}

Result<sandbox::SpawnedProcess> ExecutionEnvironment::StartInSpare(
    sandbox::SpareSandbox& spare, const sandbox::ResourceLimits& limits) {
  if (Status s = spare.cgroup->SetLimits(limits); !s.ok()) return s;
  std::optional<sandbox::SandboxSpec> box;
  if (services_.sandboxed()) {
    auto made = services_.sandbox->ForSpareEnvironment(function_->view, spare.dir,
                                                       function_->config.ephemeral_storage_mb);
    if (!made.ok()) return made.status();
    box = std::move(made.value());
  }
  sandbox::SpawnSpec spec = MakeSpawnSpec(box ? &*box : nullptr);
  spawned_at_ = Clock::now();
  auto launched = sandbox::Launch(spare, spec);
  if (box && box->held_fd >= 0) ::close(box->held_fd);
  if (launched.ok()) cgroup_ = std::move(spare.cgroup);
  return launched;
}

sandbox::SpawnSpec ExecutionEnvironment::MakeSpawnSpec(sandbox::SandboxSpec* box) const {
  const auto& config = function_->config;
  sandbox::SpawnSpec spec;
  spec.argv = function_->command;
  spec.env = BuildEnvironment(runtime_api_->port());
  spec.wrapped = function_->wrapped;
  if (box) {
    box->extensions = function_->extensions;
    spec.sandbox = box;
    spec.cwd = "/var/task";
    spec.max_core_size = sandbox::kLambdaMaxCoreSize;
  } else {
    spec.cwd = config.code_dir;
    // /tmp is the only writable place on Lambda, EphemeralStorage its size:
    // no file may grow past it.
    spec.max_file_size = static_cast<rlim_t>(config.ephemeral_storage_mb) << 20;
  }
  return spec;
}

std::vector<std::string> ExecutionEnvironment::BuildEnvironment(std::uint16_t port) const {
  std::vector<std::string> env;
  env.reserve(function_->environment.size() + 5);
  env.push_back("AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(port));
  // Lambda sets no log group or stream in a SnapStart version's environments.
  if (!function_->snap_start) env.push_back("AWS_LAMBDA_LOG_STREAM_NAME=" + log_stream_);
  env.push_back("AWS_LAMBDA_INITIALIZATION_TYPE=" + initialization_type_);
  // Unsandboxed, a private directory stands in for /tmp.
  if (!services_.sandboxed()) env.push_back("TMPDIR=" + tmp_dir_.string());
  // Names this server instance, so that processes of its runtimes can be
  // found even after they left their process group and cgroup, and after a
  // server that died (docs/reliability: "Kill means dead").
  env.push_back(std::string(sandbox::kInstanceVariable) + "=" + sandbox::InstanceMarker());
  env.insert(env.end(), function_->environment.begin(), function_->environment.end());
  return env;
}

}  // namespace lambda_emu::pool
