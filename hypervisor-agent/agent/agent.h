// agent: the outrig-agent process's parts and the state they share. One worker thread (front.c)
// runs every request and the status poll, one at a time, holding `mu`; other threads (the
// microapp tick, metrics rendering) take `mu` only to read.
#ifndef OUTRIG_AGENT_H
#define OUTRIG_AGENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "microapp/microapp.h"
#include "opp_runner.h"
#include "opp_tasks.h"
#include "request.h"
#include "runtime/runtime.h"
#include "vmm.h"

#define AGENT_MAX_VMS 32   // ListVmsResponse.vms max_count
#define AGENT_MAX_VNFS 256 // listed in pages of 16
#define AGENT_SAMPLES 16
#define AGENT_QUEUE 256 // requests waiting for the worker (> the RPC contexts)

struct hub_publisher;
struct store_client;

typedef struct agent_vm {
    bool used;
    outrig_v1_VmSpec spec; // validated, defaults applied
    vmm_vm *vm;
    opp_runner *runner;
    int cls_hash, cls_metrics;
    uint64_t *hashes; // one per guest page
    opp_hash_job hash;
    opp_metrics_job mjob;
    opp_sample samples[AGENT_SAMPLES];
    uint64_t next_hash_us, next_sample_us;
    bool started;
    outrig_v1_AgentVmState reported; // last state published
    pthread_t poster;                // idle-worker load: posts items, reaps completions
    bool poster_on;
    atomic_bool poster_stop;
    atomic_uint_fast64_t posted, reaped, post_full;
} agent_vm;

typedef struct agent_cp {
    char id[16];
    char address[50];
    char host_ifname[16];
    char peer_address[46];
    char peer_id[130];
    char virtual_link[128]; // the NS's vl id, for cp.ready
    char vl_key[258];       // "<ns>/<vl>" of the bridge ConfigurePeer attached it to ("" = none)
} agent_cp;

typedef struct agent_vnf {
    bool used;
    char id[64];
    char owner[65];
    char path[256];
    char dir[256]; // <data dir>/vnfs/<id>: peer files
    struct rt_vnf *v;
    size_t n_cps;
    agent_cp cps[8];
    bool stop_requested;
    outrig_v1_AgentVnfState reported;
} agent_vnf;

typedef struct agent_call {
    rpc_call *call;
    agent_method m;
    const uint8_t *in;
    size_t len;
} agent_call;

typedef struct agent {
    microapp *app;
    char host[64];
    char guest_dir[512];
    char data_dir[160]; // short enough for <data dir>/vnfs/<id>/peers/<cp>
    bool cpl3;          // run guests at CPL 3 (PVM: CPL 0 code is emulated)
    bool keep;          // leave VMs and VNFs running on shutdown
    unsigned stop_grace_ms;
    uint64_t started_us, started_unix_ms;
    char host_addr[16];  // the host's underlay IPv4 reported in cp.ready ("" = none)
    char site[128];      // reported in cp.ready
    atomic_int n_checks; // traffic checks running (link.c)
    int link_nl;         // rtnetlink socket in the host netns, -1 until link.c needs one

    vmm_host *kvm;         // NULL when /dev/kvm is unusable
    struct rt_runtime *rt; // NULL when the runtime could not start
    struct hub_publisher *pub;

    pthread_mutex_t mu; // the tables below
    agent_vm vms[AGENT_MAX_VMS];
    agent_vnf vnfs[AGENT_MAX_VNFS];
    opp_counters retired[2]; // hash, metrics counters of deleted VMs

    // The worker: a ring of calls and the poll timer.
    pthread_t worker;
    bool worker_on;
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    agent_call q[AGENT_QUEUE];
    unsigned qhead, qtail;
    bool qstop;
    struct agent_method_arg {
        struct agent *ag;
        agent_method m;
    } margs[AGENT_M_COUNT];
    agent_req req; // worker-only scratch
    agent_rep rep;
    uint8_t out[65536];

    // Host registration (state.c), main thread only.
    struct store_client *store; // lease calls, with a timeout below the TTL
    uint64_t lease;
    uint32_t lease_ttl_ms;
    uint64_t last_keepalive_ms;
    bool lease_warned;

    metrics_value *m_vms, *m_vms_failed, *m_vnfs, *m_vnfs_running;
    metrics_value *m_task[2][6]; // per class: runs, us, bytes, fallbacks, completed, submitted
} agent;

// front.c: registers the raw methods and runs the worker thread.
int agent_front_start(agent *ag);
void agent_front_stop(agent *ag);

// vms.c (worker thread, mu held). Each returns an rpc_code and fills st on error.
rpc_code agent_vm_create(agent *ag, const outrig_v1_VmSpec *s, outrig_v1_VmInfo *out,
                         rpc_status *st);
rpc_code agent_vm_start(agent *ag, const char *id, outrig_v1_VmInfo *out, rpc_status *st);
rpc_code agent_vm_stop(agent *ag, const char *id, outrig_v1_VmInfo *out, rpc_status *st);
rpc_code agent_vm_delete(agent *ag, const char *id, rpc_status *st);
rpc_code agent_vm_get(agent *ag, const char *id, outrig_v1_VmInfo *out, rpc_status *st);
void agent_vm_list(agent *ag, outrig_v1_ListVmsResponse *out);
void agent_vm_poll(agent *ag, uint64_t now_us);
void agent_vm_tasks(agent *ag, const char *vm_id, outrig_v1_ListTasksResponse *out);
// Sums class counters (0 hash, 1 metrics) over live and deleted VMs.
void agent_vm_counters(agent *ag, opp_counters out[2]);
void agent_vm_destroy_all(agent *ag);

// vnfs.c (worker thread, mu held).
rpc_code agent_vnf_create(agent *ag, const outrig_v1_VnfSpec *s, outrig_v1_VnfInfo *out,
                          rpc_status *st);
rpc_code agent_vnf_start(agent *ag, const char *id, outrig_v1_VnfInfo *out, rpc_status *st);
rpc_code agent_vnf_stop(agent *ag, const char *id, outrig_v1_VnfInfo *out, rpc_status *st);
rpc_code agent_vnf_delete(agent *ag, const char *id, rpc_status *st);
rpc_code agent_vnf_get(agent *ag, const char *id, outrig_v1_VnfInfo *out, rpc_status *st);
void agent_vnf_list(agent *ag, const char *owner, const char *start_after,
                    outrig_v1_ListVnfsResponse *out);
rpc_code agent_vnf_peer(agent *ag, const outrig_v1_ConfigurePeerRequest *r, outrig_v1_VnfInfo *out,
                        rpc_status *st);
void agent_vnf_poll(agent *ag);
void agent_vnf_destroy_all(agent *ag);
// Removes the namespaces "<prefix><id>" and everything of those VNFs that an agent which died
// (kill -9, crash) left behind: this agent cannot know them, and with on_exit=cleanup no VNF
// outlives its agent. At start, before any call.
void agent_vnf_purge_leftovers(agent *ag, const char *prefix);

// link.c: the agent's part of the linker's data path (worker thread, mu held).
// Enslaves cp's host veth to the link's bridge, tunnels to r->peer_host when set, and starts a
// traffic check (ICMP from inside f's netns to the peer) whose verdict is published as
// cp.verified for r->link_id. Nothing to do when r->virtual_link is "". 0 or -errno.
int agent_link_peer(agent *ag, agent_vnf *f, agent_cp *cp, const outrig_v1_ConfigurePeerRequest *r);
// Publishes `type` (cp.ready or cp.down) with a CpReport for every CP of f (owner = NS id;
// nothing for a VNF without owner).
void agent_link_cps(agent *ag, const agent_vnf *f, const char *type);
// Removes the bridge and tunnel of each link of f that no other VNF's CP is attached to.
void agent_link_release(agent *ag, const agent_vnf *f);
// Waits for the running traffic checks (shutdown, before the publisher goes).
void agent_link_wait(agent *ag);
// Closes the host-netns rtnetlink socket link.c keeps (after the worker stopped).
void agent_link_close(agent *ag);

// events.c: host.* and vnf.* events through the hub publisher (worker or main thread).
int agent_events_start(agent *ag);
void agent_events_stop(agent *ag);
void agent_event_vm(agent *ag, const char *type, const outrig_v1_VmInfo *vm);
void agent_event_vnf(agent *ag, const char *type, const outrig_v1_VnfInfo *vnf);
void agent_event_host(agent *ag, const char *type);
// Publishes an already encoded payload (any thread).
void agent_event_raw(agent *ag, const char *cat, const char *type, const char *id,
                     const uint8_t *buf, size_t len);
void agent_host_record(const agent *ag, outrig_v1_HostRecord *rec);

// state.c: /host/<name> under a lease (main thread).
void agent_state_tick(agent *ag);
void agent_state_stop(agent *ag);

// stats.c: metrics and the Stats reply.
int agent_stats_init(agent *ag);
void agent_stats_fill(agent *ag, outrig_v1_AgentStatsResponse *out);

// Counts entries of /proc/self/<what> ("fd", "task").
unsigned agent_proc_count(const char *what);

#endif
