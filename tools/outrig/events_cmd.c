// outrig events tail|publish: the event hub through its client library.
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hub/hub.h"

#define SYN_EVENTS "outrig events tail|publish ... (outrig events CMD --help)"
#define SYN_TAIL "outrig events tail [--from SEQ] [CATEGORY...] [--count N] [-o table|json]"
#define SYN_PUBLISH                                                                                \
    "outrig events publish CATEGORY TYPE ID [PAYLOAD | - | --file F] [--source S] "                \
    "[-o table|json]"

enum { OPT_FROM = 1, OPT_COUNT, OPT_FILE, OPT_SOURCE };

#define PAYLOAD_CELL_MAX 48

// Runs on the subscription's thread: the only thread that prints while tailing.
static void tail_event(const Outrig__V1__Event *ev, void *arg)
{
    cli_stream *t = arg;
    if (cli_stream_full(t))
        return;
    if (t->c->format == CLI_FMT_JSON) {
        out_json *j = cli_stream_json(t);
        out_json_object_begin(j);
        out_json_kv_u64(j, "seq", ev->seq);
        out_json_kv_u64(j, "prev", ev->prev);
        out_json_kv_str(j, "category", ev->category);
        out_json_kv_str(j, "type", ev->type);
        out_json_kv_str(j, "id", ev->id);
        out_json_kv_u64(j, "time_unix_ms", ev->time_unix_ms);
        out_json_kv_str(j, "source", ev->source);
        cmd_json_bytes(j, "payload", ev->payload.data, ev->payload.len);
        out_json_object_end(j);
    } else {
        char when[40], payload[PAYLOAD_CELL_MAX];
        cmd_format_time(ev->time_unix_ms, when, sizeof(when));
        out_cell_bytes(ev->payload.data, ev->payload.len, payload, sizeof(payload));
        fprintf(t->c->out, "%-8" PRIu64 " %s %s.%s %s%s%s\n", ev->seq, when, ev->category, ev->type,
                ev->id && ev->id[0] ? ev->id : "-", payload[0] ? " " : "", payload);
    }
    cli_stream_sent(t);
}

typedef struct tail_poll {
    hub_subscription *sub;
    uint64_t lost;
} tail_poll;

// Says when retention removed events before the subscription could read them.
static void tail_check(void *arg)
{
    tail_poll *p = arg;
    hub_subscription_stats hs;
    hub_subscription_stats_get(p->sub, &hs);
    if (hs.lost_history > p->lost) {
        fprintf(stderr,
                "outrig: %" PRIu64 " events were removed by retention before they "
                "could be read\n",
                hs.lost_history - p->lost);
        p->lost = hs.lost_history;
    }
}

static int hub_fail(cli *c, rpc_code code, const rpc_status *st)
{
    return cli_report("outrig-hub", c->hub_url, code, st);
}

// Opens the client once the arguments are known to be good, right before the
// first call: a peer that connects and leaves mid-handshake can wedge an nng
// 1.5.2 listener (nanomsg/nng#1518), so no command connects just to give up.
static int hub_open(cli *c, hub_client **hc)
{
    int rc = cli_check_reachable("outrig-hub", c->hub_url);
    if (rc)
        return rc;
    rpc_client_opts o = cli_client_opts(c);
    *hc = hub_client_open(c->hub_url, &o);
    return *hc ? 0 : hub_fail(c, RPC_UNAVAILABLE, NULL);
}

static int do_tail(cli *c, hub_client **hcp, const cli_args *a)
{
    uint64_t from, count;
    int rc = cli_arg_u64(a, OPT_FROM, SYN_TAIL, 0, &from);
    if (!rc)
        rc = cli_arg_u64(a, OPT_COUNT, SYN_TAIL, 0, &count);
    if (rc)
        return rc;
    const char *cats[CLI_MAX_POS + 1];
    for (int i = 0; i < a->npos; i++) {
        if (!hub_category_valid(a->pos[i]))
            return cli_usage(SYN_TAIL, "bad category '%.40s' ([a-z][a-z0-9_-]{0,31})", a->pos[i]);
        cats[i] = a->pos[i];
    }
    cats[a->npos] = NULL;
    rc = hub_open(c, hcp);
    if (rc)
        return rc;
    hub_client *hc = *hcp;
    // One call first, so that an unreachable hub is reported, not waited on.
    rpc_status st;
    rpc_code code = hub_info(hc, NULL, NULL, NULL, &st);
    if (code != RPC_OK)
        return hub_fail(c, code, &st);

    cli_stream *t = cli_stream_new(c, count);
    if (!t)
        return CLI_EXIT_FAIL;
    tail_poll p = {0};
    rc = hub_subscribe(hc, NULL, a->npos ? cats : NULL, from, tail_event, t, NULL, &p.sub);
    if (rc != 0) {
        cli_stream_free(t);
        return hub_fail(c, rc == -EIO ? RPC_UNAVAILABLE : RPC_INTERNAL, NULL);
    }
    cli_stream_run(t, tail_check, &p);
    hub_unsubscribe(p.sub);
    cli_stream_free(t);
    return 0;
}

static int do_publish(cli *c, hub_client **hcp, const cli_args *a)
{
    const char *file = cli_arg(a, OPT_FILE);
    if (file && a->npos == 4)
        return cli_usage(SYN_PUBLISH, "give the payload either as an argument or with --file");
    if (!hub_category_valid(a->pos[0]))
        return cli_usage(SYN_PUBLISH, "bad category '%.40s' ([a-z][a-z0-9_-]{0,31})", a->pos[0]);
    char *owned = NULL;
    const char *payload = NULL;
    size_t len = 0;
    if (file || (a->npos == 4 && strcmp(a->pos[3], "-") == 0)) {
        int rc = cmd_read_file(file ? file : "-", HUB_PAYLOAD_MAX, &owned, &len);
        if (rc)
            return rc;
        payload = owned;
    } else if (a->npos == 4) {
        payload = a->pos[3];
        len = strlen(payload);
    }
    const char *source = cli_arg(a, OPT_SOURCE);
    hub_event ev = {
        .category = a->pos[0],
        .type = a->pos[1],
        .id = a->pos[2],
        .source = source ? source : "outrig-cli",
        .payload = payload,
        .payload_len = len,
    };
    int rc = hub_open(c, hcp);
    if (rc) {
        free(owned);
        return rc;
    }
    uint64_t seq = 0;
    rpc_status st;
    rpc_code code = hub_publish(*hcp, &ev, 1, &seq, &st);
    free(owned);
    if (code != RPC_OK)
        return hub_fail(c, code, &st);
    if (c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        out_json_object_begin(&j);
        out_json_kv_u64(&j, "seq", seq);
        out_json_object_end(&j);
        rc = cli_print_json(c, &j);
        out_json_free(&j);
        return rc;
    }
    fprintf(c->out, "published %s.%s %s (seq %" PRIu64 ")\n", ev.category, ev.type, ev.id, seq);
    return 0;
}

static const args_opt tail_opts[] = {
    {"from", 0, true, OPT_FROM}, {"count", 'n', true, OPT_COUNT}, {NULL, 0, false, 0}};
static const args_opt publish_opts[] = {
    {"file", 'f', true, OPT_FILE}, {"source", 0, true, OPT_SOURCE}, {NULL, 0, false, 0}};

static const struct events_sub {
    cli_sub sub;
    int (*fn)(cli *c, hub_client **hc, const cli_args *a);
} subcommands[] = {
    {{"tail", SYN_TAIL, tail_opts, 0, CLI_MAX_POS}, do_tail},
    {{"publish", SYN_PUBLISH, publish_opts, 3, 4}, do_publish},
};

int cmd_events(cli *c, int argc, char **argv, int from)
{
    cli_args a;
    int rc;
    const struct events_sub *sub = (const struct events_sub *)cli_pick(
        c, SYN_EVENTS, "events", argc, argv, from, &subcommands[0].sub,
        sizeof subcommands / sizeof subcommands[0], sizeof subcommands[0], &a, &rc);
    if (!sub)
        return rc;
    hub_client *hc = NULL; // opened by the command once its arguments are good
    rc = sub->fn(c, &hc, &a);
    hub_client_close(hc);
    return rc;
}
