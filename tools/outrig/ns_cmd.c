// outrig ns create|list|show|delete|scale|heal: network services and their lifecycle
// operations; --wait follows the operation and shows each VNF's progress.
#include <stdlib.h>
#include <string.h>

#include "orch_cmd.h"

enum {
    OPT_NSD = 1,
    OPT_NAME,
    OPT_SITE_MAP,
    OPT_ANTI,
    OPT_OP_ID,
    OPT_KEEP,
    OPT_WAIT,
    OPT_WAIT_MS,
    OPT_DF,
    OPT_PROFILE,
    OPT_DELTA,
    OPT_COUNT,
    OPT_INSTANCE,
};

#define SYN_CREATE                                                                                 \
    "outrig ns create --nsd ID --name NAME [--site-map PROFILE=SITE,...] [--anti-affinity]\n"      \
    "              [--df ID] [--op-id ID] [--keep-on-failure] [--wait] [--wait-ms MS] "            \
    "[-o table|json]"
#define SYN_DELETE "outrig ns delete NAME [--op-id ID] [--wait] [--wait-ms MS] [-o table|json]"
#define SYN_SCALE                                                                                  \
    "outrig ns scale NAME --profile P (--delta [-]N | --count N) [--op-id ID] [--keep-on-failure]" \
    "\n              [--wait] [--wait-ms MS] [-o table|json]"
#define SYN_HEAL                                                                                   \
    "outrig ns heal NAME [--instance ID] [--op-id ID] [--wait] [--wait-ms MS] [-o table|json]"

#define COMMON_OPTS                                                                                \
    {"op-id", 0, true, OPT_OP_ID}, {"wait", 0, false, OPT_WAIT},                                   \
        {"wait-ms", 0, true, OPT_WAIT_MS}, {"keep-on-failure", 0, false, OPT_KEEP}, ORCH_URL_OPT

static const args_opt create_opts[] = {{"nsd", 0, true, OPT_NSD},
                                       {"name", 0, true, OPT_NAME},
                                       {"site-map", 0, true, OPT_SITE_MAP},
                                       {"anti-affinity", 0, false, OPT_ANTI},
                                       {"df", 0, true, OPT_DF},
                                       COMMON_OPTS,
                                       {0}};
static const args_opt op_opts[] = {{"profile", 0, true, OPT_PROFILE},
                                   {"delta", 0, true, OPT_DELTA},
                                   {"count", 0, true, OPT_COUNT},
                                   {"instance", 0, true, OPT_INSTANCE},
                                   COMMON_OPTS,
                                   {0}};
static const args_opt plain_opts[] = {ORCH_URL_OPT, {0}};

// Prints the operation the request started, or follows it with --wait.
static int started(orch_ctx *o, const cli_args *a, const char *synopsis, Outrig__V1__Operation *op)
{
    int rc;
    if (cli_arg(a, OPT_WAIT)) {
        uint64_t ms;
        if ((rc = cli_arg_u64(a, OPT_WAIT_MS, synopsis, 300000, &ms)))
            return rc;
        if (o->c->format == CLI_FMT_TABLE)
            fprintf(o->c->out, "operation %s (%s of %s):\n", op->id,
                    op->type == OUTRIG__V1__OPERATION__TYPE__INSTANTIATE ? "instantiate"
                    : op->type == OUTRIG__V1__OPERATION__TYPE__TERMINATE ? "terminate"
                    : op->type == OUTRIG__V1__OPERATION__TYPE__SCALE     ? "scale"
                                                                         : "heal",
                    op->ns_id);
        rc = orch_wait_op(o, op->id, (uint32_t)(ms > 86400000 ? 86400000 : ms));
    } else {
        rc = orch_print_op(o, op, NULL, 0);
    }
    protobuf_c_message_free_unpacked(&op->base, NULL);
    return rc;
}

static int ns_create(orch_ctx *o, const cli_args *a)
{
    Outrig__V1__CreateNsRequest req = OUTRIG__V1__CREATE_NS_REQUEST__INIT;
    const char *nsd = cli_arg(a, OPT_NSD), *name = cli_arg(a, OPT_NAME);
    if (!nsd || !name)
        return cli_usage(SYN_CREATE, "--nsd and --name are required");
    req.nsd_id = (char *)nsd;
    req.name = (char *)name;
    const char *v;
    if ((v = cli_arg(a, OPT_DF)))
        req.df_id = (char *)v;
    if ((v = cli_arg(a, OPT_OP_ID)))
        req.op_id = (char *)v;
    req.anti_affinity = cli_arg(a, OPT_ANTI) != NULL;
    req.keep_on_failure = cli_arg(a, OPT_KEEP) != NULL;
    // --site-map p=s,p=s (may be given more than once).
    Outrig__V1__CreateNsRequest__SiteMapEntry ents[32], *ep[32];
    char buf[2048];
    size_t off = 0;
    for (int i = 0; i < a->nopts; i++) {
        if (a->opts[i].id != OPT_SITE_MAP)
            continue;
        size_t l = strlen(a->opts[i].value);
        if (off + l + 2 > sizeof buf)
            return cli_usage(SYN_CREATE, "--site-map: too long");
        memcpy(buf + off, a->opts[i].value, l + 1);
        char *save = NULL;
        for (char *tok = strtok_r(buf + off, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(tok, '=');
            if (!eq || eq == tok || !eq[1] || req.n_site_map >= 32)
                return cli_usage(SYN_CREATE, "--site-map: expected PROFILE=SITE,...");
            *eq = 0;
            outrig__v1__create_ns_request__site_map_entry__init(&ents[req.n_site_map]);
            ents[req.n_site_map].key = tok;
            ents[req.n_site_map].value = eq + 1;
            ep[req.n_site_map] = &ents[req.n_site_map];
            req.n_site_map++;
        }
        off += l + 1;
    }
    req.site_map = ep;
    Outrig__V1__Operation *op = NULL;
    // Safe to retry only with a caller-chosen op id: the orchestrator answers a repeat with
    // the recorded operation.
    int rc = orch_call(o, "CreateNs", &req.base, &outrig__v1__operation__descriptor,
                       (ProtobufCMessage **)&op, *req.op_id != 0);
    if (rc)
        return rc;
    return started(o, a, SYN_CREATE, op);
}

static int ns_op(orch_ctx *o, const cli_args *a, const char *method, const char *synopsis)
{
    Outrig__V1__NsOpRequest req = OUTRIG__V1__NS_OP_REQUEST__INIT;
    req.ns_id = (char *)a->pos[0];
    const char *v;
    if ((v = cli_arg(a, OPT_OP_ID)))
        req.op_id = (char *)v;
    req.keep_on_failure = cli_arg(a, OPT_KEEP) != NULL;
    if ((v = cli_arg(a, OPT_INSTANCE)))
        req.instance_id = (char *)v;
    if (!strcmp(method, "ScaleNs")) {
        const char *p = cli_arg(a, OPT_PROFILE), *d = cli_arg(a, OPT_DELTA);
        const char *c = cli_arg(a, OPT_COUNT);
        if (!p || (!d == !c))
            return cli_usage(synopsis, "--profile and one of --delta or --count are required");
        req.profile = (char *)p;
        if (d) {
            char *end;
            long x = strtol(d, &end, 10);
            if (*end || !*d || x == 0 || x < -10000 || x > 10000)
                return cli_usage(synopsis, "--delta: a non-zero number of instances");
            req.delta = (int32_t)x;
        } else {
            uint64_t n;
            int rc = cli_arg_u64(a, OPT_COUNT, synopsis, 0, &n);
            if (rc)
                return rc;
            if (n > 10000)
                return cli_usage(synopsis, "--count: at most 10000");
            req.count = (uint32_t)n;
        }
    }
    Outrig__V1__Operation *op = NULL;
    int rc = orch_call(o, method, &req.base, &outrig__v1__operation__descriptor,
                       (ProtobufCMessage **)&op, *req.op_id != 0);
    if (rc)
        return rc;
    return started(o, a, synopsis, op);
}

static int ns_delete(orch_ctx *o, const cli_args *a)
{
    return ns_op(o, a, "DeleteNs", SYN_DELETE);
}

static int ns_scale(orch_ctx *o, const cli_args *a)
{
    return ns_op(o, a, "ScaleNs", SYN_SCALE);
}

static int ns_heal(orch_ctx *o, const cli_args *a)
{
    return ns_op(o, a, "HealNs", SYN_HEAL);
}

static int ns_list(orch_ctx *o, const cli_args *a)
{
    Outrig__V1__ListNsResponse *res = NULL;
    int rc = orch_call_list(o, "ListNs", NULL, &outrig__v1__list_ns_response__descriptor,
                            (ProtobufCMessage **)&res);
    if (rc)
        return rc;
    rc = orch_print_ns(o, res->ns, res->n_ns, false);
    protobuf_c_message_free_unpacked(&res->base, NULL);
    return rc;
}

static int ns_show(orch_ctx *o, const cli_args *a)
{
    Outrig__V1__NsInfo *res = NULL;
    int rc = orch_call_id(o, "GetNs", a->pos[0], &outrig__v1__ns_info__descriptor,
                          (ProtobufCMessage **)&res, true);
    if (rc)
        return rc;
    rc = orch_print_ns(o, &res, 1, true);
    protobuf_c_message_free_unpacked(&res->base, NULL);
    return rc;
}

int cmd_ns(cli *c, int argc, char **argv, int from)
{
    static const orch_sub subs[] = {
        {{"create", SYN_CREATE, create_opts, 0, 0}, ns_create},
        {{"list", "outrig ns list [-o table|json]", plain_opts, 0, 0}, ns_list},
        {{"show", "outrig ns show NAME [-o table|json]", plain_opts, 1, 1}, ns_show},
        {{"delete", SYN_DELETE, op_opts, 1, 1}, ns_delete},
        {{"scale", SYN_SCALE, op_opts, 1, 1}, ns_scale},
        {{"heal", SYN_HEAL, op_opts, 1, 1}, ns_heal},
    };
    return orch_cmd_group(c, argc, argv, from, "outrig ns create|list|show|delete|scale|heal ...",
                          subs, sizeof subs / sizeof subs[0]);
}
