// Removing monitor cgroups liblxc left behind. LXC 5.0's monitor moves itself to "lxc.pivot"
// and removes its "lxc.monitor.<name>" cgroups when the container ends; that rmdir fails
// (EBUSY) when another live process sits in them, which is what happens to a process that
// calls start itself (see start_in_child in adapter_lxc.c), and the empty cgroups then stay,
// one set per start, with -1, -2 suffixes on later starts. The adapter no longer causes that,
// but sweeps what older runs or a killed monitor left.
#define _GNU_SOURCE
#include "adapter/lxc_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MOUNTS_MAX 32
#define PATHS_MAX 8

// The cgroup mount points, and the distinct cgroup paths of this process (the monitor, forked
// from it, makes its cgroup under one of them or under the root).
static size_t cgroup_dirs(char mounts[][128], size_t *n_paths, char paths[][256])
{
    size_t n = 0;
    char line[1024];
    FILE *f = fopen("/proc/self/mounts", "re");
    while (f && n < MOUNTS_MAX && fgets(line, sizeof line, f)) {
        char dev[64], mnt[128], type[32];
        if (sscanf(line, "%63s %127s %31s", dev, mnt, type) == 3 &&
            (!strcmp(type, "cgroup") || !strcmp(type, "cgroup2")))
            snprintf(mounts[n++], 128, "%s", mnt);
    }
    if (f)
        fclose(f);
    *n_paths = 0;
    snprintf(paths[(*n_paths)++], 256, "%s", "");
    f = fopen("/proc/self/cgroup", "re");
    while (f && *n_paths < PATHS_MAX && fgets(line, sizeof line, f)) {
        char *p = strchr(line, ':');
        p = p ? strchr(p + 1, ':') : NULL;
        if (!p || !strcmp(p + 1, "/\n"))
            continue;
        p[strcspn(p, "\n")] = 0;
        bool seen = false;
        for (size_t i = 0; i < *n_paths; i++)
            seen |= !strcmp(paths[i], p + 1);
        if (!seen && strlen(p + 1) < 256)
            snprintf(paths[(*n_paths)++], 256, "%s", p + 1);
    }
    if (f)
        fclose(f);
    return n;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

void adapter_lxc_cgroup_cleanup(const char *name, int suffixes, int wait_ms)
{
    char mounts[MOUNTS_MAX][128], paths[PATHS_MAX][256];
    size_t n_paths, n_mounts = cgroup_dirs(mounts, &n_paths, paths);
    double end = now_ms() + wait_ms;
    for (size_t m = 0; m < n_mounts; m++)
        for (size_t p = 0; p < n_paths; p++)
            for (int s = 0; s <= suffixes; s++) {
                char dir[8192];
                if (s)
                    snprintf(dir, sizeof dir, "%s%s/lxc.monitor.%.80s-%d", mounts[m], paths[p],
                             name, s);
                else
                    snprintf(dir, sizeof dir, "%s%s/lxc.monitor.%.80s", mounts[m], paths[p], name);
                // EBUSY while a monitor is still on its way out.
                while (rmdir(dir) && errno == EBUSY && now_ms() < end)
                    nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
            }
}
