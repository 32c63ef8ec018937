// outrig op list|show, and what every orchestrator command group shares (orch_cmd.h).
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"
#include "commands.h"
#include "link_cmd.h"
#include "orch_cmd.h"

int orch_call(orch_ctx *o, const char *method, const ProtobufCMessage *in,
              const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out, bool idempotent)
{
    if (!o->ep.client) {
        int rc = cli_connect(o->c, &o->ep, "outrig-orchestrator", o->url);
        if (rc)
            return rc;
    }
    char full[128];
    snprintf(full, sizeof full, "/outrig.v1.Orchestrator/%s", method);
    return cli_call(o->c, &o->ep, full, in, out_desc, out, idempotent, NULL);
}

int orch_call_id(orch_ctx *o, const char *method, const char *id,
                 const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                 bool idempotent)
{
    Outrig__V1__IdRequest req = OUTRIG__V1__ID_REQUEST__INIT;
    req.id = (char *)id;
    return orch_call(o, method, &req.base, out_desc, out, idempotent);
}

int orch_call_list(orch_ctx *o, const char *method, const char *filter,
                   const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out)
{
    Outrig__V1__ListRequest req = OUTRIG__V1__LIST_REQUEST__INIT;
    if (filter)
        req.filter = (char *)filter;
    return orch_call(o, method, &req.base, out_desc, out, true);
}

int orch_list_print(orch_ctx *o, const char *method, const char *filter,
                    const ProtobufCMessageDescriptor *out_desc, size_t n_off, const cli_list *l)
{
    ProtobufCMessage *res = NULL;
    int rc = orch_call_list(o, method, filter, out_desc, &res);
    if (rc)
        return rc;
    size_t n;
    memcpy(&n, (const char *)res + n_off, sizeof n);
    rc = cli_print_list(o->c, l, res, n);
    protobuf_c_message_free_unpacked(res, NULL);
    return rc;
}

int orch_delete(orch_ctx *o, const char *method, const char *what, const char *id)
{
    int rc = orch_call_id(o, method, id, &outrig__v1__empty__descriptor, NULL, false);
    if (!rc && o->c->format == CLI_FMT_JSON)
        fprintf(o->c->out, "{\"deleted\":true}\n");
    else if (!rc)
        fprintf(o->c->out, "deleted %s %s\n", what, id);
    return rc;
}

int orch_cmd_group(cli *c, int argc, char **argv, int from, const char *synopsis,
                   const orch_sub *subs, size_t n)
{
    cli_args a;
    int rc;
    const orch_sub *sub = (const orch_sub *)cli_pick(c, synopsis, NULL, argc, argv, from,
                                                     &subs[0].sub, n, sizeof subs[0], &a, &rc);
    if (!sub)
        return rc;
    orch_ctx o = {.c = c};
    const char *url = cli_arg(&a, ORCH_OPT_URL);
    if (!url)
        url = getenv("OUTRIG_ORCHESTRATOR");
    if (url && *url)
        snprintf(o.url, sizeof o.url, "%s", url);
    else
        snprintf(o.url, sizeof o.url, "ipc://%s/orchestrator.sock", c->run_dir);
    rc = sub->fn(&o, &a);
    cli_disconnect(&o.ep);
    return rc;
}

void orch_json_vnf(out_json *j, const Outrig__V1__VnfRecord *v)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "instance_id", v->instance_id);
    out_json_kv_str(j, "ns_id", v->ns_id);
    out_json_kv_str(j, "profile", v->profile);
    out_json_kv_u64(j, "index", v->index);
    out_json_kv_str(j, "vnfd_id", v->vnfd_id);
    out_json_kv_str(j, "image", v->image);
    out_json_kv_str(j, "site", v->site);
    out_json_kv_str(j, "state", v->state);
    out_json_kv_str(j, "op_id", v->op_id);
    out_json_kv_u64(j, "vcpus", v->vcpus);
    out_json_kv_u64(j, "memory_mib", v->memory_mib);
    out_json_kv_u64(j, "start_us", v->start_us);
    if (*v->error)
        out_json_kv_str(j, "error", v->error);
    out_json_key(j, "cps");
    out_json_array_begin(j);
    for (size_t i = 0; i < v->n_cps; i++) {
        const Outrig__V1__CpRecord *cp = v->cps[i];
        out_json_object_begin(j);
        out_json_kv_str(j, "id", cp->id);
        out_json_kv_str(j, "virtual_link", cp->virtual_link);
        out_json_kv_str(j, "address", cp->address);
        out_json_kv_str(j, "peer_address", cp->peer_address);
        out_json_object_end(j);
    }
    out_json_array_end(j);
    out_json_object_end(j);
}

void orch_json_op(out_json *j, const Outrig__V1__Operation *op)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "id", op->id);
    out_json_kv_str(j, "ns_id", op->ns_id);
    out_json_kv_str(j, "type", orch_op_type_name(op->type));
    out_json_kv_str(j, "state", orch_op_state_name(op->state));
    out_json_kv_str(j, "error", op->error);
    out_json_kv_bool(j, "keep_on_failure", op->keep_on_failure);
    out_json_key(j, "targets");
    out_json_array_begin(j);
    for (size_t i = 0; i < op->n_targets; i++)
        out_json_str(j, op->targets[i]);
    out_json_array_end(j);
    if (op->type == OUTRIG__V1__OPERATION__TYPE__SCALE) {
        out_json_kv_str(j, "scale_profile", op->scale_profile);
        out_json_key(j, "scale_delta");
        out_json_i64(j, op->scale_delta);
    }
    out_json_kv_u64(j, "created_unix_ms", op->created_unix_ms);
    out_json_kv_u64(j, "updated_unix_ms", op->updated_unix_ms);
    out_json_kv_u64(j, "orchestrator_us", op->orchestrator_us);
    out_json_kv_u64(j, "sites_us", op->sites_us);
    out_json_kv_u64(j, "attempts", op->attempts);
    out_json_object_end(j);
}

static void vnf_table(FILE *f, Outrig__V1__VnfRecord **v, size_t n)
{
    static const char *const h[] = {"INSTANCE", "PROFILE", "SITE", "STATE", "IMAGE", "ADDRESSES"};
    out_table *t = out_table_new(6, h);
    for (size_t i = 0; t && i < n; i++) {
        char addrs[256] = "";
        size_t off = 0;
        for (size_t k = 0; k < v[i]->n_cps && off < sizeof addrs; k++)
            off += (size_t)snprintf(addrs + off, sizeof addrs - off, "%s%s=%s", k ? " " : "",
                                    v[i]->cps[k]->id,
                                    *v[i]->cps[k]->address ? v[i]->cps[k]->address : "-");
        const char *cells[] = {v[i]->instance_id, v[i]->profile, v[i]->site,
                               v[i]->state,       v[i]->image,   addrs};
        out_table_add(t, cells);
    }
    if (t)
        out_table_print(t, f);
    out_table_free(t);
}

int orch_print_op(orch_ctx *o, const Outrig__V1__Operation *op, Outrig__V1__VnfRecord **vnfs,
                  size_t n_vnfs)
{
    if (o->c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        if (vnfs) {
            out_json_object_begin(&j);
            out_json_key(&j, "op");
            orch_json_op(&j, op);
            out_json_key(&j, "vnfs");
            out_json_array_begin(&j);
            for (size_t i = 0; i < n_vnfs; i++)
                orch_json_vnf(&j, vnfs[i]);
            out_json_array_end(&j);
            out_json_object_end(&j);
        } else {
            orch_json_op(&j, op);
        }
        int rc = cli_print_json(o->c, &j);
        out_json_free(&j);
        return rc;
    }
    char t[40];
    cmd_format_time(op->created_unix_ms, t, sizeof t);
    fprintf(o->c->out, "op:       %s\nns:       %s\ntype:     %s\nstate:    %s\ncreated:  %s\n",
            op->id, op->ns_id, orch_op_type_name(op->type), orch_op_state_name(op->state), t);
    if (*op->error)
        fprintf(o->c->out, "error:    %s\n", op->error);
    if (op->orchestrator_us || op->sites_us)
        fprintf(o->c->out, "time:     orchestrator %" PRIu64 " us, sites %" PRIu64 " us\n",
                op->orchestrator_us, op->sites_us);
    if (vnfs && n_vnfs) {
        fprintf(o->c->out, "\n");
        vnf_table(o->c->out, vnfs, n_vnfs);
    }
    return 0;
}

// `ns show` adds the NS's links as the linker has them ("links": null when it is not reachable).
static void json_ns_links(orch_ctx *o, out_json *j, const char *ns)
{
    Outrig__V1__LinkListResponse *res = NULL;
    out_json_key(j, "links");
    if (link_list_quiet(o->c, ns, &res))
        out_json_null(j);
    else
        link_json_array(j, res->links, res->n_links);
    if (res)
        protobuf_c_message_free_unpacked(&res->base, NULL);
}

static void table_ns_links(orch_ctx *o, const char *ns)
{
    Outrig__V1__LinkListResponse *res = NULL;
    if (link_list_quiet(o->c, ns, &res)) {
        fprintf(o->c->out, "\nlinks:    unknown (outrig-linker not reachable)\n");
        return;
    }
    fprintf(o->c->out, "\nlinks:    %zu\n", res->n_links);
    if (res->n_links)
        link_table_print(o->c->out, res->links, res->n_links);
    protobuf_c_message_free_unpacked(&res->base, NULL);
}

int orch_print_ns(orch_ctx *o, Outrig__V1__NsInfo **ns, size_t n, bool detail)
{
    if (o->c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        if (!detail)
            out_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            const Outrig__V1__NsRecord *r = ns[i]->ns;
            out_json_object_begin(&j);
            out_json_kv_str(&j, "id", r->id);
            out_json_kv_str(&j, "nsd_id", r->nsd_id);
            out_json_kv_str(&j, "df_id", r->df_id);
            out_json_kv_str(&j, "state", r->state);
            out_json_kv_str(&j, "current_op", r->current_op);
            out_json_kv_bool(&j, "anti_affinity", r->anti_affinity);
            out_json_key(&j, "site_map");
            out_json_object_begin(&j);
            for (size_t k = 0; k < r->n_site_map; k++)
                out_json_kv_str(&j, r->site_map[k]->key, r->site_map[k]->value);
            out_json_object_end(&j);
            out_json_kv_u64(&j, "created_unix_ms", r->created_unix_ms);
            out_json_key(&j, "vnfs");
            out_json_array_begin(&j);
            for (size_t k = 0; k < ns[i]->n_vnfs; k++)
                orch_json_vnf(&j, ns[i]->vnfs[k]);
            out_json_array_end(&j);
            if (detail)
                json_ns_links(o, &j, r->id);
            out_json_object_end(&j);
        }
        if (!detail)
            out_json_array_end(&j);
        int rc = cli_print_json(o->c, &j);
        out_json_free(&j);
        return rc;
    }
    if (detail) {
        for (size_t i = 0; i < n; i++) {
            const Outrig__V1__NsRecord *r = ns[i]->ns;
            fprintf(o->c->out, "ns:       %s\nnsd:      %s (df %s)\nstate:    %s\n", r->id,
                    r->nsd_id, r->df_id, r->state);
            if (*r->current_op)
                fprintf(o->c->out, "op:       %s (in progress)\n", r->current_op);
            fprintf(o->c->out, "\n");
            vnf_table(o->c->out, ns[i]->vnfs, ns[i]->n_vnfs);
            table_ns_links(o, r->id);
        }
        return 0;
    }
    static const char *const h[] = {"NS", "NSD", "STATE", "VNFS", "SITES", "OP"};
    out_table *t = out_table_new(6, h);
    for (size_t i = 0; t && i < n; i++) {
        const Outrig__V1__NsRecord *r = ns[i]->ns;
        char cnt[16], sites[256] = "";
        snprintf(cnt, sizeof cnt, "%zu", ns[i]->n_vnfs);
        size_t off = 0;
        for (size_t k = 0; k < ns[i]->n_vnfs && off < sizeof sites; k++) {
            const char *s = ns[i]->vnfs[k]->site;
            if (!strstr(sites, s))
                off += (size_t)snprintf(sites + off, sizeof sites - off, "%s%s", off ? "," : "", s);
        }
        const char *cells[] = {r->id, r->nsd_id, r->state,
                               cnt,   sites,     *r->current_op ? r->current_op : "-"};
        out_table_add(t, cells);
    }
    if (t)
        out_table_print(t, o->c->out);
    out_table_free(t);
    return 0;
}

int orch_wait_op(orch_ctx *o, const char *id, uint32_t timeout_ms)
{
    struct timespec step = {0, 100 * 1000000L};
    char last[64][48];
    size_t nlast = 0;
    for (uint32_t waited = 0;; waited += 100) {
        Outrig__V1__OpInfo *info = NULL;
        int rc = orch_call_id(o, "GetOp", id, &outrig__v1__op_info__descriptor,
                              (ProtobufCMessage **)&info, true);
        if (rc)
            return rc;
        const Outrig__V1__Operation *op = info->op;
        bool table = o->c->format == CLI_FMT_TABLE;
        // Progress: a line per VNF of the operation whenever its state changes.
        for (size_t i = 0; table && i < info->n_vnfs; i++) {
            const Outrig__V1__VnfRecord *v = info->vnfs[i];
            bool mine = !strcmp(v->op_id, op->id);
            for (size_t t = 0; !mine && t < op->n_targets; t++)
                mine = !strcmp(op->targets[t], v->instance_id);
            if (!mine)
                continue;
            char cur[48];
            snprintf(cur, sizeof cur, "%.30s", v->state);
            if (i < 64 && i < nlast && !strcmp(last[i], cur))
                continue;
            fprintf(o->c->out, "  %-32s %-10s %-10s%s%s\n", v->instance_id, v->site, v->state,
                    *v->error ? " " : "", v->error);
            fflush(o->c->out);
            if (i < 64) {
                snprintf(last[i], sizeof last[i], "%s", cur);
                if (i >= nlast)
                    nlast = i + 1;
            }
        }
        if (op && orch_op_finished(op)) {
            rc = op->state == OUTRIG__V1__OPERATION__STATE__COMPLETED ? 0 : CLI_EXIT_FAIL;
            int prc = orch_print_op(o, op, NULL, 0);
            protobuf_c_message_free_unpacked(&info->base, NULL);
            return rc ? rc : prc;
        }
        protobuf_c_message_free_unpacked(&info->base, NULL);
        if (waited >= timeout_ms) {
            fprintf(stderr, "outrig: operation %s still in progress after %u ms\n", id, timeout_ms);
            return CLI_EXIT_FAIL;
        }
        nanosleep(&step, NULL);
    }
}

// ---- outrig op --------------------------------------------------------------------------

enum { OPT_NS = 1 };
static const args_opt list_opts[] = {{"ns", 0, true, OPT_NS}, ORCH_URL_OPT, {0}};
static const args_opt show_opts[] = {ORCH_URL_OPT, {0}};

static void op_item_json(out_json *j, const void *reply, size_t i)
{
    orch_json_op(j, ((const Outrig__V1__ListOpsResponse *)reply)->ops[i]);
}

static int op_row(out_table *t, const void *reply, size_t i)
{
    const Outrig__V1__Operation *op = ((const Outrig__V1__ListOpsResponse *)reply)->ops[i];
    char tm[40];
    cmd_format_time(op->created_unix_ms, tm, sizeof tm);
    const char *cells[] = {op->id,
                           op->ns_id,
                           orch_op_type_name(op->type),
                           orch_op_state_name(op->state),
                           tm,
                           *op->error ? op->error : "-"};
    return out_table_add(t, cells);
}

static int op_list(orch_ctx *o, const cli_args *a)
{
    static const char *const h[] = {"OP", "NS", "TYPE", "STATE", "CREATED", "ERROR"};
    static const cli_list list = {NULL, 6, h, op_item_json, op_row};
    const char *ns = cli_arg(a, OPT_NS);
    return orch_list_print(o, "ListOps", ns ? ns : "", &outrig__v1__list_ops_response__descriptor,
                           offsetof(Outrig__V1__ListOpsResponse, n_ops), &list);
}

static int op_show(orch_ctx *o, const cli_args *a)
{
    Outrig__V1__OpInfo *info = NULL;
    int rc = orch_call_id(o, "GetOp", a->pos[0], &outrig__v1__op_info__descriptor,
                          (ProtobufCMessage **)&info, true);
    if (rc)
        return rc;
    rc = orch_print_op(o, info->op, info->vnfs, info->n_vnfs);
    protobuf_c_message_free_unpacked(&info->base, NULL);
    return rc;
}

#define SYN_OP "outrig op list|show ... (outrig op CMD --help)"

int cmd_op(cli *c, int argc, char **argv, int from)
{
    static const orch_sub subs[] = {
        {{"list", "outrig op list [--ns ID] [-o table|json]", list_opts, 0, 0}, op_list},
        {{"show", "outrig op show ID [-o table|json]", show_opts, 1, 1}, op_show},
    };
    return orch_cmd_group(c, argc, argv, from, SYN_OP, subs, sizeof subs / sizeof subs[0]);
}
