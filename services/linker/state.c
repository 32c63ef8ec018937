// state: /link/<id> (Link) and /link-ipam/<ns>/<vl> (IpamState) in the store, and the NS
// topology read from the orchestrator's /vnf/<ns>.* records.
//
// Writes go through a writer thread that keeps only the newest value per key and commits
// what gathered in one store transaction, so that handling an event never waits for the
// store's fsync (the events on the hub carry the same states as they happen).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnkd.h"
#include "outrig/v1/store.pb-c.h"
#include "outrig/v1/orchestrator.pb-c.h"
#include "store/store.h"
#include "util/log.h"

#define WRITER_TXN_MAX 1000 // below STORE_TXN_OPS_MAX

typedef struct wop {
    char *key;
    uint8_t *value; // NULL: delete
    size_t len;
} wop;

struct lnkd_writer {
    lnkd *d;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv, idle;
    wop *ops;
    size_t n, cap;
    bool busy, stop;
};

// Queues a put (value, taking ownership) or a delete (value NULL) of key; a queued write of
// the same key is replaced.
static void queue_op(struct lnkd_writer *w, const char *key, uint8_t *value, size_t len)
{
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->n; i++) {
        if (!strcmp(w->ops[i].key, key)) {
            free(w->ops[i].value);
            w->ops[i].value = value;
            w->ops[i].len = len;
            pthread_mutex_unlock(&w->mu);
            return;
        }
    }
    char *k = strdup(key);
    if (!k || (w->n == w->cap && !(w->cap = w->cap ? w->cap * 2 : 64,
                                   w->ops = realloc(w->ops, w->cap * sizeof *w->ops)))) {
        log_error("store write %s dropped: out of memory", key);
        free(k);
        free(value);
        pthread_mutex_unlock(&w->mu);
        return;
    }
    w->ops[w->n++] = (wop){.key = k, .value = value, .len = len};
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void commit(lnkd *d, wop *ops, size_t n)
{
    for (size_t at = 0; at < n; at += WRITER_TXN_MAX) {
        size_t m = n - at < WRITER_TXN_MAX ? n - at : WRITER_TXN_MAX;
        Outrig__V1__TxnOp *tops = calloc(m, sizeof *tops);
        Outrig__V1__TxnOp **ptrs = calloc(m, sizeof *ptrs);
        if (!tops || !ptrs) {
            log_error("store commit of %zu writes dropped: out of memory", m);
            free(tops);
            free(ptrs);
            continue;
        }
        for (size_t i = 0; i < m; i++) {
            outrig__v1__txn_op__init(&tops[i]);
            const wop *o = &ops[at + i];
            tops[i].kind =
                o->value ? OUTRIG__V1__TXN_OP__KIND__PUT : OUTRIG__V1__TXN_OP__KIND__DELETE;
            tops[i].key = o->key;
            tops[i].value.data = o->value;
            tops[i].value.len = o->len;
            ptrs[i] = &tops[i];
        }
        Outrig__V1__TxnRequest req = OUTRIG__V1__TXN_REQUEST__INIT;
        req.success = ptrs;
        req.n_success = m;
        rpc_status st = {0};
        rpc_code c = store_txn(d->store, &req, NULL, NULL, &st);
        if (c != RPC_OK)
            log_warn("store commit of %zu writes: %s %s", m, rpc_code_name(c), st.message);
        free(tops);
        free(ptrs);
    }
}

static void *writer_main(void *arg)
{
    struct lnkd_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->n && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->n && w->stop)
            break;
        wop *ops = w->ops;
        size_t n = w->n;
        w->ops = NULL;
        w->n = w->cap = 0;
        w->busy = true;
        pthread_mutex_unlock(&w->mu);
        commit(w->d, ops, n);
        for (size_t i = 0; i < n; i++) {
            free(ops[i].key);
            free(ops[i].value);
        }
        free(ops);
        pthread_mutex_lock(&w->mu);
        w->busy = false;
        pthread_cond_broadcast(&w->idle);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int lnkd_writer_start(lnkd *d)
{
    struct lnkd_writer *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    w->d = d;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->idle, NULL);
    int e = pthread_create(&w->thread, NULL, writer_main, w);
    if (e) {
        free(w);
        return -e;
    }
    d->writer = w;
    return 0;
}

void lnkd_writer_stop(lnkd *d)
{
    struct lnkd_writer *w = d->writer;
    if (!w)
        return;
    // Everything queued is written before the thread ends.
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->idle);
    free(w->ops);
    free(w);
    d->writer = NULL;
}

void lnkd_state_put_link(lnkd *d, const lnkd_link *l)
{
    Outrig__V1__Link m;
    Outrig__V1__LinkEnd a, b;
    lnkd_link_msg(d, l, &m, &a, &b);
    size_t len = outrig__v1__link__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return;
    outrig__v1__link__pack(&m, buf);
    char key[LNKD_LINK_ID_MAX + 8];
    snprintf(key, sizeof key, "/link/%s", l->id);
    queue_op(d->writer, key, buf, len);
}

void lnkd_state_del_link(lnkd *d, const char *id)
{
    char key[LNKD_LINK_ID_MAX + 8];
    snprintf(key, sizeof key, "/link/%s", id);
    queue_op(d->writer, key, NULL, 0);
}

void lnkd_state_put_ipam(lnkd *d, const char *vl_key)
{
    uint8_t *buf;
    size_t len;
    if (lnk_ipam_export(d->ipam, vl_key, &buf, &len) < 0)
        return;
    char key[2 * LNK_ID_MAX + 16];
    snprintf(key, sizeof key, "/link-ipam/%s", vl_key);
    queue_op(d->writer, key, buf, len);
}

void lnkd_state_del_ipam(lnkd *d, const char *vl_key)
{
    char key[2 * LNK_ID_MAX + 16];
    snprintf(key, sizeof key, "/link-ipam/%s", vl_key);
    queue_op(d->writer, key, NULL, 0);
}

static int load_one(const Outrig__V1__KeyValue *kv, void *arg)
{
    lnkd *d = arg;
    int e = lnk_ipam_import(d->ipam, kv->value.data, kv->value.len);
    if (e < 0)
        log_warn("%s: IPAM state not restored: %s", kv->key, strerror(-e));
    return 0;
}

int lnkd_state_load(lnkd *d)
{
    rpc_code c = store_range_all(d->store, "/link-ipam/", 256, false, load_one, d, NULL);
    return c == RPC_OK ? 0 : -EIO;
}

typedef struct topo_acc {
    Outrig__V1__VnfRecord **recs;
    size_t n, cap;
    const char *ns;
} topo_acc;

static int topo_one(const Outrig__V1__KeyValue *kv, void *arg)
{
    topo_acc *t = arg;
    Outrig__V1__VnfRecord *r = outrig__v1__vnf_record__unpack(NULL, kv->value.len, kv->value.data);
    if (!r)
        return 0;
    if (strcmp(r->ns_id, t->ns) || !strcmp(r->state, "DELETING")) {
        outrig__v1__vnf_record__free_unpacked(r, NULL);
        return 0;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        Outrig__V1__VnfRecord **n = realloc(t->recs, cap * sizeof *n);
        if (!n) {
            outrig__v1__vnf_record__free_unpacked(r, NULL);
            return -ENOMEM;
        }
        t->recs = n;
        t->cap = cap;
    }
    t->recs[t->n++] = r;
    return 0;
}

struct topo_owned {
    Outrig__V1__VnfRecord **recs;
    size_t n;
    lnk_member *members;
    lnk_instance *instances;
};

int lnkd_topology_load(lnkd *d, const char *ns, lnkd_topology *out)
{
    memset(out, 0, sizeof *out);
    char prefix[LNK_ID_MAX + 8];
    snprintf(prefix, sizeof prefix, "/vnf/%s.", ns);
    topo_acc acc = {.ns = ns};
    rpc_code c = store_range_all(d->store, prefix, 256, false, topo_one, &acc, NULL);
    struct topo_owned *o = calloc(1, sizeof *o);
    if (!o) {
        acc.n = 0;
    } else {
        o->recs = acc.recs;
        o->n = acc.n;
        out->owned = o;
    }
    if (c != RPC_OK || acc.n == 0) {
        if (!o) {
            for (size_t i = 0; i < acc.n; i++)
                outrig__v1__vnf_record__free_unpacked(acc.recs[i], NULL);
            free(acc.recs);
        }
        lnkd_topology_free(out);
        return c != RPC_OK ? -EIO : -ENOENT;
    }
    // The orchestrator's records carry, per CP, the virtual link its vnf-profile's
    // virtual-link-connectivity puts it on: the NSD's members, resolved per instance. A CP
    // is named by its record id (the interface name inside the VNF), which is how its site
    // reports it in cp.ready and knows it in ConfigurePeer; the ext-cpd is already resolved.
    size_t nm = 0;
    for (size_t i = 0; i < acc.n; i++)
        nm += acc.recs[i]->n_cps;
    o->members = calloc(nm ? nm : 1, sizeof *o->members);
    o->instances = calloc(acc.n, sizeof *o->instances);
    if (!o->members || !o->instances) {
        lnkd_topology_free(out);
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < acc.n; i++) {
        const Outrig__V1__VnfRecord *r = acc.recs[i];
        o->instances[i] = (lnk_instance){.vnf_id = r->instance_id, .profile = r->profile};
        for (size_t j = 0; j < r->n_cps; j++) {
            const Outrig__V1__CpRecord *cp = r->cps[j];
            if (cp->virtual_link[0])
                o->members[k++] = (lnk_member){.vl = cp->virtual_link,
                                               .profile = r->profile,
                                               .cpd = cp->id};
        }
    }
    out->t = (lnk_topology){o->members, k, o->instances, acc.n};
    return 0;
}

void lnkd_topology_free(lnkd_topology *t)
{
    struct topo_owned *o = t ? t->owned : NULL;
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++)
        outrig__v1__vnf_record__free_unpacked(o->recs[i], NULL);
    free(o->recs);
    free(o->members);
    free(o->instances);
    free(o);
    t->owned = NULL;
}

static int del_one(const Outrig__V1__KeyValue *kv, void *arg)
{
    lnkd *d = arg;
    queue_op(d->writer, kv->key, NULL, 0);
    return 0;
}

void lnkd_state_del_ns(lnkd *d, const char *ns)
{
    // Also what an earlier run of the linker wrote and this one never loaded.
    char prefix[LNK_ID_MAX + 16];
    snprintf(prefix, sizeof prefix, "/link/%s/", ns);
    store_range_all(d->store, prefix, 256, true, del_one, d, NULL);
    snprintf(prefix, sizeof prefix, "/link-ipam/%s/", ns);
    store_range_all(d->store, prefix, 256, true, del_one, d, NULL);
}

static int link_one(const Outrig__V1__KeyValue *kv, void *arg)
{
    lnkd *d = arg;
    Outrig__V1__Link *m = outrig__v1__link__unpack(NULL, kv->value.len, kv->value.data);
    if (!m)
        return 0;
    if (m->a && m->b)
        lnkd_restore_link(d, m);
    outrig__v1__link__free_unpacked(m, NULL);
    return 0;
}

int lnkd_state_load_links(lnkd *d)
{
    rpc_code c = store_range_all(d->store, "/link/", 256, false, link_one, d, NULL);
    return c == RPC_OK ? 0 : -EIO;
}
