#pragma once
// RuntimeTemplates: forked runtimes (docs/design.md "Forked runtimes";
// `serve --no-fork-runtimes` turns them off).
//
// A runtime template is a process that has started an interpreter and
// loaded lambda-emu's runtime client, and nothing of any function's: one per
// interpreter and start-up environment (the variables the interpreter and
// the dynamic loader read as they start, StartupVariable). It forks spare
// sandboxes (spares.h) whose runtime process is already that far, so that a
// cold start skips starting the interpreter and importing the client
// (~15 ms of Python's ~20). The function's init still runs in every
// environment, on demand, as it would after exec.
//
// Python only (runtimes/python/lambda_emu_template.py). Node.js cannot be
// forked: V8's platform threads do not survive fork(), so Node.js runtimes
// start by exec.
//
// A template is exec'd with exactly a runtime's command line and
// LAMBDA_EMU_RUNTIME_TEMPLATE=1 (bootstrap.py then serves as a template). It
// runs as root, in the server's cgroup and PID namespace, in a
// mount namespace of its own with a view laid out as an environment's
// (mounts.h): the interpreter at /var/lang, the runtime client at
// /var/runtime, the interpreter's own packages hidden, and stand-ins for
// /var/task and /opt with a lib/ each, so that every directory on Lambda's
// LD_LIBRARY_PATH exists as the template starts (the dynamic loader
// remembers a directory that did not, and would skip it in the forks).
// Its sys.path, sys.prefix, sys.argv, __main__, module paths and
// /proc/PID/cmdline are therefore those of a runtime exec'd in an
// environment, and so are its forks'. It dies with the server
// (PR_SET_PDEATHSIG).
//
// Not thread-safe: the spares' thread's.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lambda_emu/status.h"
#include "sandbox/mounts.h"

namespace lambda_emu::sandbox {

// What a function's forked runtime is forked from.
struct RuntimeTemplateSpec {
  std::string key;  // functions with equal keys share a template
  // The function's runtime command in its view (what the template stands
  // for): {"/var/lang/bin/python3.11", "/var/runtime/bootstrap.py"}.
  std::vector<std::string> runtime_argv;
  ViewSpec view;                 // the function's (its code and layers are not used)
  std::vector<std::string> env;  // the start-up variables ("K=V"), sorted
  std::string description;       // "python3.11 (/var/lang/bin/python3.11)"

  // SnapStart (docs/snapstart.md): a published version's snapshot. Its
  // template has the function's code and layers in its view, a private /tmp
  // of `tmp_mb`, the version's whole environment in `env`, and runs the
  // function's init and its before-snapshot hooks before it says it is
  // ready (within `start_timeout`); its forks are restored environments.
  bool snapshot = false;
  int tmp_mb = 512;
  std::uint64_t memory_bytes = 0;  // MemorySize: an init that uses more fails the snapshot
  std::chrono::milliseconds start_timeout{10000};
  // Snapshot: the lines the init writes (`platform` false) and the
  // INIT_REPORT line (true). Called on the spares' thread.
  std::function<void(std::string_view line, bool platform)> log;
};

// Whether the interpreter or the dynamic loader reads variable `name` as the
// process starts (LD_*, PYTHON*, LANG, LC_*, HOME...): a function's value
// must then be its template's.
bool StartupVariable(std::string_view name);

// The spec for a runtime started by `runtime_argv` with environment `env`
// in view `view`: the start-up variables of `env`, then each of `also`
// ("K=V") whose name `env` does not set (the sandbox user's HOME, as an
// exec'd runtime finds its user site-packages directory). Not the server's
// instance variable: a template is no environment's, and the janitor would
// take it for a stray (process_table.h).
RuntimeTemplateSpec MakeRuntimeTemplateSpec(const std::vector<std::string>& runtime_argv,
                                            const ViewSpec& view,
                                            const std::vector<std::string>& env,
                                            const std::vector<std::string>& also);

class RuntimeTemplates {
 public:
  // More start-up environments than this are started by exec.
  static constexpr std::size_t kMaxTemplates = 4;
  // More SnapStart versions than this run their init in each environment.
  static constexpr std::size_t kMaxSnapshots = 16;

  explicit RuntimeTemplates(std::filesystem::path work_dir);
  ~RuntimeTemplates();  // the templates are killed; spares they forked are not theirs
  RuntimeTemplates(const RuntimeTemplates&) = delete;
  RuntimeTemplates& operator=(const RuntimeTemplates&) = delete;

  // Forks a spare sandbox from `spec`'s template (started on first use)
  // with `output`, `report` and `control` as its descriptors 1 (and 2), 3
  // and 4 (spare_protocol.h; the caller keeps its copies). Returns the
  // spare's pid: by then a child of this process (the server is a child
  // subreaper), in new PID and mount namespaces, about to exec
  // `lambda-emu __spare forked`.
  Result<pid_t> Fork(const RuntimeTemplateSpec& spec, int output, int report, int control);

  // A snapshot's resident memory once its init had run (0: none yet).
  std::uint64_t SnapshotBytes(const std::string& key) const;

  // Kills `key`'s template (a version that was deleted); a later Fork
  // starts it again.
  void Drop(const std::string& key);

 private:
  struct Template;
  Result<Template*> Find(const RuntimeTemplateSpec& spec);
  Result<std::unique_ptr<Template>> Start(const RuntimeTemplateSpec& spec);
  // Waits for the template's first message, passing on a snapshot's output.
  Result<std::string> AwaitReady(const RuntimeTemplateSpec& spec, Template& made, int output);

  const std::filesystem::path work_dir_;
  std::map<std::string, std::unique_ptr<Template>> templates_;  // by key
  std::map<std::string, std::string> refused_;                  // by key: why not
  std::size_t next_id_ = 1;
};

}  // namespace lambda_emu::sandbox
