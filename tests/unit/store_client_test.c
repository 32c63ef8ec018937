// common/store client library against an in-process store: the real front
// end, writer and LMDB backend behind a real RPC server on a temporary ipc
// socket (no mocks; the process-level tests are in tests/integration).
#define _GNU_SOURCE
#include <ftw.h>
#include <pthread.h>
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
#include "front.h"
#include "pub.h"
#include "store/store.h"
#include "util/clock.h"
#include "writer.h"

typedef struct fx {
    char dir[64];
    char url[128], watch[128];
    void *h;
    sto_pub *pub;
    sto_front front;
    rpc_server *srv;
    store_client *c;
} fx;

static void publish(const sto_changes *ch, void *arg)
{
    sto_pub_send(arg, ch);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(p);
}

static int setup(void **s)
{
    static fx f;
    memset(&f, 0, sizeof(f));
    strcpy(f.dir, "/tmp/store-client-test-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    snprintf(f.url, sizeof(f.url), "ipc://%s/store.sock", f.dir);
    snprintf(f.watch, sizeof(f.watch), "ipc://%s/watch.sock", f.dir);
    sto_backend_cfg cfg = {.dir = f.dir, .map_size = 64u << 20};
    f.front.ops = sto_backend_lmdb();
    if (f.front.ops->open(&cfg, clock_unix_ms(), &f.h) != 0)
        return -1;
    f.pub = sto_pub_open(f.watch);
    sto_writer_opts wo = {.publish = publish, .arg = f.pub};
    f.front.h = f.h;
    f.front.watch_url = f.watch;
    f.front.writer = sto_writer_start(f.front.ops, f.h, &wo);
    rpc_server_opts so = {.name = "store"};
    f.srv = rpc_server_new(&so);
    size_t n;
    const rpc_method_impl *m = sto_front_methods(&n);
    if (!f.pub || !f.front.writer || !f.srv ||
        rpc_server_add_service(f.srv, &outrig__v1__store__descriptor, m, n, &f.front) != 0 ||
        rpc_server_listen(f.srv, f.url) != 0 || rpc_server_start(f.srv) != 0)
        return -1;
    f.c = store_client_open(f.url, NULL);
    *s = &f;
    return f.c ? 0 : -1;
}

static int teardown(void **s)
{
    fx *f = *s;
    store_client_close(f->c);
    rpc_server_free(f->srv);
    sto_writer_stop(f->front.writer);
    sto_pub_close(f->pub);
    f->front.ops->close(f->h);
    nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    return access(f->dir, F_OK) == 0 ? -1 : 0;
}

static void test_open_close_edge_cases(void **s)
{
    assert_null(store_client_open(NULL, NULL));
    store_client_close(NULL);
    store_kv_free(NULL);
    store_range_free(NULL);
    store_changes_free(NULL);
    store_info_free(NULL);
    store_watch_stop(NULL);
}

static void test_put_get_delete_round_trip(void **s)
{
    fx *f = *s;
    uint64_t r1, r2;
    assert_int_equal(store_put(f->c, "/vnf/a", "one", 3, 0, &r1, NULL), RPC_OK);
    assert_int_equal(store_put(f->c, "/vnf/a", "two", 3, 0, &r2, NULL), RPC_OK);
    assert_true(r2 == r1 + 1);
    Outrig__V1__KeyValue *kv;
    assert_int_equal(store_get(f->c, "/vnf/a", &kv, NULL), RPC_OK);
    assert_int_equal(kv->version, 2);
    assert_int_equal(kv->create_revision, r1);
    assert_memory_equal(kv->value.data, "two", 3);
    store_kv_free(kv);
    bool deleted;
    uint64_t rd;
    assert_int_equal(store_delete(f->c, "/vnf/a", &rd, &deleted, NULL), RPC_OK);
    assert_true(deleted);
    assert_int_equal(rd, r2 + 1);
    rpc_status st;
    assert_int_equal(store_get(f->c, "/vnf/a", &kv, &st), RPC_NOT_FOUND);
    assert_null(kv);
    assert_string_equal(st.field, "key");
    assert_int_equal(store_delete(f->c, "/vnf/a", &rd, &deleted, NULL), RPC_OK);
    assert_false(deleted);
}

static int stop_at_three(const Outrig__V1__KeyValue *kv, void *arg)
{
    return ++*(int *)arg == 3;
}

static void test_range_all_follows_pages_and_stops_early(void **s)
{
    fx *f = *s;
    char k[32];
    for (int i = 0; i < 25; i++) {
        snprintf(k, sizeof(k), "/cp/c%02d", i);
        assert_int_equal(store_put(f->c, k, "x", 1, 0, NULL, NULL), RPC_OK);
    }
    int n = 0;
    assert_int_equal(store_range_all(f->c, "/cp/", 4, false, stop_at_three, &n, NULL), RPC_OK);
    assert_int_equal(n, 3);
    Outrig__V1__RangeResponse *r;
    assert_int_equal(store_range(f->c, "/cp/", "/cp/c20", 0, true, &r, NULL), RPC_OK);
    assert_int_equal(r->n_kvs, 4);
    assert_false(r->more);
    assert_int_equal(r->kvs[0]->value.len, 0); // keys only
    store_range_free(r);
}

static void test_txn_and_leases(void **s)
{
    fx *f = *s;
    uint64_t id;
    uint32_t ttl;
    assert_int_equal(store_lease_grant(f->c, 5000, 77, &id, &ttl, NULL), RPC_OK);
    assert_int_equal(id, 77);
    rpc_status st;
    assert_int_equal(store_lease_grant(f->c, 5000, 77, NULL, NULL, &st), RPC_ALREADY_EXISTS);
    Outrig__V1__TxnOp op = OUTRIG__V1__TXN_OP__INIT;
    op.key = "/policy/p";
    op.value.data = (uint8_t *)"v";
    op.value.len = 1;
    op.lease = 78; // unknown
    Outrig__V1__TxnOp *ops[] = {&op};
    Outrig__V1__TxnRequest t = OUTRIG__V1__TXN_REQUEST__INIT;
    t.success = ops;
    t.n_success = 1;
    assert_int_equal(store_txn(f->c, &t, NULL, NULL, &st), RPC_NOT_FOUND);
    assert_string_equal(st.field, "success[0].lease");
    op.lease = 77;
    bool ok;
    assert_int_equal(store_txn(f->c, &t, &ok, NULL, NULL), RPC_OK);
    assert_true(ok);
    assert_int_equal(store_lease_keepalive(f->c, 77, &ttl, NULL), RPC_OK);
    assert_int_equal(ttl, 5000);
    assert_int_equal(store_lease_revoke(f->c, 77, NULL), RPC_OK);
    Outrig__V1__KeyValue *kv;
    assert_int_equal(store_get(f->c, "/policy/p", &kv, NULL), RPC_NOT_FOUND);
    Outrig__V1__StoreInfoResponse *in;
    assert_int_equal(store_info(f->c, &in, NULL), RPC_OK);
    assert_string_equal(in->backend, "lmdb");
    assert_string_equal(in->watch_url, f->watch);
    assert_int_equal(in->leases, 0);
    store_info_free(in);
}

typedef struct got {
    pthread_mutex_t mu;
    int n;
    uint64_t revs[16];
} got;

static void on_ev(const Outrig__V1__WatchEvent *ev, void *arg)
{
    got *g = arg;
    pthread_mutex_lock(&g->mu);
    if (g->n < 16)
        g->revs[g->n] = ev->kv->mod_revision;
    g->n++;
    pthread_mutex_unlock(&g->mu);
}

static void test_watch_delivers_prefix_only_in_order(void **s)
{
    fx *f = *s;
    assert_null(store_watch(f->c, "vnf", 0, on_ev, NULL)); // bad prefix
    got g = {.mu = PTHREAD_MUTEX_INITIALIZER};
    uint64_t first;
    assert_int_equal(store_put(f->c, "/link/a", "1", 1, 0, &first, NULL), RPC_OK);
    struct store_watch *w = store_watch(f->c, "/link/b", first, on_ev, &g);
    assert_non_null(w);
    assert_int_equal(store_put(f->c, "/link/b1", "1", 1, 0, NULL, NULL), RPC_OK);
    assert_int_equal(store_put(f->c, "/host/b1", "1", 1, 0, NULL, NULL), RPC_OK);
    assert_int_equal(store_put(f->c, "/link/b2", "1", 1, 0, NULL, NULL), RPC_OK);
    uint64_t t0 = clock_mono_ms();
    int n = 0;
    while (clock_mono_ms() - t0 < 5000) {
        pthread_mutex_lock(&g.mu);
        n = g.n;
        pthread_mutex_unlock(&g.mu);
        if (n >= 2)
            break;
        usleep(10000);
    }
    usleep(100000);
    store_watch_stop(w);
    assert_int_equal(g.n, 2);
    assert_true(g.revs[0] < g.revs[1]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_close_edge_cases),    T(test_put_get_delete_round_trip),
        T(test_range_all_follows_pages_and_stops_early), T(test_txn_and_leases),
        T(test_watch_delivers_prefix_only_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
