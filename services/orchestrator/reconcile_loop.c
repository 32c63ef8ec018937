// reconcile_loop: every reconcile_ms (and once at start, after recovery) lists what each
// site runs, compares it with the /vnf and /ns records (reconcile.c decides), deletes VNFs
// no NS owns and recreates missing ones of instantiated NSs. An NS an operation holds, or
// that changed since the listing began, is left alone for this pass.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lxclink.h"
#include "orchd.h"
#include "util/log.h"

typedef struct seen_list {
    orchd *o;
    orch_rec_seen *v;
    size_t n, cap;
    char **strs; // owned copies
    size_t ns, caps;
    const char *site;
    bool oom;
} seen_list;

static char *keep(seen_list *l, const char *s)
{
    if (l->ns == l->caps) {
        size_t c = l->caps ? l->caps * 2 : 64;
        char **n = realloc(l->strs, c * sizeof *n);
        if (!n)
            return NULL;
        l->strs = n;
        l->caps = c;
    }
    char *d = strdup(s);
    if (d)
        l->strs[l->ns++] = d;
    return d;
}

static int seen_cb(const adapter_vnf_info *info, void *arg)
{
    seen_list *l = arg;
    orchd_lxclink_seen(l->o, l->site, info);
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 64;
        orch_rec_seen *n = realloc(l->v, c * sizeof *n);
        if (!n) {
            l->oom = true;
            return 1;
        }
        l->v = n;
        l->cap = c;
    }
    orch_rec_seen *s = &l->v[l->n];
    s->site = l->site;
    s->instance_id = keep(l, info->instance_id);
    s->owner = keep(l, info->owner);
    if (!s->instance_id || !s->owner) {
        l->oom = true;
        return 1;
    }
    s->state = info->state == ADAPTER_VNF_INCOMPLETE ? ORCH_SEEN_INCOMPLETE
               : info->state == ADAPTER_VNF_RUNNING  ? ORCH_SEEN_RUNNING
                                                     : ORCH_SEEN_STOPPED;
    l->n++;
    return 0;
}

typedef struct busy_arg {
    orchd *o;
    uint64_t epoch;
    orchd_msgs *ns;
} busy_arg;

static bool ns_busy(const char *ns_id, void *arg)
{
    busy_arg *b = arg;
    if (orchd_busy_since(b->o, ns_id, b->epoch))
        return true;
    for (size_t i = 0; i < b->ns->n; i++) {
        Outrig__V1__NsRecord *n = (void *)b->ns->m[i];
        if (!strcmp(n->id, ns_id))
            return *n->current_op != 0;
    }
    return false;
}

static int pass(orchd *o)
{
    pthread_mutex_lock(&o->mu);
    uint64_t epoch = o->epoch;
    pthread_mutex_unlock(&o->mu);
    orchd_msgs sites, vnfs = {0}, nss = {0};
    if (orchd_list(o, "/site/", &outrig__v1__site__descriptor, &sites) != RPC_OK)
        return -EIO;
    // Sites are listed before the records are read: a VNF is recorded before it is created,
    // so whatever a site reports already has its record unless it is being removed.
    seen_list seen = {.o = o};
    const char **listed = calloc(sites.n + 1, sizeof *listed);
    size_t n_listed = 0;
    for (size_t i = 0; listed && i < sites.n; i++) {
        Outrig__V1__Site *s = (void *)sites.m[i];
        adapter_site *site;
        adapter_err err;
        if (orchd_site(o, s->name, &site, &err))
            continue;
        seen.site = s->name;
        size_t before = seen.n;
        if (adapter_list_vnfs(site, seen_cb, &seen, &err) || seen.oom) {
            log_warn("reconcile: site %s: %s", s->name, err.msg);
            seen.n = before;
            continue;
        }
        listed[n_listed++] = s->name;
    }
    int actions = 0;
    if (!listed || orchd_vnfs_of(o, "", &vnfs) != RPC_OK ||
        orchd_list(o, "/ns/", &outrig__v1__ns_record__descriptor, &nss) != RPC_OK) {
        actions = -EIO;
        goto out;
    }
    orch_rec_want *want = calloc(vnfs.n + 1, sizeof *want);
    size_t max = seen.n + vnfs.n + 1;
    orch_rec_action *act = calloc(max, sizeof *act);
    if (!want || !act) {
        free(want);
        free(act);
        actions = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < vnfs.n; i++) {
        Outrig__V1__VnfRecord *v = (void *)vnfs.m[i];
        Outrig__V1__NsRecord *ns = NULL;
        for (size_t k = 0; k < nss.n && !ns; k++)
            if (!strcmp(((Outrig__V1__NsRecord *)nss.m[k])->id, v->ns_id))
                ns = (void *)nss.m[k];
        want[i] = (orch_rec_want){.instance_id = v->instance_id,
                                  .ns_id = v->ns_id,
                                  .site = v->site,
                                  .ns_known = ns != NULL,
                                  .settled = ns && !strcmp(ns->state, "INSTANTIATED") &&
                                             !*ns->current_op && !strcmp(v->state, "RUNNING")};
    }
    busy_arg ba = {o, epoch, &nss};
    size_t n =
        orch_reconcile_diff(want, vnfs.n, seen.v, seen.n, listed, n_listed, ns_busy, &ba, act, max);
    for (size_t i = 0; i < n; i++) {
        orch_rec_action *a = &act[i];
        // Held for the action, so that no operation starts on the NS meanwhile.
        if (*a->ns_id && !orchd_busy_claim_since(o, a->ns_id, epoch))
            continue;
        adapter_err err = {{0}};
        int rc;
        if (a->kind == ORCH_REC_DELETE) {
            log_warn("reconcile: deleting %s on site %s (owner '%s'): no NS records it",
                     a->instance_id, a->site, a->ns_id);
            rc = orchd_vnf_remove(o, a->site, a->instance_id, &err);
            if (!rc)
                orchd_event(o, "vnf", "orphan_deleted", a->instance_id, NULL);
        } else {
            Outrig__V1__VnfRecord *rec = NULL;
            for (size_t k = 0; k < vnfs.n && !rec; k++)
                if (!strcmp(((Outrig__V1__VnfRecord *)vnfs.m[k])->instance_id, a->instance_id))
                    rec = (void *)vnfs.m[k];
            log_warn("reconcile: recreating %s on site %s: missing", a->instance_id, a->site);
            rc = rec ? orchd_vnf_ensure(o, rec, &err) : -ENOENT;
            if (!rc)
                orchd_event(o, "vnf", "recreated", a->instance_id, &rec->base);
        }
        if (rc)
            log_warn("reconcile: %s: %s", a->instance_id, err.msg);
        else
            actions++;
        if (*a->ns_id)
            orchd_busy_release(o, a->ns_id);
    }
    free(want);
    free(act);
out:
    for (size_t i = 0; i < seen.ns; i++)
        free(seen.strs[i]);
    free(seen.strs);
    free(seen.v);
    free(listed);
    orchd_msgs_free(&sites);
    orchd_msgs_free(&vnfs);
    orchd_msgs_free(&nss);
    return actions;
}

int orchd_reconcile_pass(orchd *o)
{
    pthread_mutex_lock(&o->rec_mu);
    int rc = pass(o);
    pthread_mutex_unlock(&o->rec_mu);
    return rc;
}

static void *loop(void *arg)
{
    orchd *o = arg;
    // The first pass runs at start, to clean up what a crash left on the sites.
    int first = orchd_reconcile_pass(o);
    if (first > 0)
        log_info("reconcile at start: %d action(s)", first);
    for (;;) {
        pthread_mutex_lock(&o->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + o->reconcile_ms * 1000000ull;
        ts.tv_sec += (time_t)(ns / 1000000000ull);
        ts.tv_nsec = (long)(ns % 1000000000ull);
        while (!o->stopping)
            if (pthread_cond_timedwait(&o->cv, &o->mu, &ts) == ETIMEDOUT)
                break;
        bool stop = o->stopping;
        pthread_mutex_unlock(&o->mu);
        if (stop)
            break;
        int n = orchd_reconcile_pass(o);
        if (n > 0)
            log_info("reconcile: %d action(s)", n);
    }
    return NULL;
}

int orchd_reconcile_start(orchd *o)
{
    if (!o->reconcile_ms)
        return 0;
    if (pthread_create(&o->reconcile_thr, NULL, loop, o))
        return -EAGAIN;
    o->reconcile_started = true;
    return 0;
}

void orchd_reconcile_stop(orchd *o)
{
    pthread_mutex_lock(&o->mu);
    o->stopping = true;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    if (o->reconcile_started)
        pthread_join(o->reconcile_thr, NULL);
    o->reconcile_started = false;
}
