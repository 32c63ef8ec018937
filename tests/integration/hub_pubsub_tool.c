// Helper of the hub integration test: publishes a numbered stream, runs a
// (durable or slow) subscriber that records every seq it is handed, or dumps
// the hub's log.
//   hub_pubsub_tool info URL
//   hub_pubsub_tool pub URL COUNT BATCH PAUSE_US OUT      (OUT gets "first last" per ack)
//   hub_pubsub_tool sub URL NAME|- FROM SLEEP_US RECV_BUF OUT  (OUT gets "seq" per event)
//   hub_pubsub_tool dump URL OUT                          (every retained seq)
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub/hub.h"
#include "outrig/v1/hub.pb-c.h"

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
    stop = 1;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

typedef struct sub_ctx {
    int fd;
    long sleep_us;
} sub_ctx;

static void on_event(const Outrig__V1__Event *ev, void *arg)
{
    sub_ctx *c = arg;
    char line[32];
    int n = snprintf(line, sizeof line, "%" PRIu64 "\n", ev->seq);
    // write(2) per event: a kill -9 loses nothing the callback returned from.
    if (write(c->fd, line, (size_t)n) != n)
        abort();
    if (c->sleep_us)
        sleep_us(c->sleep_us);
}

static int cmd_pub(hub_client *c, long count, long batch, long pause_us, const char *out)
{
    FILE *f = fopen(out, "a");
    if (!f)
        return 1;
    hub_event *evs = calloc((size_t)batch, sizeof *evs);
    char(*pl)[32] = calloc((size_t)batch, 32);
    for (long i = 0; i < count && !stop;) {
        long n = count - i < batch ? count - i : batch;
        for (long k = 0; k < n; k++) {
            int len = snprintf(pl[k], 32, "n=%ld", i + k);
            evs[k] = (hub_event){.category = "op",
                                 .type = "test.numbered",
                                 .id = "stream",
                                 .source = "hub_pubsub_tool",
                                 .payload = pl[k],
                                 .payload_len = (size_t)len};
        }
        uint64_t first = 0;
        rpc_status st;
        rpc_code code = hub_publish(c, evs, (size_t)n, &first, &st);
        if (code != RPC_OK) {
            sleep_us(50000); // hub down or busy: try again (the events may be logged twice)
            continue;
        }
        fprintf(f, "%" PRIu64 " %" PRIu64 "\n", first, first + (uint64_t)n - 1);
        fflush(f);
        i += n;
        if (pause_us)
            sleep_us(pause_us);
    }
    fclose(f);
    free(evs);
    free(pl);
    return 0;
}

static int cmd_sub(hub_client *c, const char *name, uint64_t from, long sleep_ms_us, long recv_buf,
                   const char *out)
{
    sub_ctx ctx = {.sleep_us = sleep_ms_us};
    ctx.fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (ctx.fd < 0)
        return 1;
    hub_subscribe_opts o = {.recv_buf = (uint32_t)recv_buf};
    hub_subscription *s = NULL;
    int rc;
    // The hub may be restarting: keep trying.
    while ((rc = hub_subscribe(c, strcmp(name, "-") ? name : NULL, NULL, from, on_event, &ctx, &o,
                               &s)) == -EIO &&
           !stop)
        sleep_us(100000);
    if (rc) {
        fprintf(stderr, "subscribe: %s\n", strerror(-rc));
        return 1;
    }
    while (!stop)
        sleep_us(20000);
    hub_subscription_stats st;
    hub_subscription_stats_get(s, &st);
    hub_unsubscribe(s);
    fprintf(stderr,
            "sub %s: delivered %" PRIu64 " skipped %" PRIu64 " gaps %" PRIu64 " replayed %" PRIu64
            "\n",
            name, st.delivered, st.skipped, st.gaps, st.replayed);
    close(ctx.fd);
    return 0;
}

static int cmd_dump(hub_client *c, const char *out)
{
    FILE *f = fopen(out, "w");
    if (!f)
        return 1;
    uint64_t from = 1;
    for (;;) {
        Outrig__V1__ReplayRequest req = OUTRIG__V1__REPLAY_REQUEST__INIT;
        req.from_seq = from;
        Outrig__V1__ReplayResponse *r = NULL;
        rpc_call_opts co = {.idempotent = true};
        if (hub_call(c, "/outrig.v1.Hub/Replay", &req.base,
                     &outrig__v1__replay_response__descriptor, (ProtobufCMessage **)&r, &co,
                     NULL) != RPC_OK)
            return 1;
        for (size_t i = 0; i < r->n_events; i++)
            fprintf(f, "%" PRIu64 "\n", r->events[i]->seq);
        bool done = r->next_seq > r->last_seq;
        from = r->next_seq;
        protobuf_c_message_free_unpacked(&r->base, NULL);
        if (done)
            break;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: see the top of hub_pubsub_tool.c\n");
        return 2;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    rpc_client_opts ro = {.timeout_ms = 3000};
    hub_client *c = hub_client_open(argv[2], &ro);
    if (!c)
        return 1;
    int rc = 2;
    if (strcmp(argv[1], "info") == 0) {
        uint64_t last = 0;
        rc = hub_info(c, NULL, &last, NULL, NULL) == RPC_OK ? 0 : 1;
        if (!rc)
            printf("%" PRIu64 "\n", last);
    } else if (strcmp(argv[1], "pub") == 0 && argc == 7) {
        rc = cmd_pub(c, atol(argv[3]), atol(argv[4]), atol(argv[5]), argv[6]);
    } else if (strcmp(argv[1], "sub") == 0 && argc == 8) {
        rc =
            cmd_sub(c, argv[3], strtoull(argv[4], NULL, 10), atol(argv[5]), atol(argv[6]), argv[7]);
    } else if (strcmp(argv[1], "dump") == 0 && argc == 4) {
        rc = cmd_dump(c, argv[3]);
    }
    hub_client_close(c);
    return rc;
}
