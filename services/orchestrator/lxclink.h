// lxclink: the orchestrator is the agent of the VNFs on its LXC sites for outrig-linker
// (issue 5), the way outrig-agent is for its own VNFs (hypervisor-agent/agent/link.c).
//
// It publishes cp.ready (CpReport) for each CP of such a VNF it starts, with its own RPC URL
// as the `agent`, and cp.down when it stops, deletes or finds one ended. It serves
// /outrig.v1.Agent/ConfigurePeer on its RPC server: the peer goes to the container's CP file
// (adapter_configure_cp), the CP's host veth is enslaved to the link's bridge in the site's
// netns, a VXLAN goes to the peer's site host when the peer runs elsewhere (site option
// host_addr= is this site host's underlay address), then a detached thread checks traffic
// from inside the container's netns (lnk_dp_ping) and publishes cp.verified. When a VNF is
// deleted, the bridges (and tunnels) of its links that no other CP of the site uses go too.
#ifndef OUTRIG_ORCHD_LXCLINK_H
#define OUTRIG_ORCHD_LXCLINK_H

#include <stdbool.h>
#include <stddef.h>

#include "adapter/adapter.h"
#include "outrig/v1/orchestrator.pb-c.h"

typedef struct orchd orchd;
typedef struct orchd_lxclink orchd_lxclink;

#define ORCHD_LXCLINK_KEY_MAX 160 // a vl key "<ns>/<vl>"

// Sets up o->lxl and registers ConfigurePeer on the app's RPC server (before it starts).
// 0 or -errno.
int orchd_lxclink_start(orchd *o);
// Waits for the traffic checks in flight (each ends within its deadline), then frees o->lxl.
// Call while the hub publisher still runs. A NULL o->lxl is a no-op.
void orchd_lxclink_stop(orchd *o);

// rec has just been made to run on its site (created, started or found running): on an LXC
// site, publishes cp.ready for each of its CPs. Logs what fails.
void orchd_lxclink_ready(orchd *o, const Outrig__V1__VnfRecord *rec);
// rec was found not running (it ended, failed or was half made): on an LXC site, publishes
// cp.down for its CPs.
void orchd_lxclink_down(orchd *o, const Outrig__V1__VnfRecord *rec);
// The reconcile loop's listing of site `site` reports info: a VNF announced ready that no
// longer runs gets its cp.down.
void orchd_lxclink_seen(orchd *o, const char *site, const adapter_vnf_info *info);

// What orchd_lxclink_leaving learns of a VNF about to be deleted, for orchd_lxclink_left.
typedef struct orchd_lxc_leaving {
    bool lxc; // on an LXC site: the rest applies
    char site[64];
    size_t n_cps;
    char host_ifname[ADAPTER_CPS_MAX][16];
    char vl_key[ADAPTER_CPS_MAX][ORCHD_LXCLINK_KEY_MAX];
} orchd_lxc_leaving;
// Before VNF id is deleted from site `site` (open as `as`): on an LXC site, publishes cp.down
// for its CPs and notes its host veths and links into *out.
void orchd_lxclink_leaving(orchd *o, const char *site, adapter_site *as, const char *id,
                           orchd_lxc_leaving *out);
// After the delete: removes what is left of its host veths and, in the site's netns, the
// bridge and tunnel of each of its links that no other CP of the site is attached to.
void orchd_lxclink_left(orchd *o, const orchd_lxc_leaving *l);

#endif
