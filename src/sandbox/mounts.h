#pragma once
// Mounts: the filesystem an execution environment sees (Lambda's view).
//
//   /            a small read-only tmpfs, the new root (pivot_root)
//   /usr, /etc,  the host's, bound read-only (so interpreters, system
//   /home, ...   libraries and tools keep working)
//   /var/task    the function's code, read-only
//   /opt         its layers merged in order (later layers win), read-only
//   /var/runtime the runtime client (LAMBDA_RUNTIME_DIR), read-only
//   /var/lang    the interpreter's installation, read-only
//   /tmp         the environment's own volume (TmpVolume), root:root 1777
//   /proc        a new proc for the environment's PID namespace
//   /dev         null, zero, full, random, urandom, tty and the fd links
//                (a device node on a read-only mount cannot be opened with
//                O_CREAT, which is how a shell opens `> /dev/null`)
//
// The plan is built in the server (BuildMountPlan: any allocation happens
// there) and applied in the environment's first process between clone and
// exec (ApplyMountPlan), where only system calls are allowed. Nothing here
// changes the host: every mount is made inside the environment's own mount
// namespace, whose propagation is private.
//
// It is applied in two halves. PrepareView builds what every environment
// shares (the host's directories, the passwd files, /dev, /proc) and makes
// it read-only; EnterView adds what is the function's (/var/task, /opt,
// /var/runtime, /var/lang, the hidden package folders), mounts /tmp and
// pivots into the view. A spare sandbox (spares.h) runs the first half
// ahead of demand and the second when it becomes an environment.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/tmp_volume.h"

namespace lambda_emu::sandbox {

struct MountStep {
  enum class Kind {
    kDirectory,  // mkdir target
    kSymlink,    // symlink source -> target
    kBind,       // recursive bind of source on target
    kBindFile,   // bind of the file source on the file target
    kReadOnly,   // read-only bind, idmapped when `idmap` (see users.h)
    kOverlay,    // read-only overlay: data holds its options
    kHide,       // an empty read-only tmpfs over target
    kTmpfs,      // a tmpfs on target, data its options
    kDevice,     // the host's device node source bound on a new file target
    kSeal,       // target's own mount (not those below it) made read-only
  };
  Kind kind;
  std::string source;
  std::string target;  // absolute, under the new root
  std::string data;
  bool idmap = false;
};

struct MountPlan {
  std::string root;                   // the new root's mount point on the host (an empty directory)
  std::vector<MountStep> steps;       // the host's part, made read-only once built
  std::vector<MountStep> after_seal;  // /dev: made after the view is read-only
  std::vector<MountStep> function;    // the function's part (read-only mounts each)
  int idmap_fd = -1;                  // a user namespace for idmapped binds (-1: none)
  TmpVolume tmp;
};

// The host's top-level directories and those of /var, read once.
struct HostLayout {
  struct Entry {
    std::string name;
    bool directory = false;
    std::string link;  // a symlink's target; empty otherwise
  };
  std::vector<Entry> root;
  std::vector<Entry> var;
};
const HostLayout& ReadHostLayout();

struct ViewSpec {
  std::filesystem::path code_dir;             // -> /var/task
  std::vector<std::filesystem::path> layers;  // -> /opt, in order
  std::filesystem::path runtime_dir;          // -> /var/runtime (may be empty)
  std::filesystem::path interpreter_prefix;   // -> /var/lang (may be empty)
  std::vector<std::filesystem::path> hide;    // paths inside the view made empty
  std::filesystem::path passwd;               // over /etc/passwd (may be empty)
  std::filesystem::path group;                // over /etc/group (may be empty)
  uid_t user_uid = 0;                         // who must be able to read /var/task
  bool idmap_unreadable = false;              // idmap binds the user could not read
};

// Appends the steps every environment shares (`passwd` and `group`, when
// given, cover the host's) to plan.steps and plan.after_seal.
void BuildHostView(const std::filesystem::path& passwd, const std::filesystem::path& group,
                   MountPlan& plan);
// Appends the function's steps to plan.function.
void BuildFunctionView(const ViewSpec& spec, MountPlan& plan);
// Both: the steps that build `spec`'s view under `plan.root`.
void BuildMountPlan(const ViewSpec& spec, MountPlan& plan);

// Child side (async-signal-safe). On failure each returns false with errno
// set and `failed` naming the step.
// The shared half: private propagation, the new root, plan.steps, read-only,
// then /dev and /proc (this PID namespace's). The host's root stays the root.
bool PrepareView(const MountPlan& plan, const char*& failed);
// The function's half: plan.function, /tmp, then pivot_root into the view.
bool EnterView(const MountPlan& plan, const char*& failed);
// Both.
bool ApplyMountPlan(const MountPlan& plan, const char*& failed);

}  // namespace lambda_emu::sandbox
