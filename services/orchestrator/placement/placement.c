// Placement of VNF instances on sites (see placement.h for the rules).
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"

#define PPM 1000000u

typedef struct site_load {
    uint64_t vcpus, memory_mib, instances;
} site_load;

typedef struct ctx {
    const orch_place_req *req;
    site_load *load; // used, growing as instances are placed
    const size_t *site_of;
    const bool *placed;
} ctx;

static int fail(orch_place_error *err, size_t vnf, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(orch_place_error *err, size_t vnf, int rc, const char *fmt, ...)
{
    if (err) {
        err->vnf = vnf;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

// Appends to a bounded message, keeping it NUL-terminated.
static void add(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
    if (*off >= len - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *off, len - *off, fmt, ap);
    va_end(ap);
    if (w > 0)
        *off = (size_t)w < len - *off ? *off + (size_t)w : len - 1;
}

static uint64_t share_after(uint64_t cap, uint64_t used, uint64_t need)
{
    if (cap == 0)
        return PPM;
    return (cap - used - need) * PPM / cap;
}

// Instances of `profile` on site s: running ones plus those placed so far.
static uint32_t profile_on_site(const ctx *c, const char *profile, size_t s)
{
    const orch_place_req *r = c->req;
    uint32_t n = 0;
    for (size_t i = 0; i < r->n_existing; i++)
        if (r->existing[i].profile && r->existing[i].site &&
            strcmp(r->existing[i].profile, profile) == 0 &&
            strcmp(r->existing[i].site, r->sites[s].name) == 0)
            n++;
    for (size_t i = 0; i < r->n_vnfs; i++)
        if (c->placed[i] && c->site_of[i] == s && strcmp(r->vnfs[i].profile, profile) == 0)
            n++;
    return n;
}

// Whether site s can take vnf v at all; when not, appends why to buf.
static bool eligible(const ctx *c, const orch_place_vnf *v, size_t s, char *buf, size_t len,
                     size_t *off)
{
    const orch_place_site *st = &c->req->sites[s];
    const site_load *l = &c->load[s];
    if (!st->up) {
        add(buf, len, off, "; site '%s' is down", st->name);
        return false;
    }
    if (st->max_instances && l->instances >= st->max_instances) {
        add(buf, len, off, "; site '%s' is at its instance limit (%llu of %u)", st->name,
            (unsigned long long)l->instances, st->max_instances);
        return false;
    }
    bool cpu_ok =
        !st->cap_vcpus || (l->vcpus <= st->cap_vcpus && st->cap_vcpus - l->vcpus >= v->vcpus);
    bool mem_ok = !st->cap_memory_mib || (l->memory_mib <= st->cap_memory_mib &&
                                          st->cap_memory_mib - l->memory_mib >= v->memory_mib);
    if (!cpu_ok || !mem_ok) {
        uint64_t fc = st->cap_vcpus > l->vcpus ? st->cap_vcpus - l->vcpus : 0;
        uint64_t fm = st->cap_memory_mib > l->memory_mib ? st->cap_memory_mib - l->memory_mib : 0;
        add(buf, len, off, "; site '%s' lacks capacity: needs %u vCPU and %llu MiB, has ", st->name,
            v->vcpus, (unsigned long long)v->memory_mib);
        if (st->cap_vcpus)
            add(buf, len, off, "%llu vCPU", (unsigned long long)fc);
        else
            add(buf, len, off, "unlimited vCPU");
        if (st->cap_memory_mib)
            add(buf, len, off, " and %llu MiB free", (unsigned long long)fm);
        else
            add(buf, len, off, " and unlimited memory free");
        return false;
    }
    if (c->req->veto) {
        char reason[256] = "";
        if (c->req->veto(c->req->veto_arg, v, st, reason, sizeof reason)) {
            reason[sizeof reason - 1] = '\0';
            add(buf, len, off, "; site '%s' vetoed by policy: %s", st->name,
                reason[0] ? reason : "no reason given");
            return false;
        }
    }
    return true;
}

static uint64_t score(const ctx *c, const orch_place_vnf *v, size_t s)
{
    const orch_place_site *st = &c->req->sites[s];
    const site_load *l = &c->load[s];
    uint64_t a = share_after(st->cap_vcpus, l->vcpus, v->vcpus);
    uint64_t b = share_after(st->cap_memory_mib, l->memory_mib, v->memory_mib);
    uint64_t m = share_after(st->max_instances, l->instances, 1);
    uint64_t best = a < b ? a : b;
    return best < m ? best : m;
}

static int place_one(ctx *c, size_t i, size_t *site_of, orch_place_error *err)
{
    const orch_place_req *r = c->req;
    const orch_place_vnf *v = &r->vnfs[i];
    char why[sizeof err->msg];
    size_t off = 0;
    why[0] = '\0';
    size_t pin = r->n_sites;
    if (v->pinned_site) {
        for (size_t s = 0; s < r->n_sites; s++)
            if (strcmp(r->sites[s].name, v->pinned_site) == 0)
                pin = s;
        if (pin == r->n_sites)
            return fail(err, i, -EINVAL,
                        "vnf-profile '%s' instance %u: pinned to unknown site '%s'", v->profile,
                        v->index, v->pinned_site);
    }
    size_t best = r->n_sites;
    uint32_t best_aff = 0;
    uint64_t best_score = 0;
    for (size_t s = 0; s < r->n_sites; s++) {
        if (pin != r->n_sites && s != pin)
            continue;
        if (!eligible(c, v, s, why, sizeof why, &off))
            continue;
        uint32_t aff = v->anti_affinity ? profile_on_site(c, v->profile, s) : 0;
        if (v->anti_affinity == ORCH_AFF_STRICT && aff > 0) {
            add(why, sizeof why, &off,
                "; site '%s' already runs an instance of vnf-profile '%s' (strict "
                "anti-affinity)",
                r->sites[s].name, v->profile);
            continue;
        }
        uint64_t sc = score(c, v, s);
        bool better = best == r->n_sites || aff < best_aff ||
                      (aff == best_aff &&
                       (sc > best_score ||
                        (sc == best_score && strcmp(r->sites[s].name, r->sites[best].name) < 0)));
        if (better) {
            best = s;
            best_aff = aff;
            best_score = sc;
        }
    }
    if (best == r->n_sites) {
        if (r->n_sites == 0)
            add(why, sizeof why, &off, "; there are no sites");
        // Each reason starts with "; ", the first one's is dropped.
        return fail(err, i, -ENOSPC, "vnf-profile '%s' instance %u: %s: %s", v->profile, v->index,
                    pin != r->n_sites ? "cannot go to its pinned site" : "no site can take it",
                    off > 2 ? why + 2 : "no reason");
    }
    site_of[i] = best;
    c->load[best].vcpus += v->vcpus;
    c->load[best].memory_mib += v->memory_mib;
    c->load[best].instances++;
    return 0;
}

typedef struct order_ent {
    size_t i;
    const orch_place_vnf *v;
} order_ent;

static int order_cmp(const void *a, const void *b)
{
    const order_ent *x = a, *y = b;
    bool px = x->v->pinned_site != NULL, py = y->v->pinned_site != NULL;
    if (px != py)
        return px ? -1 : 1;
    if (!px) {
        if (x->v->vcpus != y->v->vcpus)
            return x->v->vcpus > y->v->vcpus ? -1 : 1;
        if (x->v->memory_mib != y->v->memory_mib)
            return x->v->memory_mib > y->v->memory_mib ? -1 : 1;
    }
    return x->i < y->i ? -1 : x->i > y->i;
}

int orch_place(const orch_place_req *req, size_t *site_of, orch_place_error *err)
{
    for (size_t s = 0; s < req->n_sites; s++)
        if (!req->sites[s].name)
            return fail(err, 0, -EINVAL, "site %zu has no name", s);
    for (size_t i = 0; i < req->n_vnfs; i++)
        if (!req->vnfs[i].profile)
            return fail(err, i, -EINVAL, "instance %zu has no vnf-profile", i);
    if (req->n_vnfs == 0)
        return 0;
    site_load *load = calloc(req->n_sites ? req->n_sites : 1, sizeof *load);
    bool *placed = calloc(req->n_vnfs, sizeof *placed);
    order_ent *order = malloc(req->n_vnfs * sizeof *order);
    int rc = 0;
    if (!load || !placed || !order) {
        rc = fail(err, 0, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t s = 0; s < req->n_sites; s++)
        load[s] = (site_load){req->sites[s].used_vcpus, req->sites[s].used_memory_mib,
                              req->sites[s].instances};
    for (size_t i = 0; i < req->n_vnfs; i++)
        order[i] = (order_ent){i, &req->vnfs[i]};
    qsort(order, req->n_vnfs, sizeof *order, order_cmp);
    ctx c = {.req = req, .load = load, .site_of = site_of, .placed = placed};
    for (size_t k = 0; k < req->n_vnfs && rc == 0; k++) {
        rc = place_one(&c, order[k].i, site_of, err);
        if (rc == 0)
            placed[order[k].i] = true;
    }
out:
    free(load);
    free(placed);
    free(order);
    return rc;
}
