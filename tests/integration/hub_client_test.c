// The hub's RPC edge and the common/hub client against a real outrig-hub:
// sequencing with prev, field paths of INVALID_ARGUMENT, Replay filters and
// bounds, durable positions across a restart, filtered subscriptions, the
// batching publisher, and retention reported to replaying clients.
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hub/hub.h"
#include "outrig/v1/hub.pb-c.h"
#include "proc.h"

typedef struct hubproc {
    char dir[PATH_MAX];
    char url[PATH_MAX + 32];
    pid_t pid;
    hub_client *c;
} hubproc;

// Starts outrig-hub on h->dir with extra "--set" options (NULL-terminated, at most 3).
static void hub_start(hubproc *h, const char *const *sets)
{
    char run[PATH_MAX + 8];
    snprintf(run, sizeof run, "%s/run", h->dir);
    snprintf(h->url, sizeof h->url, "ipc://%s/hub.sock", run);
    const char *extra[9] = {"--listen", h->url};
    size_t n = 2;
    for (size_t i = 0; sets && sets[i]; i++) {
        assert_true(n < 7);
        extra[n++] = "--set";
        extra[n++] = sets[i];
    }
    proc_app app = {.root = h->dir, .run_dir = run, .log_level = "error"};
    h->pid = proc_app_spawn(&app, "hub", extra);
    assert_true(h->pid > 0);
    if (!h->c)
        h->c = hub_client_open(h->url, NULL);
    for (int i = 0; i < 200; i++) {
        if (hub_info(h->c, NULL, NULL, NULL, NULL) == RPC_OK)
            return;
        proc_sleep_ms(25);
    }
    fail_msg("outrig-hub did not come up");
}

static void hub_stop(hubproc *h)
{
    int st = proc_stop(h->pid, SIGTERM, 30000);
    h->pid = 0;
    assert_true(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int setup(void **state)
{
    hubproc *h = calloc(1, sizeof *h);
    if (!h || proc_tmpdir("hub-client", h->dir, sizeof h->dir)) {
        free(h);
        return -1;
    }
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    hubproc *h = *state;
    // The test failed with the hub still running: stop it.
    proc_stop(h->pid, SIGKILL, 5000);
    hub_client_close(h->c);
    proc_rmtree(h->dir);
    free(h);
    return 0;
}

static Outrig__V1__ReplayResponse *replay(hubproc *h, uint64_t from, char **cats, size_t ncats,
                                          uint32_t max_events)
{
    Outrig__V1__ReplayRequest req = OUTRIG__V1__REPLAY_REQUEST__INIT;
    req.from_seq = from;
    req.categories = cats;
    req.n_categories = ncats;
    req.max_events = max_events;
    Outrig__V1__ReplayResponse *r = NULL;
    rpc_call_opts co = {.idempotent = true};
    rpc_status st;
    rpc_code code =
        hub_call(h->c, "/outrig.v1.Hub/Replay", &req.base, &outrig__v1__replay_response__descriptor,
                 (ProtobufCMessage **)&r, &co, &st);
    assert_int_equal(code, RPC_OK);
    return r;
}

static rpc_code ack(hubproc *h, const char *name, uint64_t seq, rpc_status *st)
{
    Outrig__V1__AckRequest req = OUTRIG__V1__ACK_REQUEST__INIT;
    req.subscriber = (char *)name;
    req.seq = seq;
    rpc_call_opts co = {0};
    return hub_call(h->c, "/outrig.v1.Hub/Ack", &req.base, &outrig__v1__empty__descriptor, NULL,
                    &co, st);
}

static bool get_sub(hubproc *h, const char *name, uint64_t *seq)
{
    Outrig__V1__SubscriberRequest req = OUTRIG__V1__SUBSCRIBER_REQUEST__INIT;
    req.subscriber = (char *)name;
    Outrig__V1__SubscriberResponse *r = NULL;
    rpc_call_opts co = {0};
    assert_int_equal(hub_call(h->c, "/outrig.v1.Hub/GetSubscriber", &req.base,
                              &outrig__v1__subscriber_response__descriptor, (ProtobufCMessage **)&r,
                              &co, NULL),
                     RPC_OK);
    bool known = r->known;
    *seq = r->acked_seq;
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return known;
}

static void publish3(hubproc *h, const char *a, const char *b, const char *c, uint64_t *first)
{
    hub_event ev[3] = {
        {.category = a, .type = "t"}, {.category = b, .type = "t"}, {.category = c, .type = "t"}};
    assert_int_equal(hub_publish(h->c, ev, 3, first, NULL), RPC_OK);
}

static void test_hub_publish_sequences_with_prev_per_category(void **state)
{
    hubproc *h = *state;
    hub_start(h, NULL);
    uint64_t first = 0;
    publish3(h, "vnf", "ns", "vnf", &first);
    assert_int_equal(first, 1);
    publish3(h, "ns", "host", "vnf", &first);
    assert_int_equal(first, 4);
    Outrig__V1__ReplayResponse *r = replay(h, 1, NULL, 0, 0);
    assert_int_equal(r->n_events, 6);
    const uint64_t prev[6] = {0, 0, 1, 2, 0, 3};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(r->events[i]->seq, i + 1);
        assert_int_equal(r->events[i]->prev, prev[i]);
        assert_true(r->events[i]->time_unix_ms > 0);
    }
    assert_int_equal(r->next_seq, 7);
    assert_int_equal(r->last_seq, 6);
    assert_int_equal(r->first_retained_seq, 1);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    // After a restart the category chains go on from the log.
    hub_stop(h);
    hub_start(h, NULL);
    publish3(h, "vnf", "ns", "site", &first);
    assert_int_equal(first, 7);
    r = replay(h, 7, NULL, 0, 0);
    assert_int_equal(r->n_events, 3);
    assert_int_equal(r->events[0]->prev, 6);
    assert_int_equal(r->events[1]->prev, 4);
    assert_int_equal(r->events[2]->prev, 0);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    hub_stop(h);
}

static void test_hub_publish_invalid_names_the_field(void **state)
{
    hubproc *h = *state;
    hub_start(h, NULL);
    hub_event ev[4] = {{.category = "vnf", .type = "t"},
                       {.category = "ns", .type = "t"},
                       {.category = "ns", .type = "t"},
                       {.category = "Not-Valid", .type = "t"}};
    rpc_status st;
    assert_int_equal(hub_publish(h->c, ev, 4, NULL, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[3].category");
    ev[3].category = "op";
    ev[1].type = "";
    assert_int_equal(hub_publish(h->c, ev, 4, NULL, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[1].type");
    ev[1].type = "t";
    static char big[HUB_PAYLOAD_MAX + 1];
    ev[2].payload = big;
    ev[2].payload_len = sizeof big;
    assert_int_equal(hub_publish(h->c, ev, 4, NULL, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "events[2].payload");
    // Nothing of the refused calls was logged.
    uint64_t last = 99;
    assert_int_equal(hub_info(h->c, NULL, &last, NULL, NULL), RPC_OK);
    assert_int_equal(last, 0);
    hub_stop(h);
}

static void test_hub_replay_filters_and_bounds(void **state)
{
    hubproc *h = *state;
    hub_start(h, NULL);
    for (int i = 0; i < 4; i++)
        publish3(h, "vnf", "ns", "host", NULL); // ns at 2, 5, 8, 11
    char *ns[] = {"ns"};
    Outrig__V1__ReplayResponse *r = replay(h, 1, ns, 1, 2);
    assert_int_equal(r->n_events, 2);
    assert_int_equal(r->events[0]->seq, 2);
    assert_int_equal(r->events[1]->seq, 5);
    assert_int_equal(r->next_seq, 6);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    r = replay(h, 6, ns, 1, 0);
    assert_int_equal(r->n_events, 2);
    assert_int_equal(r->events[1]->seq, 11);
    assert_int_equal(r->next_seq, 13); // scanned to the end
    assert_true(r->next_seq > r->last_seq);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    // A bad category is refused with its index.
    char *bad[] = {"vnf", "N S"};
    Outrig__V1__ReplayRequest req = OUTRIG__V1__REPLAY_REQUEST__INIT;
    req.categories = bad;
    req.n_categories = 2;
    rpc_status st;
    rpc_call_opts co = {0};
    assert_int_equal(hub_call(h->c, "/outrig.v1.Hub/Replay", &req.base,
                              &outrig__v1__replay_response__descriptor, NULL, &co, &st),
                     RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "categories[1]");
    hub_stop(h);
}

static void test_hub_durable_position_survives_restart(void **state)
{
    hubproc *h = *state;
    hub_start(h, NULL);
    publish3(h, "vnf", "vnf", "vnf", NULL);
    uint64_t seq = 0;
    assert_false(get_sub(h, "orch", &seq));
    rpc_status st;
    assert_int_equal(ack(h, "orch", 2, &st), RPC_OK);
    assert_true(get_sub(h, "orch", &seq));
    assert_int_equal(seq, 2);
    assert_int_equal(ack(h, "orch", 4, &st), RPC_OUT_OF_RANGE);
    assert_string_equal(st.field, "seq");
    assert_int_equal(ack(h, "bad name", 1, &st), RPC_INVALID_ARGUMENT);
    assert_string_equal(st.field, "subscriber");
    hub_stop(h);
    hub_start(h, NULL);
    assert_true(get_sub(h, "orch", &seq));
    assert_int_equal(seq, 2);
    hub_stop(h);
}

typedef struct got {
    uint64_t seq[256];
    char cat[256][8];
    uint64_t prev[256];
    size_t n;
} got;

static void on_ev(const Outrig__V1__Event *ev, void *arg)
{
    got *g = arg;
    if (g->n < 256) {
        g->seq[g->n] = ev->seq;
        g->prev[g->n] = ev->prev;
        snprintf(g->cat[g->n], 8, "%s", ev->category);
        g->n++;
    }
}

static void test_hub_filtered_subscriber_and_publisher(void **state)
{
    hubproc *h = *state;
    hub_start(h, NULL);
    publish3(h, "vnf", "ns", "vnf", NULL); // before the subscription: caught up by replay
    got *g = calloc(1, sizeof *g);
    const char *const cats[] = {"vnf", "host", NULL};
    hub_subscription *s = NULL;
    assert_int_equal(hub_subscribe(h->c, "filtered", cats, 1, on_ev, g, NULL, &s), 0);
    hub_publisher *p = hub_publisher_new(h->c, NULL);
    assert_non_null(p);
    const char *const mix[] = {"vnf", "ns", "host", "op"};
    for (int i = 0; i < 100; i++) {
        hub_event ev = {.category = mix[i % 4], .type = "t", .payload = "x", .payload_len = 1};
        assert_int_equal(hub_publisher_add(p, &ev, NULL), 0);
    }
    hub_event bad = {.category = "NO", .type = "t"};
    assert_int_equal(hub_publisher_add(p, &bad, NULL), -EINVAL);
    hub_publisher_flush(p);
    uint64_t acked = 0, failed = 0;
    hub_publisher_stats(p, &acked, &failed);
    assert_int_equal(acked, 100);
    assert_int_equal(failed, 0);
    hub_publisher_free(p);
    for (int i = 0; i < 200 && hub_subscription_position(s) < 103; i++)
        proc_sleep_ms(20);
    assert_true(hub_subscription_position(s) >= 103);
    hub_unsubscribe(s);
    // 2 vnf before, then 25 vnf + 25 host: only those, each chain unbroken.
    assert_int_equal(g->n, 52);
    uint64_t last_vnf = 0, last_host = 0;
    for (size_t i = 0; i < g->n; i++) {
        uint64_t *last = strcmp(g->cat[i], "vnf") == 0 ? &last_vnf : &last_host;
        assert_true(strcmp(g->cat[i], "vnf") == 0 || strcmp(g->cat[i], "host") == 0);
        assert_int_equal(g->prev[i], *last);
        *last = g->seq[i];
    }
    // The durable position was acknowledged on unsubscribe.
    uint64_t seq = 0;
    assert_true(get_sub(h, "filtered", &seq));
    assert_true(seq >= 103);
    free(g);
    hub_stop(h);
}

static void count_ev(const Outrig__V1__Event *ev, void *arg)
{
    (*(uint64_t *)arg)++;
}

static void test_hub_quiet_category_does_not_hold_position(void **state)
{
    hubproc *h = *state;
    hub_start(h, NULL);
    uint64_t n = 0;
    const char *const cats[] = {"vnf", "host", NULL};
    hub_subscription *s = NULL;
    assert_int_equal(hub_subscribe(h->c, NULL, cats, 1, count_ev, &n, NULL, &s), 0);
    publish3(h, "host", "vnf", "vnf", NULL); // host then stays quiet
    // Busy vnf traffic for 1.5 s: never idle, so only the per-category
    // replay of host can move the position past host's last event.
    uint64_t first = 0, last = 0;
    for (int i = 0; i < 150; i++) {
        publish3(h, "vnf", "vnf", "ns", &first);
        last = first + 2;
        proc_sleep_ms(10);
    }
    uint64_t pos = hub_subscription_position(s);
    hub_subscription_stats st;
    hub_subscription_stats_get(s, &st);
    hub_unsubscribe(s);
    assert_true(pos > 100 && pos <= last); // well past host's last event (seq 1)
    assert_true(st.replayed < 100);        // host alone was replayed, not the vnf stream
    assert_int_equal(n, 3 + 300);
    hub_stop(h);
}

static void test_hub_retention_reports_lost_history(void **state)
{
    hubproc *h = *state;
    const char *const sets[] = {"segment_bytes=4096", "retain_bytes=8192", NULL};
    hub_start(h, sets);
    char payload[200];
    memset(payload, 'p', sizeof payload);
    for (int i = 0; i < 100; i++) {
        hub_event ev[3];
        for (int k = 0; k < 3; k++)
            ev[k] = (hub_event){.category = "metric",
                                .type = "t",
                                .payload = payload,
                                .payload_len = sizeof payload};
        assert_int_equal(hub_publish(h->c, ev, 3, NULL, NULL), RPC_OK);
    }
    uint64_t first = 1, last = 0;
    for (int i = 0; i < 100 && first == 1; i++) {
        proc_sleep_ms(50); // retention runs about once a second
        assert_int_equal(hub_info(h->c, &first, &last, NULL, NULL), RPC_OK);
    }
    assert_true(first > 1);
    assert_int_equal(last, 300);
    Outrig__V1__ReplayResponse *r = replay(h, 1, NULL, 0, 0);
    assert_int_equal(r->first_retained_seq, first);
    assert_int_equal(r->events[0]->seq, first);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    // A subscriber from seq 1 is told what it lost and gets the rest.
    got *g = calloc(1, sizeof *g);
    hub_subscription *s = NULL;
    hub_subscribe_opts o = {.replay_max_events = 16};
    assert_int_equal(hub_subscribe(h->c, NULL, NULL, 1, on_ev, g, &o, &s), 0);
    for (int i = 0; i < 200 && hub_subscription_position(s) < 300; i++)
        proc_sleep_ms(20);
    hub_subscription_stats st;
    hub_subscription_stats_get(s, &st);
    hub_unsubscribe(s);
    assert_int_equal(st.lost_history, first - 1);
    assert_int_equal(st.delivered, 300 - first + 1);
    free(g);
    hub_stop(h);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_hub_publish_sequences_with_prev_per_category),
        T(test_hub_publish_invalid_names_the_field),
        T(test_hub_replay_filters_and_bounds),
        T(test_hub_durable_position_survives_restart),
        T(test_hub_filtered_subscriber_and_publisher),
        T(test_hub_quiet_category_does_not_hold_position),
        T(test_hub_retention_reports_lost_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
