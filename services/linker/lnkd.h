// lnkd: the outrig-linker service's internals, shared by its I/O edge files (service.c core,
// events.c hub, state.c store, agents.c Agent API, front.c Linker API). One lock, `mu`,
// guards the link table, the CP table and the IPAM.
#ifndef OUTRIG_LNKD_H
#define OUTRIG_LNKD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpreport.h"
#include "ipam.h"
#include "linkstate.h"
#include "microapp/microapp.h"
#include "outrig/v1/linker.pb-c.h"
#include "peers.h"

#define LNKD_LINK_ID_MAX 256
#define LNKD_DEFAULT_POOL "10.213.0.0/16" // subnets of virtual links without a CIDR
#define LNKD_DEFAULT_PREFIX 24

typedef struct lnkd_link {
    char id[LNKD_LINK_ID_MAX];
    char ns[LNK_ID_MAX], vl[LNK_ID_MAX];
    char vnf[2][LNK_ID_MAX], cp[2][LNK_ID_MAX]; // the ends, in link-id order
    lnk_fsm fsm;
    uint64_t ready_us; // monotonic time both ends were last ready
    uint64_t up_us;    // ready -> UP of the last attempt, 0 until UP
} lnkd_link;

#define LNKD_TOPO_CACHE 16
#define LNKD_TOPO_MISS_MS 500 // an NS with no /vnf/ records is asked again after this

typedef struct lnkd_topology {
    lnk_topology t;
    void *owned;
} lnkd_topology;

// NS topologies already read, used by the hub thread only (cp events come in one by one).
typedef struct lnkd_topo_entry {
    char ns[LNK_ID_MAX];
    lnkd_topology topo;
    bool found;
    uint64_t at_ms;
} lnkd_topo_entry;

typedef struct lnkd {
    microapp *app;
    struct store_client *store;
    struct hub_client *hub;
    struct hub_publisher *pub;
    struct hub_subscription *sub;
    pthread_mutex_t mu;
    lnk_policy policy;
    lnk_ipam *ipam;
    lnkd_link **links;
    size_t n_links, cap_links;
    lnk_cp *cps; // CPs reported ready
    size_t n_cps, cap_cps;
    struct lnkd_agents *agents;
    struct lnkd_writer *writer;
    lnkd_topo_entry topo[LNKD_TOPO_CACHE];
    bool restoring; // links are being read back: no events, no attempts
} lnkd;

// service.c: the micro-app hooks (see microapp_def).
int lnkd_init(microapp *app, void **state);
void lnkd_tick(microapp *app, void *state);
void lnkd_fini(microapp *app, void *state);
// The core, called with mu NOT held.
void lnkd_cp_ready(lnkd *d, const lnk_cp *cp);
void lnkd_cp_down(lnkd *d, const lnk_cp *cp);
void lnkd_verdict(lnkd *d, const lnk_verdict *v);
void lnkd_ns_gone(lnkd *d, const char *ns);
// The NS's instances changed (scaled, healed, rolled back): links to an instance it no longer
// has are deleted and their ends' addresses released; new instances link on their cp.ready.
void lnkd_ns_changed(lnkd *d, const char *ns);
// Whether attempt `attempt` of link id is still under way (ESTABLISHING).
bool lnkd_attempt_open(lnkd *d, const char *id, uint32_t attempt);
// Fails attempt `attempt` of link id with reason, unless it already ended.
void lnkd_attempt_failed(lnkd *d, const char *id, uint32_t attempt, const char *reason);
// Fills a Link message from l (strings point into l and cps; valid under mu).
void lnkd_link_msg(lnkd *d, const lnkd_link *l, Outrig__V1__Link *m, Outrig__V1__LinkEnd *a,
                   Outrig__V1__LinkEnd *b);
lnkd_link *lnkd_find(lnkd *d, const char *id); // mu held
// Puts a link read from the store back in the table, its ready ends in the CP table.
void lnkd_restore_link(lnkd *d, const Outrig__V1__Link *m);

// events.c
int lnkd_events_open(lnkd *d);
void lnkd_events_close(lnkd *d);
void lnkd_publish(lnkd *d, const char *type, const char *id, const ProtobufCMessage *m);

// state.c. Writes are queued for the writer thread (lnkd_writer_start before any).
int lnkd_writer_start(lnkd *d);
void lnkd_writer_stop(lnkd *d); // writes what is queued first
void lnkd_state_put_link(lnkd *d, const lnkd_link *l);
void lnkd_state_del_link(lnkd *d, const char *id);
void lnkd_state_put_ipam(lnkd *d, const char *vl_key);
void lnkd_state_del_ipam(lnkd *d, const char *vl_key);
// Deletes every /link/<ns>/ and /link-ipam/<ns>/ key.
void lnkd_state_del_ns(lnkd *d, const char *ns);
// Reads /link/ back into the link table (start-up), through lnkd_restore_link. 0 or -errno.
int lnkd_state_load_links(lnkd *d);
// Reads /link-ipam/ back into the IPAM (start-up). 0 or -errno.
int lnkd_state_load(lnkd *d);
// The NS's instances and members from the orchestrator's /vnf/<ns>.* records (malloc'd,
// free with lnkd_topology_free). 0, -ENOENT (no records) or -errno.
int lnkd_topology_load(lnkd *d, const char *ns, lnkd_topology *out);
void lnkd_topology_free(lnkd_topology *t);

// agents.c: ConfigurePeer calls, made by a few caller threads. new: NULL on failure.
struct lnkd_agents *lnkd_agents_new(lnkd *d);
// Stops the callers (calls still queued are dropped); later calls are refused.
void lnkd_agents_stop(struct lnkd_agents *a);
void lnkd_agents_free(struct lnkd_agents *a); // stops first; NULL is a no-op
// Queues ConfigurePeer on both ends' agents (each about the other) for attempt `attempt`
// of link_id (mu may be held: the callers take it only without the agents' lock). A call
// that fails fails the attempt. 0, -ENOMEM, -EAGAIN (queue full) or -ESHUTDOWN.
int lnkd_agents_configure(struct lnkd_agents *a, const char *link_id, uint32_t attempt,
                          const lnk_cp end[2]);

// front.c
int lnkd_front_add(lnkd *d);

#endif
