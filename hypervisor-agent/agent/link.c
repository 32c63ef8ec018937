// link: the agent's part of the linker's data path (issue 5). ConfigurePeer enslaves the CP's
// host veth to the link's bridge (lnk_dp_*, names from the vl key, so both agents of a site
// pick the same bridge), adds the VXLAN to the peer's site host, then a detached thread checks
// traffic: ICMP echo from a raw socket made inside the VNF's netns to the peer's address. The
// verdict goes out as cp.verified (CpVerified); the linker marks the link UP only on ok.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "cpreport.h"
#include "datapath.h"
#include "netlink/netlink.h"
#include "outrig/v1/linker.pb-c.h"
#include "util/log.h"

// The rtnetlink socket where the VNFs' host veths live (host_netns, or ours), opened once:
// opening one in another netns takes a thread, and ConfigurePeer is on the busy path when
// many links come up at once. Worker thread (and shutdown, after it) only.
static int host_nl(agent *ag)
{
    if (ag->link_nl >= 0)
        return ag->link_nl;
    int nl = nl_open_named(microapp_opt(ag->app, "host_netns", NULL));
    if (nl >= 0)
        ag->link_nl = nl;
    return nl;
}

void agent_link_close(agent *ag)
{
    if (ag->link_nl >= 0)
        close(ag->link_nl);
    ag->link_nl = -1;
}

// A traffic check's verdict goes out as cp.verified (on the check's thread).
static void verdict(void *arg, const lnk_verdict *v, const uint8_t *payload, size_t len)
{
    agent_event_raw(arg, "cp", "verified", v->link_id, payload, len);
    log_info("link %s: traffic %s%s", v->link_id, v->ok ? "ok" : "failed: ", v->reason);
}

int agent_link_peer(agent *ag, agent_vnf *f, agent_cp *cp, const outrig_v1_ConfigurePeerRequest *r)
{
    if (!r->virtual_link[0])
        return 0;
    int nl = host_nl(ag);
    if (nl < 0)
        return nl;
    int rc = lnk_dp_attach(nl, r->virtual_link, cp->host_ifname);
    if (!rc && r->peer_host[0]) {
        if (!ag->host_addr[0] && !r->host[0])
            rc = -EDESTADDRREQ; // a tunnel needs our underlay address
        else
            rc = lnk_dp_tunnel(nl, r->virtual_link, r->host[0] ? r->host : ag->host_addr,
                               r->peer_host, NULL);
    }
    if (rc) {
        log_warn("vnf %s cp %s: data path of %s: %s", f->id, cp->id, r->virtual_link,
                 strerror(-rc));
        return rc;
    }
    snprintf(cp->vl_key, sizeof cp->vl_key, "%s", r->virtual_link);
    if (!r->link_id[0] || !r->peer_address[0])
        return 0;
    int nsfd = nl_netns_open(rt_vnf_netns(f->v));
    if (nsfd < 0)
        return nsfd;
    rc = lnk_dp_check_start(nsfd, r->peer_address, LNK_PING_MS, r->link_id, verdict, ag,
                            &ag->n_checks);
    close(nsfd);
    return rc;
}

// Copies src into dst[n], cut at n - 1 bytes: the fields come from bounded agent
// records, and a cut value is caught by the linker's own validation.
static void link_put(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l > n - 1)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}

void agent_link_cps(agent *ag, const agent_vnf *f, const char *type)
{
    if (!f->owner[0])
        return;
    for (size_t i = 0; i < f->n_cps; i++) {
        const agent_cp *p = &f->cps[i];
        lnk_cp cp = {0};
        link_put(cp.ns_id, sizeof cp.ns_id, f->owner);
        link_put(cp.vnf_id, sizeof cp.vnf_id, f->id);
        link_put(cp.cp_id, sizeof cp.cp_id, p->id);
        link_put(cp.address, sizeof cp.address, p->address);
        link_put(cp.host, sizeof cp.host, ag->host_addr);
        link_put(cp.agent, sizeof cp.agent, microapp_listen_url(ag->app));
        link_put(cp.site, sizeof cp.site, ag->site);
        link_put(cp.virtual_link, sizeof cp.virtual_link, p->virtual_link);
        link_put(cp.host_ifname, sizeof cp.host_ifname, p->host_ifname);
        uint8_t *buf = NULL;
        size_t len = 0;
        if (lnk_cp_encode(&cp, &buf, &len)) {
            log_warn("cp.%s %s/%s: out of memory", type, f->id, p->id);
            continue;
        }
        char id[96];
        snprintf(id, sizeof id, "%s/%s", f->id, p->id);
        agent_event_raw(ag, "cp", type, id, buf, len);
        free(buf);
    }
}

void agent_link_release(agent *ag, const agent_vnf *f)
{
    int nl = -1;
    for (size_t i = 0; i < f->n_cps; i++) {
        const char *key = f->cps[i].vl_key;
        if (!key[0])
            continue;
        bool shared = false;
        for (size_t v = 0; v < AGENT_MAX_VNFS && !shared; v++) {
            const agent_vnf *o = &ag->vnfs[v];
            if (!o->used || o == f)
                continue;
            for (size_t k = 0; k < o->n_cps && !shared; k++)
                shared = !strcmp(o->cps[k].vl_key, key);
        }
        if (shared)
            continue;
        if (nl < 0 && (nl = host_nl(ag)) < 0) {
            log_warn("vnf %s: releasing %s: %s", f->id, key, strerror(-nl));
            return;
        }
        int rc = lnk_dp_remove(nl, key);
        if (rc)
            log_warn("vnf %s: removing the data path of %s: %s", f->id, key, strerror(-rc));
    }
}

void agent_link_wait(agent *ag)
{
    while (atomic_load(&ag->n_checks) > 0)
        usleep(10000);
}
