// lifecycle: the operations on an NS. A request is admitted here (idempotency by op id, one
// operation per NS) and recorded in the store - /op/<id> with the NS record pointing at it -
// before any command goes to a site; then a thread runs it. Every step of a run is
// idempotent and its plan (the instances it creates or removes, each with its /vnf record)
// is in the store before the first site command, so a restarted orchestrator resumes an
// operation by running it again (orchd_recover), and rolls back a failed one the same way.
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lxclink.h"
#include "orchd.h"
#include "placement.h"
#include "util/clock.h"
#include "util/log.h"

#define TY(x) OUTRIG__V1__OPERATION__TYPE__##x
#define ST(x) OUTRIG__V1__OPERATION__STATE__##x
#define PLAN_MAX 4096

// ---- busy table ------------------------------------------------------------------------------

static orchd_busy *busy_find(orchd *o, const char *ns, bool add)
{
    for (size_t i = 0; i < o->n_busy; i++)
        if (!strcmp(o->busy[i].ns, ns))
            return &o->busy[i];
    if (!add)
        return NULL;
    if (o->n_busy == o->cap_busy) {
        size_t cap = o->cap_busy ? o->cap_busy * 2 : 64;
        orchd_busy *n = realloc(o->busy, cap * sizeof *n);
        if (!n)
            return NULL;
        o->busy = n;
        o->cap_busy = cap;
    }
    orchd_busy *b = &o->busy[o->n_busy++];
    memset(b, 0, sizeof *b);
    snprintf(b->ns, sizeof b->ns, "%s", ns);
    return b;
}

bool orchd_busy_claim(orchd *o, const char *ns, int state)
{
    pthread_mutex_lock(&o->mu);
    orchd_busy *b = busy_find(o, ns, true);
    // An operation waits for a reconcile action on its NS to end; reconcile never waits.
    while (b && state == 1 && b->state == 2) {
        pthread_cond_wait(&o->cv, &o->mu);
        b = busy_find(o, ns, true);
    }
    bool ok = b && b->state == 0;
    if (ok) {
        b->state = state;
        b->epoch = ++o->epoch;
    }
    pthread_mutex_unlock(&o->mu);
    return ok;
}

void orchd_busy_release(orchd *o, const char *ns)
{
    pthread_mutex_lock(&o->mu);
    orchd_busy *b = busy_find(o, ns, false);
    if (b) {
        // What the reconcile loop does is no news to its own next action.
        if (b->state == 1)
            b->epoch = ++o->epoch;
        b->state = 0;
    }
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

bool orchd_busy_claim_wait(orchd *o, const char *ns, uint32_t wait_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t nsec = (uint64_t)ts.tv_nsec + wait_ms * 1000000ull;
    ts.tv_sec += (time_t)(nsec / 1000000000ull);
    ts.tv_nsec = (long)(nsec % 1000000000ull);
    pthread_mutex_lock(&o->mu);
    orchd_busy *b = busy_find(o, ns, true);
    while (b && b->state != 0)
        if (pthread_cond_timedwait(&o->cv, &o->mu, &ts) == ETIMEDOUT) {
            b = busy_find(o, ns, true);
            break;
        } else {
            b = busy_find(o, ns, true);
        }
    bool ok = b && b->state == 0;
    if (ok) {
        b->state = 1;
        b->epoch = ++o->epoch;
    }
    pthread_mutex_unlock(&o->mu);
    return ok;
}

bool orchd_busy_claim_since(orchd *o, const char *ns, uint64_t epoch)
{
    pthread_mutex_lock(&o->mu);
    orchd_busy *b = busy_find(o, ns, true);
    bool ok = b && !b->state && b->epoch <= epoch;
    if (ok)
        b->state = 2;
    pthread_mutex_unlock(&o->mu);
    return ok;
}

bool orchd_busy_since(orchd *o, const char *ns, uint64_t epoch)
{
    pthread_mutex_lock(&o->mu);
    orchd_busy *b = busy_find(o, ns, false);
    bool r = b && (b->state || b->epoch > epoch);
    pthread_mutex_unlock(&o->mu);
    return r;
}

void orchd_crash_point(orchd *o, const char *step)
{
    if (o->crash_after[0] && !strcmp(o->crash_after, step)) {
        log_warn("crash_after=%s: killing myself", step);
        raise(SIGKILL);
    }
}

// ---- records ---------------------------------------------------------------------------------

static void key_of(char *buf, size_t len, const char *cat, const char *id)
{
    snprintf(buf, len, "/%s/%s", cat, id);
}

static void op_event(orchd *o, const Outrig__V1__Operation *op, const char *type)
{
    orchd_event(o, "op", type, op->id, &op->base);
}

// Writes op (and ns, deleted when ns_delete) in one transaction. 0 or -EIO.
static int save(orchd *o, Outrig__V1__Operation *op, Outrig__V1__NsRecord *ns, bool ns_delete)
{
    char k[STORE_KEY_MAX];
    uint64_t now = clock_unix_ms();
    op->updated_unix_ms = now;
    orchd_txn t;
    orchd_txn_init(&t);
    key_of(k, sizeof k, "op", op->id);
    orchd_txn_put(&t, k, &op->base);
    if (ns) {
        key_of(k, sizeof k, "ns", ns->id);
        ns->updated_unix_ms = now;
        if (ns_delete)
            orchd_txn_del(&t, k);
        else
            orchd_txn_put(&t, k, &ns->base);
    }
    bool ok;
    rpc_status st;
    rpc_code rc = orchd_txn_run(o, &t, &ok, &st);
    if (rc != RPC_OK) {
        log_error("op %s: store: %s %s", op->id, rpc_code_name(rc), st.message);
        return -EIO;
    }
    return 0;
}

static void op_set_state(Outrig__V1__Operation *op, orch_op_state to, const char *error)
{
    if (!orch_op_transition_valid(op->state, to))
        log_warn("op %s: %s -> %s is not a valid transition", op->id, orch_op_state_name(op->state),
                 orch_op_state_name(to));
    op->state = to;
    if (error)
        orchd_set_str(&op->error, error);
}

// ---- parallel site commands --------------------------------------------------------------

typedef struct par {
    orchd *o;
    size_t n;
    atomic_size_t next;
    int (*fn)(orchd *o, size_t i, void *arg);
    void *arg;
    atomic_int failed;
} par;

static void *par_main(void *arg)
{
    par *p = arg;
    size_t i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
        if (p->fn(p->o, i, p->arg))
            atomic_fetch_add(&p->failed, 1);
    return NULL;
}

// Runs fn(0..n) on up to o->parallel threads. Returns how many failed.
static int run_parallel(orchd *o, size_t n, int (*fn)(orchd *, size_t, void *), void *arg)
{
    par p = {.o = o, .n = n, .fn = fn, .arg = arg};
    atomic_init(&p.next, 0);
    atomic_init(&p.failed, 0);
    size_t nt = n < o->parallel ? n : o->parallel;
    pthread_t th[256];
    size_t started = 0;
    for (size_t t = 1; t < nt && t < 256; t++)
        if (pthread_create(&th[started], NULL, par_main, &p) == 0)
            started++;
    par_main(&p);
    for (size_t t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    return atomic_load(&p.failed);
}

// ---- per-VNF commands ------------------------------------------------------------------------

int orchd_vnf_remove(orchd *o, const char *site_name, const char *id, adapter_err *err)
{
    adapter_site *site;
    int rc = orchd_site(o, site_name, &site, err);
    if (rc)
        return rc == -ENOENT ? 0 : rc; // the site is gone, and its VNFs with it
    orchd_lxc_leaving gone;
    orchd_lxclink_leaving(o, site_name, site, id, &gone);
    rc = adapter_delete_vnf(site, id, err);
    if (rc == 0 || rc == -ENOENT)
        orchd_lxclink_left(o, &gone);
    return rc == -ENOENT ? 0 : rc;
}

static int create_start(orchd *o, adapter_site *site, Outrig__V1__VnfRecord *rec, adapter_err *err)
{
    char path[512];
    if (orchd_image_path(o, rec->image, path, sizeof path) != RPC_OK)
        return adapter_fail(err, -ENOENT, "%s", path);
    adapter_cp cps[ADAPTER_CPS_MAX];
    char envbuf[ADAPTER_CPS_MAX + 3][320];
    const char *env[ADAPTER_CPS_MAX + 3];
    size_t ne = 0;
    snprintf(envbuf[ne], sizeof envbuf[ne], "OUTRIG_NS=%s", rec->ns_id);
    env[ne] = envbuf[ne], ne++;
    snprintf(envbuf[ne], sizeof envbuf[ne], "OUTRIG_INSTANCE=%s", rec->instance_id);
    env[ne] = envbuf[ne], ne++;
    const char *peer = NULL;
    size_t n = rec->n_cps < ADAPTER_CPS_MAX ? rec->n_cps : ADAPTER_CPS_MAX;
    for (size_t i = 0; i < n; i++) {
        const Outrig__V1__CpRecord *c = rec->cps[i];
        cps[i] = (adapter_cp){.id = c->id, .address = c->address};
        snprintf(envbuf[ne], sizeof envbuf[ne], "OUTRIG_CP_%zu=%s %s %s", i, c->id,
                 *c->address ? c->address : "-", *c->peer_address ? c->peer_address : "-");
        env[ne] = envbuf[ne], ne++;
        if (*c->peer_address)
            peer = c->peer_address;
    }
    // The VNF programs (examples/vnf) talk to OUTRIG_PEER: the peer of their last CP,
    // downstream in a chain written in order.
    char peerbuf[80];
    if (peer && ne < ADAPTER_CPS_MAX + 3) {
        snprintf(peerbuf, sizeof peerbuf, "OUTRIG_PEER=%s", peer);
        env[ne++] = peerbuf;
    }
    adapter_vnf_spec spec = {.instance_id = rec->instance_id,
                             .owner = rec->ns_id,
                             .image = path,
                             .env = env,
                             .n_env = ne,
                             .vcpus = rec->vcpus,
                             .memory_mib = (unsigned)rec->memory_mib,
                             .cps = cps,
                             .n_cps = n};
    int rc = adapter_create_vnf(site, &spec, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const Outrig__V1__CpRecord *c = rec->cps[i];
        if (!*c->peer_address)
            continue;
        adapter_cp_peer p = {.address = c->peer_address, .cp = c->peer_cp};
        if ((rc = adapter_configure_cp(site, rec->instance_id, c->id, NULL, &p, err)))
            return rc;
    }
    return adapter_start_vnf(site, rec->instance_id, err);
}

static int vnf_ensure(orchd *o, Outrig__V1__VnfRecord *rec, adapter_err *err)
{
    adapter_site *site;
    int rc = orchd_site(o, rec->site, &site, err);
    if (rc)
        return rc;
    adapter_vnf_info info;
    rc = adapter_vnf_status(site, rec->instance_id, &info, err);
    if (rc == 0) {
        if (info.state == ADAPTER_VNF_RUNNING)
            return 0;
        if (info.state != ADAPTER_VNF_CREATED)
            orchd_lxclink_down(o, rec); // it ended: its CPs are down until it runs again
        if (info.state == ADAPTER_VNF_CREATED || info.state == ADAPTER_VNF_STOPPED) {
            rc = adapter_start_vnf(site, rec->instance_id, err);
            return rc == -EALREADY ? 0 : rc;
        }
        // Half made by a crash, or ended: make it again.
        if ((rc = adapter_delete_vnf(site, rec->instance_id, err)) && rc != -ENOENT)
            return rc;
    } else if (rc != -ENOENT) {
        return rc;
    }
    // A VNF that fails to start stays for inspection (keep_on_failure); a rollback, a retry
    // or a heal removes it.
    rc = create_start(o, site, rec, err);
    return rc == -EEXIST ? 0 : rc;
}

int orchd_vnf_ensure(orchd *o, Outrig__V1__VnfRecord *rec, adapter_err *err)
{
    int rc = vnf_ensure(o, rec, err);
    if (rc == 0)
        orchd_lxclink_ready(o, rec); // found running too: a resumed operation re-announces
    return rc;
}

// ---- one operation run ----------------------------------------------------------------------

typedef struct run {
    Outrig__V1__Operation *op;
    Outrig__V1__NsRecord *ns;
    Outrig__V1__VnfRecord **recs; // the records the run works on
    size_t n;
    pthread_mutex_t mu;
    char first_error[1200];
    atomic_int created;
    uint64_t t0, sites_before, orch_before; // for the time split recorded in the op
} run;

// Records in the op the time this run spent outside site commands so far.
static void account(run *r)
{
    uint64_t total = clock_mono_us() - r->t0, sites = r->op->sites_us - r->sites_before;
    r->op->orchestrator_us = r->orch_before + (total > sites ? total - sites : 0);
}

static void run_error(run *r, const char *fmt, const char *a, const char *b)
{
    pthread_mutex_lock(&r->mu);
    if (!r->first_error[0])
        snprintf(r->first_error, sizeof r->first_error, fmt, a, b);
    pthread_mutex_unlock(&r->mu);
}

static int ensure_one(orchd *o, size_t i, void *arg)
{
    run *r = arg;
    Outrig__V1__VnfRecord *rec = r->recs[i];
    adapter_err err = {{0}};
    uint64_t t0 = clock_mono_us();
    int rc = orchd_vnf_ensure(o, rec, &err);
    rec->start_us = clock_mono_us() - t0;
    rec->updated_unix_ms = clock_unix_ms();
    orchd_set_str(&rec->state, rc ? "FAILED" : "RUNNING");
    orchd_set_str(&rec->error, rc ? err.msg : "");
    char k[STORE_KEY_MAX];
    key_of(k, sizeof k, "vnf", rec->instance_id);
    orchd_put(o, k, &rec->base);
    orchd_event(o, "vnf", rc ? "failed" : "started", rec->instance_id, &rec->base);
    if (rc) {
        run_error(r, "%s: %s", rec->instance_id, err.msg);
        return rc;
    }
    if (atomic_fetch_add(&r->created, 1) == 0)
        orchd_crash_point(o, "vnf_created");
    return 0;
}

static int remove_one(orchd *o, size_t i, void *arg)
{
    run *r = arg;
    Outrig__V1__VnfRecord *rec = r->recs[i];
    adapter_err err = {{0}};
    int rc = orchd_vnf_remove(o, rec->site, rec->instance_id, &err);
    if (rc) {
        run_error(r, "%s: %s", rec->instance_id, err.msg);
        return rc;
    }
    char k[STORE_KEY_MAX];
    key_of(k, sizeof k, "vnf", rec->instance_id);
    orchd_del(o, k);
    orchd_event(o, "vnf", "deleted", rec->instance_id, &rec->base);
    return 0;
}

static Outrig__V1__Nsd *load_nsd(orchd *o, const char *id)
{
    char k[STORE_KEY_MAX];
    key_of(k, sizeof k, "nsd", id);
    ProtobufCMessage *m = NULL;
    return orchd_get(o, k, &outrig__v1__nsd__descriptor, &m, NULL) == RPC_OK ? (void *)m : NULL;
}

// The VNFDs df's profiles name, loaded into l (l->m are Vnfd). 0 or -ENOENT with err.
static int load_vnfds(orchd *o, const Outrig__V1__Nsd__Df *df, orchd_msgs *l, run *r)
{
    memset(l, 0, sizeof *l);
    l->m = calloc(df->n_vnf_profile + 1, sizeof *l->m);
    if (!l->m)
        return -ENOMEM;
    for (size_t i = 0; i < df->n_vnf_profile; i++) {
        char k[STORE_KEY_MAX];
        key_of(k, sizeof k, "vnfd", df->vnf_profile[i]->vnfd_id);
        ProtobufCMessage *m = NULL;
        if (orchd_get(o, k, &outrig__v1__vnfd__descriptor, &m, NULL) != RPC_OK) {
            run_error(r, "vnfd %s%s is not onboarded", df->vnf_profile[i]->vnfd_id, "");
            return -ENOENT;
        }
        l->m[l->n++] = m;
    }
    return 0;
}

static Outrig__V1__VnfRecord *new_record(const char *ns_id, const orch_plan_vnf *pv,
                                         const char *op_id)
{
    Outrig__V1__VnfRecord *rec = malloc(sizeof *rec);
    if (!rec)
        return NULL;
    outrig__v1__vnf_record__init(rec);
    orchd_set_str(&rec->instance_id, pv->instance_id);
    orchd_set_str(&rec->ns_id, ns_id);
    orchd_set_str(&rec->profile, pv->profile);
    rec->index = pv->index;
    orchd_set_str(&rec->vnfd_id, pv->vnfd->id);
    orchd_set_str(&rec->vdu_id, pv->vdu->id);
    orchd_set_str(&rec->image, pv->vdu->image);
    rec->vcpus = pv->vdu->vcpus;
    rec->memory_mib = pv->vdu->memory_mib;
    orchd_set_str(&rec->state, "PENDING");
    orchd_set_str(&rec->op_id, op_id);
    orchd_set_str(&rec->site, "");
    orchd_set_str(&rec->error, "");
    return rec;
}

// True when the NS pins a profile to site: its fate is then the VNF's own error.
static bool pinned_to(const run *r, const char *site)
{
    for (size_t k = 0; k < r->ns->n_site_map; k++)
        if (!strcmp(r->ns->site_map[k]->value, site))
            return true;
    return false;
}

// Places recs[0..n) given every recorded VNF (all) and the NS's pins. 0 or -ENOSPC/-EINVAL.
static int place(orchd *o, run *r, orchd_msgs *all)
{
    orchd_msgs sites;
    if (orchd_list(o, "/site/", &outrig__v1__site__descriptor, &sites) != RPC_OK) {
        run_error(r, "cannot read the sites%s%s", "", "");
        return -EIO;
    }
    orch_place_site *ps = calloc(sites.n + 1, sizeof *ps);
    orch_place_vnf *pv = calloc(r->n + 1, sizeof *pv);
    orch_place_existing *ex = calloc(all->n + 1, sizeof *ex);
    size_t *site_of = calloc(r->n + 1, sizeof *site_of);
    int rc = ps && pv && ex && site_of ? 0 : -ENOMEM;
    for (size_t i = 0; !rc && i < sites.n; i++) {
        Outrig__V1__Site *s = (void *)sites.m[i];
        orch_site_usage u;
        orch_site_usage_of(s->name, (Outrig__V1__VnfRecord **)all->m, all->n, &u);
        ps[i] = (orch_place_site){.name = s->name,
                                  .kind = s->kind,
                                  .cap_vcpus = s->vcpus,
                                  .cap_memory_mib = s->memory_mib,
                                  .used_vcpus = u.vcpus,
                                  .used_memory_mib = u.memory_mib,
                                  .max_instances = s->max_instances,
                                  .instances = u.instances,
                                  .up = adapter_find(s->kind) != NULL};
        // A site whose manager cannot be reached now is down for this placement.
        adapter_site *as;
        adapter_err aerr;
        if (ps[i].up && !pinned_to(r, s->name) && orchd_site(o, s->name, &as, &aerr))
            ps[i].up = false;
    }
    size_t nex = 0;
    for (size_t i = 0; !rc && i < all->n; i++) {
        Outrig__V1__VnfRecord *v = (void *)all->m[i];
        if (!strcmp(v->ns_id, r->ns->id))
            ex[nex++] = (orch_place_existing){.profile = v->profile, .site = v->site};
    }
    for (size_t i = 0; !rc && i < r->n; i++) {
        Outrig__V1__VnfRecord *v = r->recs[i];
        const char *pin = NULL;
        for (size_t k = 0; k < r->ns->n_site_map; k++)
            if (!strcmp(r->ns->site_map[k]->key, v->profile))
                pin = r->ns->site_map[k]->value;
        pv[i] = (orch_place_vnf){.profile = v->profile,
                                 .index = v->index,
                                 .vcpus = v->vcpus,
                                 .memory_mib = v->memory_mib,
                                 .pinned_site = pin,
                                 .anti_affinity =
                                     r->ns->anti_affinity ? ORCH_AFF_SPREAD : ORCH_AFF_NONE};
    }
    if (!rc) {
        orch_place_req req = {.vnfs = pv,
                              .n_vnfs = r->n,
                              .sites = ps,
                              .n_sites = sites.n,
                              .existing = ex,
                              .n_existing = nex};
        orch_place_error perr = {0};
        rc = orch_place(&req, site_of, &perr);
        if (rc)
            run_error(r, "placement: %s%s", perr.msg, "");
        for (size_t i = 0; !rc && i < r->n; i++)
            orchd_set_str(&r->recs[i]->site, ps[site_of[i]].name);
    }
    free(ps);
    free(pv);
    free(ex);
    free(site_of);
    orchd_msgs_free(&sites);
    return rc;
}

static void free_recs(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        protobuf_c_message_free_unpacked(&r->recs[i]->base, NULL);
    free(r->recs);
    r->recs = NULL;
    r->n = 0;
}

static int add_target(Outrig__V1__Operation *op, const char *id)
{
    char **t = realloc(op->targets, (op->n_targets + 1) * sizeof *t);
    if (!t)
        return -ENOMEM;
    op->targets = t;
    t[op->n_targets] = strdup(id);
    if (!t[op->n_targets])
        return -ENOMEM;
    op->n_targets++;
    return 0;
}

// Plans what a create-type operation makes: instantiate = every profile's minimum, scale-out
// = the profile's new indexes. Writes the records and the op's targets in one transaction.
static int plan_create(orchd *o, run *r)
{
    Outrig__V1__Nsd *nsd = load_nsd(o, r->ns->nsd_id);
    if (!nsd) {
        run_error(r, "nsd %s%s is not onboarded", r->ns->nsd_id, "");
        return -ENOENT;
    }
    const Outrig__V1__Nsd__Df *df = orch_plan_df(nsd, r->ns->df_id);
    orchd_msgs vnfds = {0}, all = {0};
    orch_plan_vnf *pl = calloc(PLAN_MAX, sizeof *pl);
    int rc = pl ? 0 : -ENOMEM;
    if (!rc && !df) {
        run_error(r, "nsd %s has no df %s", nsd->id, r->ns->df_id);
        rc = -EINVAL;
    }
    if (!rc)
        rc = load_vnfds(o, df, &vnfds, r);
    if (!rc && orchd_vnfs_of(o, "", &all) != RPC_OK)
        rc = -EIO;
    orch_plan_err perr;
    memset(&perr, 0, sizeof perr);
    int n = 0;
    if (!rc && r->op->type == TY(INSTANTIATE)) {
        n = orch_plan_instantiate(r->ns->id, df, (Outrig__V1__Vnfd **)vnfds.m, vnfds.n, pl,
                                  PLAN_MAX, &perr);
    } else if (!rc) {
        // Scale out: the lowest unused indexes of the profile.
        const Outrig__V1__Nsd__VnfProfile *vp = orch_plan_profile(df, r->op->scale_profile);
        uint32_t have[PLAN_MAX], add[PLAN_MAX], rm[PLAN_MAX];
        size_t nh = 0, na = 0, nr = 0;
        for (size_t i = 0; vp && i < all.n && nh < PLAN_MAX; i++) {
            Outrig__V1__VnfRecord *v = (void *)all.m[i];
            if (!strcmp(v->ns_id, r->ns->id) && !strcmp(v->profile, vp->id))
                have[nh++] = v->index;
        }
        const Outrig__V1__Vnfd *vd = NULL;
        for (size_t i = 0; vp && i < vnfds.n; i++)
            if (!strcmp(((Outrig__V1__Vnfd *)vnfds.m[i])->id, vp->vnfd_id))
                vd = (void *)vnfds.m[i];
        if (!vp || !vd || !vd->n_vdu)
            n = -EINVAL,
            snprintf(perr.msg, sizeof perr.msg, "no vnf-profile %s", r->op->scale_profile);
        else if ((n = orch_plan_scale(have, nh, vp->min, vp->max > PLAN_MAX ? PLAN_MAX : vp->max,
                                      r->op->scale_delta, 0, add, &na, rm, &nr, &perr)) == 0) {
            for (size_t i = 0; i < na; i++) {
                pl[i] = (orch_plan_vnf){
                    .profile = vp->id, .index = add[i], .vnfd = vd, .vdu = vd->vdu[0]};
                orch_instance_id(r->ns->id, vp->id, add[i], pl[i].instance_id,
                                 sizeof pl[i].instance_id);
            }
            n = (int)na;
        }
    }
    if (!rc && n < 0) {
        run_error(r, "%s%s", perr.msg, "");
        rc = n;
    }
    if (!rc) {
        r->recs = calloc((size_t)n + 1, sizeof *r->recs);
        if (!r->recs)
            rc = -ENOMEM;
    }
    for (int i = 0; !rc && i < n; i++) {
        Outrig__V1__VnfRecord *rec = new_record(r->ns->id, &pl[i], r->op->id);
        if (!rec) {
            rc = -ENOMEM;
            break;
        }
        r->recs[r->n++] = rec;
        if (orch_plan_cps(nsd, df, (Outrig__V1__Vnfd **)vnfds.m, vnfds.n, &pl[i], rec, &perr)) {
            run_error(r, "%s%s", perr.msg, "");
            rc = -EINVAL;
        }
    }
    if (!rc)
        rc = place(o, r, &all);
    if (!rc) {
        // The intent, before any site command: every instance's record and the op's targets.
        orchd_txn t;
        orchd_txn_init(&t);
        for (size_t i = 0; i < r->n; i++) {
            char k[STORE_KEY_MAX];
            key_of(k, sizeof k, "vnf", r->recs[i]->instance_id);
            orchd_txn_absent(&t, k);
            orchd_txn_put(&t, k, &r->recs[i]->base);
            if (add_target(r->op, r->recs[i]->instance_id))
                rc = -ENOMEM;
        }
        r->op->planned = true;
        r->op->updated_unix_ms = clock_unix_ms();
        char k[STORE_KEY_MAX];
        key_of(k, sizeof k, "op", r->op->id);
        orchd_txn_put(&t, k, &r->op->base);
        bool ok = false;
        if (!rc && (orchd_txn_run(o, &t, &ok, NULL) != RPC_OK || !ok)) {
            run_error(r, "cannot record the plan%s%s", "", "");
            rc = -EIO;
        } else if (rc) {
            orchd_txn_free(&t);
        }
    }
    if (rc) {
        r->op->planned = false;
        free_recs(r);
    }
    free(pl);
    orchd_msgs_free(&vnfds);
    orchd_msgs_free(&all);
    protobuf_c_message_free_unpacked(&nsd->base, NULL);
    return rc;
}

// The records of r->op's targets that exist, into r->recs.
static int load_targets(orchd *o, run *r)
{
    orchd_msgs all;
    if (orchd_vnfs_of(o, r->ns ? r->ns->id : r->op->ns_id, &all) != RPC_OK)
        return -EIO;
    free_recs(r);
    r->recs = calloc(all.n + 1, sizeof *r->recs);
    if (!r->recs) {
        orchd_msgs_free(&all);
        return -ENOMEM;
    }
    for (size_t i = 0; i < all.n; i++) {
        Outrig__V1__VnfRecord *v = (void *)all.m[i];
        bool target = false;
        for (size_t t = 0; t < r->op->n_targets && !target; t++)
            target = !strcmp(r->op->targets[t], v->instance_id);
        if (target) {
            r->recs[r->n++] = v;
            all.m[i] = NULL;
        }
    }
    for (size_t i = 0; i < all.n; i++)
        if (all.m[i])
            protobuf_c_message_free_unpacked(all.m[i], NULL);
    free(all.m);
    free(all.mod_rev);
    return 0;
}

static void finish_ok(orchd *o, run *r, bool ns_delete, const char *ns_event)
{
    orchd_crash_point(o, "before_complete");
    op_set_state(r->op, ST(COMPLETED), NULL);
    account(r);
    if (r->ns) {
        orchd_set_str(&r->ns->current_op, "");
        if (!ns_delete)
            orchd_set_str(&r->ns->state, "INSTANTIATED");
    }
    if (save(o, r->op, r->ns, ns_delete) == 0) {
        op_event(o, r->op, "completed");
        if (r->ns)
            orchd_event(o, "ns", ns_event, r->ns->id, ns_delete ? NULL : &r->ns->base);
    }
}

// Removes what a failed create-type operation made, then marks it ROLLED_BACK.
static void rollback(orchd *o, run *r)
{
    orchd_crash_point(o, "rollback_started");
    if (load_targets(o, r) == 0) {
        size_t *idx = calloc(r->n + 1, sizeof *idx);
        size_t k = idx ? orch_rollback_plan(r->op, r->recs, r->n, idx) : 0;
        // Keep only the instances the plan names (all of them, as records carry the op id).
        for (size_t i = 0; i < k; i++) {
            Outrig__V1__VnfRecord *t = r->recs[i];
            r->recs[i] = r->recs[idx[i]];
            r->recs[idx[i]] = t;
        }
        for (size_t i = k; i < r->n; i++)
            protobuf_c_message_free_unpacked(&r->recs[i]->base, NULL);
        r->n = k;
        free(idx);
        if (run_parallel(o, r->n, remove_one, r)) {
            log_error("op %s: rollback incomplete: %s (left to the reconcile loop)", r->op->id,
                      r->first_error);
        }
    }
    op_set_state(r->op, ST(ROLLED_BACK), NULL);
    account(r);
    bool ns_delete = r->op->type == TY(INSTANTIATE);
    if (r->ns)
        orchd_set_str(&r->ns->current_op, "");
    if (save(o, r->op, r->ns, ns_delete) == 0) {
        op_event(o, r->op, "rolled_back");
        if (r->ns && ns_delete)
            orchd_event(o, "ns", "rolled_back", r->ns->id, NULL);
    }
}

static void fail(orchd *o, run *r)
{
    const char *why = r->first_error[0] ? r->first_error : "failed";
    op_set_state(r->op, ST(FAILED), why);
    account(r);
    if (orch_op_needs_rollback(r->op)) {
        // Recorded first, so that a restart finds it FAILED and finishes the rollback.
        save(o, r->op, NULL, false);
        op_event(o, r->op, "failed");
        rollback(o, r);
        return;
    }
    if (r->ns) {
        orchd_set_str(&r->ns->current_op, "");
        if (r->op->type == TY(INSTANTIATE) || r->op->type == TY(TERMINATE))
            orchd_set_str(&r->ns->state, "FAILED");
    }
    if (save(o, r->op, r->ns, false) == 0) {
        op_event(o, r->op, "failed");
        if (r->ns)
            orchd_event(o, "ns", "failed", r->ns->id, &r->ns->base);
    }
}

static void run_create(orchd *o, run *r)
{
    if (r->op->state == ST(FAILED))
        return rollback(o, r);
    if (!r->op->planned) {
        if (plan_create(o, r))
            return fail(o, r);
        orchd_crash_point(o, "planned");
    } else if (load_targets(o, r)) {
        run_error(r, "cannot read the VNF records%s%s", "", "");
        return fail(o, r);
    }
    uint64_t t0 = clock_mono_us();
    int failed = run_parallel(o, r->n, ensure_one, r);
    r->op->sites_us += clock_mono_us() - t0;
    if (failed)
        return fail(o, r);
    finish_ok(o, r, false, r->op->type == TY(INSTANTIATE) ? "instantiated" : "scaled");
}

// Terminate (every VNF of the NS) and scale-in (the profile's highest indexes).
static void run_remove(orchd *o, run *r)
{
    if (!r->op->planned) {
        orchd_msgs all;
        if (orchd_vnfs_of(o, r->ns->id, &all) != RPC_OK) {
            run_error(r, "cannot read the VNF records%s%s", "", "");
            return fail(o, r);
        }
        uint32_t have[PLAN_MAX], add[PLAN_MAX], rm[PLAN_MAX];
        size_t nh = 0, na = 0, nr = 0;
        int rc = 0;
        if (r->op->type == TY(SCALE)) {
            for (size_t i = 0; i < all.n && nh < PLAN_MAX; i++) {
                Outrig__V1__VnfRecord *v = (void *)all.m[i];
                if (!strcmp(v->profile, r->op->scale_profile))
                    have[nh++] = v->index;
            }
            orch_plan_err perr;
            rc = orch_plan_scale(have, nh, 0, PLAN_MAX, r->op->scale_delta, 0, add, &na, rm, &nr,
                                 &perr);
            if (rc)
                run_error(r, "%s%s", perr.msg, "");
        }
        for (size_t i = 0; !rc && i < all.n; i++) {
            Outrig__V1__VnfRecord *v = (void *)all.m[i];
            bool take = r->op->type == TY(TERMINATE);
            for (size_t k = 0; !take && k < nr; k++)
                take = !strcmp(v->profile, r->op->scale_profile) && v->index == rm[k];
            if (take && add_target(r->op, v->instance_id))
                rc = -ENOMEM;
        }
        orchd_msgs_free(&all);
        r->op->planned = true;
        if (rc || save(o, r->op, NULL, false))
            return fail(o, r);
        orchd_crash_point(o, "planned");
    }
    if (load_targets(o, r)) {
        run_error(r, "cannot read the VNF records%s%s", "", "");
        return fail(o, r);
    }
    uint64_t t0 = clock_mono_us();
    int failed = run_parallel(o, r->n, remove_one, r);
    r->op->sites_us += clock_mono_us() - t0;
    if (failed)
        return fail(o, r);
    bool term = r->op->type == TY(TERMINATE);
    finish_ok(o, r, term, term ? "terminated" : "scaled");
}

static int heal_one(orchd *o, size_t i, void *arg)
{
    run *r = arg;
    Outrig__V1__VnfRecord *rec = r->recs[i];
    adapter_err err = {{0}};
    int rc = orchd_vnf_remove(o, rec->site, rec->instance_id, &err);
    if (rc) {
        run_error(r, "%s: %s", rec->instance_id, err.msg);
        return rc;
    }
    return ensure_one(o, i, arg);
}

static void run_heal(orchd *o, run *r)
{
    if (!r->op->planned) {
        orchd_msgs all;
        if (orchd_vnfs_of(o, r->ns->id, &all) != RPC_OK) {
            run_error(r, "cannot read the VNF records%s%s", "", "");
            return fail(o, r);
        }
        int rc = 0;
        for (size_t i = 0; !rc && i < all.n; i++) {
            Outrig__V1__VnfRecord *v = (void *)all.m[i];
            bool take;
            if (*r->op->heal_instance) {
                take = !strcmp(v->instance_id, r->op->heal_instance);
            } else {
                adapter_site *site;
                adapter_err err;
                adapter_vnf_info info;
                take = orchd_site(o, v->site, &site, &err) == 0 &&
                       (adapter_vnf_status(site, v->instance_id, &info, &err) != 0 ||
                        info.state != ADAPTER_VNF_RUNNING);
            }
            if (take && add_target(r->op, v->instance_id))
                rc = -ENOMEM;
        }
        orchd_msgs_free(&all);
        r->op->planned = true;
        if (rc || save(o, r->op, NULL, false))
            return fail(o, r);
    }
    if (load_targets(o, r)) {
        run_error(r, "cannot read the VNF records%s%s", "", "");
        return fail(o, r);
    }
    uint64_t t0 = clock_mono_us();
    int failed = run_parallel(o, r->n, heal_one, r);
    r->op->sites_us += clock_mono_us() - t0;
    if (failed)
        return fail(o, r);
    finish_ok(o, r, false, "healed");
}

typedef struct launch_arg {
    orchd *o;
    char op_id[ORCH_OP_ID_MAX + 1];
    char ns_id[ORCH_NS_ID_MAX + 1];
} launch_arg;

static void run_op(orchd *o, const char *op_id)
{
    orchd_crash_point(o, "op_recorded");
    run r = {0};
    r.t0 = clock_mono_us();
    pthread_mutex_init(&r.mu, NULL);
    r.op = orchd_op_get(o, op_id, NULL);
    if (!r.op) {
        log_error("op %s: record unreadable", op_id);
        pthread_mutex_destroy(&r.mu);
        return;
    }
    r.ns = orchd_ns_get(o, r.op->ns_id, NULL);
    r.sites_before = r.op->sites_us;
    r.orch_before = r.op->orchestrator_us;
    r.op->attempts++;
    if (!r.ns && r.op->type != TY(TERMINATE)) {
        run_error(&r, "ns %s has no record%s", r.op->ns_id, "");
        if (r.op->state == ST(PROCESSING))
            op_set_state(r.op, ST(FAILED), r.first_error);
        if (r.op->state == ST(FAILED) && orch_op_needs_rollback(r.op))
            rollback(o, &r);
        else
            save(o, r.op, NULL, false);
    } else if (!r.ns) {
        finish_ok(o, &r, false, "terminated"); // terminated before a crash, recorded after
    } else if (r.op->type == TY(INSTANTIATE) ||
               (r.op->type == TY(SCALE) && r.op->scale_delta > 0)) {
        run_create(o, &r);
    } else if (r.op->type == TY(TERMINATE) || r.op->type == TY(SCALE)) {
        run_remove(o, &r);
    } else {
        run_heal(o, &r);
    }
    log_info("op %s %s %s: %s in %llu us (orchestrator %llu us, sites %llu us)%s%s", r.op->id,
             orch_op_type_name(r.op->type), r.op->ns_id, orch_op_state_name(r.op->state),
             (unsigned long long)(clock_mono_us() - r.t0),
             (unsigned long long)(r.op->orchestrator_us - r.orch_before),
             (unsigned long long)(r.op->sites_us - r.sites_before), r.op->error[0] ? ": " : "",
             r.op->error);
    free_recs(&r);
    protobuf_c_message_free_unpacked(&r.op->base, NULL);
    if (r.ns)
        protobuf_c_message_free_unpacked(&r.ns->base, NULL);
    pthread_mutex_destroy(&r.mu);
}

static void *op_thread(void *arg)
{
    launch_arg *a = arg;
    orchd *o = a->o;
    run_op(o, a->op_id);
    orchd_busy_release(o, a->ns_id);
    pthread_mutex_lock(&o->mu);
    o->ops_running--;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    free(a);
    return NULL;
}

int orchd_op_launch(orchd *o, const char *op_id, const char *ns_id)
{
    launch_arg *a = malloc(sizeof *a);
    if (!a)
        return -ENOMEM;
    a->o = o;
    snprintf(a->op_id, sizeof a->op_id, "%s", op_id);
    snprintf(a->ns_id, sizeof a->ns_id, "%s", ns_id);
    pthread_mutex_lock(&o->mu);
    o->ops_running++;
    pthread_mutex_unlock(&o->mu);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int rc = pthread_create(&th, &at, op_thread, a);
    pthread_attr_destroy(&at);
    if (rc) {
        pthread_mutex_lock(&o->mu);
        o->ops_running--;
        pthread_mutex_unlock(&o->mu);
        free(a);
        return -rc;
    }
    return 0;
}

int orchd_recover(orchd *o)
{
    orchd_msgs l;
    rpc_code rc = orchd_list(o, "/op/", &outrig__v1__operation__descriptor, &l);
    if (rc != RPC_OK)
        return -EIO;
    int n = 0;
    for (size_t i = 0; i < l.n; i++) {
        Outrig__V1__Operation *op = (void *)l.m[i];
        if (orch_op_finished(op))
            continue;
        log_warn("op %s (%s %s) was %s at restart: resuming", op->id, orch_op_type_name(op->type),
                 op->ns_id, orch_op_state_name(op->state));
        if (orchd_busy_claim(o, op->ns_id, 1) && orchd_op_launch(o, op->id, op->ns_id) == 0)
            n++;
    }
    orchd_msgs_free(&l);
    return n;
}
