// outrig store get|put|ls|del|watch: the state store through its client library.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "store/store.h"

#define SYN_STORE "outrig store get|put|ls|del|watch ... (outrig store CMD --help)"
#define SYN_GET "outrig store get KEY [--raw] [-o table|json]"
#define SYN_PUT "outrig store put KEY (VALUE | --file F | -) [--lease ID] [-o table|json]"
#define SYN_LS "outrig store ls [PREFIX] [--limit N] [--page N] [--keys-only] [-o table|json]"
#define SYN_DEL "outrig store del KEY [-o table|json]"
#define SYN_WATCH "outrig store watch PREFIX [--from REV] [--count N] [-o table|json]"

enum { OPT_RAW = 1, OPT_FILE, OPT_LEASE, OPT_LIMIT, OPT_PAGE, OPT_KEYS_ONLY, OPT_FROM, OPT_COUNT };

#define VALUE_CELL_MAX 48

static const char *const kv_headers[] = {"KEY",     "MOD_REV", "CREATE_REV",
                                         "VERSION", "LEASE",   "VALUE"};

static void kv_json(out_json *j, const Outrig__V1__KeyValue *kv)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "key", kv->key);
    cmd_json_bytes(j, "value", kv->value.data, kv->value.len);
    out_json_kv_u64(j, "create_revision", kv->create_revision);
    out_json_kv_u64(j, "mod_revision", kv->mod_revision);
    out_json_kv_u64(j, "version", kv->version);
    out_json_kv_u64(j, "lease", kv->lease);
    out_json_object_end(j);
}

static int kv_row(out_table *t, const Outrig__V1__KeyValue *kv)
{
    char mod[24], cre[24], ver[24], lease[24], val[VALUE_CELL_MAX];
    snprintf(mod, sizeof(mod), "%" PRIu64, kv->mod_revision);
    snprintf(cre, sizeof(cre), "%" PRIu64, kv->create_revision);
    snprintf(ver, sizeof(ver), "%" PRIu64, kv->version);
    snprintf(lease, sizeof(lease), "%" PRIu64, kv->lease);
    out_cell_bytes(kv->value.data, kv->value.len, val, sizeof(val));
    const char *cells[] = {kv->key, mod, cre, ver, kv->lease ? lease : "-", val};
    return out_table_add(t, cells);
}

typedef struct store_ctx {
    cli *c;
    store_client *sc;
} store_ctx;

static int store_fail(store_ctx *s, rpc_code code, const rpc_status *st)
{
    return cli_report("outrig-store", s->c->store_url, code, st);
}

// Opens the client once the arguments are known to be good, right before the
// first call: a peer that connects and leaves mid-handshake can wedge an nng
// 1.5.2 listener (nanomsg/nng#1518), so no command connects just to give up.
static int store_open(store_ctx *s)
{
    return s->sc ? 0 : cmd_store_open(s->c, &s->sc);
}

int cmd_store_open(cli *c, struct store_client **sc)
{
    int rc = cli_check_reachable("outrig-store", c->store_url);
    if (rc)
        return rc;
    rpc_client_opts o = cli_client_opts(c);
    *sc = store_client_open(c->store_url, &o);
    return *sc ? 0 : cli_report("outrig-store", c->store_url, RPC_UNAVAILABLE, NULL);
}

static int do_get(store_ctx *s, const cli_args *a)
{
    const char *key = a->pos[0];
    Outrig__V1__KeyValue *kv = NULL;
    int rc = store_open(s);
    if (rc)
        return rc;
    rpc_status st;
    rpc_code code = store_get(s->sc, key, &kv, &st);
    if (code != RPC_OK)
        return store_fail(s, code, &st);
    if (cli_arg(a, OPT_RAW)) {
        if (kv->value.len && fwrite(kv->value.data, 1, kv->value.len, s->c->out) != kv->value.len)
            rc = CLI_EXIT_FAIL;
    } else if (s->c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        kv_json(&j, kv);
        rc = cli_print_json(s->c, &j);
        out_json_free(&j);
    } else {
        out_table *t = out_table_new(6, kv_headers);
        if (!t || kv_row(t, kv) != 0)
            rc = CLI_EXIT_FAIL;
        else
            out_table_print(t, s->c->out);
        out_table_free(t);
    }
    store_kv_free(kv);
    return rc;
}

static int print_revision(cli *c, const char *what, uint64_t rev, int deleted)
{
    if (c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        out_json_object_begin(&j);
        out_json_kv_u64(&j, "revision", rev);
        if (deleted >= 0)
            out_json_kv_bool(&j, "deleted", deleted);
        out_json_object_end(&j);
        int rc = cli_print_json(c, &j);
        out_json_free(&j);
        return rc;
    }
    if (deleted == 0)
        fprintf(c->out, "not found (revision %" PRIu64 ")\n", rev);
    else
        fprintf(c->out, "%s (revision %" PRIu64 ")\n", what, rev);
    return 0;
}

static int do_put(store_ctx *s, const cli_args *a)
{
    const char *key = a->pos[0];
    const char *file = cli_arg(a, OPT_FILE);
    uint64_t lease;
    int rc = cli_arg_u64(a, OPT_LEASE, SYN_PUT, 0, &lease);
    if (rc)
        return rc;
    if ((file != NULL) == (a->npos == 2))
        return cli_usage(SYN_PUT, "give the value either as an argument or with --file");
    char *owned = NULL;
    const char *value;
    size_t len;
    if (file || strcmp(a->pos[1], "-") == 0) {
        rc = cmd_read_file(file ? file : "-", STORE_VALUE_MAX, &owned, &len);
        if (rc)
            return rc;
        value = owned;
    } else {
        value = a->pos[1];
        len = strlen(value);
    }
    rc = store_open(s);
    if (rc) {
        free(owned);
        return rc;
    }
    uint64_t rev = 0;
    rpc_status st;
    rpc_code code = store_put(s->sc, key, value, len, lease, &rev, &st);
    free(owned);
    if (code != RPC_OK)
        return store_fail(s, code, &st);
    return print_revision(s->c, "put", rev, -1);
}

static int do_del(store_ctx *s, const cli_args *a)
{
    int rc = store_open(s);
    if (rc)
        return rc;
    uint64_t rev = 0;
    bool deleted = false;
    rpc_status st;
    rpc_code code = store_delete(s->sc, a->pos[0], &rev, &deleted, &st);
    if (code != RPC_OK)
        return store_fail(s, code, &st);
    return print_revision(s->c, "deleted", rev, deleted);
}

typedef struct ls_walk {
    cli *c;
    out_json *j;
    out_table *t;
    uint64_t limit, n;
    int err;
} ls_walk;

static int ls_one(const Outrig__V1__KeyValue *kv, void *arg)
{
    ls_walk *w = arg;
    if (w->limit && w->n >= w->limit)
        return 1;
    if (w->j)
        kv_json(w->j, kv);
    else if (kv_row(w->t, kv) != 0) {
        w->err = CLI_EXIT_FAIL;
        return 1;
    }
    w->n++;
    return w->limit && w->n >= w->limit;
}

static int do_ls(store_ctx *s, const cli_args *a)
{
    const char *prefix = a->npos ? a->pos[0] : "/";
    uint64_t limit, page;
    int rc = cli_arg_u64(a, OPT_LIMIT, SYN_LS, 0, &limit);
    if (!rc)
        rc = cli_arg_u64(a, OPT_PAGE, SYN_LS, 500, &page);
    if (rc)
        return rc;
    if (page == 0 || page > STORE_RANGE_LIMIT_MAX)
        return cli_usage(SYN_LS, "--page must be 1..%d", STORE_RANGE_LIMIT_MAX);
    if (limit && limit < page)
        page = limit; // no need to fetch more than will be shown
    bool keys_only = cli_arg(a, OPT_KEYS_ONLY) != NULL;
    rc = store_open(s);
    if (rc)
        return rc;
    out_json j;
    out_json_init(&j);
    ls_walk w = {.c = s->c, .limit = limit};
    if (s->c->format == CLI_FMT_JSON) {
        w.j = &j;
        out_json_object_begin(&j);
        out_json_kv_str(&j, "prefix", prefix);
        out_json_key(&j, "kvs");
        out_json_array_begin(&j);
    } else {
        w.t = out_table_new(6, kv_headers);
        if (!w.t) {
            out_json_free(&j);
            return CLI_EXIT_FAIL;
        }
    }
    rpc_status st;
    rpc_code code = store_range_all(s->sc, prefix, (uint32_t)page, keys_only, ls_one, &w, &st);
    if (code != RPC_OK) {
        rc = store_fail(s, code, &st);
    } else if (w.err) {
        rc = w.err;
    } else if (w.j) {
        out_json_array_end(&j);
        out_json_kv_u64(&j, "count", w.n);
        out_json_object_end(&j);
        rc = cli_print_json(s->c, &j);
    } else {
        out_table_print(w.t, s->c->out);
    }
    out_json_free(&j);
    out_table_free(w.t);
    return rc;
}

// ---- watch ------------------------------------------------------------------

// Runs on the watch thread: the only thread that prints while watching.
static void watch_event(const Outrig__V1__WatchEvent *ev, void *arg)
{
    cli_stream *w = arg;
    if (cli_stream_full(w))
        return;
    const char *kind = ev->kind == OUTRIG__V1__WATCH_EVENT__KIND__DELETE ? "DELETE" : "PUT";
    static const Outrig__V1__KeyValue empty = OUTRIG__V1__KEY_VALUE__INIT;
    const Outrig__V1__KeyValue *kv = ev->kv ? ev->kv : &empty;
    if (w->c->format == CLI_FMT_JSON) {
        out_json *j = cli_stream_json(w);
        out_json_object_begin(j);
        out_json_kv_str(j, "kind", kind);
        out_json_kv_str(j, "key", kv->key);
        out_json_kv_u64(j, "revision", kv->mod_revision);
        if (ev->kind != OUTRIG__V1__WATCH_EVENT__KIND__DELETE) {
            cmd_json_bytes(j, "value", kv->value.data, kv->value.len);
            out_json_kv_u64(j, "create_revision", kv->create_revision);
            out_json_kv_u64(j, "version", kv->version);
            out_json_kv_u64(j, "lease", kv->lease);
        }
        out_json_object_end(j);
    } else {
        char val[VALUE_CELL_MAX] = "";
        if (ev->kind != OUTRIG__V1__WATCH_EVENT__KIND__DELETE)
            out_cell_bytes(kv->value.data, kv->value.len, val, sizeof(val));
        for (char *p = val; *p; p++)
            if ((unsigned char)*p < 0x20)
                *p = '?';
        fprintf(w->c->out, "%-6s %-8" PRIu64 " %s%s%s\n", kind, kv->mod_revision, kv->key,
                val[0] ? " " : "", val);
    }
    cli_stream_sent(w);
}

typedef struct watch_poll {
    struct store_watch *sw;
    const char *prefix;
    uint64_t compacted;
} watch_poll;

// Says when compaction removed changes before the watch could read them.
static void watch_check(void *arg)
{
    watch_poll *p = arg;
    store_watch_stats ws;
    store_watch_stats_get(p->sw, &ws);
    if (ws.compacted > p->compacted) {
        p->compacted = ws.compacted;
        fprintf(stderr,
                "outrig: history under %s was compacted: some changes were missed; "
                "re-read with 'outrig store ls'\n",
                p->prefix);
    }
}

static int do_watch(store_ctx *s, const cli_args *a)
{
    uint64_t from, count;
    int rc = cli_arg_u64(a, OPT_FROM, SYN_WATCH, 0, &from);
    if (!rc)
        rc = cli_arg_u64(a, OPT_COUNT, SYN_WATCH, 0, &count);
    if (rc)
        return rc;
    rc = store_open(s);
    if (rc)
        return rc;
    // One call first, so that an unreachable store is reported, not waited on.
    Outrig__V1__StoreInfoResponse *info = NULL;
    rpc_status st;
    rpc_code code = store_info(s->sc, &info, &st);
    if (code != RPC_OK)
        return store_fail(s, code, &st);
    store_info_free(info);

    cli_stream *w = cli_stream_new(s->c, count);
    if (!w)
        return CLI_EXIT_FAIL;
    watch_poll p = {.prefix = a->pos[0]};
    p.sw = store_watch(s->sc, a->pos[0], from, watch_event, w);
    if (!p.sw) {
        cli_stream_free(w);
        return cli_usage(SYN_WATCH, "cannot watch '%.100s' (bad prefix?)", a->pos[0]);
    }
    cli_stream_run(w, watch_check, &p);
    store_watch_stop(p.sw);
    cli_stream_free(w);
    return 0;
}

// ---- dispatch ---------------------------------------------------------------

static const args_opt get_opts[] = {{"raw", 0, false, OPT_RAW}, {NULL, 0, false, 0}};
static const args_opt put_opts[] = {
    {"file", 'f', true, OPT_FILE}, {"lease", 0, true, OPT_LEASE}, {NULL, 0, false, 0}};
static const args_opt ls_opts[] = {{"limit", 0, true, OPT_LIMIT},
                                   {"page", 0, true, OPT_PAGE},
                                   {"keys-only", 0, false, OPT_KEYS_ONLY},
                                   {NULL, 0, false, 0}};
static const args_opt watch_opts[] = {
    {"from", 0, true, OPT_FROM}, {"count", 'n', true, OPT_COUNT}, {NULL, 0, false, 0}};

static const struct store_sub {
    cli_sub sub;
    int (*fn)(store_ctx *s, const cli_args *a);
} subcommands[] = {
    {{"get", SYN_GET, get_opts, 1, 1}, do_get},
    {{"put", SYN_PUT, put_opts, 1, 2}, do_put},
    {{"ls", SYN_LS, ls_opts, 0, 1}, do_ls},
    {{"del", SYN_DEL, NULL, 1, 1}, do_del},
    {{"watch", SYN_WATCH, watch_opts, 1, 1}, do_watch},
};

int cmd_store(cli *c, int argc, char **argv, int from)
{
    cli_args a;
    int rc;
    const struct store_sub *sub = (const struct store_sub *)cli_pick(
        c, SYN_STORE, "store", argc, argv, from, &subcommands[0].sub,
        sizeof subcommands / sizeof subcommands[0], sizeof subcommands[0], &a, &rc);
    if (!sub)
        return rc;
    store_ctx s = {.c = c};
    rc = sub->fn(&s, &a);
    store_client_close(s.sc);
    return rc;
}
