// outrig link list|show: the links of outrig-linker (service outrig.v1.Linker).
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "link_cmd.h"
#include "outrig/v1/linker.pb-c.h"

enum { OPT_NS = 1, OPT_URL = 2 };

static const char *state_name(Outrig__V1__Link__State s)
{
    switch (s) {
    case OUTRIG__V1__LINK__STATE__PENDING:
        return "PENDING";
    case OUTRIG__V1__LINK__STATE__ESTABLISHING:
        return "ESTABLISHING";
    case OUTRIG__V1__LINK__STATE__UP:
        return "UP";
    case OUTRIG__V1__LINK__STATE__FAILED:
        return "FAILED";
    default:
        return "?";
    }
}

static void json_end(out_json *j, const char *key, const Outrig__V1__LinkEnd *e)
{
    out_json_key(j, key);
    out_json_object_begin(j);
    if (e) {
        out_json_kv_str(j, "vnf_id", e->vnf_id);
        out_json_kv_str(j, "cp_id", e->cp_id);
        out_json_kv_str(j, "address", e->address);
        out_json_kv_str(j, "site", e->site);
        out_json_kv_str(j, "host", e->host);
        out_json_kv_bool(j, "ready", e->ready);
    }
    out_json_object_end(j);
}

static void json_link(out_json *j, const Outrig__V1__Link *l)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "id", l->id);
    out_json_kv_str(j, "ns_id", l->ns_id);
    out_json_kv_str(j, "virtual_link", l->virtual_link);
    out_json_kv_str(j, "state", state_name(l->state));
    out_json_kv_str(j, "reason", l->reason);
    json_end(j, "a", l->a);
    json_end(j, "b", l->b);
    out_json_kv_u64(j, "attempts", l->attempts);
    out_json_kv_u64(j, "vni", l->vni);
    out_json_kv_u64(j, "ready_to_up_us", l->ready_us);
    out_json_kv_u64(j, "updated_unix_ms", l->updated_unix_ms);
    out_json_object_end(j);
}

static void end_cell(const Outrig__V1__LinkEnd *e, char *buf, size_t n)
{
    if (!e) {
        snprintf(buf, n, "-");
        return;
    }
    snprintf(buf, n, "%s/%s%s%s%s", e->vnf_id, e->cp_id, *e->address ? " " : "", e->address,
             e->ready ? "" : " (down)");
}

void link_json_array(out_json *j, Outrig__V1__Link **ls, size_t n)
{
    out_json_array_begin(j);
    for (size_t i = 0; i < n; i++)
        json_link(j, ls[i]);
    out_json_array_end(j);
}

void link_table_print(FILE *f, Outrig__V1__Link **ls, size_t n)
{
    static const char *const h[] = {"LINK", "STATE", "A", "B", "VNI", "REASON"};
    out_table *t = out_table_new(6, h);
    for (size_t i = 0; t && i < n; i++) {
        const Outrig__V1__Link *l = ls[i];
        char a[200], b[200], vni[16];
        end_cell(l->a, a, sizeof a);
        end_cell(l->b, b, sizeof b);
        snprintf(vni, sizeof vni, "%u", l->vni);
        const char *cells[] = {l->id, state_name(l->state), a,
                               b,     l->vni ? vni : "-",   *l->reason ? l->reason : "-"};
        out_table_add(t, cells);
    }
    if (t)
        out_table_print(t, f);
    out_table_free(t);
}

static int print_links(cli *c, Outrig__V1__Link **ls, size_t n)
{
    if (c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        link_json_array(&j, ls, n);
        int rc = cli_print_json(c, &j);
        out_json_free(&j);
        return rc;
    }
    link_table_print(c->out, ls, n);
    return 0;
}

static void linker_url(cli *c, const char *opt, char *url, size_t n)
{
    const char *u = opt ? opt : getenv("OUTRIG_LINKER");
    if (u && *u)
        snprintf(url, n, "%s", u);
    else
        snprintf(url, n, "ipc://%s/linker.sock", c->run_dir);
}

static int link_call(cli *c, const cli_args *a, const char *method, const ProtobufCMessage *in,
                     const ProtobufCMessageDescriptor *od, ProtobufCMessage **out)
{
    char url[CLI_URL_MAX];
    linker_url(c, cli_arg(a, OPT_URL), url, sizeof url);
    cli_endpoint ep = {0};
    int rc = cli_connect(c, &ep, "outrig-linker", url);
    if (rc == 0) {
        char full[96];
        snprintf(full, sizeof full, "/outrig.v1.Linker/%s", method);
        rc = cli_call(c, &ep, full, in, od, out, true, NULL);
    }
    cli_disconnect(&ep);
    return rc;
}

int link_list_quiet(cli *c, const char *ns, Outrig__V1__LinkListResponse **out)
{
    char url[CLI_URL_MAX];
    linker_url(c, NULL, url, sizeof url);
    cli_endpoint ep = {0};
    *out = NULL;
    int rc = cli_connect(c, &ep, "outrig-linker", url);
    if (rc == 0) {
        Outrig__V1__LinkListRequest req = OUTRIG__V1__LINK_LIST_REQUEST__INIT;
        req.ns_id = (char *)ns;
        rpc_code code = cli_call_quiet(c, &ep, "/outrig.v1.Linker/ListLinks", &req.base,
                                       &outrig__v1__link_list_response__descriptor,
                                       (ProtobufCMessage **)out, NULL);
        rc = code == RPC_OK ? 0 : -1;
    }
    cli_disconnect(&ep);
    return rc;
}

#define SYN_LINK "outrig link list|show ... (outrig link CMD --help)"
#define SYN_LIST "outrig link list [--ns ID] [--linker URL] [-o table|json]"
#define SYN_SHOW "outrig link show ID [--linker URL] [-o table|json]"

int cmd_link(cli *c, int argc, char **argv, int from)
{
    static const args_opt list_opts[] = {
        {"ns", 0, true, OPT_NS}, {"linker", 0, true, OPT_URL}, {0}};
    static const args_opt show_opts[] = {{"linker", 0, true, OPT_URL}, {0}};
    const char *name;
    int rc = cli_next_word(c, SYN_LINK, argc, argv, &from, &name);
    if (rc)
        return rc < 0 ? 0 : rc;
    bool list = !strcmp(name, "list");
    if (!list && strcmp(name, "show"))
        return cli_usage(SYN_LINK, "unknown command '%.40s'", name);
    cli_args a;
    rc = cli_parse(c, list ? SYN_LIST : SYN_SHOW, argc, argv, from, list ? list_opts : show_opts,
                   list ? 0 : 1, list ? 0 : 1, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    cli_resolve(c);
    if (list) {
        Outrig__V1__LinkListRequest req = OUTRIG__V1__LINK_LIST_REQUEST__INIT;
        const char *ns = cli_arg(&a, OPT_NS);
        req.ns_id = (char *)(ns ? ns : "");
        Outrig__V1__LinkListResponse *res = NULL;
        rc = link_call(c, &a, "ListLinks", &req.base, &outrig__v1__link_list_response__descriptor,
                       (ProtobufCMessage **)&res);
        if (rc == 0)
            rc = print_links(c, res->links, res->n_links);
        if (res)
            protobuf_c_message_free_unpacked(&res->base, NULL);
        return rc;
    }
    Outrig__V1__LinkGetRequest req = OUTRIG__V1__LINK_GET_REQUEST__INIT;
    req.id = (char *)a.pos[0];
    Outrig__V1__Link *l = NULL;
    rc = link_call(c, &a, "GetLink", &req.base, &outrig__v1__link__descriptor,
                   (ProtobufCMessage **)&l);
    if (rc == 0)
        rc = print_links(c, &l, 1);
    if (l)
        protobuf_c_message_free_unpacked(&l->base, NULL);
    return rc;
}
