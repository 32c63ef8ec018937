// service: the linker's core. A CP report finds the CP's peers (from the NS topology in
// the store, else from the CPs that reported the same virtual link), creates one link per
// pair, gives the CP an address from its virtual link's IPAM, and drives each link's state
// machine: both ends ready -> ConfigurePeer on both agents -> UP once traffic was verified.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath.h"
#include "hub/hub.h"
#include "lnkd.h"
#include "util/clock.h"
#include "util/log.h"

lnkd_link *lnkd_find(lnkd *d, const char *id)
{
    for (size_t i = 0; i < d->n_links; i++)
        if (!strcmp(d->links[i]->id, id))
            return d->links[i];
    return NULL;
}

static lnk_cp *cp_find(lnkd *d, const char *vnf, const char *cp)
{
    for (size_t i = 0; i < d->n_cps; i++)
        if (!strcmp(d->cps[i].vnf_id, vnf) && !strcmp(d->cps[i].cp_id, cp))
            return &d->cps[i];
    return NULL;
}

static lnk_cp *cp_store(lnkd *d, const lnk_cp *cp)
{
    lnk_cp *have = cp_find(d, cp->vnf_id, cp->cp_id);
    if (have) {
        *have = *cp;
        return have;
    }
    if (d->n_cps == d->cap_cps) {
        size_t cap = d->cap_cps ? d->cap_cps * 2 : 64;
        lnk_cp *n = realloc(d->cps, cap * sizeof *n);
        if (!n)
            return NULL;
        d->cps = n;
        d->cap_cps = cap;
    }
    d->cps[d->n_cps] = *cp;
    return &d->cps[d->n_cps++];
}

static void end_msg(lnkd *d, const lnkd_link *l, int side, Outrig__V1__LinkEnd *e)
{
    outrig__v1__link_end__init(e);
    e->vnf_id = (char *)l->vnf[side];
    e->cp_id = (char *)l->cp[side];
    e->ready = l->fsm.ready[side];
    const lnk_cp *c = cp_find(d, l->vnf[side], l->cp[side]);
    if (c) {
        e->address = (char *)c->address;
        e->site = (char *)c->site;
        e->host = (char *)c->host;
        e->agent = (char *)c->agent;
    }
}

void lnkd_link_msg(lnkd *d, const lnkd_link *l, Outrig__V1__Link *m, Outrig__V1__LinkEnd *a,
                   Outrig__V1__LinkEnd *b)
{
    outrig__v1__link__init(m);
    m->id = (char *)l->id;
    m->ns_id = (char *)l->ns;
    m->virtual_link = (char *)l->vl;
    m->state = (Outrig__V1__Link__State)l->fsm.state;
    m->reason = (char *)l->fsm.reason;
    end_msg(d, l, 0, a);
    end_msg(d, l, 1, b);
    m->a = a;
    m->b = b;
    m->attempts = l->fsm.attempts;
    m->retry_at_ms = l->fsm.retry_at_ms;
    bool cross = a->host && b->host && a->host[0] && b->host[0] && strcmp(a->host, b->host);
    char key[2 * LNK_ID_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", l->ns, l->vl);
    m->vni = cross ? lnk_vni(key) : 0;
    m->updated_unix_ms = clock_unix_ms();
    m->ready_us = l->up_us;
}

// Stores and announces a link whose state changed (mu held).
static void announce(lnkd *d, const lnkd_link *l)
{
    lnkd_state_put_link(d, l);
    Outrig__V1__Link m;
    Outrig__V1__LinkEnd a, b;
    lnkd_link_msg(d, l, &m, &a, &b);
    char type[16];
    snprintf(type, sizeof type, "%s", lnk_state_name(l->fsm.state));
    for (char *p = type; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    lnkd_publish(d, type, l->id, &m.base);
}

static void apply(lnkd *d, lnkd_link *l, lnk_event ev, int side, const char *reason);

// Has both ends' agents configured with each other's address and identity: the calls are
// queued for the agents' caller threads (mu held), so no agent, slow or unreachable, holds
// up this thread or another link.
static void configure(lnkd *d, lnkd_link *l)
{
    const lnk_cp *e0 = cp_find(d, l->vnf[0], l->cp[0]);
    const lnk_cp *e1 = cp_find(d, l->vnf[1], l->cp[1]);
    if (!e0 || !e1) {
        apply(d, l, LNK_EV_FAIL, 0, "an end of the link is not known");
        return;
    }
    lnk_cp end[2] = {*e0, *e1};
    // ConfigurePeer names the bridge after the link's vl, which a CP may not have reported.
    for (int i = 0; i < 2; i++)
        snprintf(end[i].virtual_link, sizeof end[i].virtual_link, "%s", l->vl);
    int e = lnkd_agents_configure(d->agents, l->id, l->fsm.attempts, end);
    // Stopping: the attempt stays ESTABLISHING; its deadline fails it after a restart.
    if (e < 0 && e != -ESHUTDOWN) {
        char why[LNK_REASON_MAX];
        snprintf(why, sizeof why, "ConfigurePeer not queued: %s", strerror(-e));
        apply(d, l, LNK_EV_FAIL, 0, why);
    }
}

bool lnkd_attempt_open(lnkd *d, const char *id, uint32_t attempt)
{
    pthread_mutex_lock(&d->mu);
    const lnkd_link *l = lnkd_find(d, id);
    bool open = l && l->fsm.state == LNK_ESTABLISHING && l->fsm.attempts == attempt;
    pthread_mutex_unlock(&d->mu);
    return open;
}

void lnkd_attempt_failed(lnkd *d, const char *id, uint32_t attempt, const char *reason)
{
    pthread_mutex_lock(&d->mu);
    lnkd_link *l = lnkd_find(d, id);
    if (l && l->fsm.state == LNK_ESTABLISHING && l->fsm.attempts == attempt)
        apply(d, l, LNK_EV_FAIL, 0, reason);
    pthread_mutex_unlock(&d->mu);
}

static void apply(lnkd *d, lnkd_link *l, lnk_event ev, int side, const char *reason)
{
    lnk_step s;
    lnk_state before = l->fsm.state;
    uint64_t now_us = clock_mono_us();
    if (lnk_fsm_step(&l->fsm, &d->policy, ev, side, reason, now_us / 1000u, &s) < 0)
        return;
    if (s.configure) {
        if (before == LNK_PENDING || l->ready_us == 0)
            l->ready_us = now_us;
        l->up_us = 0;
    }
    if (l->fsm.state == LNK_UP && before != LNK_UP)
        l->up_us = now_us - l->ready_us;
    if (l->fsm.state == LNK_PENDING)
        l->ready_us = 0;
    if (s.changed)
        announce(d, l);
    if (s.configure)
        configure(d, l);
}

static lnkd_link *link_get(lnkd *d, const char *ns, const char *vl, const char *v1, const char *c1,
                           const char *v2, const char *c2, int *side1)
{
    char id[LNKD_LINK_ID_MAX];
    int first = lnk_link_id(ns, vl, v1, c1, v2, c2, id, sizeof id);
    if (first < 0)
        return NULL;
    *side1 = first ? 0 : 1;
    lnkd_link *l = lnkd_find(d, id);
    if (l)
        return l;
    if (d->n_links == d->cap_links) {
        size_t cap = d->cap_links ? d->cap_links * 2 : 64;
        lnkd_link **n = realloc(d->links, cap * sizeof *n);
        if (!n)
            return NULL;
        d->links = n;
        d->cap_links = cap;
    }
    if (!(l = calloc(1, sizeof *l)))
        return NULL;
    snprintf(l->id, sizeof l->id, "%s", id);
    snprintf(l->ns, sizeof l->ns, "%s", ns);
    snprintf(l->vl, sizeof l->vl, "%s", vl);
    snprintf(l->vnf[*side1], LNK_ID_MAX, "%s", v1);
    snprintf(l->cp[*side1], LNK_ID_MAX, "%s", c1);
    snprintf(l->vnf[!*side1], LNK_ID_MAX, "%s", v2);
    snprintf(l->cp[!*side1], LNK_ID_MAX, "%s", c2);
    lnk_fsm_init(&l->fsm, clock_mono_ms());
    d->links[d->n_links++] = l;
    if (d->restoring)
        return l;
    announce(d, l);
    // The peer may have come up before this link was known (scale-out, fallback mode).
    if (cp_find(d, v2, c2))
        apply(d, l, LNK_EV_READY, !*side1, NULL);
    return l;
}

// Gives the CP an address from its virtual link's subnet (mu held).
static void assign_address(lnkd *d, lnk_cp *cp, const char *vl)
{
    char key[2 * LNK_ID_MAX + 2], owner[2 * LNK_ID_MAX + 2], cidr[LNK_ADDR_MAX];
    snprintf(key, sizeof key, "%s/%s", cp->ns_id, vl);
    snprintf(owner, sizeof owner, "%s/%s", cp->vnf_id, cp->cp_id);
    // A CP that comes with an address (the orchestrator assigns them from the NSD's CIDR)
    // gives its virtual link the subnet; otherwise the link gets one from the pool.
    if (lnk_ipam_subnet(d->ipam, key, cidr) < 0 && cp->address[0] &&
        lnk_cidr_of(cp->address, cidr) == 0 && lnk_ipam_add(d->ipam, key, cidr) < 0)
        log_warn("link %s: subnet %s of CP %s refused", key, cidr, owner);
    if (lnk_ipam_subnet(d->ipam, key, cidr) < 0) {
        const char *pool = microapp_opt(d->app, "pool", LNKD_DEFAULT_POOL);
        int e = lnk_ipam_add_from_pool(d->ipam, key, pool, LNKD_DEFAULT_PREFIX, cidr);
        if (e < 0) {
            log_warn("link %s: no subnet from pool %s: %s", key, pool, strerror(-e));
            return;
        }
    }
    int e;
    if (cp->address[0]) {
        e = lnk_ipam_reserve(d->ipam, key, owner, cp->address);
        if (e < 0)
            log_warn("CP %s: address %s on %s: %s", owner, cp->address, key, strerror(-e));
    } else if ((e = lnk_ipam_alloc(d->ipam, key, owner, cp->address)) < 0) {
        log_warn("CP %s: no address on %s: %s", owner, key, strerror(-e));
    }
    if (e == 0)
        lnkd_state_put_ipam(d, key);
}

static void end_restore(lnkd *d, const Outrig__V1__Link *m, const Outrig__V1__LinkEnd *e)
{
    if (!e->ready || cp_find(d, e->vnf_id, e->cp_id))
        return;
    lnk_cp cp;
    memset(&cp, 0, sizeof cp);
    snprintf(cp.ns_id, sizeof cp.ns_id, "%s", m->ns_id);
    snprintf(cp.vnf_id, sizeof cp.vnf_id, "%s", e->vnf_id);
    snprintf(cp.cp_id, sizeof cp.cp_id, "%s", e->cp_id);
    snprintf(cp.address, sizeof cp.address, "%s", e->address);
    snprintf(cp.host, sizeof cp.host, "%s", e->host);
    snprintf(cp.agent, sizeof cp.agent, "%s", e->agent);
    snprintf(cp.site, sizeof cp.site, "%s", e->site);
    snprintf(cp.virtual_link, sizeof cp.virtual_link, "%s", m->virtual_link);
    cp_store(d, &cp);
}

void lnkd_restore_link(lnkd *d, const Outrig__V1__Link *m)
{
    pthread_mutex_lock(&d->mu);
    int side;
    d->restoring = true;
    // Made fresh (PENDING, no side ready), then given the stored state back as it was.
    lnkd_link *l = link_get(d, m->ns_id, m->virtual_link, m->a->vnf_id, m->a->cp_id, m->b->vnf_id,
                            m->b->cp_id, &side);
    if (l && !strcmp(l->vnf[0], m->a->vnf_id) && !strcmp(l->cp[0], m->a->cp_id)) {
        end_restore(d, m, m->a);
        end_restore(d, m, m->b);
        l->fsm.state = (lnk_state)m->state;
        l->fsm.ready[0] = m->a->ready;
        l->fsm.ready[1] = m->b->ready;
        l->fsm.attempts = m->attempts;
        l->fsm.since_ms = clock_mono_ms();
        snprintf(l->fsm.reason, sizeof l->fsm.reason, "%s", m->reason);
        // A retry time is monotonic time of the earlier run: retry after one backoff.
        if (l->fsm.state == LNK_FAILED && m->retry_at_ms)
            l->fsm.retry_at_ms = l->fsm.since_ms + d->policy.backoff_base_ms;
        l->up_us = m->ready_us;
    }
    d->restoring = false;
    pthread_mutex_unlock(&d->mu);
}

static bool has_instance(const lnk_topology *t, const char *vnf)
{
    for (size_t i = 0; i < t->n_instances; i++)
        if (!strcmp(t->instances[i].vnf_id, vnf))
            return true;
    return false;
}

// The NS's topology, read again only when the CP's instance is new to it (scale-out) or
// after a miss grew old. NULL when the NS has no /vnf/ records.
static const lnk_topology *topology(lnkd *d, const char *ns, const char *vnf)
{
    uint64_t now = clock_mono_ms();
    lnkd_topo_entry *e = NULL, *oldest = &d->topo[0];
    for (size_t i = 0; i < LNKD_TOPO_CACHE; i++) {
        if (d->topo[i].ns[0] && !strcmp(d->topo[i].ns, ns))
            e = &d->topo[i];
        if (d->topo[i].at_ms < oldest->at_ms)
            oldest = &d->topo[i];
    }
    if (e && e->found && has_instance(&e->topo.t, vnf))
        return &e->topo.t;
    if (e && !e->found && now - e->at_ms < LNKD_TOPO_MISS_MS)
        return NULL;
    if (!e)
        e = oldest;
    lnkd_topology_free(&e->topo);
    snprintf(e->ns, sizeof e->ns, "%s", ns);
    e->found = lnkd_topology_load(d, ns, &e->topo) == 0;
    e->at_ms = now;
    return e->found ? &e->topo.t : NULL;
}

static void topology_forget(lnkd *d, const char *ns)
{
    for (size_t i = 0; i < LNKD_TOPO_CACHE; i++) {
        if (!ns || !strcmp(d->topo[i].ns, ns)) {
            lnkd_topology_free(&d->topo[i].topo);
            memset(&d->topo[i], 0, sizeof d->topo[i]);
        }
    }
}

void lnkd_cp_ready(lnkd *d, const lnk_cp *report)
{
    const lnk_topology *topo = topology(d, report->ns_id, report->vnf_id);
    bool have_topo = topo != NULL;
    pthread_mutex_lock(&d->mu);
    lnk_cp *cp = cp_store(d, report);
    if (!cp)
        goto out;
    lnk_peer peers[64];
    size_t n = 0;
    if (have_topo) {
        int e = lnk_peers(topo, cp->vnf_id, cp->cp_id, peers, 64, &n);
        if (e == -ENOSPC)
            log_warn("CP %s/%s: more than 64 peers, linking the first 64", cp->vnf_id, cp->cp_id);
        if (e == -ENOENT)
            have_topo = false;
        if (n > 64)
            n = 64;
    }
    if (!have_topo) {
        // No orchestrator records: the CPs that reported the same virtual link are its peers.
        for (size_t i = 0; i < d->n_cps && n < 64; i++) {
            const lnk_cp *o = &d->cps[i];
            if (o != cp && cp->virtual_link[0] && !strcmp(o->ns_id, cp->ns_id) &&
                !strcmp(o->virtual_link, cp->virtual_link))
                peers[n++] = (lnk_peer){.vl = o->virtual_link, .vnf_id = o->vnf_id, .cp = o->cp_id};
        }
    }
    const char *vl = n ? peers[0].vl : cp->virtual_link;
    if (vl && vl[0])
        assign_address(d, cp, vl);
    // Copy the peers out: the CP table may grow (and move) while links are made.
    char pv[64][LNK_ID_MAX], pc[64][LNK_ID_MAX], pl[64][LNK_ID_MAX];
    for (size_t i = 0; i < n; i++) {
        snprintf(pv[i], LNK_ID_MAX, "%s", peers[i].vnf_id);
        snprintf(pc[i], LNK_ID_MAX, "%s", peers[i].cp);
        snprintf(pl[i], LNK_ID_MAX, "%s", peers[i].vl);
    }
    char vnf[LNK_ID_MAX], cpid[LNK_ID_MAX], ns[LNK_ID_MAX];
    snprintf(vnf, sizeof vnf, "%s", cp->vnf_id);
    snprintf(cpid, sizeof cpid, "%s", cp->cp_id);
    snprintf(ns, sizeof ns, "%s", cp->ns_id);
    for (size_t i = 0; i < n; i++) {
        int side;
        lnkd_link *l = link_get(d, ns, pl[i], vnf, cpid, pv[i], pc[i], &side);
        if (l)
            apply(d, l, LNK_EV_READY, side, NULL);
    }
out:
    pthread_mutex_unlock(&d->mu);
}

void lnkd_cp_down(lnkd *d, const lnk_cp *cp)
{
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_links; i++) {
        lnkd_link *l = d->links[i];
        for (int s = 0; s < 2; s++)
            if (!strcmp(l->vnf[s], cp->vnf_id) && !strcmp(l->cp[s], cp->cp_id))
                apply(d, l, LNK_EV_DOWN, s, NULL);
    }
    lnk_cp *have = cp_find(d, cp->vnf_id, cp->cp_id);
    if (have)
        *have = d->cps[--d->n_cps];
    pthread_mutex_unlock(&d->mu);
}

void lnkd_verdict(lnkd *d, const lnk_verdict *v)
{
    pthread_mutex_lock(&d->mu);
    lnkd_link *l = lnkd_find(d, v->link_id);
    if (l)
        apply(d, l, v->ok ? LNK_EV_VERIFIED : LNK_EV_FAIL, 0, v->reason);
    else
        log_debug("verdict for unknown link %s", v->link_id);
    pthread_mutex_unlock(&d->mu);
}

void lnkd_ns_gone(lnkd *d, const char *ns)
{
    topology_forget(d, ns);
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_links;) {
        lnkd_link *l = d->links[i];
        if (strcmp(l->ns, ns)) {
            i++;
            continue;
        }
        char key[2 * LNK_ID_MAX + 2];
        snprintf(key, sizeof key, "%s/%s", l->ns, l->vl);
        if (lnk_ipam_remove(d->ipam, key) == 0)
            lnkd_state_del_ipam(d, key);
        lnkd_state_del_link(d, l->id);
        lnkd_publish(d, "deleted", l->id, NULL);
        free(l);
        d->links[i] = d->links[--d->n_links];
    }
    for (size_t i = 0; i < d->n_cps;) {
        if (!strcmp(d->cps[i].ns_id, ns))
            d->cps[i] = d->cps[--d->n_cps];
        else
            i++;
    }
    pthread_mutex_unlock(&d->mu);
    // Store round trips, made without mu (cp events come on this thread, after this one).
    lnkd_state_del_ns(d, ns);
}

// Removes link l (index i of the table) and gives back the addresses of its ends that are
// not instances of t anymore (mu held).
static void drop_link(lnkd *d, size_t i, const lnk_topology *t)
{
    lnkd_link *l = d->links[i];
    char key[2 * LNK_ID_MAX + 2], owner[2 * LNK_ID_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", l->ns, l->vl);
    for (int k = 0; k < 2; k++) {
        snprintf(owner, sizeof owner, "%s/%s", l->vnf[k], l->cp[k]);
        if (!has_instance(t, l->vnf[k]) && lnk_ipam_release(d->ipam, key, owner) == 0)
            lnkd_state_put_ipam(d, key);
    }
    lnkd_state_del_link(d, l->id);
    lnkd_publish(d, "deleted", l->id, NULL);
    free(l);
    d->links[i] = d->links[--d->n_links];
}

void lnkd_ns_changed(lnkd *d, const char *ns)
{
    topology_forget(d, ns);
    lnkd_topology t;
    int e = lnkd_topology_load(d, ns, &t); // store round trips: without mu
    if (e == -ENOENT) {
        lnkd_ns_gone(d, ns);
        return;
    }
    if (e) {
        log_warn("ns %s changed: its VNF records: %s", ns, strerror(-e));
        return;
    }
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_links;) {
        lnkd_link *l = d->links[i];
        if (!strcmp(l->ns, ns) && (!has_instance(&t.t, l->vnf[0]) || !has_instance(&t.t, l->vnf[1])))
            drop_link(d, i, &t.t);
        else
            i++;
    }
    for (size_t i = 0; i < d->n_cps;) {
        if (!strcmp(d->cps[i].ns_id, ns) && !has_instance(&t.t, d->cps[i].vnf_id))
            d->cps[i] = d->cps[--d->n_cps];
        else
            i++;
    }
    pthread_mutex_unlock(&d->mu);
    lnkd_topology_free(&t);
}

int lnkd_init(microapp *app, void **state)
{
    lnkd *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->app = app;
    d->store = microapp_store(app);
    d->hub = microapp_hub(app);
    pthread_mutex_init(&d->mu, NULL);
    d->policy = lnk_policy_default;
    uint64_t v;
    if (microapp_opt_u64(app, "verify_ms", d->policy.verify_ms, &v) == 0)
        d->policy.verify_ms = (uint32_t)v;
    if (microapp_opt_u64(app, "backoff_ms", d->policy.backoff_base_ms, &v) == 0)
        d->policy.backoff_base_ms = (uint32_t)v;
    if (microapp_opt_u64(app, "max_attempts", d->policy.max_attempts, &v) == 0)
        d->policy.max_attempts = (uint32_t)v;
    d->ipam = lnk_ipam_new();
    d->agents = lnkd_agents_new(d);
    int e = !d->ipam || !d->agents ? -ENOMEM : lnkd_writer_start(d);
    if (e == 0 && (e = lnkd_state_load(d)) < 0)
        log_warn("reading the IPAM state back: %s", strerror(-e));
    if (e == 0 && (e = lnkd_state_load_links(d)) < 0)
        log_warn("reading the links back: %s", strerror(-e));
    if (e == 0 && (e = lnkd_front_add(d)) == 0)
        e = lnkd_events_open(d);
    *state = d;
    return e;
}

void lnkd_tick(microapp *app, void *state)
{
    lnkd *d = state;
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_links; i++)
        apply(d, d->links[i], LNK_EV_TICK, 0, NULL);
    pthread_mutex_unlock(&d->mu);
}

void lnkd_fini(microapp *app, void *state)
{
    lnkd *d = state;
    if (!d)
        return;
    lnkd_agents_stop(d->agents); // before the publisher and writer its callers may use
    lnkd_events_close(d);
    lnkd_writer_stop(d);
    topology_forget(d, NULL);
    for (size_t i = 0; i < d->n_links; i++)
        free(d->links[i]);
    free(d->links);
    free(d->cps);
    lnk_ipam_free(d->ipam);
    lnkd_agents_free(d->agents);
    pthread_mutex_destroy(&d->mu);
    free(d);
}
