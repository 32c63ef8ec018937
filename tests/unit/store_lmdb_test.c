// The LMDB backend of outrig-store on a temporary directory.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"

typedef struct fx {
    char dir[64];
    const sto_backend_ops *ops;
    void *h;
    sto_changes ch;
    sto_backend_cfg cfg;
} fx;

static int setup(void **s)
{
    fx *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/store-lmdb-test-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->ops = sto_backend_lmdb();
    f->cfg = (sto_backend_cfg){.dir = f->dir, .map_size = 64u << 20};
    if (f->ops->open(&f->cfg, 1000, &f->h))
        return -1;
    *s = f;
    return 0;
}

static int teardown(void **s)
{
    fx *f = *s;
    f->ops->close(f->h);
    sto_changes_fini(&f->ch);
    char p[128];
    snprintf(p, sizeof(p), "%s/data.mdb", f->dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/lock.mdb", f->dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/outrig-store.lock", f->dir);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void reopen(fx *f, uint64_t now)
{
    f->ops->close(f->h);
    assert_int_equal(f->ops->open(&f->cfg, now, &f->h), 0);
}

// Applies one request alone.
static int apply1(fx *f, sto_req *r, uint64_t now)
{
    r->next = NULL;
    sto_changes_reset(&f->ch);
    return f->ops->apply(f->h, r, now, &f->ch);
}

static uint64_t put(fx *f, const char *key, const char *val, uint64_t lease)
{
    sto_op op = {STO_OP_PUT, key, val, strlen(val), lease};
    sto_req r = {.kind = STO_REQ_TXN, .success = &op, .n_success = 1};
    assert_int_equal(apply1(f, &r, 1000), 0);
    assert_int_equal(r.err, 0);
    return r.revision;
}

typedef struct got {
    int n;
    char key[300];
    char val[300];
    sto_kv kv;
} got;

static int got_kv(const sto_kv *kv, void *arg)
{
    got *g = arg;
    g->n++;
    memcpy(g->key, kv->key, kv->key_len);
    g->key[kv->key_len] = '\0';
    memcpy(g->val, kv->value ? kv->value : "", kv->value_len);
    g->val[kv->value_len] = '\0';
    g->kv = *kv;
    return 0;
}

static int get(fx *f, const char *key, got *g)
{
    memset(g, 0, sizeof(*g));
    uint64_t rev;
    return f->ops->get(f->h, key, got_kv, g, &rev);
}

static void test_put_assigns_revisions_and_versions(void **s)
{
    fx *f = *s;
    assert_int_equal(put(f, "/vnf/a", "1", 0), 1);
    assert_int_equal(put(f, "/vnf/b", "2", 0), 2);
    assert_int_equal(put(f, "/vnf/a", "3", 0), 3);
    got g;
    assert_int_equal(get(f, "/vnf/a", &g), 0);
    assert_string_equal(g.val, "3");
    assert_int_equal(g.kv.create_revision, 1);
    assert_int_equal(g.kv.mod_revision, 3);
    assert_int_equal(g.kv.version, 2);
    assert_int_equal(get(f, "/vnf/zz", &g), -ENOENT);
    assert_int_equal(f->ch.n, 1);
    assert_int_equal(f->ch.v[0].prev, 2); // previous change in /vnf/
}

static void test_delete_records_change_and_absent_delete_does_not(void **s)
{
    fx *f = *s;
    put(f, "/vnf/a", "1", 0);
    sto_op op = {.kind = STO_OP_DELETE, .key = "/vnf/a"};
    sto_req r = {.kind = STO_REQ_TXN, .success = &op, .n_success = 1};
    assert_int_equal(apply1(f, &r, 1000), 0);
    assert_true(r.deleted);
    assert_int_equal(r.revision, 2);
    assert_int_equal(f->ch.n, 1);
    assert_int_equal(f->ch.v[0].kind, STO_CHANGE_DELETE);
    got g;
    assert_int_equal(get(f, "/vnf/a", &g), -ENOENT);
    memset(&r, 0, sizeof(r));
    r = (sto_req){.kind = STO_REQ_TXN, .success = &op, .n_success = 1};
    assert_int_equal(apply1(f, &r, 1000), 0);
    assert_false(r.deleted);
    assert_int_equal(r.revision, 2);
    assert_int_equal(f->ch.n, 0);
    // Re-created: a new create_revision and version 1.
    put(f, "/vnf/a", "x", 0);
    get(f, "/vnf/a", &g);
    assert_int_equal(g.kv.create_revision, 3);
    assert_int_equal(g.kv.version, 1);
}

static void test_txn_compare_failure_runs_failure_branch(void **s)
{
    fx *f = *s;
    uint64_t r1 = put(f, "/ns/x", "v1", 0);
    sto_cmp c = {.key = "/ns/x", .target = STO_CMP_MOD_REVISION, .mod_revision = r1 + 5};
    sto_op ok = {STO_OP_PUT, "/ns/x", "won", 3, 0};
    sto_op ko = {STO_OP_PUT, "/ns/lost", "yes", 3, 0};
    sto_req r = {.kind = STO_REQ_TXN,
                 .cmps = &c,
                 .n_cmps = 1,
                 .success = &ok,
                 .n_success = 1,
                 .failure = &ko,
                 .n_failure = 1};
    assert_int_equal(apply1(f, &r, 1000), 0);
    assert_false(r.succeeded);
    got g;
    get(f, "/ns/x", &g);
    assert_string_equal(g.val, "v1");
    assert_int_equal(get(f, "/ns/lost", &g), 0);
    // Now with the right revision: compare-and-swap succeeds.
    c.mod_revision = r1;
    assert_int_equal(apply1(f, &r, 1000), 0);
    assert_true(r.succeeded);
    get(f, "/ns/x", &g);
    assert_string_equal(g.val, "won");
    // A create-if-absent on an existing key fails.
    sto_cmp absent = {.key = "/ns/x", .target = STO_CMP_EXISTS, .exists = false};
    r = (sto_req){
        .kind = STO_REQ_TXN, .cmps = &absent, .n_cmps = 1, .success = &ko, .n_success = 1};
    assert_int_equal(apply1(f, &r, 1000), 0);
    assert_false(r.succeeded);
    assert_int_equal(f->ch.n, 0);
}

static void test_txn_with_unknown_lease_changes_nothing(void **s)
{
    fx *f = *s;
    sto_op ops[2] = {{STO_OP_PUT, "/vnf/a", "1", 1, 0}, {STO_OP_PUT, "/vnf/b", "2", 1, 77}};
    sto_req r = {.kind = STO_REQ_TXN, .success = ops, .n_success = 2};
    assert_int_equal(apply1(f, &r, 1000), 0);
    assert_int_equal(r.err, -ENOENT);
    assert_int_equal(r.err_op, 1);
    got g;
    assert_int_equal(get(f, "/vnf/a", &g), -ENOENT);
    sto_info in;
    f->ops->info(f->h, &in);
    assert_int_equal(in.revision, 0);
}

typedef struct hist {
    int n;
    uint64_t rev[64], prev[64];
    int kind[64];
} hist;

static int got_change(const sto_change *c, void *arg)
{
    hist *h = arg;
    h->rev[h->n] = c->kv.mod_revision;
    h->prev[h->n] = c->prev;
    h->kind[h->n] = c->kind;
    h->n++;
    return 0;
}

static void test_history_by_prefix_chains_prev_per_category(void **s)
{
    fx *f = *s;
    put(f, "/vnf/a", "1", 0); // 1
    put(f, "/ns/a", "1", 0);  // 2
    put(f, "/vnf/b", "1", 0); // 3
    put(f, "/ns/a", "2", 0);  // 4
    hist h = {0};
    sto_history_pos pos;
    assert_int_equal(f->ops->history(f->h, "/vnf/", 1, 100, got_change, &h, &pos), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.rev[0], 1);
    assert_int_equal(h.prev[0], 0);
    assert_int_equal(h.rev[1], 3);
    assert_int_equal(h.prev[1], 1);
    assert_int_equal(pos.next_revision, 5);
    assert_int_equal(pos.revision, 4);
    memset(&h, 0, sizeof(h));
    assert_int_equal(f->ops->history(f->h, "", 2, 2, got_change, &h, &pos), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.rev[0], 2);
    assert_int_equal(h.rev[1], 3);
    assert_int_equal(pos.next_revision, 4); // max reached: continue at 4
    assert_int_equal(h.prev[0], 0);
}

static void test_reopen_keeps_data_revision_and_prev(void **s)
{
    fx *f = *s;
    put(f, "/vnf/a", "1", 0);
    put(f, "/vnf/b", "2", 0);
    reopen(f, 2000);
    got g;
    assert_int_equal(get(f, "/vnf/b", &g), 0);
    assert_string_equal(g.val, "2");
    assert_int_equal(put(f, "/vnf/c", "3", 0), 3);
    assert_int_equal(f->ch.v[0].prev, 2);
}

static void test_range_with_continuation(void **s)
{
    fx *f = *s;
    char k[32];
    for (int i = 0; i < 25; i++) {
        snprintf(k, sizeof(k), "/vnf/k%02d", i);
        put(f, k, "v", 0);
    }
    put(f, "/vnfx/a", "v", 0);
    put(f, "/ns/a", "v", 0);
    char after[64] = "";
    int total = 0, pages = 0;
    for (;;) {
        got g = {0};
        bool more;
        uint64_t rev;
        assert_int_equal(f->ops->range(f->h, "/vnf/", after, 10, true, got_kv, &g, &more, &rev), 0);
        assert_int_equal(rev, 27);
        total += g.n;
        pages++;
        strcpy(after, g.key);
        if (!more)
            break;
    }
    assert_int_equal(total, 25);
    assert_int_equal(pages, 3);
    assert_string_equal(after, "/vnf/k24");
}

static void test_lease_expiry_deletes_attached_keys(void **s)
{
    fx *f = *s;
    sto_req g = {.kind = STO_REQ_LEASE_GRANT, .ttl_ms = 500};
    assert_int_equal(apply1(f, &g, 1000), 0);
    assert_int_equal(g.err, 0);
    uint64_t id = g.lease_out;
    assert_true(id != 0);
    put(f, "/host/h1", "up", id);
    put(f, "/host/h2", "up", id);
    put(f, "/host/h3", "up", 0);
    assert_int_equal(f->ops->next_deadline(f->h), 1500);
    uint32_t ttl;
    assert_int_equal(f->ops->lease_keepalive(f->h, id, 1400, &ttl), 0);
    assert_int_equal(ttl, 500);
    assert_int_equal(f->ops->next_deadline(f->h), 1900);
    sto_req none = {.kind = STO_REQ_TXN};
    assert_int_equal(apply1(f, &none, 1800), 0);
    got v;
    assert_int_equal(get(f, "/host/h1", &v), 0);
    assert_int_equal(apply1(f, &none, 1900), 0);
    assert_int_equal(f->ch.n, 2);
    assert_int_equal(f->ch.v[0].kind, STO_CHANGE_DELETE);
    assert_int_equal(get(f, "/host/h1", &v), -ENOENT);
    assert_int_equal(get(f, "/host/h2", &v), -ENOENT);
    assert_int_equal(get(f, "/host/h3", &v), 0);
    assert_int_equal(f->ops->lease_keepalive(f->h, id, 1900, &ttl), -ENOENT);
    sto_req rv = {.kind = STO_REQ_LEASE_REVOKE, .lease_id = id};
    assert_int_equal(apply1(f, &rv, 2000), 0);
    assert_int_equal(rv.err, -ENOENT);
}

static void test_revoke_and_reattach(void **s)
{
    fx *f = *s;
    sto_req g = {.kind = STO_REQ_LEASE_GRANT, .ttl_ms = 500, .lease_id = 42};
    apply1(f, &g, 1000);
    assert_int_equal(g.lease_out, 42);
    sto_req dup = {.kind = STO_REQ_LEASE_GRANT, .ttl_ms = 500, .lease_id = 42};
    apply1(f, &dup, 1000);
    assert_int_equal(dup.err, -EEXIST);
    put(f, "/site/a", "1", 42);
    put(f, "/site/b", "1", 42);
    put(f, "/site/b", "2", 0); // detached from the lease
    sto_req rv = {.kind = STO_REQ_LEASE_REVOKE, .lease_id = 42};
    assert_int_equal(apply1(f, &rv, 1100), 0);
    assert_int_equal(rv.err, 0);
    got v;
    assert_int_equal(get(f, "/site/a", &v), -ENOENT);
    assert_int_equal(get(f, "/site/b", &v), 0);
    sto_info in;
    f->ops->info(f->h, &in);
    assert_int_equal(in.leases, 0);
    assert_int_equal(in.keys, 1);
}

static void test_leases_survive_reopen_with_fresh_ttl(void **s)
{
    fx *f = *s;
    sto_req g = {.kind = STO_REQ_LEASE_GRANT, .ttl_ms = 500};
    apply1(f, &g, 1000);
    put(f, "/host/h1", "up", g.lease_out);
    reopen(f, 10000); // long after the stored expiry
    assert_int_equal(f->ops->next_deadline(f->h), 10500);
    got v;
    assert_int_equal(get(f, "/host/h1", &v), 0);
    sto_req none = {.kind = STO_REQ_TXN};
    apply1(f, &none, 10500);
    assert_int_equal(get(f, "/host/h1", &v), -ENOENT);
    // Lease ids are not reused after a restart.
    sto_req g2 = {.kind = STO_REQ_LEASE_GRANT, .ttl_ms = 500};
    apply1(f, &g2, 10600);
    assert_true(g2.lease_out > g.lease_out);
}

static void test_batch_applies_all_in_one_commit(void **s)
{
    fx *f = *s;
    sto_op ops[3] = {{STO_OP_PUT, "/op/1", "a", 1, 0},
                     {STO_OP_PUT, "/op/2", "b", 1, 0},
                     {STO_OP_PUT, "/op/1", "c", 1, 0}};
    sto_req r[3];
    for (int i = 0; i < 3; i++) {
        r[i] = (sto_req){.kind = STO_REQ_TXN, .success = &ops[i], .n_success = 1};
        r[i].next = i < 2 ? &r[i + 1] : NULL;
    }
    sto_changes_reset(&f->ch);
    assert_int_equal(f->ops->apply(f->h, r, 1000, &f->ch), 0);
    assert_int_equal(r[0].revision, 1);
    assert_int_equal(r[1].revision, 2);
    assert_int_equal(r[2].revision, 3);
    assert_int_equal(f->ch.n, 3);
    assert_int_equal(f->ch.v[2].prev, 2);
    assert_string_equal(f->ch.v[1].kv.key, "/op/2");
}

static void test_history_compaction_reports_compact_revision(void **s)
{
    fx *f = *s;
    f->cfg.retention.keep_revisions = 10;
    reopen(f, 1000);
    for (int i = 0; i < 30; i++)
        put(f, "/metric/m", "x", 0);
    hist h = {0};
    sto_history_pos pos;
    assert_int_equal(f->ops->history(f->h, "", 1, 64, got_change, &h, &pos), 0);
    assert_int_equal(pos.compact_revision, 21);
    assert_int_equal(h.n, 10);
    assert_int_equal(h.rev[0], 21);
    sto_info in;
    f->ops->info(f->h, &in);
    assert_int_equal(in.compact_revision, 21);
}

static void test_second_open_of_same_dir_is_refused(void **s)
{
    fx *f = *s;
    void *h2 = NULL;
    assert_int_equal(f->ops->open(&f->cfg, 1000, &h2), -EBUSY);
    assert_null(h2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_put_assigns_revisions_and_versions),
        T(test_delete_records_change_and_absent_delete_does_not),
        T(test_txn_compare_failure_runs_failure_branch),
        T(test_txn_with_unknown_lease_changes_nothing),
        T(test_history_by_prefix_chains_prev_per_category),
        T(test_reopen_keeps_data_revision_and_prev),
        T(test_range_with_continuation),
        T(test_lease_expiry_deletes_attached_keys),
        T(test_revoke_and_reattach),
        T(test_leases_survive_reopen_with_fresh_ttl),
        T(test_batch_applies_all_in_one_commit),
        T(test_history_compaction_reports_compact_revision),
        T(test_second_open_of_same_dir_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
