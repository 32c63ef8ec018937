// Internal to the runtime: the structs that vnf.c (setup and teardown) and process.c
// (start, stop, status) share. Not for users of the library; they include runtime.h.
#ifndef OUTRIG_RT_VNF_INTERNAL_H
#define OUTRIG_RT_VNF_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/runtime.h"

struct rt_runtime {
    char *log_dir;
    char prefix[32];
    int host_netns_fd;  // -1: the caller's netns
    unsigned grace_ms;
    bool no_cgroups;
    struct rt_cgroup_host cg;
};

struct rt_vnf {
    struct rt_runtime *rt;
    char id[RT_ID_MAX + 1];
    char netns[RT_NETNS_NAME_MAX];
    int netns_fd;
    char *path;
    char **argv;
    char **envp;
    size_t n_cps;
    char host_if[RT_MAX_CPS][RT_IFNAMSIZ];
    struct rt_limits limits;
    struct rt_cgroup cg;
    bool cg_ok;
    char cg_note[224];

    enum rt_state state;
    pid_t pid;
    int pidfd;
    bool stop_requested;
    int exit_code, term_signal, start_errno;
};

#endif
