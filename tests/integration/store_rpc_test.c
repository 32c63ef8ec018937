// outrig-store over RPC on a real process: transactions, validation, leases
// with a watcher, range continuation, Changes.
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_harness.h"
#include "util/clock.h"

static sth H;
static store_client *C;

static int setup(void **s)
{
    if (sth_init(&H) || sth_start(&H))
        return -1;
    C = sth_client(&H);
    return C ? 0 : -1;
}

static int teardown(void **s)
{
    store_client_close(C);
    return sth_fini(&H);
}

static uint64_t revision(void)
{
    Outrig__V1__StoreInfoResponse *in = NULL;
    assert_int_equal(store_info(C, &in, NULL), RPC_OK);
    uint64_t r = in->revision;
    store_info_free(in);
    return r;
}

static void test_invalid_key_names_field_and_changes_nothing(void **s)
{
    uint64_t before = revision();
    const char *bad[] = {"nokey", "/vnf/", "/VNF/a", "/vnf//a", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rpc_status st;
        assert_int_equal(store_put(C, bad[i], "x", 1, 0, NULL, &st), RPC_INVALID_ARGUMENT);
        assert_string_equal(st.field, "key");
    }
    rpc_status st;
    Outrig__V1__KeyValue *kv;
    assert_int_equal(store_get(C, "/vnf/a b", &kv, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "key");
    // A transaction with one bad op is refused whole.
    Outrig__V1__TxnOp ok = OUTRIG__V1__TXN_OP__INIT, ko = OUTRIG__V1__TXN_OP__INIT;
    ok.key = "/vnf/good";
    ko.key = "/vnf//bad";
    Outrig__V1__TxnOp *ops[] = {&ok, &ko};
    Outrig__V1__TxnRequest t = OUTRIG__V1__TXN_REQUEST__INIT;
    t.success = ops;
    t.n_success = 2;
    assert_int_equal(store_txn(C, &t, NULL, NULL, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "success[1].key");
    assert_int_equal(store_get(C, "/vnf/good", &kv, NULL), RPC_NOT_FOUND);
    assert_int_equal(revision(), before);
}

static void test_txn_compare_mod_revision_is_cas(void **s)
{
    uint64_t r1;
    assert_int_equal(store_put(C, "/ns/cas", "v1", 2, 0, &r1, NULL), RPC_OK);
    Outrig__V1__Compare cmp = OUTRIG__V1__COMPARE__INIT;
    cmp.key = "/ns/cas";
    cmp.target = OUTRIG__V1__COMPARE__TARGET__MOD_REVISION;
    cmp.mod_revision = r1;
    Outrig__V1__Compare *cmps[] = {&cmp};
    Outrig__V1__TxnOp put = OUTRIG__V1__TXN_OP__INIT;
    put.key = "/ns/cas";
    put.value.data = (uint8_t *)"v2";
    put.value.len = 2;
    Outrig__V1__TxnOp *ops[] = {&put};
    Outrig__V1__TxnRequest t = OUTRIG__V1__TXN_REQUEST__INIT;
    t.compares = cmps;
    t.n_compares = 1;
    t.success = ops;
    t.n_success = 1;
    bool ok;
    uint64_t r2;
    assert_int_equal(store_txn(C, &t, &ok, &r2, NULL), RPC_OK);
    assert_true(ok);
    assert_true(r2 > r1);
    // The same CAS again loses: the revision moved.
    uint64_t r3;
    assert_int_equal(store_txn(C, &t, &ok, &r3, NULL), RPC_OK);
    assert_false(ok);
    assert_int_equal(r3, r2);
    Outrig__V1__KeyValue *kv;
    assert_int_equal(store_get(C, "/ns/cas", &kv, NULL), RPC_OK);
    assert_int_equal(kv->mod_revision, r2);
    assert_int_equal(kv->version, 2);
    assert_memory_equal(kv->value.data, "v2", 2);
    store_kv_free(kv);
    // Create-if-absent: EXISTS false holds only once.
    cmp.key = "/ns/once";
    cmp.target = OUTRIG__V1__COMPARE__TARGET__EXISTS;
    cmp.exists = false;
    put.key = "/ns/once";
    assert_int_equal(store_txn(C, &t, &ok, NULL, NULL), RPC_OK);
    assert_true(ok);
    assert_int_equal(store_txn(C, &t, &ok, NULL, NULL), RPC_OK);
    assert_false(ok);
}

static void test_put_with_unknown_lease_is_not_found(void **s)
{
    rpc_status st;
    assert_int_equal(store_put(C, "/host/x", "1", 1, 999999, NULL, &st), RPC_NOT_FOUND);
    assert_string_equal(st.field, "lease");
    Outrig__V1__KeyValue *kv;
    assert_int_equal(store_get(C, "/host/x", &kv, NULL), RPC_NOT_FOUND);
    assert_int_equal(store_lease_grant(C, 0, 0, NULL, NULL, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "ttl_ms");
}

typedef struct seen {
    pthread_mutex_t mu;
    int puts, deletes;
    char last_deleted[64];
} seen;

static void on_event(const Outrig__V1__WatchEvent *ev, void *arg)
{
    seen *x = arg;
    pthread_mutex_lock(&x->mu);
    if (ev->kind == OUTRIG__V1__WATCH_EVENT__KIND__DELETE) {
        x->deletes++;
        snprintf(x->last_deleted, sizeof(x->last_deleted), "%s", ev->kv->key);
    } else {
        x->puts++;
    }
    pthread_mutex_unlock(&x->mu);
}

static void test_lease_expiry_deletes_keys_and_watcher_sees_it(void **s)
{
    seen x = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct store_watch *w = store_watch(C, "/host/", 0, on_event, &x);
    assert_non_null(w);
    usleep(300000); // the watch is connected and caught up
    uint64_t id;
    uint32_t ttl;
    assert_int_equal(store_lease_grant(C, 600, 0, &id, &ttl, NULL), RPC_OK);
    assert_int_equal(ttl, 600);
    assert_int_equal(store_put(C, "/host/h1", "up", 2, id, NULL, NULL), RPC_OK);
    assert_int_equal(store_put(C, "/host/h2", "up", 2, id, NULL, NULL), RPC_OK);
    assert_int_equal(store_put(C, "/host/h3", "up", 2, 0, NULL, NULL), RPC_OK);
    // Kept alive past its first TTL, the keys stay.
    for (int i = 0; i < 4; i++) {
        usleep(250000);
        assert_int_equal(store_lease_keepalive(C, id, NULL, NULL), RPC_OK);
    }
    Outrig__V1__KeyValue *kv;
    assert_int_equal(store_get(C, "/host/h1", &kv, NULL), RPC_OK);
    assert_int_equal(kv->lease, id);
    store_kv_free(kv);
    // Then left to expire.
    uint64_t t0 = clock_mono_ms();
    int deletes = 0;
    while (clock_mono_ms() - t0 < 5000) {
        pthread_mutex_lock(&x.mu);
        deletes = x.deletes;
        pthread_mutex_unlock(&x.mu);
        if (deletes == 2)
            break;
        usleep(20000);
    }
    assert_int_equal(deletes, 2);
    assert_true(clock_mono_ms() - t0 >= 300);
    assert_int_equal(store_get(C, "/host/h1", &kv, NULL), RPC_NOT_FOUND);
    assert_int_equal(store_get(C, "/host/h2", &kv, NULL), RPC_NOT_FOUND);
    assert_int_equal(store_get(C, "/host/h3", &kv, NULL), RPC_OK);
    store_kv_free(kv);
    assert_int_equal(store_lease_keepalive(C, id, NULL, NULL), RPC_NOT_FOUND);
    store_watch_stop(w);
    assert_int_equal(x.puts, 3);
}

static void test_lease_revoke_deletes_keys(void **s)
{
    uint64_t id;
    assert_int_equal(store_lease_grant(C, 60000, 0, &id, NULL, NULL), RPC_OK);
    assert_int_equal(store_put(C, "/device/d1", "x", 1, id, NULL, NULL), RPC_OK);
    assert_int_equal(store_lease_revoke(C, id, NULL), RPC_OK);
    Outrig__V1__KeyValue *kv;
    assert_int_equal(store_get(C, "/device/d1", &kv, NULL), RPC_NOT_FOUND);
    rpc_status st;
    assert_int_equal(store_lease_revoke(C, id, &st), RPC_NOT_FOUND);
    assert_string_equal(st.field, "id");
}

static int count_kv(const Outrig__V1__KeyValue *kv, void *arg)
{
    (*(int *)arg)++;
    return 0;
}

static void test_range_walks_pages_and_changes_replays(void **s)
{
    char k[32];
    uint64_t first = 0, r;
    for (int i = 0; i < 250; i++) {
        snprintf(k, sizeof(k), "/image/i%03d", i);
        assert_int_equal(store_put(C, k, "img", 3, 0, &r, NULL), RPC_OK);
        if (!first)
            first = r;
    }
    Outrig__V1__RangeResponse *rr;
    assert_int_equal(store_range(C, "/image/", "", 100, false, &rr, NULL), RPC_OK);
    assert_int_equal(rr->n_kvs, 100);
    assert_true(rr->more);
    assert_string_equal(rr->next_start_after, "/image/i099");
    store_range_free(rr);
    int n = 0;
    assert_int_equal(store_range_all(C, "/image/", 64, true, count_kv, &n, NULL), RPC_OK);
    assert_int_equal(n, 250);
    Outrig__V1__ChangesResponse *cr;
    assert_int_equal(store_changes(C, "/image/", first, 100, &cr, NULL), RPC_OK);
    assert_int_equal(cr->n_events, 100);
    assert_int_equal(cr->events[0]->kv->mod_revision, first);
    assert_int_equal(cr->events[1]->prev, first);
    assert_int_equal(cr->next_revision, first + 100);
    store_changes_free(cr);
    rpc_status st;
    assert_int_equal(store_range(C, "image", "", 0, false, &rr, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "prefix");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_key_names_field_and_changes_nothing),
        cmocka_unit_test(test_txn_compare_mod_revision_is_cas),
        cmocka_unit_test(test_put_with_unknown_lease_is_not_found),
        cmocka_unit_test(test_lease_expiry_deletes_keys_and_watcher_sees_it),
        cmocka_unit_test(test_lease_revoke_deletes_keys),
        cmocka_unit_test(test_range_walks_pages_and_changes_replays),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
