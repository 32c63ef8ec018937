// runtime: process VNFs. Each VNF is a program running in its own network namespace
// (named "<prefix><id>" under /run/netns, so `ip netns` sees it), with one veth pair per
// connection point — the inner end named and addressed as the spec says, the host end
// named by rt_host_ifname() and left up, unaddressed, in the host namespace for the linker
// to attach to a bridge or tunnel — stdout and stderr appended to <log_dir>/<id>.stdout and
// <log_dir>/<id>.stderr, and a cgroup with its CPU and memory limits where the host offers one.
//
// Threads: a runtime is read-only after rt_runtime_new, so VNFs may be driven from several
// threads; one VNF must be driven by one thread at a time. The runtime reaps only the pids
// it started (waitpid on each), never any other child of the process.
#ifndef OUTRIG_RT_RUNTIME_H
#define OUTRIG_RT_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/cgroup.h"
#include "runtime/spec.h"

struct rt_config {
    const char *log_dir;        // required: an existing directory
    const char *netns_prefix;   // NULL: "outrig-"
    const char *host_netns;     // NULL: host ends stay in the caller's netns; else a netns name
    const char *cgroup_parent;  // NULL: "outrig" (folder under each cgroup root)
    bool no_cgroups;            // run without cgroups even where the host offers them
    unsigned stop_grace_ms;     // SIGTERM-to-SIGKILL grace for delete; 0: 2000
};

struct rt_runtime;
struct rt_vnf;

struct rt_vnf_status {
    enum rt_state state;
    pid_t pid;             // RUNNING: the program's pid; otherwise 0
    int exit_code;         // EXITED on its own: the exit code
    int term_signal;       // ended by a signal (a stop, or a crash when FAILED): which one
    int start_errno;       // FAILED at start: the positive errno of what failed
    bool limits_applied;   // the cgroup with the requested limits is in force
    char limits_note[224]; // how limits are enforced, or why they are not
};

// Creates a runtime: copies cfg, detects the cgroup mode. Returns 0, -EINVAL (no log_dir,
// bad prefix), -ENOENT (host_netns does not exist) or -ENOMEM. Free with rt_runtime_free.
int rt_runtime_new(const struct rt_config *cfg, struct rt_runtime **out);
// Frees the runtime (VNFs must be deleted first; they are not touched). NULL is a no-op.
void rt_runtime_free(struct rt_runtime *rt);
// The cgroup mode found on this host and a sentence on why.
enum rt_cg_mode rt_runtime_cgroup_mode(const struct rt_runtime *rt);
const char *rt_runtime_cgroup_note(const struct rt_runtime *rt);

// Creates VNF `spec->id` in state CREATED: netns with lo up, veths with addresses, cgroup.
// The spec is copied. Returns 0; -EINVAL for a bad spec (rt_spec_validate names the field);
// -EEXIST when the netns, a host veth name or the cgroup is taken (see rt_vnf_purge);
// -ENOMEM; or the -errno of the failed step, leaving nothing behind. A cgroup that cannot
// be made otherwise is no error: the VNF runs without limits and its status says why.
// Free with rt_vnf_delete.
int rt_vnf_create(struct rt_runtime *rt, const struct rt_vnf_spec *spec, struct rt_vnf **out);
// Starts the program in the netns and cgroup (CREATED, EXITED or FAILED -> RUNNING). Returns
// 0 once execve succeeded; -EBUSY when RUNNING; or the -errno of the step that failed
// (open logs, fork, setns, cgroup join, execve), after which the state is FAILED.
int rt_vnf_start(struct rt_vnf *v);
// Sends SIGTERM to the VNF's process group, waits up to grace_ms for the program to end, then
// SIGKILLs it; any process left in the netns or cgroup is killed too, and is dead when stop
// returns. Returns 0 (also when it was not running), -EBUSY when something in the netns
// would not die within ~0.5 s, or -errno.
int rt_vnf_stop(struct rt_vnf *v, unsigned grace_ms);
// Fills *st, reaping the program first if it has ended. Returns 0.
int rt_vnf_status(struct rt_vnf *v, struct rt_vnf_status *st);
// Stops the VNF (with the runtime's grace) and removes its processes, veths, netns name and
// cgroup, then frees v. Returns 0 or the first -errno met; v is freed either way. NULL is
// a no-op.
int rt_vnf_delete(struct rt_vnf *v);
// Removes what a VNF `id` left behind without a handle (after an agent restart): processes in
// its netns, its netns name, host veths and cgroup. Returns 0 when something was removed,
// -ENOENT when nothing was there, or -errno.
int rt_vnf_purge(struct rt_runtime *rt, const char *id);

const char *rt_vnf_id(const struct rt_vnf *v);
// The netns name ("outrig-<id>"), usable with `ip netns exec`.
const char *rt_vnf_netns(const struct rt_vnf *v);
// The host-side veth name of connection point i (index in spec->cps), or NULL.
const char *rt_vnf_host_ifname(const struct rt_vnf *v, size_t i);

#endif
