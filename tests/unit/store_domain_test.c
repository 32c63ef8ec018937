// Domain logic of outrig-store: keys, compares, ranges, batches, retention, leases.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "batch.h"
#include "compact.h"
#include "compare.h"
#include "convert.h"
#include "fanout.h"
#include "keys.h"
#include "lease.h"
#include "range.h"

static void test_keys_accept_category_and_id(void **s)
{
    const char *ok[] = {"/vnf/a", "/ns/web-1", "/cp/ns1/vnf2/cp0", "/profile/u_1", "/a/~!"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_true(sto_key_valid(ok[i], NULL));
}

static void test_keys_reject_malformed(void **s)
{
    const char *bad[] = {"",    "vnf/a",   "/vnf",    "/vnf/",    "/VNF/a",    "/1vnf/a",
                         "//a", "/vnf//a", "/vnf/a/", "/vnf/a b", "/vnf/\x7f", "/vnf/\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = NULL;
        assert_false(sto_key_valid(bad[i], &why));
        assert_non_null(why);
    }
    assert_false(sto_key_valid(NULL, NULL));
}

static void test_keys_bound_length(void **s)
{
    char k[STO_KEY_MAX + 2];
    memset(k, 'x', sizeof(k));
    memcpy(k, "/vnf/", 5);
    k[STO_KEY_MAX] = '\0';
    assert_true(sto_key_valid(k, NULL));
    k[STO_KEY_MAX] = 'x';
    k[STO_KEY_MAX + 1] = '\0';
    assert_false(sto_key_valid(k, NULL));
    char c[64] = "/";
    memset(c + 1, 'a', 33);
    strcpy(c + 34, "/x");
    assert_false(sto_key_valid(c, NULL)); // category of 33 characters
}

static void test_prefix_accepts_partial_keys(void **s)
{
    const char *ok[] = {"", "/", "/vn", "/vnf/", "/vnf/a", "/vnf/a/"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_true(sto_prefix_valid(ok[i], NULL));
    assert_false(sto_prefix_valid("vnf", NULL));
    assert_false(sto_prefix_valid("/Vnf", NULL));
    assert_false(sto_prefix_valid("/vnf//", NULL));
}

static void test_watch_topic_is_category_or_prefix(void **s)
{
    char t[64];
    assert_int_equal(sto_watch_topic("/vnf/abc", t, sizeof(t)), 5);
    assert_string_equal(t, "/vnf/");
    sto_watch_topic("/vnf/", t, sizeof(t));
    assert_string_equal(t, "/vnf/");
    sto_watch_topic("/vn", t, sizeof(t));
    assert_string_equal(t, "/vn");
    sto_watch_topic("", t, sizeof(t));
    assert_string_equal(t, "");
    assert_int_equal(sto_category_len("/host/h1"), 4);
    assert_int_equal(sto_category_len("/host"), 0);
}

static void test_compare_mod_revision_zero_means_absent(void **s)
{
    sto_cmp c = {.key = "/vnf/a", .target = STO_CMP_MOD_REVISION, .mod_revision = 0};
    assert_true(sto_compare_holds(&c, false, 0));
    assert_false(sto_compare_holds(&c, true, 5));
    c.mod_revision = 5;
    assert_true(sto_compare_holds(&c, true, 5));
    assert_false(sto_compare_holds(&c, true, 6));
    assert_false(sto_compare_holds(&c, false, 0));
}

static void test_compare_exists(void **s)
{
    sto_cmp c = {.key = "/vnf/a", .target = STO_CMP_EXISTS, .exists = true};
    assert_true(sto_compare_holds(&c, true, 3));
    assert_false(sto_compare_holds(&c, false, 0));
    c.exists = false;
    assert_true(sto_compare_holds(&c, false, 0));
    assert_false(sto_compare_holds(&c, true, 3));
}

static void test_range_start_after_inside_prefix_is_exclusive(void **s)
{
    sto_range_seek k = sto_range_start("/vnf/", "/vnf/b");
    assert_true(k.exclusive);
    assert_string_equal(k.key, "/vnf/b");
    assert_int_equal(sto_range_step(&k, "/vnf/", 5, "/vnf/b", 6), STO_RANGE_SKIP);
    assert_int_equal(sto_range_step(&k, "/vnf/", 5, "/vnf/c", 6), STO_RANGE_TAKE);
    assert_int_equal(sto_range_step(&k, "/vnf/", 5, "/vpn/a", 6), STO_RANGE_STOP);
}

static void test_range_start_after_before_prefix_starts_at_prefix(void **s)
{
    sto_range_seek k = sto_range_start("/vnf/", "/host/z");
    assert_false(k.exclusive);
    assert_string_equal(k.key, "/vnf/");
    k = sto_range_start("/vnf/", "");
    assert_false(k.exclusive);
    assert_int_equal(k.len, 5);
}

static void test_range_limit_defaults_and_clamps(void **s)
{
    assert_int_equal(sto_range_limit(0), STO_RANGE_LIMIT_DEFAULT);
    assert_int_equal(sto_range_limit(7), 7);
    assert_int_equal(sto_range_limit(1u << 30), STO_RANGE_LIMIT_MAX);
}

static void test_batch_takes_in_order_within_limits(void **s)
{
    sto_queue q = {0};
    sto_req r[5];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < 5; i++) {
        r[i].bytes = 100;
        sto_queue_push(&q, &r[i]);
    }
    size_t n;
    sto_req *b = sto_queue_take(&q, 3, 1 << 20, &n);
    assert_int_equal(n, 3);
    assert_ptr_equal(b, &r[0]);
    assert_ptr_equal(b->next, &r[1]);
    assert_ptr_equal(b->next->next, &r[2]);
    assert_null(b->next->next->next);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.bytes, 200);
    b = sto_queue_take(&q, 10, 150, &n); // byte bound: one fits
    assert_int_equal(n, 1);
    assert_ptr_equal(b, &r[3]);
    b = sto_queue_take(&q, 10, 10, &n); // too big alone: still goes
    assert_int_equal(n, 1);
    assert_ptr_equal(b, &r[4]);
    assert_null(sto_queue_take(&q, 10, 10, &n));
    assert_int_equal(n, 0);
    assert_null(q.tail);
    sto_queue_push(&q, &r[0]);
    assert_ptr_equal(q.head, &r[0]);
}

static void test_batch_lingers_only_while_a_group_is_filling(void **s)
{
    assert_true(sto_batch_linger(1, 16, 10, 300));   // 15 writers on their way back
    assert_false(sto_batch_linger(16, 16, 10, 300)); // the group is complete
    assert_false(sto_batch_linger(1, 16, 300, 300)); // waited long enough
    assert_false(sto_batch_linger(1, 1, 0, 300));    // a lone writer never waits
    assert_false(sto_batch_linger(0, 16, 0, 300));
}

static void test_compact_keeps_newest_revisions(void **s)
{
    sto_retention r = {.keep_revisions = 100};
    assert_int_equal(sto_compact_target(&r, 50, 0, 0, 50), 0);
    assert_int_equal(sto_compact_target(&r, 150, 0, 0, 150), 51);
    assert_int_equal(sto_compact_target(&r, 150, 80, 0, 70), 80); // never backwards
}

static void test_compact_by_size_drops_to_ninety_percent(void **s)
{
    sto_retention r = {.max_bytes = 1000};
    // 2000 bytes in 100 entries from revision 1: keep 45 entries (900 bytes).
    assert_int_equal(sto_compact_target(&r, 100, 0, 2000, 100), 56);
    assert_int_equal(sto_compact_target(&r, 100, 0, 900, 100), 0);
    // Never drops the newest change.
    assert_int_equal(sto_compact_target(&r, 10, 5, 1u << 30, 5), 10);
}

static void test_lease_table_put_find_remove_many(void **s)
{
    sto_leases *t = sto_leases_new();
    assert_non_null(t);
    for (uint64_t id = 1; id <= 5000; id++) {
        sto_lease l = {id * 7919, 1000, id};
        assert_int_equal(sto_leases_put(t, &l), 0);
    }
    assert_int_equal(sto_leases_count(t), 5000);
    for (uint64_t id = 1; id <= 5000; id += 2)
        assert_true(sto_leases_remove(t, id * 7919));
    assert_false(sto_leases_remove(t, 7919));
    for (uint64_t id = 1; id <= 5000; id++) {
        sto_lease *l = sto_leases_find(t, id * 7919);
        if (id % 2) {
            assert_null(l);
        } else {
            assert_non_null(l);
            assert_int_equal(l->expiry_ms, id);
        }
    }
    assert_int_equal(sto_leases_count(t), 2500);
    sto_lease zero = {0, 10, 10};
    assert_int_equal(sto_leases_put(t, &zero), -EINVAL);
    sto_leases_free(t);
    sto_leases_free(NULL);
}

static void test_lease_due_and_next_expiry(void **s)
{
    sto_leases *t = sto_leases_new();
    sto_lease a = {1, 100, 1100}, b = {2, 100, 1050}, c = {3, 100, 2000};
    sto_leases_put(t, &a);
    sto_leases_put(t, &b);
    sto_leases_put(t, &c);
    assert_int_equal(sto_leases_next_expiry(t), 1050);
    uint64_t ids[4];
    assert_int_equal(sto_leases_due(t, 1049, ids, 4), 0);
    assert_int_equal(sto_leases_due(t, 1100, ids, 4), 2);
    assert_true((ids[0] == 1 && ids[1] == 2) || (ids[0] == 2 && ids[1] == 1));
    sto_lease *l = sto_leases_find(t, 2);
    sto_lease_renew(l, 1060);
    assert_int_equal(l->expiry_ms, 1160);
    assert_false(sto_lease_due(l, 1159));
    assert_true(sto_lease_due(l, 1160));
    sto_leases_free(t);
}

static void test_lease_restart_gives_fresh_ttl(void **s)
{
    // Expired while the store was down: renewed from the restart, not expired.
    assert_int_equal(sto_lease_restart_expiry(1000, 500, 5000), 5500);
    assert_int_equal(sto_lease_restart_expiry(9000, 500, 5000), 9000);
    assert_false(sto_lease_ttl_valid(0));
    assert_true(sto_lease_ttl_valid(1000));
    assert_false(sto_lease_ttl_valid(STO_LEASE_TTL_MAX + 1));
}

static void test_arena_keeps_memory_until_reset(void **s)
{
    sto_arena a = {0};
    char *p = sto_arena_strndup(&a, "hello", 5);
    void *big = sto_arena_alloc(&a, 200000);
    assert_non_null(big);
    memset(big, 1, 200000);
    assert_string_equal(p, "hello");
    sto_arena_reset(&a);
    assert_non_null(sto_arena_alloc(&a, 16));
    sto_arena_fini(&a);
    sto_arena_fini(&a);
}

static sto_change chg(const char *key, uint64_t rev, size_t vlen)
{
    sto_change c = {.kind = STO_CHANGE_PUT};
    c.kv.key = key;
    c.kv.key_len = strlen(key);
    c.kv.value_len = vlen;
    c.kv.mod_revision = rev;
    return c;
}

static void test_fanout_groups_by_category_in_revision_order(void **s)
{
    sto_change v[5] = {chg("/vnf/a", 1, 0), chg("/ns/a", 2, 0), chg("/vnf/b", 3, 0),
                       chg("/vnfx/a", 4, 0), chg("/ns/b", 5, 0)};
    size_t order[5];
    assert_int_equal(sto_fanout_order(v, 5, order), 0);
    size_t want[5] = {0, 2, 1, 4, 3};
    assert_memory_equal(order, want, sizeof(want));
    assert_int_equal(sto_fanout_run(v, order, 5, 0, 1 << 20), 2); // /vnf/ a, b
    assert_int_equal(sto_fanout_run(v, order, 5, 2, 1 << 20), 2); // /ns/ a, b
    assert_int_equal(sto_fanout_run(v, order, 5, 4, 1 << 20), 1); // /vnfx/ is its own
    assert_int_equal(sto_fanout_run(v, order, 5, 5, 1 << 20), 0);
}

static void test_fanout_splits_large_runs(void **s)
{
    sto_change v[3] = {chg("/img/a", 1, 600), chg("/img/b", 2, 600), chg("/img/c", 3, 5000)};
    size_t order[3];
    sto_fanout_order(v, 3, order);
    assert_int_equal(sto_fanout_run(v, order, 3, 0, 1000), 1);
    assert_int_equal(sto_fanout_run(v, order, 3, 1, 1000), 1);
    assert_int_equal(sto_fanout_run(v, order, 3, 2, 1000), 1); // too big alone: still sent
}

static void *test_alloc(void *ctx, size_t n)
{
    return sto_arena_alloc(ctx, n);
}

static void test_convert_txn_names_the_bad_field(void **s)
{
    Outrig__V1__Compare c = OUTRIG__V1__COMPARE__INIT;
    c.key = "/ns/a";
    Outrig__V1__Compare *cs[] = {&c};
    Outrig__V1__TxnOp ok = OUTRIG__V1__TXN_OP__INIT, bad = OUTRIG__V1__TXN_OP__INIT;
    ok.key = "/ns/a";
    bad.key = "/ns/b";
    bad.kind = 9;
    Outrig__V1__TxnOp *ops[] = {&ok, &bad};
    Outrig__V1__TxnRequest t = OUTRIG__V1__TXN_REQUEST__INIT;
    t.compares = cs;
    t.n_compares = 1;
    t.failure = ops;
    t.n_failure = 2;
    sto_arena a = {0};
    sto_req r = {0};
    sto_convert_err err = {.why = NULL};
    assert_int_equal(sto_txn_from_pb(&t, test_alloc, &a, &r, &err), -EINVAL);
    assert_string_equal(err.field, "failure[1].kind");
    bad.kind = OUTRIG__V1__TXN_OP__KIND__DELETE;
    bad.lease = 5; // ignored on a delete
    assert_int_equal(sto_txn_from_pb(&t, test_alloc, &a, &r, &err), 0);
    assert_int_equal(r.n_failure, 2);
    assert_int_equal(r.failure[1].kind, STO_OP_DELETE);
    assert_int_equal(r.failure[1].lease, 0);
    c.key = "/ns//a";
    assert_int_equal(sto_txn_from_pb(&t, test_alloc, &a, &r, &err), -EINVAL);
    assert_string_equal(err.field, "compares[0].key");
    sto_arena_fini(&a);
}

static void test_convert_put_bounds_value(void **s)
{
    Outrig__V1__PutRequest p = OUTRIG__V1__PUT_REQUEST__INIT;
    p.key = "/vnf/a";
    p.value.len = STO_VALUE_MAX + 1;
    sto_op op;
    sto_req r = {0};
    sto_convert_err err;
    assert_int_equal(sto_put_from_pb(&p, &op, &r, &err), -EINVAL);
    assert_string_equal(err.field, "value");
    p.value.len = 3;
    p.value.data = (uint8_t *)"abc";
    assert_int_equal(sto_put_from_pb(&p, &op, &r, &err), 0);
    assert_int_equal(r.bytes, 9);
    p.key = "vnf/a";
    assert_int_equal(sto_put_from_pb(&p, &op, &r, &err), -EINVAL);
    assert_string_equal(err.field, "key");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_accept_category_and_id),
        cmocka_unit_test(test_keys_reject_malformed),
        cmocka_unit_test(test_keys_bound_length),
        cmocka_unit_test(test_prefix_accepts_partial_keys),
        cmocka_unit_test(test_watch_topic_is_category_or_prefix),
        cmocka_unit_test(test_compare_mod_revision_zero_means_absent),
        cmocka_unit_test(test_compare_exists),
        cmocka_unit_test(test_range_start_after_inside_prefix_is_exclusive),
        cmocka_unit_test(test_range_start_after_before_prefix_starts_at_prefix),
        cmocka_unit_test(test_range_limit_defaults_and_clamps),
        cmocka_unit_test(test_batch_takes_in_order_within_limits),
        cmocka_unit_test(test_batch_lingers_only_while_a_group_is_filling),
        cmocka_unit_test(test_compact_keeps_newest_revisions),
        cmocka_unit_test(test_compact_by_size_drops_to_ninety_percent),
        cmocka_unit_test(test_lease_table_put_find_remove_many),
        cmocka_unit_test(test_lease_due_and_next_expiry),
        cmocka_unit_test(test_lease_restart_gives_fresh_ttl),
        cmocka_unit_test(test_arena_keeps_memory_until_reset),
        cmocka_unit_test(test_fanout_groups_by_category_in_revision_order),
        cmocka_unit_test(test_fanout_splits_large_runs),
        cmocka_unit_test(test_convert_txn_names_the_bad_field),
        cmocka_unit_test(test_convert_put_bounds_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
