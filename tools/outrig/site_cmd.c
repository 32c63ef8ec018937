// outrig site add|list|show|delete: the sites the orchestrator deploys VNFs to.
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "orch_cmd.h"

enum { OPT_KIND = 1, OPT_ENDPOINT, OPT_CAPACITY, OPT_MAX, OPT_OPTION };

#define SYN_ADD                                                                                    \
    "outrig site add NAME --kind lxc|agent --endpoint URL [--capacity vcpus=N,memory=MiB]\n"       \
    "              [--max-instances N] [--option KEY=VALUE]... [-o table|json]"

static const args_opt add_opts[] = {{"kind", 0, true, OPT_KIND},
                                    {"endpoint", 0, true, OPT_ENDPOINT},
                                    {"capacity", 0, true, OPT_CAPACITY},
                                    {"max-instances", 0, true, OPT_MAX},
                                    {"option", 0, true, OPT_OPTION},
                                    ORCH_URL_OPT,
                                    {0}};
static const args_opt plain_opts[] = {ORCH_URL_OPT, {0}};

static void site_json(out_json *j, const Outrig__V1__Site *s,
                      const Outrig__V1__ListSitesResponse__Usage *u)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "name", s->name);
    out_json_kv_str(j, "kind", s->kind);
    out_json_kv_str(j, "endpoint", s->endpoint);
    out_json_kv_u64(j, "vcpus", s->vcpus);
    out_json_kv_u64(j, "memory_mib", s->memory_mib);
    out_json_kv_u64(j, "max_instances", s->max_instances);
    out_json_key(j, "options");
    out_json_array_begin(j);
    for (size_t i = 0; i < s->n_options; i++)
        out_json_str(j, s->options[i]);
    out_json_array_end(j);
    if (u) {
        out_json_kv_u64(j, "instances", u->instances);
        out_json_kv_u64(j, "used_vcpus", u->used_vcpus);
        out_json_kv_u64(j, "used_memory_mib", u->used_memory_mib);
    }
    out_json_object_end(j);
}

static int print_site(orch_ctx *o, const Outrig__V1__Site *s)
{
    if (o->c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        site_json(&j, s, NULL);
        int rc = cli_print_json(o->c, &j);
        out_json_free(&j);
        return rc;
    }
    fprintf(o->c->out,
            "site:          %s\nkind:          %s\nendpoint:      %s\ncapacity:      vcpus=%u,"
            "memory=%" PRIu64 "\nmax-instances: %u\n",
            s->name, s->kind, s->endpoint, s->vcpus, s->memory_mib, s->max_instances);
    for (size_t i = 0; i < s->n_options; i++)
        fprintf(o->c->out, "option:        %s\n", s->options[i]);
    return 0;
}

static int site_add(orch_ctx *o, const cli_args *a)
{
    Outrig__V1__Site s = OUTRIG__V1__SITE__INIT;
    s.name = (char *)a->pos[0];
    const char *kind = cli_arg(a, OPT_KIND), *ep = cli_arg(a, OPT_ENDPOINT);
    if (!kind || !ep)
        return cli_usage(SYN_ADD, "--kind and --endpoint are required");
    s.kind = (char *)kind;
    s.endpoint = (char *)ep;
    const char *cap = cli_arg(a, OPT_CAPACITY);
    if (cap && orch_capacity_parse(cap, &s.vcpus, &s.memory_mib))
        return cli_usage(SYN_ADD, "--capacity: expected vcpus=N,memory=MiB");
    uint64_t maxi = 0;
    int rc = cli_arg_u64(a, OPT_MAX, SYN_ADD, 0, &maxi);
    if (rc)
        return rc;
    s.max_instances = (uint32_t)maxi;
    char *opts[CLI_MAX_OPTS];
    for (int i = 0; i < a->nopts; i++)
        if (a->opts[i].id == OPT_OPTION)
            opts[s.n_options++] = (char *)a->opts[i].value;
    s.options = opts;
    Outrig__V1__Site *res = NULL;
    rc = orch_call(o, "AddSite", &s.base, &outrig__v1__site__descriptor, (ProtobufCMessage **)&res,
                   false);
    if (rc)
        return rc;
    rc = print_site(o, res);
    protobuf_c_message_free_unpacked(&res->base, NULL);
    return rc;
}

static void site_item_json(out_json *j, const void *reply, size_t i)
{
    const Outrig__V1__ListSitesResponse *r = reply;
    site_json(j, r->sites[i], i < r->n_usage ? r->usage[i] : NULL);
}

static int site_row(out_table *t, const void *reply, size_t i)
{
    const Outrig__V1__ListSitesResponse *r = reply;
    const Outrig__V1__Site *s = r->sites[i];
    const Outrig__V1__ListSitesResponse__Usage *u = i < r->n_usage ? r->usage[i] : NULL;
    char n[32], cpu[32], mem[48];
    snprintf(n, sizeof n, "%u/%u", u ? u->instances : 0, s->max_instances);
    snprintf(cpu, sizeof cpu, "%u/%u", u ? u->used_vcpus : 0, s->vcpus);
    snprintf(mem, sizeof mem, "%" PRIu64 "/%" PRIu64, u ? u->used_memory_mib : 0, s->memory_mib);
    const char *cells[] = {s->name, s->kind, s->endpoint, n, cpu, mem};
    return out_table_add(t, cells);
}

static int site_list(orch_ctx *o, const cli_args *a)
{
    static const char *const h[] = {"SITE", "KIND", "ENDPOINT", "VNFS", "VCPUS", "MEMORY_MIB"};
    static const cli_list list = {NULL, 6, h, site_item_json, site_row};
    return orch_list_print(o, "ListSites", NULL, &outrig__v1__list_sites_response__descriptor,
                           offsetof(Outrig__V1__ListSitesResponse, n_sites), &list);
}

static int site_show(orch_ctx *o, const cli_args *a)
{
    Outrig__V1__Site *res = NULL;
    int rc = orch_call_id(o, "GetSite", a->pos[0], &outrig__v1__site__descriptor,
                          (ProtobufCMessage **)&res, true);
    if (rc)
        return rc;
    rc = print_site(o, res);
    protobuf_c_message_free_unpacked(&res->base, NULL);
    return rc;
}

static int site_delete(orch_ctx *o, const cli_args *a)
{
    return orch_delete(o, "DeleteSite", "site", a->pos[0]);
}

int cmd_site(cli *c, int argc, char **argv, int from)
{
    static const orch_sub subs[] = {
        {{"add", SYN_ADD, add_opts, 1, 1}, site_add},
        {{"list", "outrig site list [-o table|json]", plain_opts, 0, 0}, site_list},
        {{"show", "outrig site show NAME [-o table|json]", plain_opts, 1, 1}, site_show},
        {{"delete", "outrig site delete NAME", plain_opts, 1, 1}, site_delete},
    };
    return orch_cmd_group(c, argc, argv, from, "outrig site add|list|show|delete ...", subs,
                          sizeof subs / sizeof subs[0]);
}
