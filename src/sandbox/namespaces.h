#pragma once
// Namespaces: each execution environment gets its own mount namespace (the
// view in mounts.h) and PID namespace (its own /proc: a function sees only
// its own processes; the environment's first process is its PID 1, see
// init.h). The network namespace is shared: functions reach the Runtime API
// and local services on loopback. A server that is not root also gives the
// environment a user namespace, which maps the server's uid to the sandbox
// user's and lets it mount.
//
// The runtime itself enters one more user namespace of its own (its
// extensions join it), mapping its uid and gid (and root's) to themselves.
// It changes nothing it can see, but makes the kernel count RLIMIT_NPROC per
// environment: every environment runs as the same uid, and the count is
// otherwise per uid across the machine.
//
// Whether the kernel grants them is probed once at start (ProbeNamespaces).
// LAMBDA_EMU_REFUSE_NAMESPACES=mount,pid,user makes the probe treat those as
// refused, so the fallback can be tested on a machine that grants them.

#include <sys/types.h>

#include <string>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

// clone flags for an environment's first process.
int EnvironmentCloneFlags(bool user_namespace);

// Ok when an environment can be started with those flags (and its runtime
// can enter its own user namespace); else why not, in words.
Status ProbeNamespaces(bool user_namespace);

// Server side, for a child cloned with CLONE_NEWUSER: maps `outside_uid`
// (and gid) of the server's namespace to `inside_uid` (gid) in the child's.
Status WriteIdMaps(pid_t child, uid_t inside_uid, uid_t outside_uid, gid_t inside_gid,
                   gid_t outside_gid);

// The id maps of a runtime's own user namespace, written by the
// environment's init: `uid` and `gid` map to themselves, and so does root
// when the server is root (so the host's files keep their owner; nothing in
// the namespace has root's privileges once the runtime has exec'd).
std::string RuntimeUidMap(uid_t uid, bool with_root);
std::string RuntimeGidMap(gid_t gid, bool with_root);

}  // namespace lambda_emu::sandbox
