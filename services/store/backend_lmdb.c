// backend_lmdb: the embedded LMDB backend.
//
// Databases in one environment, all written in the same write transaction so
// that a crash never separates a write from its history (watch) record:
//   kv    key -> kvmeta + value
//   hist  revision (8 bytes big-endian) -> histhdr + key + value
//   cat   category -> revision of its latest change (the `prev` of the next)
//   lease id (8 bytes BE) -> leaserec
//   lkey  id (8 bytes BE) + key -> "" (keys attached to a lease)
//   meta  "rev", "compact", "lease_next" -> u64
// One commit (data and meta page each fsynced, LMDB's default) per apply(),
// i.e. per group-commit batch.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "backend.h"
#include "compare.h"
#include "keys.h"
#include "lease.h"
#include "range.h"

#define HIST_SCAN_MAX 100000 // history entries one history() call looks at
#define COMPACT_STEP 4096    // history entries one apply() drops at most
#define POOL_MAX 64          // idle read transactions kept for reuse

typedef struct kvmeta {
    uint64_t create_revision, mod_revision, version, lease;
} kvmeta;

typedef struct histhdr {
    uint8_t kind;
    uint8_t pad[3];
    uint32_t key_len;
    uint32_t value_len;
    uint32_t pad2;
    uint64_t prev, create_revision, version, lease;
} histhdr;

typedef struct leaserec {
    uint32_t ttl_ms;
    uint32_t pad;
    uint64_t expiry_ms;
} leaserec;

typedef struct lmdb_be {
    int lock_fd; // flock: one store per data directory
    MDB_env *env;
    MDB_dbi kv, hist, cat, lease, lkey, meta;
    sto_retention retention;
    // Writer-owned; reloaded from the database when a commit fails.
    uint64_t rev, compact, lease_next;
    // Guards the lease table: the writer and keep-alive handlers share it.
    pthread_mutex_t lease_mu;
    sto_leases *leases;
    // Idle reset read transactions.
    pthread_mutex_t pool_mu;
    MDB_txn *pool[POOL_MAX];
    int npool;
} lmdb_be;

static int errno_of(int rc)
{
    switch (rc) {
    case 0:
        return 0;
    case MDB_NOTFOUND:
        return -ENOENT;
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_READERS_FULL:
        return -ENOSPC;
    case ENOMEM:
        return -ENOMEM;
    default:
        return rc > 0 ? -rc : -EIO;
    }
}

static void be64(uint64_t v, unsigned char out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)v;
        v >>= 8;
    }
}

static uint64_t get_be64(const unsigned char in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

static MDB_val sval(const char *s)
{
    return (MDB_val){strlen(s), (void *)s};
}

static int meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *out)
{
    MDB_val k = sval(name), v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *out = 0;
        return 0;
    }
    if (rc)
        return rc;
    if (v.mv_size != 8)
        return MDB_CORRUPTED;
    memcpy(out, v.mv_data, 8);
    return 0;
}

static int meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t val)
{
    MDB_val k = sval(name), v = {8, &val};
    return mdb_put(txn, dbi, &k, &v, 0);
}

// ---- read transactions ------------------------------------------------------

static int read_begin(lmdb_be *b, MDB_txn **txn)
{
    MDB_txn *t = NULL;
    pthread_mutex_lock(&b->pool_mu);
    if (b->npool)
        t = b->pool[--b->npool];
    pthread_mutex_unlock(&b->pool_mu);
    if (t) {
        int rc = mdb_txn_renew(t);
        if (rc == 0) {
            *txn = t;
            return 0;
        }
        mdb_txn_abort(t);
    }
    return mdb_txn_begin(b->env, NULL, MDB_RDONLY, txn);
}

static void read_end(lmdb_be *b, MDB_txn *t)
{
    mdb_txn_reset(t);
    pthread_mutex_lock(&b->pool_mu);
    if (b->npool < POOL_MAX) {
        b->pool[b->npool++] = t;
        t = NULL;
    }
    pthread_mutex_unlock(&b->pool_mu);
    if (t)
        mdb_txn_abort(t);
}

// ---- loading state ------------------------------------------------------------

// Loads revision counters and the lease table; leases get a fresh TTL from now.
static int load_state(lmdb_be *b, uint64_t now_ms)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(b->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    rc = meta_get(txn, b->meta, "rev", &b->rev);
    if (!rc)
        rc = meta_get(txn, b->meta, "compact", &b->compact);
    if (!rc)
        rc = meta_get(txn, b->meta, "lease_next", &b->lease_next);
    MDB_cursor *cur = NULL;
    if (!rc)
        rc = mdb_cursor_open(txn, b->lease, &cur);
    pthread_mutex_lock(&b->lease_mu);
    sto_leases_clear(b->leases);
    MDB_val k, v;
    int g = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (!rc && g == 0) {
        if (k.mv_size != 8 || v.mv_size != sizeof(leaserec)) {
            rc = MDB_CORRUPTED;
            break;
        }
        leaserec lr;
        memcpy(&lr, v.mv_data, sizeof(lr));
        sto_lease l = {get_be64(k.mv_data), lr.ttl_ms,
                       sto_lease_restart_expiry(lr.expiry_ms, lr.ttl_ms, now_ms)};
        int prc = sto_leases_put(b->leases, &l);
        if (prc) {
            rc = prc == -ENOMEM ? ENOMEM : MDB_CORRUPTED;
            break;
        }
        g = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (!rc && g != MDB_NOTFOUND)
        rc = g;
    pthread_mutex_unlock(&b->lease_mu);
    if (cur)
        mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc;
}

static void lmdb_close(void *h)
{
    lmdb_be *b = h;
    if (!b)
        return;
    for (int i = 0; i < b->npool; i++)
        mdb_txn_abort(b->pool[i]);
    if (b->env)
        mdb_env_close(b->env);
    sto_leases_free(b->leases);
    if (b->lock_fd >= 0)
        close(b->lock_fd);
    pthread_mutex_destroy(&b->lease_mu);
    pthread_mutex_destroy(&b->pool_mu);
    free(b);
}

static int lmdb_open(const sto_backend_cfg *cfg, uint64_t now_ms, void **h)
{
    *h = NULL;
    lmdb_be *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->lock_fd = -1;
    pthread_mutex_init(&b->lease_mu, NULL);
    pthread_mutex_init(&b->pool_mu, NULL);
    b->retention = cfg->retention;
    // LMDB lets several processes share an environment, but the revision
    // counter lives in this one: a second store on the same data would fork
    // the revision sequence.
    char lp[PATH_MAX];
    snprintf(lp, sizeof(lp), "%s/outrig-store.lock", cfg->dir);
    b->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (b->lock_fd < 0 || flock(b->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int e = b->lock_fd < 0 ? errno : EBUSY;
        lmdb_close(b);
        return -e;
    }
    b->leases = sto_leases_new();
    if (!b->leases) {
        lmdb_close(b);
        return -ENOMEM;
    }
    int rc = mdb_env_create(&b->env);
    if (rc) {
        b->env = NULL;
        lmdb_close(b);
        return errno_of(rc);
    }
    mdb_env_set_maxdbs(b->env, 8);
    mdb_env_set_maxreaders(b->env, 256);
    mdb_env_set_mapsize(b->env, cfg->map_size ? cfg->map_size : (4ull << 30));
    // NOTLS: read transactions move between RPC threads and are pooled.
    unsigned flags = MDB_NOTLS | (cfg->no_sync ? MDB_NOSYNC : 0);
    rc = mdb_env_open(b->env, cfg->dir, flags, 0600);
    MDB_txn *txn = NULL;
    if (!rc)
        rc = mdb_txn_begin(b->env, NULL, 0, &txn);
    if (!rc)
        rc = mdb_dbi_open(txn, "kv", MDB_CREATE, &b->kv);
    if (!rc)
        rc = mdb_dbi_open(txn, "hist", MDB_CREATE, &b->hist);
    if (!rc)
        rc = mdb_dbi_open(txn, "cat", MDB_CREATE, &b->cat);
    if (!rc)
        rc = mdb_dbi_open(txn, "lease", MDB_CREATE, &b->lease);
    if (!rc)
        rc = mdb_dbi_open(txn, "lkey", MDB_CREATE, &b->lkey);
    if (!rc)
        rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &b->meta);
    if (txn) {
        if (!rc)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
    }
    if (!rc)
        rc = load_state(b, now_ms);
    if (rc) {
        lmdb_close(b);
        return errno_of(rc);
    }
    *h = b;
    return 0;
}

// ---- the write path -----------------------------------------------------------

typedef struct wctx {
    lmdb_be *b;
    MDB_txn *txn;
    sto_changes *out;
    uint64_t now_ms;
} wctx;

// Records a change: history entry, category pointer, change list.
static int record(wctx *w, sto_change_kind kind, const char *key, size_t key_len, const void *value,
                  size_t value_len, const kvmeta *m)
{
    size_t cat = sto_category_len(key);
    MDB_val ck = {cat, (void *)(key + 1)}, cv;
    uint64_t prev = 0;
    int rc = mdb_get(w->txn, w->b->cat, &ck, &cv);
    if (rc == 0 && cv.mv_size == 8)
        memcpy(&prev, cv.mv_data, 8);
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    uint64_t rev = m->mod_revision;
    cv = (MDB_val){8, &rev};
    if ((rc = mdb_put(w->txn, w->b->cat, &ck, &cv, 0)))
        return rc;

    unsigned char hk[8];
    be64(rev, hk);
    MDB_val k = {8, hk}, v = {sizeof(histhdr) + key_len + value_len, NULL};
    if ((rc = mdb_put(w->txn, w->b->hist, &k, &v, MDB_RESERVE)))
        return rc;
    histhdr hh = {.kind = (uint8_t)kind,
                  .key_len = (uint32_t)key_len,
                  .value_len = (uint32_t)value_len,
                  .prev = prev,
                  .create_revision = m->create_revision,
                  .version = m->version,
                  .lease = m->lease};
    unsigned char *p = v.mv_data;
    memcpy(p, &hh, sizeof(hh));
    memcpy(p + sizeof(hh), key, key_len);
    if (value_len)
        memcpy(p + sizeof(hh) + key_len, value, value_len);

    sto_change ch = {.kind = kind,
                     .prev = prev,
                     .kv = {.key = key,
                            .key_len = key_len,
                            .value = value,
                            .value_len = value_len,
                            .create_revision = m->create_revision,
                            .mod_revision = m->mod_revision,
                            .version = m->version,
                            .lease = m->lease}};
    return sto_changes_add(w->out, &ch) ? ENOMEM : 0;
}

static MDB_val lkey_of(unsigned char *buf, uint64_t lease, const char *key, size_t key_len)
{
    be64(lease, buf);
    memcpy(buf + 8, key, key_len);
    return (MDB_val){8 + key_len, buf};
}

static int read_meta(MDB_val *v, kvmeta *m)
{
    if (v->mv_size < sizeof(kvmeta))
        return MDB_CORRUPTED;
    memcpy(m, v->mv_data, sizeof(*m));
    return 0;
}

static int do_put(wctx *w, const sto_op *op)
{
    size_t klen = strlen(op->key);
    MDB_val k = {klen, (void *)op->key}, v;
    kvmeta old = {0}, m;
    int rc = mdb_get(w->txn, w->b->kv, &k, &v);
    bool exists = rc == 0;
    if (exists && (rc = read_meta(&v, &old)))
        return rc;
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    uint64_t rev = ++w->b->rev;
    m.create_revision = exists ? old.create_revision : rev;
    m.mod_revision = rev;
    m.version = exists ? old.version + 1 : 1;
    m.lease = op->lease;
    unsigned char lk[8 + STO_KEY_MAX];
    if (exists && old.lease && old.lease != op->lease) {
        MDB_val l = lkey_of(lk, old.lease, op->key, klen);
        rc = mdb_del(w->txn, w->b->lkey, &l, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    if (op->lease && (!exists || old.lease != op->lease)) {
        MDB_val l = lkey_of(lk, op->lease, op->key, klen), e = {0, ""};
        if ((rc = mdb_put(w->txn, w->b->lkey, &l, &e, 0)))
            return rc;
    }
    v = (MDB_val){sizeof(kvmeta) + op->value_len, NULL};
    if ((rc = mdb_put(w->txn, w->b->kv, &k, &v, MDB_RESERVE)))
        return rc;
    memcpy(v.mv_data, &m, sizeof(m));
    if (op->value_len)
        memcpy((unsigned char *)v.mv_data + sizeof(m), op->value, op->value_len);
    return record(w, STO_CHANGE_PUT, op->key, klen, op->value, op->value_len, &m);
}

// Deletes key if present; *deleted says whether it was.
static int do_delete(wctx *w, const char *key, size_t klen, bool *deleted)
{
    *deleted = false;
    MDB_val k = {klen, (void *)key}, v;
    kvmeta old;
    int rc = mdb_get(w->txn, w->b->kv, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc || (rc = read_meta(&v, &old)))
        return rc;
    if (old.lease) {
        unsigned char lk[8 + STO_KEY_MAX];
        MDB_val l = lkey_of(lk, old.lease, key, klen);
        rc = mdb_del(w->txn, w->b->lkey, &l, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    if ((rc = mdb_del(w->txn, w->b->kv, &k, NULL)))
        return rc;
    *deleted = true;
    kvmeta m = {.mod_revision = ++w->b->rev};
    return record(w, STO_CHANGE_DELETE, key, klen, NULL, 0, &m);
}

// Deletes every key attached to lease id and the lease itself.
static int do_revoke(wctx *w, uint64_t id)
{
    unsigned char pfx[8];
    be64(id, pfx);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(w->txn, w->b->lkey, &cur);
    if (rc)
        return rc;
    for (;;) {
        MDB_val k = {8, pfx}, v;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size < 8 || memcmp(k.mv_data, pfx, 8)))) {
            rc = 0;
            break;
        }
        if (rc)
            break;
        char key[STO_KEY_MAX + 1];
        size_t klen = k.mv_size - 8;
        if (klen > STO_KEY_MAX) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy(key, (unsigned char *)k.mv_data + 8, klen);
        key[klen] = '\0';
        // Drop the index entry first, so a stale one cannot loop forever.
        if ((rc = mdb_cursor_del(cur, 0)))
            break;
        bool deleted;
        if ((rc = do_delete(w, key, klen, &deleted)))
            break;
    }
    mdb_cursor_close(cur);
    if (rc)
        return rc;
    MDB_val k = {8, pfx};
    rc = mdb_del(w->txn, w->b->lease, &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    pthread_mutex_lock(&w->b->lease_mu);
    sto_leases_remove(w->b->leases, id);
    pthread_mutex_unlock(&w->b->lease_mu);
    return 0;
}

static bool lease_known(lmdb_be *b, uint64_t id)
{
    pthread_mutex_lock(&b->lease_mu);
    bool ok = sto_leases_find(b->leases, id) != NULL;
    pthread_mutex_unlock(&b->lease_mu);
    return ok;
}

static int apply_txn(wctx *w, sto_req *r)
{
    bool ok = true;
    for (size_t i = 0; i < r->n_cmps && ok; i++) {
        const sto_cmp *c = &r->cmps[i];
        MDB_val k = {strlen(c->key), (void *)c->key}, v;
        kvmeta m = {0};
        int rc = mdb_get(w->txn, w->b->kv, &k, &v);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        if (rc == 0 && (rc = read_meta(&v, &m)))
            return rc;
        ok = sto_compare_holds(c, rc == 0 && v.mv_size >= sizeof(kvmeta), m.mod_revision);
    }
    r->succeeded = ok;
    const sto_op *ops = ok ? r->success : r->failure;
    size_t n = ok ? r->n_success : r->n_failure;
    // Refuse the whole transaction before changing anything if a lease is unknown.
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == STO_OP_PUT && ops[i].lease && !lease_known(w->b, ops[i].lease)) {
            r->err = -ENOENT;
            r->err_op = (int)i;
            r->revision = w->b->rev;
            return 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (ops[i].kind == STO_OP_PUT) {
            rc = do_put(w, &ops[i]);
        } else {
            bool d;
            rc = do_delete(w, ops[i].key, strlen(ops[i].key), &d);
            r->deleted |= d;
        }
        if (rc)
            return rc;
    }
    r->revision = w->b->rev;
    return 0;
}

static int apply_grant(wctx *w, sto_req *r)
{
    lmdb_be *b = w->b;
    uint64_t id = r->lease_id;
    if (id == 0) {
        do
            id = ++b->lease_next;
        while (lease_known(b, id));
    } else if (lease_known(b, id)) {
        r->err = -EEXIST;
        return 0;
    }
    sto_lease l = {id, r->ttl_ms, w->now_ms + r->ttl_ms};
    leaserec lr = {.ttl_ms = l.ttl_ms, .expiry_ms = l.expiry_ms};
    unsigned char kb[8];
    be64(id, kb);
    MDB_val k = {8, kb}, v = {sizeof(lr), &lr};
    int rc = mdb_put(w->txn, b->lease, &k, &v, 0);
    if (rc)
        return rc;
    pthread_mutex_lock(&b->lease_mu);
    int prc = sto_leases_put(b->leases, &l);
    pthread_mutex_unlock(&b->lease_mu);
    if (prc == -ENOSPC) {
        r->err = -ENOSPC;
        return mdb_del(w->txn, b->lease, &k, NULL);
    }
    if (prc)
        return ENOMEM;
    r->lease_out = id;
    r->ttl_out = r->ttl_ms;
    return 0;
}

static int expire_due(wctx *w)
{
    uint64_t ids[256];
    size_t n;
    do {
        pthread_mutex_lock(&w->b->lease_mu);
        n = sto_leases_due(w->b->leases, w->now_ms, ids, 256);
        pthread_mutex_unlock(&w->b->lease_mu);
        for (size_t i = 0; i < n; i++) {
            int rc = do_revoke(w, ids[i]);
            if (rc)
                return rc;
        }
    } while (n == 256);
    return 0;
}

// Drops the oldest history as the retention bounds ask, a step at a time.
static int compact_history(wctx *w)
{
    lmdb_be *b = w->b;
    if (!b->retention.keep_revisions && !b->retention.max_bytes)
        return 0;
    MDB_stat st;
    int rc = mdb_stat(w->txn, b->hist, &st);
    if (rc)
        return rc;
    uint64_t bytes =
        (uint64_t)st.ms_psize * (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
    uint64_t target = sto_compact_target(&b->retention, b->rev, b->compact, bytes, st.ms_entries);
    if (target <= b->compact)
        return 0;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(w->txn, b->hist, &cur)))
        return rc;
    uint64_t reached = target;
    MDB_val k, v;
    int n = 0;
    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
        uint64_t rev = get_be64(k.mv_data);
        if (rev >= target)
            break;
        if (n++ == COMPACT_STEP) {
            reached = rev;
            break;
        }
        if ((rc = mdb_cursor_del(cur, 0)))
            break;
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    b->compact = reached;
    return meta_put(w->txn, b->meta, "compact", b->compact);
}

static int lmdb_apply(void *h, sto_req *reqs, uint64_t now_ms, sto_changes *out)
{
    lmdb_be *b = h;
    MDB_txn *txn;
    int rc = mdb_txn_begin(b->env, NULL, 0, &txn);
    if (rc)
        return errno_of(rc);
    wctx w = {b, txn, out, now_ms};
    size_t first_change = out->n;
    uint64_t lease_next0 = b->lease_next;
    rc = expire_due(&w);
    for (sto_req *r = reqs; r && !rc; r = r->next) {
        r->err = 0;
        r->err_op = -1;
        r->succeeded = r->deleted = false;
        switch (r->kind) {
        case STO_REQ_TXN:
            rc = apply_txn(&w, r);
            break;
        case STO_REQ_LEASE_GRANT:
            rc = apply_grant(&w, r);
            break;
        case STO_REQ_LEASE_REVOKE:
            if (!lease_known(b, r->lease_id))
                r->err = -ENOENT;
            else
                rc = do_revoke(&w, r->lease_id);
            r->revision = b->rev;
            break;
        }
    }
    if (!rc)
        rc = compact_history(&w);
    if (!rc)
        rc = meta_put(txn, b->meta, "rev", b->rev);
    if (!rc && b->lease_next != lease_next0)
        rc = meta_put(txn, b->meta, "lease_next", b->lease_next);
    if (!rc)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc) {
        // Nothing happened: forget the changes and reload what we had.
        out->n = first_change;
        load_state(b, now_ms);
        return errno_of(rc);
    }
    return 0;
}

// ---- reads -----------------------------------------------------------------------

static int kv_of(const MDB_val *k, const MDB_val *v, bool keys_only, sto_kv *out)
{
    if (v->mv_size < sizeof(kvmeta))
        return -EIO;
    kvmeta m;
    memcpy(&m, v->mv_data, sizeof(m));
    *out = (sto_kv){.key = k->mv_data,
                    .key_len = k->mv_size,
                    .value = keys_only ? NULL : (const unsigned char *)v->mv_data + sizeof(m),
                    .value_len = keys_only ? 0 : v->mv_size - sizeof(m),
                    .create_revision = m.create_revision,
                    .mod_revision = m.mod_revision,
                    .version = m.version,
                    .lease = m.lease};
    return 0;
}

static int lmdb_get(void *h, const char *key, sto_kv_fn fn, void *arg, uint64_t *revision)
{
    lmdb_be *b = h;
    MDB_txn *txn;
    int rc = read_begin(b, &txn);
    if (rc)
        return errno_of(rc);
    uint64_t rev = 0;
    rc = meta_get(txn, b->meta, "rev", &rev);
    if (revision)
        *revision = rev;
    MDB_val k = {strlen(key), (void *)key}, v;
    if (!rc)
        rc = mdb_get(txn, b->kv, &k, &v);
    int res = errno_of(rc);
    if (!rc) {
        sto_kv kv;
        res = kv_of(&k, &v, false, &kv);
        if (!res)
            fn(&kv, arg);
    }
    read_end(b, txn);
    return res;
}

static int lmdb_range(void *h, const char *prefix, const char *start_after, uint32_t limit,
                      bool keys_only, sto_kv_fn fn, void *arg, bool *more, uint64_t *revision)
{
    lmdb_be *b = h;
    *more = false;
    if (!prefix)
        prefix = "";
    size_t plen = strlen(prefix);
    sto_range_seek seek = sto_range_start(prefix, start_after);
    MDB_txn *txn;
    int rc = read_begin(b, &txn);
    if (rc)
        return errno_of(rc);
    uint64_t rev = 0;
    rc = meta_get(txn, b->meta, "rev", &rev);
    if (revision)
        *revision = rev;
    MDB_cursor *cur = NULL;
    if (!rc)
        rc = mdb_cursor_open(txn, b->kv, &cur);
    int res = errno_of(rc);
    if (!rc) {
        MDB_val k = {seek.len, (void *)seek.key}, v;
        MDB_cursor_op op = seek.len ? MDB_SET_RANGE : MDB_FIRST;
        uint32_t n = 0;
        while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
            op = MDB_NEXT;
            sto_range_verdict vd = sto_range_step(&seek, prefix, plen, k.mv_data, k.mv_size);
            if (vd == STO_RANGE_STOP)
                break;
            if (vd == STO_RANGE_SKIP)
                continue;
            if (n == limit) {
                *more = true;
                break;
            }
            sto_kv kv;
            if ((res = kv_of(&k, &v, keys_only, &kv)))
                break;
            n++;
            if (fn(&kv, arg))
                break;
        }
        if (rc && rc != MDB_NOTFOUND)
            res = errno_of(rc);
        mdb_cursor_close(cur);
    }
    read_end(b, txn);
    return res;
}

static int lmdb_history(void *h, const char *prefix, uint64_t from, uint32_t max, sto_change_fn fn,
                        void *arg, sto_history_pos *pos)
{
    lmdb_be *b = h;
    if (!prefix)
        prefix = "";
    size_t plen = strlen(prefix);
    MDB_txn *txn;
    int rc = read_begin(b, &txn);
    if (rc)
        return errno_of(rc);
    uint64_t rev = 0, compact = 0;
    rc = meta_get(txn, b->meta, "rev", &rev);
    if (!rc)
        rc = meta_get(txn, b->meta, "compact", &compact);
    pos->revision = rev;
    pos->compact_revision = compact;
    pos->next_revision = rev + 1;
    uint64_t start = from > compact ? from : compact;
    if (start == 0)
        start = 1;
    MDB_cursor *cur = NULL;
    if (!rc)
        rc = mdb_cursor_open(txn, b->hist, &cur);
    int res = errno_of(rc);
    if (!rc) {
        unsigned char kb[8];
        be64(start, kb);
        MDB_val k = {8, kb}, v;
        MDB_cursor_op op = MDB_SET_RANGE;
        uint32_t n = 0, scanned = 0;
        while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
            op = MDB_NEXT;
            uint64_t r = get_be64(k.mv_data);
            if (r > rev)
                break;
            if (n == max || scanned == HIST_SCAN_MAX) {
                pos->next_revision = r;
                break;
            }
            scanned++;
            histhdr hh;
            if (v.mv_size < sizeof(hh)) {
                res = -EIO;
                break;
            }
            memcpy(&hh, v.mv_data, sizeof(hh));
            if (v.mv_size != sizeof(hh) + (size_t)hh.key_len + hh.value_len) {
                res = -EIO;
                break;
            }
            const char *key = (const char *)v.mv_data + sizeof(hh);
            if (!sto_has_prefix(key, hh.key_len, prefix, plen))
                continue;
            sto_change ch = {.kind = hh.kind ? STO_CHANGE_DELETE : STO_CHANGE_PUT,
                             .prev = hh.prev,
                             .kv = {.key = key,
                                    .key_len = hh.key_len,
                                    .value = hh.value_len ? key + hh.key_len : NULL,
                                    .value_len = hh.value_len,
                                    .create_revision = hh.create_revision,
                                    .mod_revision = r,
                                    .version = hh.version,
                                    .lease = hh.lease}};
            if (fn(&ch, arg)) {
                pos->next_revision = r; // not taken: the caller resumes at it
                break;
            }
            n++;
        }
        if (rc && rc != MDB_NOTFOUND)
            res = errno_of(rc);
        mdb_cursor_close(cur);
    }
    read_end(b, txn);
    return res;
}

static int lmdb_keepalive(void *h, uint64_t id, uint64_t now_ms, uint32_t *ttl_ms)
{
    lmdb_be *b = h;
    pthread_mutex_lock(&b->lease_mu);
    sto_lease *l = sto_leases_find(b->leases, id);
    // A due lease is as good as gone: the writer is about to revoke it.
    if (l && !sto_lease_due(l, now_ms)) {
        sto_lease_renew(l, now_ms);
        *ttl_ms = l->ttl_ms;
    } else {
        l = NULL;
    }
    pthread_mutex_unlock(&b->lease_mu);
    return l ? 0 : -ENOENT;
}

static uint64_t lmdb_next_deadline(void *h)
{
    lmdb_be *b = h;
    pthread_mutex_lock(&b->lease_mu);
    uint64_t t = sto_leases_next_expiry(b->leases);
    pthread_mutex_unlock(&b->lease_mu);
    return t;
}

static int lmdb_info(void *h, sto_info *out)
{
    lmdb_be *b = h;
    MDB_txn *txn;
    int rc = read_begin(b, &txn);
    if (rc)
        return errno_of(rc);
    MDB_stat st;
    rc = meta_get(txn, b->meta, "rev", &out->revision);
    if (!rc)
        rc = meta_get(txn, b->meta, "compact", &out->compact_revision);
    if (!rc)
        rc = mdb_stat(txn, b->kv, &st);
    if (!rc)
        out->keys = st.ms_entries;
    read_end(b, txn);
    pthread_mutex_lock(&b->lease_mu);
    out->leases = (uint32_t)sto_leases_count(b->leases);
    pthread_mutex_unlock(&b->lease_mu);
    return errno_of(rc);
}

static const sto_backend_ops lmdb_ops = {
    .name = "lmdb",
    .open = lmdb_open,
    .close = lmdb_close,
    .apply = lmdb_apply,
    .get = lmdb_get,
    .range = lmdb_range,
    .history = lmdb_history,
    .lease_keepalive = lmdb_keepalive,
    .next_deadline = lmdb_next_deadline,
    .info = lmdb_info,
};

const sto_backend_ops *sto_backend_lmdb(void)
{
    return &lmdb_ops;
}
