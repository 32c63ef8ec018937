// cli: global flags, endpoints and error reporting shared by every command.
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const args_opt cli_global_opts[] = {
    {"run-dir", 0, true, CLI_OPT_RUN_DIR},
    {"store", 0, true, CLI_OPT_STORE},
    {"hub", 0, true, CLI_OPT_HUB},
    {"driver", 0, true, CLI_OPT_DRIVER},
    {"timeout", 0, true, CLI_OPT_TIMEOUT},
    {"output", 'o', true, CLI_OPT_OUTPUT},
    {"token", 0, true, CLI_OPT_TOKEN},
    {"help", 'h', false, CLI_OPT_HELP},
    {NULL, 0, false, 0},
};

volatile sig_atomic_t cli_interrupted;

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

void cli_init(cli *c)
{
    memset(c, 0, sizeof(*c));
    c->out = stdout;
    c->timeout_ms = CLI_TIMEOUT_DEFAULT_MS;
    c->format = CLI_FMT_TABLE;
    copy(c->run_dir, sizeof(c->run_dir), "./var/run/outrig");
    static const struct {
        const char *env;
        int id;
    } envs[] = {
        {"OUTRIG_RUN_DIR", CLI_OPT_RUN_DIR}, {"OUTRIG_STORE", CLI_OPT_STORE},
        {"OUTRIG_HUB", CLI_OPT_HUB},         {"OUTRIG_DRIVER", CLI_OPT_DRIVER},
        {"OUTRIG_TOKEN", CLI_OPT_TOKEN},     {"OUTRIG_TIMEOUT", CLI_OPT_TIMEOUT},
    };
    for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
        const char *v = getenv(envs[i].env);
        char err[160];
        if (v && *v && cli_global_opt(c, envs[i].id, v, err, sizeof(err)) != 0)
            fprintf(stderr, "outrig: ignoring %s: %s\n", envs[i].env, err);
    }
}

int cli_global_opt(cli *c, int id, const char *v, char *err, size_t errlen)
{
    switch (id) {
    case CLI_OPT_RUN_DIR:
    case CLI_OPT_STORE:
    case CLI_OPT_HUB:
    case CLI_OPT_DRIVER: {
        char *dst = id == CLI_OPT_RUN_DIR ? c->run_dir
                    : id == CLI_OPT_STORE ? c->store_url
                    : id == CLI_OPT_HUB   ? c->hub_url
                                          : c->driver_url;
        size_t max = id == CLI_OPT_RUN_DIR ? CLI_DIR_MAX : CLI_URL_MAX;
        if (!*v || strlen(v) >= max) {
            snprintf(err, errlen, "bad value for --%s: empty or too long",
                     id == CLI_OPT_RUN_DIR ? "run-dir" : "store/--hub/--driver");
            return -EINVAL;
        }
        copy(dst, max, v);
        return 0;
    }
    case CLI_OPT_TIMEOUT: {
        uint32_t ms;
        if (args_parse_u32(v, 3600u * 1000u, &ms) != 0 || ms == 0) {
            snprintf(err, errlen, "bad value for --timeout: '%.40s' (milliseconds, 1..3600000)", v);
            return -EINVAL;
        }
        c->timeout_ms = ms;
        return 0;
    }
    case CLI_OPT_OUTPUT:
        if (strcmp(v, "table") == 0)
            c->format = CLI_FMT_TABLE;
        else if (strcmp(v, "json") == 0)
            c->format = CLI_FMT_JSON;
        else {
            snprintf(err, errlen, "bad value for -o: '%.40s' (table or json)", v);
            return -EINVAL;
        }
        return 0;
    case CLI_OPT_TOKEN:
        if (strlen(v) >= sizeof(c->token)) {
            snprintf(err, errlen, "--token is too long");
            return -EINVAL;
        }
        copy(c->token, sizeof(c->token), v);
        return 0;
    default:
        snprintf(err, errlen, "unexpected option");
        return -EINVAL;
    }
}

void cli_resolve(cli *c)
{
    if (!c->store_url[0])
        snprintf(c->store_url, sizeof(c->store_url), "ipc://%s/store.sock", c->run_dir);
    if (!c->hub_url[0])
        snprintf(c->hub_url, sizeof(c->hub_url), "ipc://%s/hub.sock", c->run_dir);
    if (!c->driver_url[0])
        snprintf(c->driver_url, sizeof(c->driver_url), "ipc://%s/outrigd.sock", c->run_dir);
}

int cli_usage(const char *synopsis, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("outrig: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "usage: %s\n", synopsis);
    return CLI_EXIT_USAGE;
}

int cli_parse(cli *c, const char *synopsis, int argc, char **argv, int from, const args_opt *local,
              int min_pos, int max_pos, cli_args *out)
{
    memset(out, 0, sizeof(*out));
    args_iter it;
    args_init(&it, argc, argv, from, cli_global_opts, local);
    for (;;) {
        const char *v;
        int id = args_next(&it, &v);
        if (id == ARGS_END)
            break;
        if (id == ARGS_ERROR)
            return cli_usage(synopsis, "%s", it.err);
        if (id == ARGS_POSITIONAL) {
            if (out->npos >= max_pos)
                return cli_usage(synopsis, "unexpected argument '%.60s'", v);
            out->pos[out->npos++] = v;
            continue;
        }
        if (id == CLI_OPT_HELP) {
            printf("usage: %s\n", synopsis);
            return -1;
        }
        if (id >= CLI_OPT_RUN_DIR) {
            char err[160];
            if (cli_global_opt(c, id, v, err, sizeof(err)) != 0)
                return cli_usage(synopsis, "%s", err);
            continue;
        }
        if (out->nopts >= CLI_MAX_OPTS)
            return cli_usage(synopsis, "too many options");
        out->opts[out->nopts].id = id;
        out->opts[out->nopts].value = v ? v : "";
        out->nopts++;
    }
    if (out->npos < min_pos)
        return cli_usage(synopsis, "missing argument%s", min_pos - out->npos > 1 ? "s" : "");
    cli_resolve(c);
    return 0;
}

int cli_next_word(cli *c, const char *synopsis, int argc, char **argv, int *from, const char **name)
{
    args_iter it;
    args_init(&it, argc, argv, *from, cli_global_opts, NULL);
    it.stop_at_positional = true;
    for (;;) {
        const char *v;
        int id = args_next(&it, &v);
        if (id == ARGS_END)
            return cli_usage(synopsis, "missing command");
        if (id == ARGS_ERROR)
            return cli_usage(synopsis, "%s", it.err);
        if (id == ARGS_POSITIONAL) {
            *name = v;
            *from = it.i + 1;
            return 0;
        }
        if (id == CLI_OPT_HELP) {
            printf("usage: %s\n", synopsis);
            return -1;
        }
        char err[160];
        if (cli_global_opt(c, id, v, err, sizeof(err)) != 0)
            return cli_usage(synopsis, "%s", err);
    }
}

const char *cli_arg(const cli_args *a, int id)
{
    const char *v = NULL;
    for (int i = 0; i < a->nopts; i++)
        if (a->opts[i].id == id)
            v = a->opts[i].value;
    return v;
}

int cli_arg_u64(const cli_args *a, int id, const char *synopsis, uint64_t def, uint64_t *out)
{
    const char *v = cli_arg(a, id);
    *out = def;
    if (!v)
        return 0;
    if (args_parse_u64(v, out) != 0)
        return cli_usage(synopsis, "not a number: '%.40s'", v);
    return 0;
}

const cli_sub *cli_pick(cli *c, const char *synopsis, const char *group, int argc, char **argv,
                        int from, const cli_sub *subs, size_t n, size_t stride, cli_args *a,
                        int *rc)
{
    const char *name;
    *rc = cli_next_word(c, synopsis, argc, argv, &from, &name);
    if (*rc) {
        *rc = *rc < 0 ? 0 : *rc;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const cli_sub *s = (const cli_sub *)((const char *)subs + i * stride);
        if (strcmp(s->name, name) != 0)
            continue;
        *rc = cli_parse(c, s->synopsis, argc, argv, from, s->opts, s->min_pos, s->max_pos, a);
        if (*rc) {
            *rc = *rc < 0 ? 0 : *rc;
            return NULL;
        }
        return s;
    }
    *rc = cli_usage(synopsis, "unknown %s%scommand '%.40s'", group ? group : "", group ? " " : "",
                    name);
    return NULL;
}

static void print_unreachable(const char *name, const char *url, const char *why)
{
    fprintf(stderr, "outrig: cannot reach %s at %s: is outrigd running? (%s)\n", name, url, why);
}

bool cli_check_reachable_quiet(const char *url)
{
    // A missing ipc socket file means nobody listens: say so now rather than
    // after the whole timeout.
    struct stat sb;
    return strncmp(url, "ipc://", 6) != 0 || (stat(url + 6, &sb) == 0 && S_ISSOCK(sb.st_mode));
}

int cli_check_reachable(const char *name, const char *url)
{
    if (!cli_check_reachable_quiet(url)) {
        print_unreachable(name, url, "UNAVAILABLE");
        return CLI_EXIT_UNREACHABLE;
    }
    return 0;
}

rpc_client_opts cli_client_opts(const cli *c)
{
    rpc_client_opts o = {.token = c->token[0] ? c->token : NULL, .timeout_ms = c->timeout_ms};
    return o;
}

int cli_connect(cli *c, cli_endpoint *ep, const char *name, const char *url)
{
    memset(ep, 0, sizeof(*ep));
    ep->name = name;
    ep->url = url;
    int rc = cli_check_reachable(name, url);
    if (rc)
        return rc;
    rpc_client_opts o = cli_client_opts(c);
    ep->client = rpc_client_open(url, &o);
    if (!ep->client) {
        print_unreachable(name, url, "UNAVAILABLE");
        return CLI_EXIT_UNREACHABLE;
    }
    return 0;
}

void cli_disconnect(cli_endpoint *ep)
{
    rpc_client_close(ep->client);
    ep->client = NULL;
}

rpc_code cli_call_quiet(cli *c, cli_endpoint *ep, const char *method, const ProtobufCMessage *in,
                        const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                        rpc_status *st)
{
    rpc_call_opts o = {.timeout_ms = c->timeout_ms, .idempotent = true};
    return rpc_client_call(ep->client, method, in, out_desc, out, &o, st);
}

int cli_report(const char *name, const char *url, rpc_code code, const rpc_status *st)
{
    if (code == RPC_UNAVAILABLE) {
        print_unreachable(name, url, rpc_code_name(code));
        return CLI_EXIT_UNREACHABLE;
    }
    const char *msg = st && st->message[0] ? st->message : "call failed";
    if (st && st->field[0])
        fprintf(stderr, "%s: %s (%s)\n", rpc_code_name(code), msg, st->field);
    else
        fprintf(stderr, "%s: %s\n", rpc_code_name(code), msg);
    return CLI_EXIT_FAIL;
}

int cli_call(cli *c, cli_endpoint *ep, const char *method, const ProtobufCMessage *in,
             const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out, bool idempotent,
             rpc_status *st)
{
    rpc_status local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof(*st));
    rpc_call_opts o = {.timeout_ms = c->timeout_ms, .idempotent = idempotent};
    rpc_code code = rpc_client_call(ep->client, method, in, out_desc, out, &o, st);
    if (code == RPC_OK)
        return 0;
    return cli_report(ep->name, ep->url, code, st);
}

int cli_call_at(cli *c, const char *name, const char *url, const char *method,
                const ProtobufCMessage *in, const ProtobufCMessageDescriptor *out_desc,
                ProtobufCMessage **out, bool idempotent)
{
    ProtobufCMessage *reply = NULL;
    cli_endpoint ep;
    int rc = cli_connect(c, &ep, name, url);
    if (!rc)
        rc = cli_call(c, &ep, method, in, out_desc, &reply, idempotent, NULL);
    cli_disconnect(&ep);
    if (reply && (rc || !out)) {
        protobuf_c_message_free_unpacked(reply, NULL);
        reply = NULL;
    }
    if (out)
        *out = reply;
    return rc;
}

int cli_print_json(cli *c, out_json *j)
{
    int err;
    const char *s = out_json_finish(j, &err);
    if (!s) {
        fprintf(stderr, "outrig: cannot format JSON output (%s)\n", strerror(-err));
        return CLI_EXIT_FAIL;
    }
    fputs(s, c->out);
    fputc('\n', c->out);
    return cli_flush(c);
}

static int print_rows(cli *c, const cli_list *l, const void *reply, size_t from, size_t to)
{
    out_table *t = out_table_new(l->ncols, l->headers);
    int rc = t ? 0 : CLI_EXIT_FAIL;
    for (size_t i = from; !rc && i < to; i++)
        rc = l->row(t, reply, i) ? CLI_EXIT_FAIL : 0;
    if (!rc)
        out_table_print(t, c->out);
    out_table_free(t);
    return rc;
}

int cli_print_list(cli *c, const cli_list *l, const void *reply, size_t n)
{
    if (c->format == CLI_FMT_TABLE)
        return print_rows(c, l, reply, 0, n);
    out_json j;
    out_json_init(&j);
    if (l->json_key) {
        out_json_object_begin(&j);
        out_json_key(&j, l->json_key);
    }
    out_json_array_begin(&j);
    for (size_t i = 0; i < n; i++)
        l->json(&j, reply, i);
    out_json_array_end(&j);
    if (l->json_key)
        out_json_object_end(&j);
    int rc = cli_print_json(c, &j);
    out_json_free(&j);
    return rc;
}

int cli_print_item(cli *c, const cli_list *l, const void *reply, size_t i)
{
    if (c->format == CLI_FMT_TABLE)
        return print_rows(c, l, reply, i, i + 1);
    out_json j;
    out_json_init(&j);
    l->json(&j, reply, i);
    int rc = cli_print_json(c, &j);
    out_json_free(&j);
    return rc;
}

int cli_flush(cli *c)
{
    if (fflush(c->out) != 0 || ferror(c->out)) {
        // Nobody reads any more (a closed pipe): streams stop.
        cli_interrupted = 1;
        return CLI_EXIT_FAIL;
    }
    return 0;
}

static void on_signal(int sig)
{
    cli_interrupted = 1;
}

void cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

cli_stream *cli_stream_new(cli *c, uint64_t count)
{
    cli_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->c = c;
    s->count = count;
    out_json_init(&s->j);
    cli_catch_signals();
    return s;
}

void cli_stream_free(cli_stream *s)
{
    if (!s)
        return;
    out_json_free(&s->j);
    free(s);
}

bool cli_stream_full(cli_stream *s)
{
    return s->count && atomic_load(&s->seen) >= s->count;
}

out_json *cli_stream_json(cli_stream *s)
{
    out_json_reset(&s->j);
    return &s->j;
}

void cli_stream_sent(cli_stream *s)
{
    if (s->c->format == CLI_FMT_JSON)
        cli_print_json(s->c, &s->j);
    else
        cli_flush(s->c);
    atomic_fetch_add(&s->seen, 1);
}

void cli_stream_run(cli_stream *s, void (*poll)(void *arg), void *arg)
{
    while (!cli_interrupted && !cli_stream_full(s)) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        poll(arg);
    }
}
