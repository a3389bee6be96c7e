#include "sandbox/sandbox.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>

#include "config/function_config.h"
#include "sandbox/namespaces.h"
#include "sandbox/tmp_spares.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

bool MachineRoot() {
  if (::geteuid() != 0) return false;
  // Root of a user namespace maps uid 0 to someone else.
  std::ifstream map("/proc/self/uid_map");
  unsigned long inside = 1, outside = 1, count = 0;
  map >> inside >> outside >> count;
  return inside == 0 && outside == 0 && count == 4294967295UL;
}

Result<std::unique_ptr<Sandbox>> Sandbox::Create(const SandboxOptions& options) {
  std::unique_ptr<Sandbox> sandbox(new Sandbox());
  sandbox->host_packages_ = options.host_packages;
  if (options.mode == "none") {
    sandbox->fallback_reason_ = "--sandbox none";
    return sandbox;
  }
  const bool root = MachineRoot();
  sandbox->user_namespace_ = !root;
  if (Status probed = ProbeNamespaces(!root); !probed.ok()) {
    if (options.mode == "namespaces") {
      return Status::Error("--sandbox namespaces: " + probed.message());
    }
    sandbox->fallback_reason_ = probed.message();
    return sandbox;
  }
  if (root) {
    auto user = ParseSandboxUser(options.user);
    if (!user.ok()) return user.status();
    sandbox->user_ = *user;
  } else if (!options.user.empty() && options.user != SandboxUser{}.name) {
    // Without root the namespace maps the server's own uid; any uid can be
    // shown inside it, not a host user's name.
    auto user = ParseSandboxUser(options.user);
    if (!user.ok()) return user.status();
    sandbox->user_ = *user;
  }
  sandbox->dir_ = options.work_dir / "sandbox";
  if (Status s = WritePasswdFiles(sandbox->user_, sandbox->dir_, sandbox->passwd_, sandbox->group_);
      !s.ok()) {
    return s;
  }
  if (root) {
    sandbox->idmap_fd_ = IdmapNamespace(sandbox->user_, 0, 0, sandbox->idmap_refused_);
    sandbox->loop_ = LoopDevicesUsable(sandbox->loop_refused_);
    if (sandbox->loop_) {
      sandbox->templates_ = std::make_unique<TmpVolumeTemplates>(sandbox->dir_);
      sandbox->spares_ =
          std::make_unique<SpareTmpVolumes>(sandbox->dir_, sandbox->templates_.get());
      // Lambda's default EphemeralStorage: its template and volumes are made
      // now, in the background, not by the first cold start after `serve`.
      sandbox->spares_->Expect(config::FunctionConfig{}.ephemeral_storage_mb);
    }
  } else {
    sandbox->loop_refused_ = "not root";
  }
  sandbox->enabled_ = true;
  return sandbox;
}

Sandbox::~Sandbox() {
  if (idmap_fd_ >= 0) ::close(idmap_fd_);
}

std::string Sandbox::Describe() const {
  if (!enabled_) return "off (" + fallback_reason_ + ")";
  std::string text = user_namespace_ ? "namespaces: user, mount, PID" : "namespaces: mount, PID";
  text += "; functions run as " + user_.name + " (uid " + std::to_string(user_.uid) + ")";
  text += loop_ ? "; /tmp on ext4 volumes"
                : "; /tmp on tmpfs (" + loop_refused_ + "; it counts as the function's memory)";
  if (!user_namespace_ && idmap_fd_ < 0) {
    text +=
        "; code the user cannot read stays unreadable (no idmapped mounts: " + idmap_refused_ + ")";
  }
  if (host_packages_) text += "; host packages visible";
  return text;
}

void Sandbox::Complete(ViewSpec& view) const {
  view.passwd = passwd_;
  view.group = group_;
  view.user_uid = user_.uid;
  view.idmap_unreadable = idmap_fd_ >= 0;
  if (host_packages_) view.hide.clear();
}

Result<SandboxSpec> Sandbox::Base(const fs::path& environment_dir) const {
  SandboxSpec spec;
  spec.clone_flags = EnvironmentCloneFlags(user_namespace_);
  spec.outside_uid = ::geteuid();
  spec.outside_gid = ::getegid();
  spec.user = user_;
  spec.runtime_uid_map = RuntimeUidMap(user_.uid, !user_namespace_);
  spec.runtime_gid_map = RuntimeGidMap(user_.gid, !user_namespace_);
  spec.max_processes = kLambdaMaxProcesses;
  spec.max_locked_memory = kLambdaMaxLockedMemory;
  spec.stack_soft = kLambdaStackSoft;
  fs::path root = environment_dir / "root";
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::Error("cannot create " + root.string() + ": " + ec.message());
  spec.mounts.root = root.string();
  spec.mounts.idmap_fd = idmap_fd_;
  return spec;
}

void Sandbox::AddTmp(SandboxSpec& spec, const fs::path& environment_dir, int ephemeral_mb) {
  TmpVolume& tmp = spec.mounts.tmp;
  if (loop_) {
    auto image = templates_->For(ephemeral_mb);
    if (image.ok()) {
      tmp.kind = TmpVolume::Kind::kLoop;
      tmp.template_image = image->string();
      tmp.image = (environment_dir / "tmp.ext4").string();
      if (auto spare = spares_->Take(ephemeral_mb, *image, tmp.image)) {
        tmp.mounted_fd = spare->mounted_fd;
        spec.held_fd = spare->mounted_fd;
      }
      return;
    }
    // Without its template no environment could start: /tmp becomes a
    // tmpfs from now on, which counts as memory; said once.
    spdlog::warn("sandbox: {}; /tmp is a tmpfs from now on (it counts as the function's memory)",
                 image.status().message());
    loop_ = false;
    loop_refused_ = image.status().message();
  }
  tmp.kind = TmpVolume::Kind::kTmpfs;
  tmp.tmpfs_options = "size=" + std::to_string(ephemeral_mb) + "m,mode=1777";
}

Result<SandboxSpec> Sandbox::ForEnvironment(const ViewSpec& view, const fs::path& environment_dir,
                                            int ephemeral_mb) {
  auto spec = Base(environment_dir);
  if (!spec.ok()) return spec;
  BuildMountPlan(view, spec->mounts);
  AddTmp(*spec, environment_dir, ephemeral_mb);
  return spec;
}

Result<SandboxSpec> Sandbox::ForSpare(const fs::path& spare_dir) const {
  auto spec = Base(spare_dir);
  if (spec.ok()) BuildHostView(passwd_, group_, spec->mounts);
  return spec;
}

Result<SandboxSpec> Sandbox::ForSpareEnvironment(const ViewSpec& view, const fs::path& spare_dir,
                                                 int ephemeral_mb) {
  auto spec = Base(spare_dir);
  if (!spec.ok()) return spec;
  BuildFunctionView(view, spec->mounts);
  AddTmp(*spec, spare_dir, ephemeral_mb);
  return spec;
}

}  // namespace lambda_emu::sandbox
