// outrig host list|tasks: the hosts whose agents hold a lease in the store (/host/<name>, a
// HostRecord), and the per-task counters of one host's opportunistic scheduler (ListTasks
// of the agent at the address its record gives).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent_cmd.h"
#include "commands.h"
#include "outrig/v1/agent.pb-c.h"
#include "store/store.h"

#define SYN_HOST "outrig host list|tasks ... (outrig host CMD --help)"
#define SYN_LIST "outrig host list [-o table|json]"
#define SYN_TASKS "outrig host tasks HOST [-o table|json]"

typedef struct list_ctx {
    cli *c;
    out_json *j;
    out_table *t;
    int rc;
} list_ctx;

static int host_row(const Outrig__V1__KeyValue *kv, void *arg)
{
    list_ctx *l = arg;
    Outrig__V1__HostRecord *h =
        outrig__v1__host_record__unpack(NULL, kv->value.len, kv->value.data);
    const char *name = strncmp(kv->key, "/host/", 6) ? kv->key : kv->key + 6;
    char started[40], pid[16], cpus[16], lease[24];
    cmd_format_time(h ? h->started_unix_ms : 0, started, sizeof started);
    snprintf(pid, sizeof pid, "%d", h ? h->pid : 0);
    snprintf(cpus, sizeof cpus, "%u", h ? h->cpus : 0);
    snprintf(lease, sizeof lease, "%" PRIu64, kv->lease);
    if (l->j) {
        out_json_object_begin(l->j);
        out_json_kv_str(l->j, "name", name);
        out_json_kv_str(l->j, "agent_url", h ? h->agent_url : "");
        out_json_key(l->j, "pid");
        out_json_i64(l->j, h ? h->pid : 0);
        out_json_kv_bool(l->j, "kvm", h && h->kvm);
        out_json_kv_u64(l->j, "cpus", h ? h->cpus : 0);
        out_json_kv_u64(l->j, "started_unix_ms", h ? h->started_unix_ms : 0);
        out_json_kv_str(l->j, "version", h ? h->version : "");
        out_json_kv_u64(l->j, "lease", kv->lease);
        out_json_kv_bool(l->j, "valid", h != NULL);
        out_json_object_end(l->j);
    } else {
        const char *cells[] = {name,   h ? h->agent_url : "(undecodable)",
                               pid,    h && h->kvm ? "yes" : "no",
                               cpus,   kv->lease ? lease : "-",
                               started};
        if (out_table_add(l->t, cells))
            l->rc = CLI_EXIT_FAIL;
    }
    if (h)
        outrig__v1__host_record__free_unpacked(h, NULL);
    return l->rc;
}

static int do_list(cli *c, const cli_args *a)
{
    store_client *sc = NULL;
    int rc = cmd_store_open(c, &sc);
    if (rc)
        return rc;
    static const char *const headers[] = {"HOST", "AGENT", "PID",    "KVM",
                                          "CPUS", "LEASE", "STARTED"};
    out_json j;
    out_json_init(&j);
    list_ctx l = {.c = c};
    if (c->format == CLI_FMT_JSON) {
        l.j = &j;
        out_json_object_begin(&j);
        out_json_key(&j, "hosts");
        out_json_array_begin(&j);
    } else if (!(l.t = out_table_new(7, headers))) {
        rc = CLI_EXIT_FAIL;
    }
    rpc_status st;
    rpc_code code = rc ? RPC_OK : store_range_all(sc, "/host/", 0, false, host_row, &l, &st);
    if (!rc && code != RPC_OK)
        rc = cli_report("outrig-store", c->store_url, code, &st);
    else if (!rc && l.rc)
        rc = l.rc;
    else if (!rc && l.j) {
        out_json_array_end(&j);
        out_json_object_end(&j);
        rc = cli_print_json(c, &j);
    } else if (!rc) {
        out_table_print(l.t, c->out);
    }
    out_table_free(l.t);
    out_json_free(&j);
    store_client_close(sc);
    return rc;
}

// The agent's address from the host's record.
static int agent_url_of(cli *c, const char *host, char *url, size_t len)
{
    store_client *sc = NULL;
    int rc = cmd_store_open(c, &sc);
    if (rc)
        return rc;
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/host/%s", host);
    Outrig__V1__KeyValue *kv = NULL;
    rpc_status st;
    rpc_code code = store_get(sc, key, &kv, &st);
    if (code == RPC_NOT_FOUND) {
        fprintf(stderr, "outrig: no host %s (its agent is not running or its lease expired)\n",
                host);
        rc = CLI_EXIT_FAIL;
    } else if (code != RPC_OK) {
        rc = cli_report("outrig-store", c->store_url, code, &st);
    } else {
        Outrig__V1__HostRecord *h =
            outrig__v1__host_record__unpack(NULL, kv->value.len, kv->value.data);
        if (!h || !h->agent_url[0]) {
            fprintf(stderr, "outrig: %s holds no agent address\n", key);
            rc = CLI_EXIT_FAIL;
        } else {
            snprintf(url, len, "%s", h->agent_url);
        }
        if (h)
            outrig__v1__host_record__free_unpacked(h, NULL);
    }
    store_kv_free(kv);
    store_client_close(sc);
    return rc;
}

static void class_json(out_json *j, const Outrig__V1__TaskClassCounters *k)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "vm_id", k->vm_id);
    out_json_kv_str(j, "class", k->task_class);
    out_json_kv_str(j, "mode", cmd_vm_mode_name(k->mode));
    out_json_kv_u64(j, "submitted", k->submitted);
    out_json_kv_u64(j, "completed", k->completed);
    out_json_kv_u64(j, "runs", k->runs);
    out_json_kv_u64(j, "us_spent", k->us_spent);
    out_json_kv_u64(j, "bytes_done", k->bytes_done);
    out_json_kv_u64(j, "fallbacks", k->fallbacks);
    out_json_kv_u64(j, "fallback_us", k->fallback_us);
    out_json_kv_u64(j, "fallback_bytes", k->fallback_bytes);
    out_json_object_end(j);
}

static void task_json(out_json *j, const Outrig__V1__TaskInfo *t)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "vm_id", t->vm_id);
    out_json_kv_u64(j, "id", t->id);
    out_json_kv_str(j, "class", t->task_class);
    out_json_kv_str(j, "state", t->state);
    out_json_kv_u64(j, "submitted_us", t->submitted_us);
    out_json_kv_u64(j, "deadline_us", t->deadline_us);
    out_json_kv_u64(j, "runs", t->runs);
    out_json_kv_u64(j, "us_spent", t->us_spent);
    out_json_kv_u64(j, "bytes_done", t->bytes_done);
    out_json_object_end(j);
}

static int print_tasks(cli *c, const char *host, const Outrig__V1__ListTasksResponse *r)
{
    if (c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        out_json_object_begin(&j);
        out_json_kv_str(&j, "host", host);
        out_json_key(&j, "classes");
        out_json_array_begin(&j);
        for (size_t i = 0; i < r->n_classes; i++)
            class_json(&j, r->classes[i]);
        out_json_array_end(&j);
        out_json_key(&j, "tasks");
        out_json_array_begin(&j);
        for (size_t i = 0; i < r->n_tasks; i++)
            task_json(&j, r->tasks[i]);
        out_json_array_end(&j);
        out_json_object_end(&j);
        int rc = cli_print_json(c, &j);
        out_json_free(&j);
        return rc;
    }
    static const char *const ch[] = {"VM",   "CLASS", "MODE",  "SUBMITTED", "COMPLETED",
                                     "RUNS", "US",    "BYTES", "FALLBACKS"};
    out_table *t = out_table_new(9, ch);
    int rc = t ? 0 : CLI_EXIT_FAIL;
    for (size_t i = 0; !rc && i < r->n_classes; i++) {
        const Outrig__V1__TaskClassCounters *k = r->classes[i];
        char v[6][24];
        uint64_t n[6] = {k->submitted, k->completed,  k->runs,
                         k->us_spent,  k->bytes_done, k->fallbacks};
        for (int x = 0; x < 6; x++)
            snprintf(v[x], sizeof v[x], "%" PRIu64, n[x]);
        const char *cells[] = {
            k->vm_id, k->task_class, cmd_vm_mode_name(k->mode), v[0], v[1], v[2], v[3], v[4], v[5]};
        rc = out_table_add(t, cells) ? CLI_EXIT_FAIL : 0;
    }
    if (!rc)
        out_table_print(t, c->out);
    out_table_free(t);
    if (!rc && r->n_tasks) {
        static const char *const th[] = {"VM", "TASK", "CLASS", "STATE", "RUNS", "US", "BYTES"};
        t = out_table_new(7, th);
        rc = t ? 0 : CLI_EXIT_FAIL;
        for (size_t i = 0; !rc && i < r->n_tasks; i++) {
            const Outrig__V1__TaskInfo *k = r->tasks[i];
            char id[24], runs[24], us[24], bytes[24];
            snprintf(id, sizeof id, "%" PRIu64, k->id);
            snprintf(runs, sizeof runs, "%" PRIu64, k->runs);
            snprintf(us, sizeof us, "%" PRIu64, k->us_spent);
            snprintf(bytes, sizeof bytes, "%" PRIu64, k->bytes_done);
            const char *cells[] = {k->vm_id, id, k->task_class, k->state, runs, us, bytes};
            rc = out_table_add(t, cells) ? CLI_EXIT_FAIL : 0;
        }
        if (!rc) {
            fputc('\n', c->out);
            out_table_print(t, c->out);
        }
        out_table_free(t);
    }
    return rc;
}

static int do_tasks(cli *c, const cli_args *a)
{
    char url[CLI_URL_MAX];
    int rc = agent_url_of(c, a->pos[0], url, sizeof url);
    if (rc)
        return rc;
    Outrig__V1__ListTasksRequest req = OUTRIG__V1__LIST_TASKS_REQUEST__INIT;
    ProtobufCMessage *out = NULL;
    rc = cli_call_at(c, "outrig-agent", url, "/outrig.v1.Agent/ListTasks", &req.base,
                     &outrig__v1__list_tasks_response__descriptor, &out, true);
    if (rc)
        return rc;
    rc = print_tasks(c, a->pos[0], (Outrig__V1__ListTasksResponse *)out);
    protobuf_c_message_free_unpacked(out, NULL);
    return rc;
}

static const struct host_sub {
    cli_sub sub;
    int (*fn)(cli *c, const cli_args *a);
} subcommands[] = {
    {{"list", SYN_LIST, NULL, 0, 0}, do_list},
    {{"tasks", SYN_TASKS, NULL, 1, 1}, do_tasks},
};

int cmd_host(cli *c, int argc, char **argv, int from)
{
    cli_args a;
    int rc;
    const struct host_sub *sub = (const struct host_sub *)cli_pick(
        c, SYN_HOST, "host", argc, argv, from, &subcommands[0].sub,
        sizeof subcommands / sizeof subcommands[0], sizeof subcommands[0], &a, &rc);
    return sub ? sub->fn(c, &a) : rc;
}
