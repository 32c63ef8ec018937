// cgroup v2 / v1 limits for process VNFs: see cgroup.h.
#include "runtime/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int read_file(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t r = read(fd, buf, n - 1);
    int e = r < 0 ? -errno : 0;
    close(fd);
    if (r < 0)
        return e;
    buf[r] = 0;
    return 0;
}

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t w = write(fd, s, strlen(s));
    int e = w < 0 ? -errno : 0;
    close(fd);
    return e;
}

static int write_at(const char *dir, const char *file, const char *s)
{
    char path[RT_CG_PATH + 192];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return write_file(path, s);
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

void rt_cgroup_detect(const char *parent, struct rt_cgroup_host *h)
{
    memset(h, 0, sizeof *h);
    copy(h->parent, sizeof h->parent, parent && parent[0] ? parent : "outrig");
    char v2[RT_CG_PATH] = "", v1cpu[RT_CG_PATH] = "", v1mem[RT_CG_PATH] = "";

    FILE *f = setmntent("/proc/self/mounts", "re");
    if (f) {
        struct mntent *m;
        while ((m = getmntent(f))) {
            if (!strcmp(m->mnt_type, "cgroup2") && !v2[0])
                copy(v2, sizeof v2, m->mnt_dir);
            if (strcmp(m->mnt_type, "cgroup"))
                continue;
            if (rt_opts_has(m->mnt_opts, "cpu") && !v1cpu[0])
                copy(v1cpu, sizeof v1cpu, m->mnt_dir);
            if (rt_opts_has(m->mnt_opts, "memory") && !v1mem[0])
                copy(v1mem, sizeof v1mem, m->mnt_dir);
        }
        endmntent(f);
    }

    char ctl[512] = "";
    if (v2[0]) {
        char path[RT_CG_PATH + 32];
        snprintf(path, sizeof path, "%s/cgroup.controllers", v2);
        read_file(path, ctl, sizeof ctl);
        if (rt_controllers_have(ctl, "cpu") && rt_controllers_have(ctl, "memory") &&
            access(v2, W_OK) == 0) {
            h->mode = RT_CG_V2;
            copy(h->cpu_root, sizeof h->cpu_root, v2);
            copy(h->mem_root, sizeof h->mem_root, v2);
            // A note cut short is still a useful note.
            int n = snprintf(h->note, sizeof h->note, "cgroup v2 at %s", v2);
            (void)n;
            return;
        }
    }
    if (v1cpu[0] && v1mem[0] && access(v1cpu, W_OK) == 0 && access(v1mem, W_OK) == 0) {
        h->mode = RT_CG_V1;
        copy(h->cpu_root, sizeof h->cpu_root, v1cpu);
        copy(h->mem_root, sizeof h->mem_root, v1mem);
        int n = snprintf(h->note, sizeof h->note,
                         "cgroup v1 (%s): the v2 hierarchy%s lacks the cpu and memory controllers",
                         v1cpu, v2[0] ? "" : " is not mounted and");
        (void)n;
        return;
    }
    h->mode = RT_CG_NONE;
    int n = snprintf(h->note, sizeof h->note, "no cgroup with cpu and memory controllers (v2: %s)",
                     v2[0] ? (ctl[0] ? ctl : "no controllers") : "not mounted");
    (void)n;
    // Trim the newline cgroup.controllers ends with.
    char *nl = strchr(h->note, '\n');
    if (nl)
        *nl = 0;
}

static void cg_init(struct rt_cgroup *cg)
{
    memset(cg, 0, sizeof *cg);
    cg->procs_fd[0] = cg->procs_fd[1] = -1;
}

// mkdir that accepts an existing directory.
static int mkdir_ok(const char *path)
{
    return (mkdir(path, 0755) == 0 || errno == EEXIST) ? 0 : -errno;
}

static int cg_add_dir(struct rt_cgroup *cg, const char *root, const char *parent, const char *id)
{
    char pdir[RT_CG_PATH + 80];
    snprintf(pdir, sizeof pdir, "%s/%s", root, parent);
    int e = mkdir_ok(pdir);
    if (e < 0)
        return e;
    char *dir = cg->dirs[cg->n];
    int w = snprintf(dir, sizeof cg->dirs[0], "%s/%s", pdir, id);
    if (w < 0 || (size_t)w >= sizeof cg->dirs[0])
        return -ENAMETOOLONG;
    if (mkdir(dir, 0755) < 0)
        return -errno;
    cg->n++;
    return 0;
}

int rt_cgroup_create(const struct rt_cgroup_host *h, const char *id,
                     const struct rt_limits *limits, struct rt_cgroup *cg)
{
    cg_init(cg);
    if (h->mode == RT_CG_NONE)
        return -EOPNOTSUPP;
    if (!rt_id_valid(id))
        return -EINVAL;
    char val[64];
    int e;
    if (h->mode == RT_CG_V2) {
        // Controllers must be enabled top-down before the VNF's cgroup gets its files.
        char pdir[RT_CG_PATH + 80];
        snprintf(pdir, sizeof pdir, "%s/%s", h->cpu_root, h->parent);
        if ((e = write_at(h->cpu_root, "cgroup.subtree_control", "+cpu +memory")) < 0 ||
            (e = mkdir_ok(pdir)) < 0 ||
            (e = write_at(pdir, "cgroup.subtree_control", "+cpu +memory")) < 0 ||
            (e = cg_add_dir(cg, h->cpu_root, h->parent, id)) < 0)
            goto fail;
        if ((e = rt_cpu_max_format(limits->cpu_millis, val, sizeof val)) < 0 ||
            (e = write_at(cg->dirs[0], "cpu.max", val)) < 0)
            goto fail;
        if ((e = rt_memory_max_format(limits->memory_bytes, val, sizeof val)) < 0 ||
            (e = write_at(cg->dirs[0], "memory.max", val)) < 0)
            goto fail;
    } else {
        if ((e = cg_add_dir(cg, h->cpu_root, h->parent, id)) < 0 ||
            (e = cg_add_dir(cg, h->mem_root, h->parent, id)) < 0)
            goto fail;
        snprintf(val, sizeof val, "%d", RT_CPU_PERIOD_US);
        if ((e = write_at(cg->dirs[0], "cpu.cfs_period_us", val)) < 0)
            goto fail;
        snprintf(val, sizeof val, "%ld", rt_cpu_quota_us(limits->cpu_millis));
        if ((e = write_at(cg->dirs[0], "cpu.cfs_quota_us", val)) < 0)
            goto fail;
        if (limits->memory_bytes) {
            snprintf(val, sizeof val, "%llu", (unsigned long long)limits->memory_bytes);
            if ((e = write_at(cg->dirs[1], "memory.limit_in_bytes", val)) < 0)
                goto fail;
        }
    }
    for (int i = 0; i < cg->n; i++) {
        char path[RT_CG_PATH + 128];
        snprintf(path, sizeof path, "%s/cgroup.procs", cg->dirs[i]);
        cg->procs_fd[i] = open(path, O_WRONLY | O_CLOEXEC);
        if (cg->procs_fd[i] < 0) {
            e = -errno;
            goto fail;
        }
    }
    return 0;
fail:
    rt_cgroup_destroy(cg);
    cg_init(cg);
    return e;
}

int rt_cgroup_join_self(const struct rt_cgroup *cg)
{
    for (int i = 0; i < cg->n; i++) {
        // "0" names the writer itself, so no pid formatting is needed after fork.
        if (write(cg->procs_fd[i], "0", 1) < 0)
            return -errno;
    }
    return 0;
}

static int kill_dir(const char *dir)
{
    char path[RT_CG_PATH + 128];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int n = 0;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1) {
        if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
            n++;
    }
    fclose(f);
    return n;
}

int rt_cgroup_kill_all(const struct rt_cgroup *cg)
{
    int total = 0;
    for (int i = 0; i < cg->n; i++) {
        int n = kill_dir(cg->dirs[i]);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

static int rmdir_wait(const char *dir)
{
    // A killed process leaves its cgroup a moment after the signal; wait up to ~1 s.
    for (int i = 0; i < 100; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            return -errno;
        kill_dir(dir);
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    return -EBUSY;
}

int rt_cgroup_destroy(struct rt_cgroup *cg)
{
    int first = 0;
    // Only the first n entries are live, so a zeroed struct (n = 0) is left alone.
    for (int i = 0; i < cg->n; i++) {
        if (cg->procs_fd[i] >= 0)
            close(cg->procs_fd[i]);
        cg->procs_fd[i] = -1;
    }
    for (int i = cg->n - 1; i >= 0; i--) {
        int e = rmdir_wait(cg->dirs[i]);
        if (e < 0 && !first)
            first = e;
    }
    cg->n = 0;
    return first;
}

int rt_cgroup_purge(const struct rt_cgroup_host *h, const char *id)
{
    if (h->mode == RT_CG_NONE)
        return -ENOENT;
    if (!rt_id_valid(id))
        return -EINVAL;
    struct rt_cgroup cg;
    cg_init(&cg);
    const char *roots[2] = {h->cpu_root, h->mem_root};
    int nroots = h->mode == RT_CG_V2 ? 1 : 2;
    for (int i = 0; i < nroots; i++) {
        snprintf(cg.dirs[cg.n], sizeof cg.dirs[0], "%s/%s/%s", roots[i], h->parent, id);
        struct stat st;
        if (stat(cg.dirs[cg.n], &st) == 0)
            cg.n++;
    }
    if (!cg.n)
        return -ENOENT;
    rt_cgroup_kill_all(&cg);
    return rt_cgroup_destroy(&cg);
}
