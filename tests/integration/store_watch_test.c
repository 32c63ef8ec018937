// A store watch sees every change, in order per category, across a store
// killed and restarted, a paused (slow) watcher, and from an old revision.
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_harness.h"
#include "util/clock.h"

#define MAXREV 200000

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(p);
}

// The store of the current test; the teardown removes it even when the test
// failed half way.
static sth h;

typedef struct rec {
    pthread_mutex_t mu;
    uint8_t *seen;    // seen[rev] = times delivered
    uint64_t last[2]; // last revision per category: 0 = /vnf/, 1 = /ns/
    int out_of_order;
    uint64_t count;
    pthread_cond_t cv;
    bool hold; // the callback blocks while set (a stalled watcher)
    bool held; // it did block
} rec;

static void on_event(const Outrig__V1__WatchEvent *ev, void *arg)
{
    rec *r = arg;
    uint64_t rev = ev->kv->mod_revision;
    int cat = strncmp(ev->kv->key, "/vnf/", 5) == 0 ? 0 : 1;
    pthread_mutex_lock(&r->mu);
    while (r->hold) {
        r->held = true;
        pthread_cond_wait(&r->cv, &r->mu);
    }
    if (rev < MAXREV && r->seen[rev] < 255)
        r->seen[rev]++;
    if (rev <= r->last[cat])
        r->out_of_order++;
    r->last[cat] = rev;
    r->count++;
    pthread_mutex_unlock(&r->mu);
}

static rec *rec_new(void)
{
    rec *r = calloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->seen = calloc(MAXREV, 1);
    return r;
}

static void set_hold(rec *r, bool on)
{
    pthread_mutex_lock(&r->mu);
    r->hold = on;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void rec_free(rec *r)
{
    free(r->seen);
    free(r);
}

// Puts n keys alternating between /vnf/ and /ns/, recording revisions;
// failed puts (store down) are retried.
static void put_many(store_client *c, const char *tag, int n, uint64_t *revs, int *nrevs)
{
    for (int i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof(key), "/%s/%s-%d", i % 2 ? "ns" : "vnf", tag, i);
        uint64_t rev;
        while (store_put(c, key, "x", 1, 0, &rev, NULL) != RPC_OK)
            usleep(20000);
        revs[(*nrevs)++] = rev;
    }
}

// Waits until every revision in revs was delivered at least once.
static void expect_all(rec *r, const uint64_t *revs, int n)
{
    uint64_t t0 = clock_mono_ms();
    int missing = n;
    while (clock_mono_ms() - t0 < 20000) {
        missing = 0;
        pthread_mutex_lock(&r->mu);
        for (int i = 0; i < n; i++)
            missing += r->seen[revs[i]] == 0;
        pthread_mutex_unlock(&r->mu);
        if (!missing)
            break;
        usleep(50000);
    }
    if (missing)
        fail_msg("%d of %d changes never delivered", missing, n);
    assert_int_equal(r->out_of_order, 0);
}

static void test_watch_catches_up_after_store_restart(void **s)
{
    assert_int_equal(sth_start(&h), 0);
    store_client *c = sth_client(&h);
    rec *r = rec_new();
    struct store_watch *w = store_watch(c, "", 1, on_event, r);
    assert_non_null(w);
    static uint64_t revs[20000];
    int n = 0;
    put_many(c, "a", 2000, revs, &n);
    sth_kill(&h, SIGKILL);
    // And the watcher stalls when the store is back, so that changes pile up
    // beyond its receive buffer and are dropped.
    set_hold(r, true);
    // Down for a while: the watcher's calls fail and it must retry.
    usleep(700000);
    assert_int_equal(sth_start(&h), 0);
    put_many(c, "b", 2000, revs, &n);
    set_hold(r, false);
    sth_kill(&h, SIGKILL);
    assert_int_equal(sth_start(&h), 0);
    put_many(c, "c", 10, revs, &n); // the newest changes, then silence
    expect_all(r, revs, n);
    store_watch_stats st;
    store_watch_stats_get(w, &st);
    printf("delivered %" PRIu64 " live %" PRIu64 " replayed %" PRIu64 " gaps %" PRIu64 "\n",
           st.delivered, st.live, st.replayed, st.gaps);
    assert_true(r->held);
    assert_true(st.replayed > 0); // the catch-up path really ran
    store_watch_stop(w);
    rec_free(r);
    store_client_close(c);
    assert_int_equal(sth_fini(&h), 0);
}

static void test_paused_watcher_misses_nothing(void **s)
{
    assert_int_equal(sth_start(&h), 0);
    store_client *c = sth_client(&h);
    rec *r = rec_new();
    set_hold(r, true); // the first callback stalls while a burst goes by
    struct store_watch *w = store_watch(c, "/vnf/", 0, on_event, r);
    assert_non_null(w);
    usleep(300000);
    static uint64_t revs[20000];
    int n = 0;
    // More changes than the PUB and SUB buffers hold while the callback stalls.
    put_many(c, "p", 8000, revs, &n);
    set_hold(r, false);
    int nv = 0;
    for (int i = 0; i < n; i += 2)
        revs[nv++] = revs[i]; // the /vnf/ ones
    expect_all(r, revs, nv);
    pthread_mutex_lock(&r->mu);
    assert_int_equal(r->last[1], 0); // nothing outside the prefix
    pthread_mutex_unlock(&r->mu);
    store_watch_stats st;
    store_watch_stats_get(w, &st);
    printf("paused: delivered %" PRIu64 " live %" PRIu64 " replayed %" PRIu64 " gaps %" PRIu64 "\n",
           st.delivered, st.live, st.replayed, st.gaps);
    assert_true(r->held);
    assert_true(st.replayed > 0);
    store_watch_stop(w);
    rec_free(r);
    store_client_close(c);
    assert_int_equal(sth_fini(&h), 0);
}

static void test_watch_from_old_revision_replays_history(void **s)
{
    assert_int_equal(sth_start(&h), 0);
    store_client *c = sth_client(&h);
    static uint64_t revs[4000];
    int n = 0;
    put_many(c, "old", 3000, revs, &n);
    rec *r = rec_new();
    struct store_watch *w = store_watch(c, "/ns/", revs[1], on_event, r);
    assert_non_null(w);
    int nn = 0;
    for (int i = 1; i < n; i += 2)
        revs[nn++] = revs[i];
    expect_all(r, revs, nn);
    pthread_mutex_lock(&r->mu);
    assert_int_equal(r->count, (uint64_t)nn); // exactly the /ns/ ones, once each
    pthread_mutex_unlock(&r->mu);
    store_watch_stop(w);
    rec_free(r);
    store_client_close(c);
    assert_int_equal(sth_fini(&h), 0);
}

static int setup(void **s)
{
    return sth_init(&h);
}

static int teardown(void **s)
{
    sth_fini(&h);
    return 0;
}

static void test_watch_starts_over_when_store_data_is_replaced(void **s)
{
    assert_int_equal(sth_start(&h), 0);
    store_client *c = sth_client(&h);
    rec *r = rec_new();
    struct store_watch *w = store_watch(c, "", 1, on_event, r);
    assert_non_null(w);
    static uint64_t revs[400];
    int n = 0;
    put_many(c, "x", 200, revs, &n);
    expect_all(r, revs, n);
    // A new, empty database: revisions start again at 1.
    sth_kill(&h, SIGTERM);
    nftw(h.data, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    mkdir(h.data, 0700);
    assert_int_equal(sth_start(&h), 0);
    pthread_mutex_lock(&r->mu);
    memset(r->seen, 0, MAXREV);
    r->last[0] = r->last[1] = 0;
    pthread_mutex_unlock(&r->mu);
    n = 0;
    put_many(c, "y", 50, revs, &n);
    assert_int_equal(revs[0], 1);
    expect_all(r, revs, n);
    store_watch_stats st;
    store_watch_stats_get(w, &st);
    assert_true(st.compacted >= 1);
    store_watch_stop(w);
    rec_free(r);
    store_client_close(c);
    assert_int_equal(sth_fini(&h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_watch_catches_up_after_store_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paused_watcher_misses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_from_old_revision_replays_history, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_watch_starts_over_when_store_data_is_replaced, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
