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
#define LNKD_DEFAULT_POOL "10.213.0.0/16"  // subnets of virtual links without a CIDR
#define LNKD_DEFAULT_PREFIX 24

typedef struct lnkd_link {
    char id[LNKD_LINK_ID_MAX];
    char ns[LNK_ID_MAX], vl[LNK_ID_MAX];
    char vnf[2][LNK_ID_MAX], cp[2][LNK_ID_MAX];  // the ends, in link-id order
    lnk_fsm fsm;
    uint64_t ready_us;  // monotonic time both ends were last ready
    uint64_t up_us;     // ready -> UP of the last attempt, 0 until UP
} lnkd_link;

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
    lnk_cp *cps;  // CPs reported ready
    size_t n_cps, cap_cps;
    struct lnkd_agents *agents;
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
// Fills a Link message from l (strings point into l and cps; valid under mu).
void lnkd_link_msg(lnkd *d, const lnkd_link *l, Outrig__V1__Link *m, Outrig__V1__LinkEnd *a,
                   Outrig__V1__LinkEnd *b);
lnkd_link *lnkd_find(lnkd *d, const char *id);  // mu held

// events.c
int lnkd_events_open(lnkd *d);
void lnkd_events_close(lnkd *d);
void lnkd_publish(lnkd *d, const char *type, const char *id, const ProtobufCMessage *m);

// state.c (mu held where noted by the caller)
void lnkd_state_put_link(lnkd *d, const lnkd_link *l);
void lnkd_state_del_link(lnkd *d, const char *id);
void lnkd_state_put_ipam(lnkd *d, const char *vl_key);
void lnkd_state_del_ipam(lnkd *d, const char *vl_key);
// Reads /link-ipam/ back into the IPAM (start-up). 0 or -errno.
int lnkd_state_load(lnkd *d);
// The NS's instances and members from the orchestrator's /vnf/<ns>.* records (malloc'd,
// free with lnkd_topology_free). 0, -ENOENT (no records) or -errno.
typedef struct lnkd_topology {
    lnk_topology t;
    void *owned;
} lnkd_topology;
int lnkd_topology_load(lnkd *d, const char *ns, lnkd_topology *out);
void lnkd_topology_free(lnkd_topology *t);

// agents.c: ConfigurePeer on the agent at url. 0 or -errno; reason gets the error text.
struct lnkd_agents *lnkd_agents_new(void);
void lnkd_agents_free(struct lnkd_agents *a);
int lnkd_configure_peer(lnkd *d, const lnk_cp *self, const lnk_cp *peer, char *reason,
                        size_t n);

// front.c
int lnkd_front_add(lnkd *d);

#endif
