// Process VNFs: the VNF table over the runtime (rt_), owners, connection points and the peer
// files ConfigurePeer writes for the linker's data path. Worker thread, ag->mu held.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "util/log.h"

static void report(agent *ag, agent_vnf *f);

static agent_vnf *vnf_find(agent *ag, const char *id)
{
    for (size_t i = 0; i < AGENT_MAX_VNFS; i++)
        if (ag->vnfs[i].used && !strcmp(ag->vnfs[i].id, id))
            return &ag->vnfs[i];
    return NULL;
}

static rpc_code not_found(rpc_status *st, const char *field, const char *id)
{
    rpc_status_set(st, RPC_NOT_FOUND, field, "no VNF \"%s\"", id);
    return RPC_NOT_FOUND;
}

static rpc_code from_errno(rpc_status *st, int rc, const char *what)
{
    rpc_code c = rc == -EINVAL   ? RPC_INVALID_ARGUMENT
                 : rc == -EEXIST ? RPC_ALREADY_EXISTS
                 : rc == -ENOENT ? RPC_NOT_FOUND
                 : rc == -EBUSY  ? RPC_FAILED_PRECONDITION
                 : rc == -ENOMEM ? RPC_RESOURCE_EXHAUSTED
                                 : RPC_INTERNAL;
    rpc_status_set(st, c, NULL, "%s: %s", what, strerror(-rc));
    return c;
}

static outrig_v1_AgentVnfState vnf_state(const agent_vnf *f, const struct rt_vnf_status *s)
{
    switch (s->state) {
    case RT_CREATED:
        return outrig_v1_AgentVnfState_AGENT_VNF_CREATED;
    case RT_RUNNING:
        return outrig_v1_AgentVnfState_AGENT_VNF_RUNNING;
    case RT_EXITED:
        return f->stop_requested ? outrig_v1_AgentVnfState_AGENT_VNF_STOPPED
                                 : outrig_v1_AgentVnfState_AGENT_VNF_EXITED;
    default:
        return outrig_v1_AgentVnfState_AGENT_VNF_FAILED;
    }
}

static void vnf_info(agent_vnf *f, outrig_v1_VnfInfo *o)
{
    struct rt_vnf_status s;
    rt_vnf_status(f->v, &s);
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", f->id);
    snprintf(o->owner, sizeof o->owner, "%s", f->owner);
    snprintf(o->path, sizeof o->path, "%s", f->path);
    o->state = vnf_state(f, &s);
    o->pid = s.pid;
    o->exit_code = s.state == RT_EXITED && !s.term_signal ? s.exit_code : -1;
    o->term_signal = s.term_signal;
    if (s.state == RT_FAILED && s.start_errno)
        snprintf(o->reason, sizeof o->reason, "start failed: %s", strerror(s.start_errno));
    else if (s.state == RT_FAILED)
        snprintf(o->reason, sizeof o->reason, "killed by signal %d", s.term_signal);
    else if (!s.limits_applied && s.limits_note[0])
        snprintf(o->reason, sizeof o->reason, "%s", s.limits_note);
    o->limits_applied = s.limits_applied;
    o->cps_count = (pb_size_t)f->n_cps;
    for (size_t i = 0; i < f->n_cps; i++) {
        outrig_v1_VnfCpInfo *c = &o->cps[i];
        snprintf(c->id, sizeof c->id, "%s", f->cps[i].id);
        snprintf(c->host_ifname, sizeof c->host_ifname, "%s", f->cps[i].host_ifname);
        snprintf(c->address, sizeof c->address, "%s", f->cps[i].address);
        snprintf(c->peer_address, sizeof c->peer_address, "%s", f->cps[i].peer_address);
        snprintf(c->peer_id, sizeof c->peer_id, "%s", f->cps[i].peer_id);
    }
    snprintf(o->netns, sizeof o->netns, "%s", rt_vnf_netns(f->v));
    snprintf(o->dir, sizeof o->dir, "%s", f->dir);
}

// Removes the VNF's directory: its peer files and the folders holding them.
static void dir_remove(const char *dir)
{
    char peers[300];
    snprintf(peers, sizeof peers, "%s/peers", dir);
    DIR *d = opendir(peers);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
        rmdir(peers);
    }
    rmdir(dir);
}

rpc_code agent_vnf_create(agent *ag, const outrig_v1_VnfSpec *s, outrig_v1_VnfInfo *out,
                          rpc_status *st)
{
    if (!ag->rt) {
        rpc_status_set(st, RPC_FAILED_PRECONDITION, NULL, "the VNF runtime is not available");
        return RPC_FAILED_PRECONDITION;
    }
    if (vnf_find(ag, s->id)) {
        rpc_status_set(st, RPC_ALREADY_EXISTS, "spec.id", "VNF \"%s\" exists", s->id);
        return RPC_ALREADY_EXISTS;
    }
    agent_vnf *f = NULL;
    for (size_t i = 0; i < AGENT_MAX_VNFS && !f; i++)
        if (!ag->vnfs[i].used)
            f = &ag->vnfs[i];
    if (!f) {
        rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL, "at most %d VNFs", AGENT_MAX_VNFS);
        return RPC_RESOURCE_EXHAUSTED;
    }
    if (access(s->path, X_OK)) {
        rpc_status_set(st, RPC_NOT_FOUND, "spec.path", "%s: %s", s->path, strerror(errno));
        return RPC_NOT_FOUND;
    }
    memset(f, 0, sizeof *f);
    snprintf(f->id, sizeof f->id, "%s", s->id);
    snprintf(f->owner, sizeof f->owner, "%s", s->owner);
    snprintf(f->path, sizeof f->path, "%s", s->path);
    snprintf(f->dir, sizeof f->dir, "%s/vnfs/%s", ag->data_dir, s->id);
    char peers[300];
    snprintf(peers, sizeof peers, "%s/peers", f->dir);
    char vnfs[560];
    snprintf(vnfs, sizeof vnfs, "%s/vnfs", ag->data_dir);
    mkdir(vnfs, 0750);
    if ((mkdir(f->dir, 0750) && errno != EEXIST) || (mkdir(peers, 0750) && errno != EEXIST)) {
        int rc = -errno;
        return from_errno(st, rc, "the VNF's directory");
    }

    // argv: path, args; env: the spec's, then the agent's OUTRIG_VNF_* entries.
    const char *argv[34], *envp[36];
    char env_dir[300], env_id[80], env_owner[90];
    size_t n = 0;
    argv[n++] = f->path;
    for (pb_size_t i = 0; i < s->args_count; i++)
        argv[n++] = s->args[i];
    argv[n] = NULL;
    n = 0;
    for (pb_size_t i = 0; i < s->env_count; i++)
        envp[n++] = s->env[i];
    snprintf(env_dir, sizeof env_dir, "OUTRIG_VNF_DIR=%s", f->dir);
    snprintf(env_id, sizeof env_id, "OUTRIG_VNF_ID=%s", f->id);
    snprintf(env_owner, sizeof env_owner, "OUTRIG_VNF_OWNER=%s", f->owner);
    envp[n++] = env_dir;
    envp[n++] = env_id;
    envp[n++] = env_owner;
    envp[n] = NULL;
    struct rt_cp_spec cps[8];
    for (pb_size_t i = 0; i < s->cps_count; i++)
        cps[i] =
            (struct rt_cp_spec){s->cps[i].id, s->cps[i].address[0] ? s->cps[i].address : NULL, 0};
    struct rt_vnf_spec rs = {
        .id = f->id,
        .path = f->path,
        .argv = argv,
        .envp = envp,
        .cps = cps,
        .n_cps = s->cps_count,
        .limits = {.cpu_millis = s->cpu_millis, .memory_bytes = (uint64_t)s->memory_mib << 20},
    };
    int rc = rt_vnf_create(ag->rt, &rs, &f->v);
    if (rc) {
        dir_remove(f->dir);
        if (rc == -EINVAL) {
            char field[64] = "spec";
            rt_spec_validate(&rs, field, sizeof field);
            rpc_status_set(st, RPC_INVALID_ARGUMENT, field, "rejected by the runtime");
            return RPC_INVALID_ARGUMENT;
        }
        return from_errno(
            st, rc, rc == -EEXIST ? "leftovers of a VNF with this id exist" : "creating the VNF");
    }
    f->n_cps = s->cps_count;
    for (size_t i = 0; i < f->n_cps; i++) {
        snprintf(f->cps[i].id, sizeof f->cps[i].id, "%s", s->cps[i].id);
        snprintf(f->cps[i].address, sizeof f->cps[i].address, "%s", s->cps[i].address);
        snprintf(f->cps[i].virtual_link, sizeof f->cps[i].virtual_link, "%s",
                 s->cps[i].virtual_link);
        const char *h = rt_vnf_host_ifname(f->v, i);
        snprintf(f->cps[i].host_ifname, sizeof f->cps[i].host_ifname, "%s", h ? h : "");
    }
    f->used = true;
    vnf_info(f, out);
    f->reported = out->state;
    agent_event_vnf(ag, "created", out);
    log_info("vnf %s created (owner \"%s\", %zu CPs)", f->id, f->owner, f->n_cps);
    return RPC_OK;
}

rpc_code agent_vnf_start(agent *ag, const char *id, outrig_v1_VnfInfo *out, rpc_status *st)
{
    agent_vnf *f = vnf_find(ag, id);
    if (!f)
        return not_found(st, "id", id);
    f->stop_requested = false;
    int rc = rt_vnf_start(f->v);
    if (rc == -EBUSY) {
        vnf_info(f, out);
        rpc_status_set(st, RPC_FAILED_PRECONDITION, "id", "VNF \"%s\" is running", id);
        return RPC_FAILED_PRECONDITION;
    }
    vnf_info(f, out);
    if (rc) {
        f->reported = out->state;
        agent_event_vnf(ag, "failed", out);
        return from_errno(st, rc, "starting the VNF");
    }
    // The program may already have ended: vnf.started first, then what followed.
    f->reported = outrig_v1_AgentVnfState_AGENT_VNF_RUNNING;
    agent_event_vnf(ag, "started", out);
    agent_link_cps(ag, f, "ready");
    report(ag, f);
    return RPC_OK;
}

rpc_code agent_vnf_stop(agent *ag, const char *id, outrig_v1_VnfInfo *out, rpc_status *st)
{
    agent_vnf *f = vnf_find(ag, id);
    if (!f)
        return not_found(st, "id", id);
    struct rt_vnf_status s;
    rt_vnf_status(f->v, &s);
    bool was_running = s.state == RT_RUNNING;
    if (was_running)
        f->stop_requested = true;
    int rc = rt_vnf_stop(f->v, ag->stop_grace_ms);
    vnf_info(f, out);
    if (rc)
        return from_errno(st, rc, "stopping the VNF");
    if (was_running && out->state != f->reported) {
        agent_event_vnf(ag, "stopped", out);
        agent_link_cps(ag, f, "down");
    }
    f->reported = out->state;
    return RPC_OK;
}

static void vnf_free(agent_vnf *f)
{
    int rc = rt_vnf_delete(f->v);
    if (rc)
        log_warn("vnf %s: delete: %s", f->id, strerror(-rc));
    dir_remove(f->dir);
    memset(f, 0, sizeof *f);
}

rpc_code agent_vnf_delete(agent *ag, const char *id, rpc_status *st)
{
    agent_vnf *f = vnf_find(ag, id);
    if (!f)
        return not_found(st, "id", id);
    report(ag, f);
    static outrig_v1_VnfInfo info; // worker thread only
    vnf_info(f, &info);
    if (info.state == outrig_v1_AgentVnfState_AGENT_VNF_RUNNING)
        agent_link_cps(ag, f, "down");
    agent_link_release(ag, f);
    vnf_free(f);
    agent_event_vnf(ag, "deleted", &info);
    log_info("vnf %s deleted", id);
    return RPC_OK;
}

rpc_code agent_vnf_get(agent *ag, const char *id, outrig_v1_VnfInfo *out, rpc_status *st)
{
    agent_vnf *f = vnf_find(ag, id);
    if (!f)
        return not_found(st, "id", id);
    vnf_info(f, out);
    return RPC_OK;
}

void agent_vnf_list(agent *ag, const char *owner, const char *start_after,
                    outrig_v1_ListVnfsResponse *out)
{
    memset(out, 0, sizeof *out);
    // Id order without sorting the table: repeatedly take the smallest id after the cursor.
    char cursor[64];
    snprintf(cursor, sizeof cursor, "%s", start_after);
    for (;;) {
        agent_vnf *next = NULL;
        for (size_t i = 0; i < AGENT_MAX_VNFS; i++) {
            agent_vnf *f = &ag->vnfs[i];
            if (!f->used || (owner[0] && strcmp(owner, f->owner)))
                continue;
            if (cursor[0] && strcmp(f->id, cursor) <= 0)
                continue;
            if (!next || strcmp(f->id, next->id) < 0)
                next = f;
        }
        if (!next)
            return;
        if (out->vnfs_count == 16) {
            snprintf(out->next_start_after, sizeof out->next_start_after, "%s", cursor);
            return;
        }
        vnf_info(next, &out->vnfs[out->vnfs_count++]);
        snprintf(cursor, sizeof cursor, "%s", next->id);
    }
}

// Writes <dir>/peers/<cp> atomically: "address=<peer address>\nid=<peer id>\n".
static int peer_file(const agent_vnf *f, const agent_cp *cp)
{
    char path[400], tmp[410];
    snprintf(path, sizeof path, "%s/peers/%s", f->dir, cp->id);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "address=%s\nid=%s\n", cp->peer_address, cp->peer_id);
    int rc = write(fd, buf, (size_t)n) == n ? 0 : -EIO;
    if (close(fd) && !rc)
        rc = -errno;
    if (!rc && rename(tmp, path))
        rc = -errno;
    if (rc)
        unlink(tmp);
    return rc;
}

rpc_code agent_vnf_peer(agent *ag, const outrig_v1_ConfigurePeerRequest *r, outrig_v1_VnfInfo *out,
                        rpc_status *st)
{
    agent_vnf *f = vnf_find(ag, r->vnf_id);
    if (!f)
        return not_found(st, "vnf_id", r->vnf_id);
    agent_cp *cp = NULL;
    for (size_t i = 0; i < f->n_cps && !cp; i++)
        if (!strcmp(f->cps[i].id, r->cp_id))
            cp = &f->cps[i];
    if (!cp) {
        rpc_status_set(st, RPC_NOT_FOUND, "cp_id", "VNF \"%s\" has no CP \"%s\"", f->id, r->cp_id);
        return RPC_NOT_FOUND;
    }
    // The runtime sets a CP's address when it creates the veth; it cannot change it later.
    if (r->address[0] && strcmp(r->address, cp->address)) {
        rpc_status_set(st, RPC_FAILED_PRECONDITION, "address",
                       "CP %s has address \"%s\"; changing it needs the VNF created again", cp->id,
                       cp->address);
        return RPC_FAILED_PRECONDITION;
    }
    agent_cp saved = *cp;
    snprintf(cp->peer_address, sizeof cp->peer_address, "%s", r->peer_address);
    snprintf(cp->peer_id, sizeof cp->peer_id, "%s", r->peer_id);
    int rc = peer_file(f, cp);
    if (rc) {
        *cp = saved;
        return from_errno(st, rc, "writing the peer file");
    }
    rc = agent_link_peer(ag, f, cp, r);
    if (rc)
        return from_errno(st, rc, "setting up the link's data path");
    vnf_info(f, out);
    return RPC_OK;
}

// Publishes f's state change since the last report, if any.
static void report(agent *ag, agent_vnf *f)
{
    static outrig_v1_VnfInfo info; // worker thread only
    vnf_info(f, &info);
    if (info.state == f->reported)
        return;
    bool was_running = f->reported == outrig_v1_AgentVnfState_AGENT_VNF_RUNNING;
    f->reported = info.state;
    if (was_running)
        agent_link_cps(ag, f, "down");
    if (info.state == outrig_v1_AgentVnfState_AGENT_VNF_EXITED)
        agent_event_vnf(ag, "exited", &info);
    else if (info.state == outrig_v1_AgentVnfState_AGENT_VNF_FAILED)
        agent_event_vnf(ag, "failed", &info);
    else if (info.state == outrig_v1_AgentVnfState_AGENT_VNF_STOPPED)
        agent_event_vnf(ag, "stopped", &info);
}

void agent_vnf_poll(agent *ag)
{
    for (size_t i = 0; i < AGENT_MAX_VNFS; i++)
        if (ag->vnfs[i].used)
            report(ag, &ag->vnfs[i]);
}

void agent_vnf_destroy_all(agent *ag)
{
    for (size_t i = 0; i < AGENT_MAX_VNFS; i++)
        if (ag->vnfs[i].used) {
            log_info("vnf %s deleted on shutdown", ag->vnfs[i].id);
            agent_link_release(ag, &ag->vnfs[i]);
            vnf_free(&ag->vnfs[i]);
        }
}

void agent_vnf_purge_leftovers(agent *ag, const char *prefix)
{
    if (!ag->rt)
        return;
    DIR *d = opendir("/run/netns");
    if (!d)
        return;
    // Collect first: purging removes entries from the directory being read.
    char ids[AGENT_MAX_VNFS][64];
    size_t n = 0, plen = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(d)) && n < AGENT_MAX_VNFS)
        if (!strncmp(e->d_name, prefix, plen) && agent_id_ok(e->d_name + plen))
            snprintf(ids[n++], sizeof ids[0], "%s", e->d_name + plen);
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        int rc = rt_vnf_purge(ag->rt, ids[i]);
        if (rc == 0)
            log_warn("vnf %s: removed what an earlier agent left behind", ids[i]);
        else if (rc != -ENOENT)
            log_warn("vnf %s: purging leftovers: %s", ids[i], strerror(-rc));
        char dir[600];
        snprintf(dir, sizeof dir, "%s/vnfs/%.63s", ag->data_dir, ids[i]);
        dir_remove(dir);
    }
}
