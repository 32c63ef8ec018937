// lxclink: the agent role for the VNFs of LXC sites. See lxclink.h.
#include "lxclink.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapath.h"
#include "netlink/netlink.h"
#include "orchd.h"
#include "outrig/v1/agent.pb-c.h"
#include "outrig/v1/linker.pb-c.h"
#include "util/log.h"

#define PEER_MAX_BYTES 8192 // a ConfigurePeerRequest is a few hundred bytes

// A VNF whose CPs were announced ready, with the ids cp.down must name.
typedef struct announced {
    char id[ADAPTER_ID_MAX + 1];
    char ns[ADAPTER_ID_MAX + 1];
    char site[ORCH_SITE_NAME_MAX + 1];
    size_t n_cps;
    char cp[ADAPTER_CPS_MAX][129];
} announced;

struct orchd_lxclink {
    // One lock for the data paths of every site netns (a bridge found unused is not removed
    // while a CP is being attached to it) and for the announced table.
    pthread_mutex_t mu;
    // ConfigurePeer calls one at a time on the site adapters: the linker may have several in
    // flight for one VNF (one per CP), and an adapter takes one call per instance at a time.
    pthread_mutex_t cfg_mu;
    announced *ready;
    size_t n_ready, cap_ready;
    atomic_int n_checks; // traffic-check threads running
};

// What lxclink needs of an LXC site's record.
typedef struct lxl_site {
    char netns[300];    // the site's netns, a name under /run/netns or a path ("" = ours)
    char host_addr[64]; // the site host's underlay IPv4 ("" = none given)
} lxl_site;

// Reads site `name`: 0 for an LXC site with *out, -ENOENT (no such site), -ENOTSUP (another
// kind), -EINVAL (an option too long) or -EIO.
static int site_get(orchd *o, const char *name, lxl_site *out)
{
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/site/%s", name);
    ProtobufCMessage *m = NULL;
    rpc_code c = orchd_get(o, key, &outrig__v1__site__descriptor, &m, NULL);
    if (c != RPC_OK)
        return c == RPC_NOT_FOUND ? -ENOENT : -EIO;
    const Outrig__V1__Site *s = (const void *)m;
    int rc = strcmp(s->kind, "lxc") ? -ENOTSUP : 0;
    const char **opts = rc ? NULL : calloc(s->n_options + 1, sizeof *opts);
    if (!rc && !opts)
        rc = -ENOMEM;
    if (!rc) {
        for (size_t i = 0; i < s->n_options; i++)
            opts[i] = s->options[i];
        adapter_site_config cfg = {.name = s->name, .endpoint = s->endpoint, .options = opts};
        memset(out, 0, sizeof *out);
        if (adapter_option(&cfg, "netns", out->netns, sizeof out->netns) < 0 ||
            adapter_option(&cfg, "host_addr", out->host_addr, sizeof out->host_addr) < 0)
            rc = -EINVAL;
    }
    free(opts);
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}

// An rtnetlink socket in the site's netns. The fd or -errno.
static int site_nl(const lxl_site *s)
{
    return nl_open_named(s->netns);
}

static Outrig__V1__VnfRecord *record_get(orchd *o, const char *id)
{
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/vnf/%s", id);
    ProtobufCMessage *m = NULL;
    return orchd_get(o, key, &outrig__v1__vnf_record__descriptor, &m, NULL) == RPC_OK ? (void *)m
                                                                                      : NULL;
}

// ---- cp.ready / cp.down --------------------------------------------------------------------

static void publish_cp(orchd *o, const char *type, const Outrig__V1__CpReport *r)
{
    char id[300];
    snprintf(id, sizeof id, "%s/%s", r->vnf_id, r->cp_id);
    orchd_event(o, "cp", type, id, &r->base);
}

// The table entry of VNF id (mu held), or NULL.
static announced *announced_find(orchd_lxclink *l, const char *id)
{
    for (size_t i = 0; i < l->n_ready; i++)
        if (!strcmp(l->ready[i].id, id))
            return &l->ready[i];
    return NULL;
}

// Records a (mu held); a full table only costs a later cp.down taken from the store.
static void announced_put(orchd_lxclink *l, const announced *a)
{
    announced *e = announced_find(l, a->id);
    if (!e && l->n_ready == l->cap_ready) {
        size_t cap = l->cap_ready ? l->cap_ready * 2 : 32;
        announced *n = realloc(l->ready, cap * sizeof *n);
        if (!n)
            return;
        l->ready = n;
        l->cap_ready = cap;
    }
    if (!e)
        e = &l->ready[l->n_ready++];
    *e = *a;
}

// Takes VNF id out of the table into *out (mu held). True when it was there.
static bool announced_take(orchd_lxclink *l, const char *id, announced *out)
{
    announced *e = announced_find(l, id);
    if (!e)
        return false;
    *out = *e;
    *e = l->ready[--l->n_ready];
    return true;
}

void orchd_lxclink_ready(orchd *o, const Outrig__V1__VnfRecord *rec)
{
    lxl_site s;
    if (!o->lxl || !rec->n_cps || site_get(o, rec->site, &s))
        return;
    adapter_site *as;
    adapter_err err = {{0}};
    adapter_vnf_info info;
    if (orchd_site(o, rec->site, &as, &err) ||
        adapter_vnf_status(as, rec->instance_id, &info, &err)) {
        log_warn("vnf %s: no cp.ready: %s", rec->instance_id, err.msg);
        return;
    }
    announced a = {.n_cps = 0};
    snprintf(a.id, sizeof a.id, "%s", rec->instance_id);
    snprintf(a.ns, sizeof a.ns, "%s", rec->ns_id);
    snprintf(a.site, sizeof a.site, "%s", rec->site);
    for (size_t i = 0; i < rec->n_cps && a.n_cps < ADAPTER_CPS_MAX; i++) {
        const Outrig__V1__CpRecord *cp = rec->cps[i];
        const char *ifname = "";
        for (size_t k = 0; k < info.n_cps; k++)
            if (!strcmp(info.cps[k].id, cp->id))
                ifname = info.cps[k].host_ifname;
        Outrig__V1__CpReport r = OUTRIG__V1__CP_REPORT__INIT;
        r.ns_id = rec->ns_id;
        r.vnf_id = rec->instance_id;
        r.profile_id = rec->profile;
        r.cp_id = (char *)orch_cp_report_id(cp);
        r.address = cp->address;
        r.host = s.host_addr;
        r.agent = (char *)microapp_listen_url(o->app);
        r.site = rec->site;
        r.virtual_link = cp->virtual_link;
        r.host_ifname = (char *)ifname;
        publish_cp(o, "ready", &r);
        snprintf(a.cp[a.n_cps++], sizeof a.cp[0], "%s", r.cp_id);
    }
    pthread_mutex_lock(&o->lxl->mu);
    announced_put(o->lxl, &a);
    pthread_mutex_unlock(&o->lxl->mu);
}

static void publish_down(orchd *o, const announced *a)
{
    for (size_t i = 0; i < a->n_cps; i++) {
        Outrig__V1__CpReport r = OUTRIG__V1__CP_REPORT__INIT;
        r.ns_id = (char *)a->ns;
        r.vnf_id = (char *)a->id;
        r.cp_id = (char *)a->cp[i];
        r.site = (char *)a->site;
        publish_cp(o, "down", &r);
    }
}

// cp.down for VNF id: the CPs announced, else those of its record rec (may be NULL), else
// those the site reports in info (may be NULL).
static void down(orchd *o, const char *id, const Outrig__V1__VnfRecord *rec,
                 const adapter_vnf_info *info)
{
    announced a = {.n_cps = 0};
    pthread_mutex_lock(&o->lxl->mu);
    bool known = announced_take(o->lxl, id, &a);
    pthread_mutex_unlock(&o->lxl->mu);
    if (!known && rec) {
        // Announced by an earlier run of the orchestrator, say.
        snprintf(a.id, sizeof a.id, "%s", rec->instance_id);
        snprintf(a.ns, sizeof a.ns, "%s", rec->ns_id);
        snprintf(a.site, sizeof a.site, "%s", rec->site);
        for (size_t i = 0; i < rec->n_cps && a.n_cps < ADAPTER_CPS_MAX; i++)
            snprintf(a.cp[a.n_cps++], sizeof a.cp[0], "%s", orch_cp_report_id(rec->cps[i]));
    } else if (!known && info && info->owner[0]) {
        snprintf(a.id, sizeof a.id, "%s", id);
        snprintf(a.ns, sizeof a.ns, "%s", info->owner);
        for (size_t i = 0; i < info->n_cps && a.n_cps < ADAPTER_CPS_MAX; i++)
            snprintf(a.cp[a.n_cps++], sizeof a.cp[0], "%s", info->cps[i].id);
    }
    publish_down(o, &a);
}

void orchd_lxclink_down(orchd *o, const Outrig__V1__VnfRecord *rec)
{
    lxl_site s;
    if (o->lxl && rec->n_cps && site_get(o, rec->site, &s) == 0)
        down(o, rec->instance_id, rec, NULL);
}

void orchd_lxclink_seen(orchd *o, const char *site, const adapter_vnf_info *info)
{
    if (!o->lxl || info->state == ADAPTER_VNF_RUNNING)
        return;
    // An operation on the NS (a heal, say) announces what it does itself; a listing taken
    // while it remade the VNF must not take the new one down.
    if (info->owner[0] && orchd_busy_since(o, info->owner, UINT64_MAX))
        return;
    announced a;
    pthread_mutex_lock(&o->lxl->mu);
    bool known = announced_take(o->lxl, info->instance_id, &a);
    pthread_mutex_unlock(&o->lxl->mu);
    if (known && !strcmp(a.site, site)) {
        log_info("vnf %s on site %s is %s: its CPs are down", a.id, site,
                 adapter_state_name(info->state));
        publish_down(o, &a);
    } else if (known) {
        pthread_mutex_lock(&o->lxl->mu); // a copy on another site: not the one announced
        announced_put(o->lxl, &a);
        pthread_mutex_unlock(&o->lxl->mu);
    }
}

// ---- delete: host veths, bridges, tunnels ----------------------------------------------------

void orchd_lxclink_leaving(orchd *o, const char *site, adapter_site *as, const char *id,
                           orchd_lxc_leaving *out)
{
    memset(out, 0, sizeof *out);
    lxl_site s;
    if (!o->lxl || site_get(o, site, &s))
        return;
    out->lxc = true;
    snprintf(out->site, sizeof out->site, "%s", site);
    adapter_vnf_info info;
    adapter_err err;
    bool have_info = adapter_vnf_status(as, id, &info, &err) == 0;
    Outrig__V1__VnfRecord *rec = record_get(o, id);
    for (size_t i = 0; have_info && i < info.n_cps && out->n_cps < ADAPTER_CPS_MAX; i++) {
        size_t k = out->n_cps++;
        snprintf(out->host_ifname[k], sizeof out->host_ifname[k], "%s", info.cps[i].host_ifname);
        const Outrig__V1__CpRecord *cp = rec ? orch_cp_find(rec, info.cps[i].id) : NULL;
        // The bridge is named after the vl key the linker gives: "<ns>/<vl>".
        if (cp && cp->virtual_link[0])
            snprintf(out->vl_key[k], sizeof out->vl_key[k], "%s/%s", rec->ns_id, cp->virtual_link);
    }
    down(o, id, rec, have_info ? &info : NULL);
    if (rec)
        protobuf_c_message_free_unpacked(&rec->base, NULL);
}

void orchd_lxclink_left(orchd *o, const orchd_lxc_leaving *l)
{
    lxl_site s;
    if (!o->lxl || !l->lxc || !l->n_cps || site_get(o, l->site, &s))
        return;
    pthread_mutex_lock(&o->lxl->mu);
    int nl = site_nl(&s);
    for (size_t i = 0; nl >= 0 && i < l->n_cps; i++) {
        // liblxc removes a container's host veths as it stops; one it left is ours to remove.
        int rc = l->host_ifname[i][0] ? nl_link_del(nl, l->host_ifname[i]) : 0;
        if (rc && rc != -ENODEV)
            log_warn("site %s: removing %s: %s", l->site, l->host_ifname[i], strerror(-rc));
    }
    for (size_t i = 0; nl >= 0 && i < l->n_cps; i++) {
        if (!l->vl_key[i][0])
            continue;
        int rc = lnk_dp_remove_unused(nl, l->vl_key[i]);
        if (rc < 0)
            log_warn("site %s: the data path of %s: %s", l->site, l->vl_key[i], strerror(-rc));
        else if (rc > 0)
            log_info("site %s: data path of %s removed", l->site, l->vl_key[i]);
    }
    if (nl < 0)
        log_warn("site %s: netns %s: %s", l->site, s.netns, strerror(-nl));
    else
        close(nl);
    pthread_mutex_unlock(&o->lxl->mu);
}

// ---- ConfigurePeer ---------------------------------------------------------------------------

// A traffic check's verdict goes out as cp.verified (on the check's thread).
static void verdict(void *arg, const lnk_verdict *v, const uint8_t *payload, size_t len)
{
    orchd_event_raw(arg, "cp", "verified", v->link_id, payload, len);
    log_info("link %s: traffic %s%s (%llu us)", v->link_id, v->ok ? "ok" : "failed: ", v->reason,
             (unsigned long long)v->rtt_us);
}

// Starts the traffic check of link_id from inside the netns of pid to peer. 0 or -errno.
static int check_start(orchd *o, pid_t pid, const char *peer, const char *link_id)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/ns/net", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = lnk_dp_check_start(fd, peer, LNK_PING_MS, link_id, verdict, o, &o->lxl->n_checks);
    close(fd);
    return rc;
}

// Enslaves ifname to the link's bridge in the site's netns and tunnels to peer_host when set.
// 0 or -errno with why filled.
static int attach(orchd *o, const lxl_site *s, const Outrig__V1__ConfigurePeerRequest *r,
                  const char *ifname, char *why, size_t n)
{
    const char *local = r->host[0] ? r->host : s->host_addr;
    if (r->peer_host[0] && !local[0]) {
        snprintf(why, n, "a tunnel to %s needs this site's host_addr option", r->peer_host);
        return -EDESTADDRREQ;
    }
    pthread_mutex_lock(&o->lxl->mu);
    int nl = site_nl(s);
    int rc = nl < 0 ? nl : lnk_dp_attach(nl, r->virtual_link, ifname);
    // The veth gone meanwhile (its VNF deleted): no bridge of ours stays without a port.
    if (rc && nl >= 0)
        lnk_dp_remove_unused(nl, r->virtual_link);
    if (!rc && r->peer_host[0])
        rc = lnk_dp_tunnel(nl, r->virtual_link, local, r->peer_host, NULL);
    if (nl >= 0)
        close(nl);
    pthread_mutex_unlock(&o->lxl->mu);
    if (rc)
        snprintf(why, n, "the data path of %s (%s%s%s): %s", r->virtual_link, ifname,
                 r->peer_host[0] ? ", tunnel to " : "", r->peer_host, strerror(-rc));
    return rc;
}

static rpc_code from_errno(int rc)
{
    return rc == -EINVAL                                          ? RPC_INVALID_ARGUMENT
           : rc == -ENOENT                                        ? RPC_NOT_FOUND
           : rc == -ENOMEM                                        ? RPC_RESOURCE_EXHAUSTED
           : rc == -ENODEV || rc == -EDESTADDRREQ || rc == -ESRCH ? RPC_FAILED_PRECONDITION
                                                                  : RPC_INTERNAL;
}

// The work of one call; the reply's fields point into rec/info, which outlive the reply.
static rpc_code configure_peer(orchd *o, const Outrig__V1__ConfigurePeerRequest *r,
                               Outrig__V1__VnfRecord **recp, adapter_vnf_info *info, rpc_status *st)
{
    orch_plan_err perr;
    if (orch_peer_check(r, &perr)) {
        rpc_status_set(st, RPC_INVALID_ARGUMENT, perr.field, "%s", perr.msg);
        return st->code;
    }
    Outrig__V1__VnfRecord *rec = *recp = record_get(o, r->vnf_id);
    lxl_site s;
    if (!rec || site_get(o, rec->site, &s)) {
        rpc_status_set(st, RPC_NOT_FOUND, "vnf_id",
                       "VNF %s is not one this orchestrator runs on an LXC site", r->vnf_id);
        return st->code;
    }
    const Outrig__V1__CpRecord *cp = orch_cp_find(rec, r->cp_id);
    if (!cp) {
        rpc_status_set(st, RPC_NOT_FOUND, "cp_id", "VNF %s has no CP %s", r->vnf_id, r->cp_id);
        return st->code;
    }
    adapter_site *as;
    adapter_err err = {{0}};
    adapter_cp_peer peer = {.address = r->peer_address, .cp = r->peer_id};
    int rc = orchd_site(o, rec->site, &as, &err);
    pthread_mutex_lock(&o->lxl->cfg_mu);
    if (!rc)
        rc = adapter_configure_cp(as, r->vnf_id, cp->id, r->address, &peer, &err);
    if (!rc)
        rc = adapter_vnf_status(as, r->vnf_id, info, &err);
    pthread_mutex_unlock(&o->lxl->cfg_mu);
    if (rc) {
        rpc_status_set(st, from_errno(rc), rc == -EINVAL ? "address" : NULL, "site %s: %s",
                       rec->site, err.msg);
        return st->code;
    }
    if (!r->virtual_link[0])
        return RPC_OK;
    const char *ifname = NULL;
    for (size_t k = 0; k < info->n_cps && !ifname; k++)
        if (!strcmp(info->cps[k].id, cp->id))
            ifname = info->cps[k].host_ifname;
    char why[300];
    if (!ifname || !ifname[0]) {
        rpc_status_set(st, RPC_FAILED_PRECONDITION, "cp_id", "CP %s of %s has no host veth", cp->id,
                       r->vnf_id);
        return st->code;
    }
    if ((rc = attach(o, &s, r, ifname, why, sizeof why))) {
        log_warn("vnf %s cp %s: %s", r->vnf_id, cp->id, why);
        rpc_status_set(st, from_errno(rc), NULL, "%s", why);
        return st->code;
    }
    if (!r->link_id[0] || !r->peer_address[0])
        return RPC_OK;
    if (info->state != ADAPTER_VNF_RUNNING || info->pid <= 0) {
        rpc_status_set(st, RPC_FAILED_PRECONDITION, "vnf_id", "VNF %s is %s: no traffic check",
                       r->vnf_id, adapter_state_name(info->state));
        return st->code;
    }
    if ((rc = check_start(o, info->pid, r->peer_address, r->link_id))) {
        rpc_status_set(st, from_errno(rc), NULL, "traffic check of %s: %s", r->link_id,
                       strerror(-rc));
        return st->code;
    }
    return RPC_OK;
}

static Outrig__V1__AgentVnfState agent_state(adapter_vnf_state s)
{
    switch (s) {
    case ADAPTER_VNF_CREATED:
        return OUTRIG__V1__AGENT_VNF_STATE__AGENT_VNF_CREATED;
    case ADAPTER_VNF_RUNNING:
        return OUTRIG__V1__AGENT_VNF_STATE__AGENT_VNF_RUNNING;
    case ADAPTER_VNF_STOPPED:
        return OUTRIG__V1__AGENT_VNF_STATE__AGENT_VNF_STOPPED;
    case ADAPTER_VNF_FAILED:
        return OUTRIG__V1__AGENT_VNF_STATE__AGENT_VNF_FAILED;
    default:
        return OUTRIG__V1__AGENT_VNF_STATE__AGENT_VNF_STATE_UNSPECIFIED;
    }
}

// Runs on a worker (orchd_front_enqueue); owns `in`, the request lxclink decoded.
static void h_configure_peer(orchd *o, rpc_call *call, const ProtobufCMessage *in,
                             ProtobufCMessage *out)
{
    (void)out;
    const Outrig__V1__ConfigurePeerRequest *r = (const void *)in;
    Outrig__V1__VnfRecord *rec = NULL;
    adapter_vnf_info info;
    memset(&info, 0, sizeof info);
    rpc_status st = {0};
    rpc_code c = configure_peer(o, r, &rec, &info, &st);
    if (c != RPC_OK) {
        rpc_call_fail(call, c, st.field[0] ? st.field : NULL, "%s", st.message);
    } else {
        Outrig__V1__VnfInfo v = OUTRIG__V1__VNF_INFO__INIT;
        v.id = info.instance_id;
        v.owner = info.owner;
        v.path = info.image;
        v.state = agent_state(info.state);
        v.pid = (int32_t)info.pid;
        v.exit_code = info.exit_code;
        uint8_t buf[2048];
        size_t len = outrig__v1__vnf_info__get_packed_size(&v);
        if (len > sizeof buf)
            rpc_call_fail(call, RPC_INTERNAL, NULL, "reply too large");
        else
            rpc_call_done_raw(call, buf, outrig__v1__vnf_info__pack(&v, buf));
    }
    if (rec)
        protobuf_c_message_free_unpacked(&rec->base, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
}

// On nng's thread: decodes and hands the call to a worker.
static void rpc_configure_peer(rpc_call *call, const uint8_t *in, size_t len, void *arg)
{
    if (len > PEER_MAX_BYTES) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, NULL, "a request of %zu bytes (at most %d)", len,
                      PEER_MAX_BYTES);
        return;
    }
    Outrig__V1__ConfigurePeerRequest *r = outrig__v1__configure_peer_request__unpack(NULL, len, in);
    if (!r) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, NULL, "not a ConfigurePeerRequest");
        return;
    }
    if (orchd_front_enqueue(arg, call, &r->base, NULL, h_configure_peer))
        protobuf_c_message_free_unpacked(&r->base, NULL);
}

int orchd_lxclink_start(orchd *o)
{
    orchd_lxclink *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->cfg_mu, NULL);
    atomic_init(&l->n_checks, 0);
    o->lxl = l;
    return rpc_server_add_raw(microapp_rpc(o->app), "/outrig.v1.Agent/ConfigurePeer",
                              "outrig.v1.ConfigurePeerRequest", "outrig.v1.VnfInfo",
                              rpc_configure_peer, o);
}

void orchd_lxclink_stop(orchd *o)
{
    orchd_lxclink *l = o->lxl;
    if (!l)
        return;
    while (atomic_load(&l->n_checks) > 0)
        usleep(10000);
    o->lxl = NULL;
    pthread_mutex_destroy(&l->mu);
    pthread_mutex_destroy(&l->cfg_mu);
    free(l->ready);
    free(l);
}
