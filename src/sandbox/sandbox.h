#pragma once
// Sandbox: the server-wide choice of how environments are isolated
// (--sandbox none|auto|namespaces, --sandbox-user, --host-packages), made
// once at start, and the per-environment SandboxSpec built from it.
//
//   namespaces  every environment in its own mount and PID namespaces
//               (namespaces.h), seeing Lambda's filesystem (mounts.h), as an
//               unprivileged user (users.h), with /tmp a volume of its own
//               (tmp_volume.h); without root, in a user namespace as well.
//   auto        namespaces where the kernel grants them; otherwise, said once
//               at start with the reason, what `none` does.
//   none        the runtime runs in the server's own view, as the server's
//               user, with a private TMPDIR (the behaviour before sandboxes).

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lambda_emu/status.h"
#include "sandbox/mounts.h"
#include "sandbox/spawn.h"
#include "sandbox/tmp_volume.h"
#include "sandbox/users.h"

namespace lambda_emu::sandbox {

class SpareTmpVolumes;  // tmp_spares.h

struct SandboxOptions {
  std::string mode = "auto";  // none | auto | namespaces
  std::string user;           // --sandbox-user (empty: sbx_user1051)
  bool host_packages = false;
  std::filesystem::path work_dir;  // the server's; the sandbox keeps its files under it
};

// Lambda's limits for a function's processes (AWS-recorded, python3.12).
inline constexpr rlim_t kLambdaMaxProcesses = 742;
inline constexpr rlim_t kLambdaMaxLockedMemory = 65536;
inline constexpr rlim_t kLambdaMaxCoreSize = 10737418240;  // 10 GiB
inline constexpr rlim_t kLambdaStackSoft = 8 << 20;

class Sandbox {
 public:
  // The sandbox `options` ask for, or an error when --sandbox namespaces
  // cannot be had. With auto on a kernel that refuses, enabled() is false
  // and fallback_reason() says why.
  static Result<std::unique_ptr<Sandbox>> Create(const SandboxOptions& options);
  ~Sandbox();

  bool enabled() const { return enabled_; }
  bool host_packages() const { return host_packages_; }
  // Without root: environments get a user namespace of their own too.
  bool user_namespace() const { return user_namespace_; }
  const std::string& fallback_reason() const { return fallback_reason_; }
  // For the start-up log: "namespaces: mount, PID; as sbx_user1051 (uid
  // 993); /tmp on ext4 volumes".
  std::string Describe() const;
  const SandboxUser& user() const { return user_; }

  // The spec for one environment whose directory is `environment_dir`:
  // `view` is the function's, `ephemeral_mb` its EphemeralStorage.
  Result<SandboxSpec> ForEnvironment(const ViewSpec& view,
                                     const std::filesystem::path& environment_dir,
                                     int ephemeral_mb);
  // The same in two halves, for a spare sandbox (spares.h) in `spare_dir`:
  // the shared view, any thread; then, on the io thread when the spare
  // becomes an environment, the function's view and /tmp.
  Result<SandboxSpec> ForSpare(const std::filesystem::path& spare_dir) const;
  Result<SandboxSpec> ForSpareEnvironment(const ViewSpec& view,
                                          const std::filesystem::path& spare_dir, int ephemeral_mb);
  // Completes a function's view: the passwd files, whom it is for.
  void Complete(ViewSpec& view) const;

 private:
  Sandbox() = default;
  // Everything but the view: namespaces, ids, limits; with the root made.
  Result<SandboxSpec> Base(const std::filesystem::path& environment_dir) const;
  // Chooses spec.mounts.tmp for `ephemeral_mb`, its image in `environment_dir`.
  void AddTmp(SandboxSpec& spec, const std::filesystem::path& environment_dir, int ephemeral_mb);

  bool enabled_ = false;
  bool user_namespace_ = false;  // the server is not root
  bool host_packages_ = false;
  std::string fallback_reason_;
  SandboxUser user_;
  std::filesystem::path dir_;
  std::filesystem::path passwd_;
  std::filesystem::path group_;
  int idmap_fd_ = -1;
  std::string idmap_refused_;
  bool loop_ = false;
  std::string loop_refused_;
  std::unique_ptr<TmpVolumeTemplates> templates_;
  std::unique_ptr<SpareTmpVolumes> spares_;
};

// Whether this process is root of the machine (not root of a user namespace).
bool MachineRoot();

}  // namespace lambda_emu::sandbox
