// outrig vm list|show|create|start|stop|delete: the micro-VMs of one agent (--agent URL,
// default ipc://<run dir>/agent.sock), over its Agent API.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent_cmd.h"
#include "commands.h"
#include "outrig/v1/agent.pb-c.h"

#define SYN_VM "outrig vm list|show|create|start|stop|delete ... (outrig vm CMD --help)"
#define SYN_LIST "outrig vm list [--agent URL] [-o table|json]"
#define SYN_SHOW "outrig vm show ID [--agent URL] [-o table|json]"
#define SYN_CREATE                                                                                 \
    "outrig vm create ID --guest NAME [--memory MIB] [--vcpus N]\n"                                \
    "              [--mode none|preemptive|opportunistic] [--cpu N] [--rate HZ] [--cost US]\n"     \
    "              [--budget US] [--hash-period MS] [--start] [--agent URL] [-o table|json]"
#define SYN_START "outrig vm start ID [--agent URL] [-o table|json]"
#define SYN_STOP "outrig vm stop ID [--agent URL] [-o table|json]"
#define SYN_DELETE "outrig vm delete ID [--agent URL]"

enum {
    OPT_AGENT = 1,
    OPT_GUEST,
    OPT_MEMORY,
    OPT_VCPUS,
    OPT_MODE,
    OPT_CPU,
    OPT_RATE,
    OPT_COST,
    OPT_BUDGET,
    OPT_HASH,
    OPT_START,
};

const char *cmd_vm_mode_name(int mode)
{
    switch (mode) {
    case OUTRIG__V1__AGENT_VM_MODE__AGENT_VM_MODE_PREEMPTIVE:
        return "preemptive";
    case OUTRIG__V1__AGENT_VM_MODE__AGENT_VM_MODE_OPPORTUNISTIC:
        return "opportunistic";
    default:
        return "none";
    }
}

static const char *state_name(int s)
{
    switch (s) {
    case OUTRIG__V1__AGENT_VM_STATE__AGENT_VM_CREATED:
        return "CREATED";
    case OUTRIG__V1__AGENT_VM_STATE__AGENT_VM_RUNNING:
        return "RUNNING";
    case OUTRIG__V1__AGENT_VM_STATE__AGENT_VM_STOPPED:
        return "STOPPED";
    case OUTRIG__V1__AGENT_VM_STATE__AGENT_VM_FAILED:
        return "FAILED";
    default:
        return "UNKNOWN";
    }
}

static void vm_json(out_json *j, const Outrig__V1__VmInfo *v, bool console)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "id", v->id);
    out_json_kv_str(j, "state", state_name(v->state));
    out_json_kv_str(j, "reason", v->reason);
    out_json_kv_str(j, "guest", v->guest);
    out_json_kv_str(j, "mode", cmd_vm_mode_name(v->mode));
    out_json_kv_u64(j, "memory_mib", v->memory_mib);
    out_json_kv_u64(j, "vcpus", v->vcpus);
    out_json_kv_bool(j, "exited", v->exited);
    out_json_kv_u64(j, "exit_code", v->exit_code);
    out_json_kv_u64(j, "items_done", v->items_done);
    out_json_kv_u64(j, "latency_p50_us", v->latency_p50_us);
    out_json_kv_u64(j, "latency_p99_us", v->latency_p99_us);
    out_json_kv_u64(j, "latency_max_us", v->latency_max_us);
    out_json_kv_u64(j, "latency_sum_us", v->latency_sum_us);
    out_json_kv_u64(j, "exits", v->exits);
    out_json_kv_u64(j, "hlt_exits", v->hlt_exits);
    out_json_kv_u64(j, "idle_portions", v->idle_portions);
    if (console)
        out_json_kv_str(j, "console", v->console);
    out_json_object_end(j);
}

static const char *const headers[] = {"ID",    "STATE", "GUEST",  "MODE",   "MEM_MIB",
                                      "VCPUS", "ITEMS", "P50_US", "P99_US", "REASON"};

static int vm_row(out_table *t, const void *reply, size_t i)
{
    const Outrig__V1__VmInfo *v = ((const Outrig__V1__ListVmsResponse *)reply)->vms[i];
    char mem[16], vcpus[16], items[24], p50[24], p99[24];
    snprintf(mem, sizeof mem, "%u", v->memory_mib);
    snprintf(vcpus, sizeof vcpus, "%u", v->vcpus);
    snprintf(items, sizeof items, "%" PRIu64, v->items_done);
    snprintf(p50, sizeof p50, "%" PRIu64, v->latency_p50_us);
    snprintf(p99, sizeof p99, "%" PRIu64, v->latency_p99_us);
    const char *cells[] = {v->id,    state_name(v->state),
                           v->guest, cmd_vm_mode_name(v->mode),
                           mem,      vcpus,
                           items,    p50,
                           p99,      v->reason[0] ? v->reason : "-"};
    return out_table_add(t, cells);
}

static void vm_item_json(out_json *j, const void *reply, size_t i)
{
    vm_json(j, ((const Outrig__V1__ListVmsResponse *)reply)->vms[i], false);
}

// Calls method of the agent (--agent URL, else ipc://<run dir>/agent.sock) once.
static int agent_call(cli *c, const cli_args *a, const char *method, const ProtobufCMessage *in,
                      const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                      bool idempotent)
{
    char url[CLI_URL_MAX];
    const char *given = cli_arg(a, OPT_AGENT);
    if (given)
        snprintf(url, sizeof url, "%s", given);
    else
        snprintf(url, sizeof url, "ipc://%s/agent.sock", c->run_dir);
    return cli_call_at(c, "outrig-agent", url, method, in, out_desc, out, idempotent);
}

static int do_list(cli *c, const cli_args *a)
{
    static const cli_list list = {"vms", 10, headers, vm_item_json, vm_row};
    Outrig__V1__ListVmsRequest req = OUTRIG__V1__LIST_VMS_REQUEST__INIT;
    ProtobufCMessage *out = NULL;
    int rc = agent_call(c, a, "/outrig.v1.Agent/ListVms", &req.base,
                        &outrig__v1__list_vms_response__descriptor, &out, true);
    if (rc)
        return rc;
    rc = cli_print_list(c, &list, out, ((const Outrig__V1__ListVmsResponse *)out)->n_vms);
    protobuf_c_message_free_unpacked(out, NULL);
    return rc;
}

static void vm_print(cli *c, const Outrig__V1__VmInfo *v)
{
    fprintf(c->out,
            "id:        %s\nstate:     %s%s%s\nguest:     %s\nmode:      %s\n"
            "memory:    %u MiB\nvcpus:     %u\n",
            v->id, state_name(v->state), v->reason[0] ? " - " : "", v->reason, v->guest,
            cmd_vm_mode_name(v->mode), v->memory_mib, v->vcpus);
    if (v->exited)
        fprintf(c->out, "exit code: %u\n", v->exit_code);
    fprintf(c->out,
            "items:     %" PRIu64 " (latency p50 %" PRIu64 " us, p99 %" PRIu64 " us, max %" PRIu64
            " us)\n"
            "exits:     %" PRIu64 " (HLT %" PRIu64 "), idle portions %" PRIu64 "\n",
            v->items_done, v->latency_p50_us, v->latency_p99_us, v->latency_max_us, v->exits,
            v->hlt_exits, v->idle_portions);
    if (v->console[0]) {
        char cell[1100];
        out_cell_bytes(v->console, strlen(v->console), cell, sizeof cell);
        fprintf(c->out, "console:   %s\n", cell);
    }
}

// Calls method with in and prints its VmInfo reply (has_reply), or that it was deleted.
static int vm_call(cli *c, const cli_args *a, const char *method, const ProtobufCMessage *in,
                   bool has_reply, bool idempotent)
{
    ProtobufCMessage *out = NULL;
    int rc = agent_call(c, a, method, in,
                        has_reply ? &outrig__v1__vm_info__descriptor
                                  : &outrig__v1__agent_empty__descriptor,
                        &out, idempotent);
    const Outrig__V1__VmInfo *v = has_reply ? (const Outrig__V1__VmInfo *)out : NULL;
    if (!rc && v && c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        vm_json(&j, v, true);
        rc = cli_print_json(c, &j);
        out_json_free(&j);
    } else if (!rc && v) {
        vm_print(c, v);
    } else if (!rc && c->format == CLI_FMT_JSON) {
        out_json j;
        out_json_init(&j);
        out_json_object_begin(&j);
        out_json_kv_bool(&j, "deleted", true);
        out_json_object_end(&j);
        rc = cli_print_json(c, &j);
        out_json_free(&j);
    } else if (!rc) {
        fprintf(c->out, "deleted\n");
    }
    if (out)
        protobuf_c_message_free_unpacked(out, NULL);
    return rc;
}

static int ref_cmd(cli *c, const cli_args *a, const char *method, bool has_reply, bool idem)
{
    Outrig__V1__VmRef req = OUTRIG__V1__VM_REF__INIT;
    req.id = (char *)a->pos[0];
    return vm_call(c, a, method, &req.base, has_reply, idem);
}

static int do_show(cli *c, const cli_args *a)
{
    return ref_cmd(c, a, "/outrig.v1.Agent/GetVm", true, true);
}

static int do_start(cli *c, const cli_args *a)
{
    return ref_cmd(c, a, "/outrig.v1.Agent/StartVm", true, false);
}

static int do_stop(cli *c, const cli_args *a)
{
    return ref_cmd(c, a, "/outrig.v1.Agent/StopVm", true, false);
}

static int do_delete(cli *c, const cli_args *a)
{
    return ref_cmd(c, a, "/outrig.v1.Agent/DeleteVm", false, false);
}

static int do_create(cli *c, const cli_args *a)
{
    Outrig__V1__VmSpec s = OUTRIG__V1__VM_SPEC__INIT;
    s.id = (char *)a->pos[0];
    s.guest = (char *)cli_arg(a, OPT_GUEST);
    if (!s.guest)
        return cli_usage(SYN_CREATE, "--guest is required");
    uint64_t v[7];
    static const int ids[7] = {OPT_MEMORY, OPT_VCPUS, OPT_RATE, OPT_COST,
                               OPT_BUDGET, OPT_HASH,  OPT_CPU};
    for (int i = 0; i < 7; i++) {
        int rc = cli_arg_u64(a, ids[i], SYN_CREATE, 0, &v[i]);
        if (rc)
            return rc;
        if (v[i] > UINT32_MAX)
            return cli_usage(SYN_CREATE, "a number is out of range");
    }
    s.memory_mib = (uint32_t)v[0];
    s.vcpus = (uint32_t)v[1];
    s.item_rate_hz = (uint32_t)v[2];
    s.item_cost_us = (uint32_t)v[3];
    s.budget_us = (uint32_t)v[4];
    s.hash_period_ms = (uint32_t)v[5];
    if (cli_arg(a, OPT_CPU)) {
        s.pinned = true;
        s.cpu = (uint32_t)v[6];
    }
    const char *mode = cli_arg(a, OPT_MODE);
    if (!mode || !strcmp(mode, "none"))
        s.mode = OUTRIG__V1__AGENT_VM_MODE__AGENT_VM_MODE_NONE;
    else if (!strcmp(mode, "preemptive"))
        s.mode = OUTRIG__V1__AGENT_VM_MODE__AGENT_VM_MODE_PREEMPTIVE;
    else if (!strcmp(mode, "opportunistic"))
        s.mode = OUTRIG__V1__AGENT_VM_MODE__AGENT_VM_MODE_OPPORTUNISTIC;
    else
        return cli_usage(SYN_CREATE, "--mode: none, preemptive or opportunistic");
    Outrig__V1__CreateVmRequest req = OUTRIG__V1__CREATE_VM_REQUEST__INIT;
    req.spec = &s;
    if (!cli_arg(a, OPT_START))
        return vm_call(c, a, "/outrig.v1.Agent/CreateVm", &req.base, true, false);
    // --start: create quietly, then start and print the started VM.
    int rc = agent_call(c, a, "/outrig.v1.Agent/CreateVm", &req.base,
                        &outrig__v1__vm_info__descriptor, NULL, false);
    return rc ? rc : do_start(c, a);
}

static const args_opt vm_opts[] = {{"agent", 0, true, OPT_AGENT}, {NULL, 0, false, 0}};
static const args_opt create_opts[] = {
    {"agent", 0, true, OPT_AGENT},   {"guest", 0, true, OPT_GUEST},
    {"memory", 0, true, OPT_MEMORY}, {"vcpus", 0, true, OPT_VCPUS},
    {"mode", 0, true, OPT_MODE},     {"cpu", 0, true, OPT_CPU},
    {"rate", 0, true, OPT_RATE},     {"cost", 0, true, OPT_COST},
    {"budget", 0, true, OPT_BUDGET}, {"hash-period", 0, true, OPT_HASH},
    {"start", 0, false, OPT_START},  {NULL, 0, false, 0}};

static const struct vm_sub {
    cli_sub sub;
    int (*fn)(cli *c, const cli_args *a);
} subcommands[] = {
    {{"list", SYN_LIST, vm_opts, 0, 0}, do_list},
    {{"show", SYN_SHOW, vm_opts, 1, 1}, do_show},
    {{"create", SYN_CREATE, create_opts, 1, 1}, do_create},
    {{"start", SYN_START, vm_opts, 1, 1}, do_start},
    {{"stop", SYN_STOP, vm_opts, 1, 1}, do_stop},
    {{"delete", SYN_DELETE, vm_opts, 1, 1}, do_delete},
};

int cmd_vm(cli *c, int argc, char **argv, int from)
{
    cli_args a;
    int rc;
    const struct vm_sub *sub = (const struct vm_sub *)cli_pick(
        c, SYN_VM, "vm", argc, argv, from, &subcommands[0].sub,
        sizeof subcommands / sizeof subcommands[0], sizeof subcommands[0], &a, &rc);
    return sub ? sub->fn(c, &a) : rc;
}
