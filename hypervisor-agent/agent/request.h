// request: the Agent API's method table, its nanopb request decoders and the validation of
// every request. Pure: no I/O, no allocation (nanopb coders are bounded by agent.options), so
// the front end, the unit tests and the fuzz harness share it.
#ifndef OUTRIG_AGENT_REQUEST_H
#define OUTRIG_AGENT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pb.h>

#include "outrig/v1/agent.pb.h"
#include "rpc/rpc.h"

typedef enum {
    AGENT_M_CREATE_VM = 0,
    AGENT_M_START_VM,
    AGENT_M_STOP_VM,
    AGENT_M_DELETE_VM,
    AGENT_M_GET_VM,
    AGENT_M_LIST_VMS,
    AGENT_M_CREATE_VNF,
    AGENT_M_START_VNF,
    AGENT_M_STOP_VNF,
    AGENT_M_DELETE_VNF,
    AGENT_M_GET_VNF,
    AGENT_M_LIST_VNFS,
    AGENT_M_CONFIGURE_PEER,
    AGENT_M_LIST_TASKS,
    AGENT_M_STATS,
    AGENT_M_COUNT,
} agent_method;

// Any decoded request.
typedef union agent_req {
    outrig_v1_CreateVmRequest create_vm;
    outrig_v1_VmRef vm;
    outrig_v1_ListVmsRequest list_vms;
    outrig_v1_CreateVnfRequest create_vnf;
    outrig_v1_VnfRef vnf;
    outrig_v1_ListVnfsRequest list_vnfs;
    outrig_v1_ConfigurePeerRequest peer;
    outrig_v1_ListTasksRequest list_tasks;
    outrig_v1_AgentStatsRequest stats;
} agent_req;

// Any reply.
typedef union agent_rep {
    outrig_v1_VmInfo vm;
    outrig_v1_ListVmsResponse vms;
    outrig_v1_VnfInfo vnf;
    outrig_v1_ListVnfsResponse vnfs;
    outrig_v1_AgentEmpty empty;
    outrig_v1_ListTasksResponse tasks;
    outrig_v1_AgentStatsResponse stats;
} agent_rep;

typedef struct agent_method_desc {
    const char *name;    // "CreateVm"
    const char *full;    // "/outrig.v1.Agent/CreateVm"
    const char *in_type; // "outrig.v1.CreateVmRequest"
    const char *out_type;
    const pb_msgdesc_t *in_fields;
    const pb_msgdesc_t *out_fields;
    bool idempotent; // reads: a client may retry them on UNAVAILABLE
} agent_method_desc;

// The method m (m < AGENT_M_COUNT), or NULL.
const agent_method_desc *agent_method_get(agent_method m);
// The method named "CreateVm" or "/outrig.v1.Agent/CreateVm"; AGENT_M_COUNT if none.
agent_method agent_method_find(const char *name);

// Decodes payload buf[0..len) as m's request into *req (cleared first) and validates it.
// RPC_OK, or RPC_INVALID_ARGUMENT with st naming the field ("spec.cps[1].address"; "payload"
// when the bytes are not a valid message within the bounds).
rpc_code agent_req_decode(agent_method m, const uint8_t *buf, size_t len, agent_req *req,
                          rpc_status *st);
// Validates an already decoded request of method m (what agent_req_decode does after decoding).
rpc_code agent_req_check(agent_method m, const agent_req *req, rpc_status *st);

// Encodes msg with fields into buf[0..cap). 0 and *len, or -ENOSPC / -EINVAL.
int agent_encode(const pb_msgdesc_t *fields, const void *msg, uint8_t *buf, size_t cap,
                 size_t *len);

// Field checks, each RPC_OK or RPC_INVALID_ARGUMENT naming `prefix`.field.
rpc_code agent_check_vm_spec(const outrig_v1_VmSpec *s, const char *prefix, rpc_status *st);
rpc_code agent_check_vnf_spec(const outrig_v1_VnfSpec *s, const char *prefix, rpc_status *st);
rpc_code agent_check_peer(const outrig_v1_ConfigurePeerRequest *r, rpc_status *st);

// A VM or VNF id: 1..63 of [A-Za-z0-9_.-], first alphanumeric.
bool agent_id_ok(const char *id);
// An owner id: "" or 1..64 of [A-Za-z0-9_.-], first alphanumeric.
bool agent_owner_ok(const char *owner);
// A guest program name: 1..32 of [a-z0-9_-].
bool agent_guest_ok(const char *name);

// Defaults applied to a validated VM spec (memory 16 MiB, 1 vCPU, item cost 100 µs, budget
// 50 µs, hash period 1000 ms).
void agent_vm_spec_defaults(outrig_v1_VmSpec *s);

// Percentile q (0..1000 per mille) of a guest latency histogram of PV_HIST_BUCKETS buckets.
uint64_t agent_hist_percentile(const volatile uint64_t *buckets, size_t n, unsigned per_mille);

#endif
