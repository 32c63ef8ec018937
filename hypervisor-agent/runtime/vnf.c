// Process VNFs: runtime, create, delete and purge (netns, veths, cgroup). The program's
// lifecycle is in process.c. See runtime.h.
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/netlink.h"
#include "runtime/netns.h"
#include "runtime/vnf_internal.h"

int rt_runtime_new(const struct rt_config *cfg, struct rt_runtime **out)
{
    if (!cfg || !cfg->log_dir || !cfg->log_dir[0])
        return -EINVAL;
    const char *prefix = cfg->netns_prefix ? cfg->netns_prefix : "outrig-";
    if (strchr(prefix, '/') || strlen(prefix) >= sizeof ((struct rt_runtime *)0)->prefix)
        return -EINVAL;
    struct rt_runtime *rt = calloc(1, sizeof *rt);
    if (!rt)
        return -ENOMEM;
    rt->host_netns_fd = -1;
    rt->log_dir = strdup(cfg->log_dir);
    if (!rt->log_dir) {
        rt_runtime_free(rt);
        return -ENOMEM;
    }
    snprintf(rt->prefix, sizeof rt->prefix, "%s", prefix);
    if (cfg->host_netns) {
        int fd = rt_netns_open(cfg->host_netns);
        if (fd < 0) {
            rt_runtime_free(rt);
            return fd;
        }
        rt->host_netns_fd = fd;
    }
    rt->grace_ms = cfg->stop_grace_ms ? cfg->stop_grace_ms : 2000;
    rt->no_cgroups = cfg->no_cgroups;
    rt_cgroup_detect(cfg->cgroup_parent, &rt->cg);
    *out = rt;
    return 0;
}

void rt_runtime_free(struct rt_runtime *rt)
{
    if (!rt)
        return;
    if (rt->host_netns_fd >= 0)
        close(rt->host_netns_fd);
    free(rt->log_dir);
    free(rt);
}

enum rt_cg_mode rt_runtime_cgroup_mode(const struct rt_runtime *rt)
{
    return rt->no_cgroups ? RT_CG_NONE : rt->cg.mode;
}

const char *rt_runtime_cgroup_note(const struct rt_runtime *rt)
{
    return rt->no_cgroups ? "cgroups disabled by configuration" : rt->cg.note;
}

const char *rt_vnf_id(const struct rt_vnf *v)
{
    return v->id;
}

const char *rt_vnf_netns(const struct rt_vnf *v)
{
    return v->netns;
}

const char *rt_vnf_host_ifname(const struct rt_vnf *v, size_t i)
{
    return i < v->n_cps ? v->host_if[i] : NULL;
}

static void strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

static char **strv_dup(const char *const *v, const char *fallback)
{
    size_t n = 0;
    if (v)
        while (v[n])
            n++;
    else if (fallback)
        n = 1;
    char **d = calloc(n + 1, sizeof *d);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        d[i] = strdup(v ? v[i] : fallback);
        if (!d[i]) {
            strv_free(d);
            return NULL;
        }
    }
    return d;
}

static void vnf_free(struct rt_vnf *v)
{
    if (v->netns_fd >= 0)
        close(v->netns_fd);
    if (v->pidfd >= 0)
        close(v->pidfd);
    free(v->path);
    strv_free(v->argv);
    strv_free(v->envp);
    free(v);
}

// Deletes the host ends (which takes the inner ends with them) of the first n CPs.
static int veths_del(struct rt_vnf *v, size_t n)
{
    int nl = rt_netns_nl_open(v->rt->host_netns_fd);
    if (nl < 0)
        return nl;
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        int e = rt_nl_link_del(nl, v->host_if[i]);
        if (e < 0 && e != -ENODEV && !first)
            first = e;
    }
    close(nl);
    return first;
}

static int cps_setup(struct rt_vnf *v, const struct rt_vnf_spec *spec, size_t *made)
{
    int host = rt_netns_nl_open(v->rt->host_netns_fd);
    if (host < 0)
        return host;
    int inner = rt_netns_nl_open(v->netns_fd);
    if (inner < 0) {
        close(host);
        return inner;
    }
    int e = 0;
    for (size_t i = 0; i < spec->n_cps && !e; i++) {
        const struct rt_cp_spec *cp = &spec->cps[i];
        e = rt_nl_veth_add(host, v->host_if[i], cp->ifname, v->netns_fd, cp->mtu);
        if (e < 0)
            break;
        (*made)++;
        if ((e = rt_nl_link_set_up(host, v->host_if[i], true)) < 0)
            break;
        if (cp->address) {
            struct rt_addr a;
            int idx;
            if ((e = rt_addr_parse(cp->address, &a)) < 0 ||
                (e = rt_nl_link_index(inner, cp->ifname, &idx)) < 0 ||
                (e = rt_nl_addr_add(inner, idx, &a)) < 0)
                break;
        }
        e = rt_nl_link_set_up(inner, cp->ifname, true);
    }
    close(inner);
    close(host);
    return e;
}

// Creates the VNF's cgroup where the host offers one. A failure other than a leftover of the
// same name (-EEXIST, returned) leaves the VNF without limits, saying why in its status.
static int cgroup_setup(struct rt_vnf *v)
{
    struct rt_runtime *rt = v->rt;
    bool want = v->limits.cpu_millis || v->limits.memory_bytes;
    if (rt_runtime_cgroup_mode(rt) == RT_CG_NONE) {
        snprintf(v->cg_note, sizeof v->cg_note, "%s%.192s",
                 want ? "running without limits: " : "", rt_runtime_cgroup_note(rt));
        return 0;
    }
    int e = rt_cgroup_create(&rt->cg, v->id, &v->limits, &v->cg);
    if (e == -EEXIST)
        return e;
    if (e < 0) {
        snprintf(v->cg_note, sizeof v->cg_note, "running without limits: cgroup %s: %s",
                 rt->cg.mode == RT_CG_V2 ? "v2" : "v1", strerror(-e));
        return 0;
    }
    v->cg_ok = true;
    snprintf(v->cg_note, sizeof v->cg_note, "cgroup %s at %.180s",
             rt->cg.mode == RT_CG_V2 ? "v2" : "v1", v->cg.dirs[0]);
    return 0;
}

int rt_vnf_create(struct rt_runtime *rt, const struct rt_vnf_spec *spec, struct rt_vnf **out)
{
    if (!rt || rt_spec_validate(spec, NULL, 0) < 0)
        return -EINVAL;
    struct rt_vnf *v = calloc(1, sizeof *v);
    if (!v)
        return -ENOMEM;
    v->rt = rt;
    v->netns_fd = v->pidfd = -1;
    v->state = RT_CREATED;
    v->limits = spec->limits;
    snprintf(v->id, sizeof v->id, "%s", spec->id);
    v->path = strdup(spec->path);
    v->argv = strv_dup(spec->argv, spec->path);
    v->envp = strv_dup(spec->envp, NULL);
    if (!v->path || !v->argv || !v->envp) {
        vnf_free(v);
        return -ENOMEM;
    }
    int e = rt_netns_name(rt->prefix, spec->id, v->netns, sizeof v->netns);
    if (e < 0) {
        vnf_free(v);
        return e;
    }
    v->n_cps = spec->n_cps;
    for (size_t i = 0; i < spec->n_cps; i++)
        rt_host_ifname(spec->id, (unsigned)i, v->host_if[i]);

    if ((e = rt_netns_add(v->netns, &v->netns_fd)) < 0) {
        vnf_free(v);
        return e;
    }
    size_t made = 0;
    if ((e = cps_setup(v, spec, &made)) < 0 || (e = cgroup_setup(v)) < 0) {
        veths_del(v, made);
        rt_netns_del(v->netns);
        vnf_free(v);
        return e;
    }
    *out = v;
    return 0;
}

int rt_vnf_delete(struct rt_vnf *v)
{
    if (!v)
        return 0;
    int first = rt_vnf_stop(v, v->rt->grace_ms);
    int e = rt_cgroup_destroy(&v->cg);
    if (e < 0 && !first)
        first = e;
    e = veths_del(v, v->n_cps);
    if (e < 0 && !first)
        first = e;
    e = rt_netns_del(v->netns);
    if (e < 0 && e != -ENOENT && !first)
        first = e;
    vnf_free(v);
    return first;
}

int rt_vnf_purge(struct rt_runtime *rt, const char *id)
{
    char netns[RT_NETNS_NAME_MAX];
    int e = rt_netns_name(rt->prefix, id, netns, sizeof netns);
    if (e < 0)
        return e;
    bool found = false;
    int first = 0;
    int fd = rt_netns_open(netns);
    if (fd >= 0) {
        found = true;
        rt_netns_empty(fd);
        close(fd);
    }
    if (rt->cg.mode != RT_CG_NONE) {
        e = rt_cgroup_purge(&rt->cg, id);
        if (e == 0)
            found = true;
        else if (e != -ENOENT && !first)
            first = e;
    }
    int nl = rt_netns_nl_open(rt->host_netns_fd);
    if (nl >= 0) {
        for (unsigned i = 0; i < RT_MAX_CPS; i++) {
            char name[RT_IFNAMSIZ];
            rt_host_ifname(id, i, name);
            e = rt_nl_link_del(nl, name);
            if (e == 0)
                found = true;
            else if (e != -ENODEV && !first)
                first = e;
        }
        close(nl);
    } else if (!first) {
        first = nl;
    }
    e = rt_netns_del(netns);
    if (e == 0)
        found = true;
    else if (e != -ENOENT && !first)
        first = e;
    if (first)
        return first;
    return found ? 0 : -ENOENT;
}
