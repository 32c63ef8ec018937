// The Agent API's method table, request decoding and validation (see request.h).
#include "request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "pv_abi.h"
#include "runtime/spec.h"

#define M(id, nm, in, out, idem)                                                                   \
    [id] = {nm,                                                                                    \
            "/outrig.v1.Agent/" nm,                                                                \
            "outrig.v1." #in,                                                                      \
            "outrig.v1." #out,                                                                     \
            outrig_v1_##in##_fields,                                                               \
            outrig_v1_##out##_fields,                                                              \
            idem}

static const agent_method_desc methods[AGENT_M_COUNT] = {
    M(AGENT_M_CREATE_VM, "CreateVm", CreateVmRequest, VmInfo, false),
    M(AGENT_M_START_VM, "StartVm", VmRef, VmInfo, false),
    M(AGENT_M_STOP_VM, "StopVm", VmRef, VmInfo, false),
    M(AGENT_M_DELETE_VM, "DeleteVm", VmRef, AgentEmpty, false),
    M(AGENT_M_GET_VM, "GetVm", VmRef, VmInfo, true),
    M(AGENT_M_LIST_VMS, "ListVms", ListVmsRequest, ListVmsResponse, true),
    M(AGENT_M_CREATE_VNF, "CreateVnf", CreateVnfRequest, VnfInfo, false),
    M(AGENT_M_START_VNF, "StartVnf", VnfRef, VnfInfo, false),
    M(AGENT_M_STOP_VNF, "StopVnf", VnfRef, VnfInfo, false),
    M(AGENT_M_DELETE_VNF, "DeleteVnf", VnfRef, AgentEmpty, false),
    M(AGENT_M_GET_VNF, "GetVnf", VnfRef, VnfInfo, true),
    M(AGENT_M_LIST_VNFS, "ListVnfs", ListVnfsRequest, ListVnfsResponse, true),
    M(AGENT_M_CONFIGURE_PEER, "ConfigurePeer", ConfigurePeerRequest, VnfInfo, false),
    M(AGENT_M_LIST_TASKS, "ListTasks", ListTasksRequest, ListTasksResponse, true),
    M(AGENT_M_STATS, "Stats", AgentStatsRequest, AgentStatsResponse, true),
};

const agent_method_desc *agent_method_get(agent_method m)
{
    return (unsigned)m < AGENT_M_COUNT ? &methods[m] : NULL;
}

agent_method agent_method_find(const char *name)
{
    for (unsigned i = 0; name && i < AGENT_M_COUNT; i++)
        if (!strcmp(methods[i].name, name) || !strcmp(methods[i].full, name))
            return (agent_method)i;
    return AGENT_M_COUNT;
}

static rpc_code bad(rpc_status *st, const char *prefix, const char *field, const char *msg)
{
    char path[128];
    snprintf(path, sizeof path, "%s%s%s", prefix ? prefix : "", prefix && *prefix ? "." : "",
             field);
    rpc_status_set(st, RPC_INVALID_ARGUMENT, path, "%s", msg);
    return RPC_INVALID_ARGUMENT;
}

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool id_chars(const char *id, size_t max)
{
    if (!id || !alnum(id[0]))
        return false;
    size_t n = 0;
    for (; id[n]; n++)
        if (!alnum(id[n]) && id[n] != '.' && id[n] != '_' && id[n] != '-')
            return false;
    return n <= max;
}

bool agent_id_ok(const char *id)
{
    return id_chars(id, RT_ID_MAX) && rt_id_valid(id);
}

bool agent_owner_ok(const char *owner)
{
    return owner && (!*owner || id_chars(owner, 64));
}

bool agent_guest_ok(const char *name)
{
    size_t n = 0;
    for (; name && name[n]; n++)
        if (!(name[n] >= 'a' && name[n] <= 'z') && !(name[n] >= '0' && name[n] <= '9') &&
            name[n] != '-' && name[n] != '_')
            return false;
    return n >= 1 && n <= 32;
}

// Printable text without control characters (a path, an argument, an identity).
static bool text_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

rpc_code agent_check_vm_spec(const outrig_v1_VmSpec *s, const char *prefix, rpc_status *st)
{
    if (!agent_id_ok(s->id))
        return bad(st, prefix, "id", "need 1..63 of [A-Za-z0-9_.-], first alphanumeric");
    if (s->memory_mib && (s->memory_mib < 2 || s->memory_mib > 1022 || s->memory_mib % 2))
        return bad(st, prefix, "memory_mib", "need 0 (16) or an even number in 2..1022");
    if (s->vcpus > PV_MAX_VCPUS)
        return bad(st, prefix, "vcpus", "need 0 (1) or 1..16");
    if (!agent_guest_ok(s->guest))
        return bad(st, prefix, "guest", "need a guest program name, 1..32 of [a-z0-9_-]");
    if ((unsigned)s->mode > outrig_v1_AgentVmMode_AGENT_VM_MODE_OPPORTUNISTIC)
        return bad(st, prefix, "mode", "need NONE, PREEMPTIVE or OPPORTUNISTIC");
    if (s->pinned && s->cpu >= 1024)
        return bad(st, prefix, "cpu", "need a host CPU number below 1024");
    if (!s->pinned && s->cpu)
        return bad(st, prefix, "cpu", "set only with pinned");
    if (s->item_rate_hz > 100000)
        return bad(st, prefix, "item_rate_hz", "at most 100000");
    if (s->item_cost_us > 1000000)
        return bad(st, prefix, "item_cost_us", "at most 1000000");
    if (s->budget_us > 100000)
        return bad(st, prefix, "budget_us", "at most 100000");
    if (s->hash_period_ms && (s->hash_period_ms < 10 || s->hash_period_ms > 3600000))
        return bad(st, prefix, "hash_period_ms", "need 0 (1000) or 10..3600000");
    if (s->item_rate_hz && strcmp(s->guest, "idle-worker"))
        return bad(st, prefix, "item_rate_hz", "only the idle-worker guest takes work items");
    return RPC_OK;
}

void agent_vm_spec_defaults(outrig_v1_VmSpec *s)
{
    if (!s->memory_mib)
        s->memory_mib = 16;
    if (!s->vcpus)
        s->vcpus = 1;
    if (!s->item_cost_us)
        s->item_cost_us = 100;
    if (!s->budget_us)
        s->budget_us = 50;
    if (!s->hash_period_ms)
        s->hash_period_ms = 1000;
}

static bool env_ok(const char *e)
{
    const char *eq = strchr(e, '=');
    if (!eq || eq == e || (e[0] >= '0' && e[0] <= '9'))
        return false;
    for (const char *p = e; p < eq; p++)
        if (!alnum(*p) && *p != '_')
            return false;
    // The agent sets these itself.
    return strncmp(e, "OUTRIG_VNF_", 11) != 0 && text_ok(e);
}

rpc_code agent_check_vnf_spec(const outrig_v1_VnfSpec *s, const char *prefix, rpc_status *st)
{
    char f[48];
    if (!agent_id_ok(s->id))
        return bad(st, prefix, "id", "need 1..63 of [A-Za-z0-9_.-], first alphanumeric");
    if (!agent_owner_ok(s->owner))
        return bad(st, prefix, "owner", "need \"\" or 1..64 of [A-Za-z0-9_.-]");
    if (s->path[0] != '/' || !text_ok(s->path) || strstr(s->path, "/../"))
        return bad(st, prefix, "path", "need an absolute path without control characters");
    for (pb_size_t i = 0; i < s->args_count; i++)
        if (!text_ok(s->args[i])) {
            snprintf(f, sizeof f, "args[%u]", (unsigned)i);
            return bad(st, prefix, f, "control characters are not allowed");
        }
    for (pb_size_t i = 0; i < s->env_count; i++)
        if (!env_ok(s->env[i])) {
            snprintf(f, sizeof f, "env[%u]", (unsigned)i);
            return bad(st, prefix, f, "need KEY=VALUE, KEY of [A-Za-z0-9_] not OUTRIG_VNF_*");
        }
    for (pb_size_t i = 0; i < s->cps_count; i++) {
        const outrig_v1_VnfCp *cp = &s->cps[i];
        if (!rt_ifname_valid(cp->id) || !strcmp(cp->id, "lo")) {
            snprintf(f, sizeof f, "cps[%u].id", (unsigned)i);
            return bad(st, prefix, f, "need an interface name (1..15 chars, not lo)");
        }
        for (pb_size_t j = 0; j < i; j++)
            if (!strcmp(s->cps[j].id, cp->id)) {
                snprintf(f, sizeof f, "cps[%u].id", (unsigned)i);
                return bad(st, prefix, f, "repeats an earlier CP id");
            }
        struct rt_addr a;
        if (cp->address[0] && rt_addr_parse(cp->address, &a)) {
            snprintf(f, sizeof f, "cps[%u].address", (unsigned)i);
            return bad(st, prefix, f, "need \"address/prefix\"");
        }
        // It becomes part of the linker's link ids and store keys.
        if (!text_ok(cp->virtual_link) || strpbrk(cp->virtual_link, " /~")) {
            snprintf(f, sizeof f, "cps[%u].virtual_link", (unsigned)i);
            return bad(st, prefix, f, "need an id without spaces, '/' or '~'");
        }
    }
    if (s->cpu_millis > 1024000)
        return bad(st, prefix, "cpu_millis", "at most 1024000");
    if (s->memory_mib && (s->memory_mib < 4 || s->memory_mib > 1048576))
        return bad(st, prefix, "memory_mib", "need 0 (no limit) or 4..1048576");
    return RPC_OK;
}

rpc_code agent_check_peer(const outrig_v1_ConfigurePeerRequest *r, rpc_status *st)
{
    if (!agent_id_ok(r->vnf_id))
        return bad(st, NULL, "vnf_id", "need a VNF id");
    if (!rt_ifname_valid(r->cp_id) || !strcmp(r->cp_id, "lo"))
        return bad(st, NULL, "cp_id", "need a CP id (interface name)");
    struct rt_addr a;
    if (r->address[0] && rt_addr_parse(r->address, &a))
        return bad(st, NULL, "address", "need \"address/prefix\" or \"\"");
    unsigned char buf[16];
    if (r->peer_address[0] && inet_pton(AF_INET, r->peer_address, buf) != 1 &&
        inet_pton(AF_INET6, r->peer_address, buf) != 1)
        return bad(st, NULL, "peer_address", "need an IP address or \"\"");
    if (!text_ok(r->peer_id))
        return bad(st, NULL, "peer_id", "control characters are not allowed");
    if (!text_ok(r->virtual_link) || strchr(r->virtual_link, ' '))
        return bad(st, NULL, "virtual_link", "need a vl key without spaces or \"\"");
    if (!text_ok(r->link_id))
        return bad(st, NULL, "link_id", "control characters are not allowed");
    if (r->peer_host[0] && inet_pton(AF_INET, r->peer_host, buf) != 1)
        return bad(st, NULL, "peer_host", "need an IPv4 address or \"\"");
    if (r->host[0] && inet_pton(AF_INET, r->host, buf) != 1)
        return bad(st, NULL, "host", "need an IPv4 address or \"\"");
    if (r->vni > 0xffffff || (r->peer_host[0] && !r->vni))
        return bad(st, NULL, "vni", "need 1..16777215 with a peer_host");
    return RPC_OK;
}

rpc_code agent_req_check(agent_method m, const agent_req *req, rpc_status *st)
{
    switch (m) {
    case AGENT_M_CREATE_VM:
        if (!req->create_vm.has_spec)
            return bad(st, NULL, "spec", "required");
        return agent_check_vm_spec(&req->create_vm.spec, "spec", st);
    case AGENT_M_START_VM:
    case AGENT_M_STOP_VM:
    case AGENT_M_DELETE_VM:
    case AGENT_M_GET_VM:
        return agent_id_ok(req->vm.id) ? RPC_OK : bad(st, NULL, "id", "need a VM id");
    case AGENT_M_CREATE_VNF:
        if (!req->create_vnf.has_spec)
            return bad(st, NULL, "spec", "required");
        return agent_check_vnf_spec(&req->create_vnf.spec, "spec", st);
    case AGENT_M_START_VNF:
    case AGENT_M_STOP_VNF:
    case AGENT_M_DELETE_VNF:
    case AGENT_M_GET_VNF:
        return agent_id_ok(req->vnf.id) ? RPC_OK : bad(st, NULL, "id", "need a VNF id");
    case AGENT_M_LIST_VNFS:
        if (!agent_owner_ok(req->list_vnfs.owner))
            return bad(st, NULL, "owner", "need \"\" or an owner id");
        if (req->list_vnfs.start_after[0] && !agent_id_ok(req->list_vnfs.start_after))
            return bad(st, NULL, "start_after", "need \"\" or a VNF id");
        return RPC_OK;
    case AGENT_M_CONFIGURE_PEER:
        return agent_check_peer(&req->peer, st);
    case AGENT_M_LIST_TASKS:
        if (req->list_tasks.vm_id[0] && !agent_id_ok(req->list_tasks.vm_id))
            return bad(st, NULL, "vm_id", "need \"\" or a VM id");
        return RPC_OK;
    case AGENT_M_LIST_VMS:
    case AGENT_M_STATS:
        return RPC_OK;
    default:
        rpc_status_set(st, RPC_UNIMPLEMENTED, NULL, "no such method");
        return RPC_UNIMPLEMENTED;
    }
}

rpc_code agent_req_decode(agent_method m, const uint8_t *buf, size_t len, agent_req *req,
                          rpc_status *st)
{
    const agent_method_desc *d = agent_method_get(m);
    memset(req, 0, sizeof *req);
    if (!d) {
        rpc_status_set(st, RPC_UNIMPLEMENTED, NULL, "no such method");
        return RPC_UNIMPLEMENTED;
    }
    pb_istream_t in = pb_istream_from_buffer(buf, len);
    if (!pb_decode(&in, d->in_fields, req)) {
        rpc_status_set(st, RPC_INVALID_ARGUMENT, "payload", "not a valid %s: %s", d->in_type,
                       PB_GET_ERROR(&in));
        return RPC_INVALID_ARGUMENT;
    }
    return agent_req_check(m, req, st);
}

int agent_encode(const pb_msgdesc_t *fields, const void *msg, uint8_t *buf, size_t cap, size_t *len)
{
    pb_ostream_t out = pb_ostream_from_buffer(buf, cap);
    if (!pb_encode(&out, fields, msg))
        return out.bytes_written >= cap ? -ENOSPC : -EINVAL;
    *len = out.bytes_written;
    return 0;
}

uint64_t agent_hist_percentile(const volatile uint64_t *buckets, size_t n, unsigned per_mille)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += buckets[i];
    if (!total)
        return 0;
    // The smallest bucket whose cumulative count reaches the rank.
    uint64_t rank = (total * per_mille + 999) / 1000;
    if (!rank)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        seen += buckets[i];
        if (seen >= rank)
            return pv_hist_value((uint32_t)i);
    }
    return pv_hist_value((uint32_t)(n - 1));
}
