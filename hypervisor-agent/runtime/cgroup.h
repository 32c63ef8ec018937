// runtime cgroup: one cgroup per process VNF with CPU and memory limits. cgroup v2 (cpu.max,
// memory.max) where the host's unified hierarchy offers both controllers; otherwise the v1
// cpu and memory hierarchies (cpu.cfs_quota_us, memory.limit_in_bytes) when mounted; else
// none, and the VNF runs without limits.
#ifndef OUTRIG_RT_CGROUP_H
#define OUTRIG_RT_CGROUP_H

#include <stdbool.h>

#include "runtime/spec.h"

#define RT_CG_PATH 256

enum rt_cg_mode { RT_CG_NONE, RT_CG_V2, RT_CG_V1 };

// What the host offers, found once by rt_cgroup_detect.
struct rt_cgroup_host {
    enum rt_cg_mode mode;
    char cpu_root[RT_CG_PATH];  // v2: the unified mount; v1: the cpu hierarchy
    char mem_root[RT_CG_PATH];  // v2: same as cpu_root; v1: the memory hierarchy
    char parent[64];            // folder under each root that holds the VNF cgroups
    char note[192];             // why this mode was chosen, for status reports
};

// One VNF's cgroup: one directory (v2) or two (v1, cpu and memory).
struct rt_cgroup {
    int n;
    char dirs[2][RT_CG_PATH + 96];
    int procs_fd[2];  // cgroup.procs of each, open so a forked child can join without paths
};

// Finds the cgroup mode from /proc/self/mounts. `parent` names the folder for VNF cgroups
// under each root ("outrig" when NULL). Never fails: mode NONE comes with a note saying why.
void rt_cgroup_detect(const char *parent, struct rt_cgroup_host *h);

// Creates the cgroup of VNF `id`, writes `limits` (0 fields mean unlimited) and opens the
// cgroup.procs files. Returns 0; -EOPNOTSUPP in mode NONE; -EEXIST when it exists; or
// another -errno, leaving nothing behind. *cg is always initialised (n = 0 on failure).
int rt_cgroup_create(const struct rt_cgroup_host *h, const char *id,
                     const struct rt_limits *limits, struct rt_cgroup *cg);
// Moves the calling process into the cgroup. Only system calls, for a forked child.
// Returns 0 or -errno.
int rt_cgroup_join_self(const struct rt_cgroup *cg);
// Sends SIGKILL to every process in the cgroup. Returns how many, or -errno.
int rt_cgroup_kill_all(const struct rt_cgroup *cg);
// Closes the fds and removes the directories, waiting up to ~1 s for exiting processes
// to leave. Returns 0 or the first -errno (e.g. -EBUSY). A zeroed or failed cg is a no-op.
int rt_cgroup_destroy(struct rt_cgroup *cg);
// Removes a leftover cgroup of VNF `id` (after an agent restart), killing what is in it.
// Returns 0, -ENOENT when there is none, or -errno.
int rt_cgroup_purge(const struct rt_cgroup_host *h, const char *id);

#endif
