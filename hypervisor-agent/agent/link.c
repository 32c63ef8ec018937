// link: the agent's part of the linker's data path (issue 5). ConfigurePeer enslaves the CP's
// host veth to the link's bridge (lnk_dp_*, names from the vl key, so both agents of a site
// pick the same bridge), adds the VXLAN to the peer's site host, then a detached thread checks
// traffic: ICMP echo from a raw socket made inside the VNF's netns to the peer's address. The
// verdict goes out as cp.verified (CpVerified); the linker marks the link UP only on ok.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"
#include "cpreport.h"
#include "datapath.h"
#include "netlink/netlink.h"
#include "outrig/v1/linker.pb-c.h"
#include "util/clock.h"
#include "util/log.h"

#define CHECK_MS 5000 // the peer's end may be attached a little after ours: keep asking
#define ECHO_EVERY_MS 100

typedef struct check {
    agent *ag;
    char netns[80];
    char peer[46];
    char link_id[256];
    uint16_t ident;
} check;

// An rtnetlink socket where the VNFs' host veths live (host_netns, or ours).
static int host_nl(agent *ag)
{
    const char *hn = microapp_opt(ag->app, "host_netns", NULL);
    if (!hn || !hn[0])
        return nl_open();
    char path[300];
    snprintf(path, sizeof path, "/run/netns/%s", hn);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int nl = nl_open_in(fd);
    close(fd);
    return nl;
}

static uint16_t csum(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        s += (uint32_t)(b[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return htons((uint16_t)~s);
}

// Pings c->peer from inside c->netns until a reply or CHECK_MS. 0 with *rtt_us, or -errno
// with why filled.
static int ping(const check *c, uint64_t *rtt_us, char *why, size_t n)
{
    struct sockaddr_in to = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, c->peer, &to.sin_addr) != 1) {
        snprintf(why, n, "peer address %s: only IPv4 is checked", c->peer);
        return -EAFNOSUPPORT;
    }
    char path[120];
    snprintf(path, sizeof path, "/run/netns/%s", c->netns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) {
        snprintf(why, n, "netns %s: %s", c->netns, strerror(errno));
        return -ENOENT;
    }
    int s = nl_socket_in(nsfd, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    close(nsfd);
    if (s < 0) {
        snprintf(why, n, "ICMP socket in %s: %s", c->netns, strerror(-s));
        return s;
    }
    uint64_t end = clock_mono_us() + CHECK_MS * 1000u;
    uint16_t seq = 0;
    int rc = -ETIMEDOUT;
    snprintf(why, n, "no ICMP echo reply from %s within %d ms", c->peer, CHECK_MS);
    while (rc == -ETIMEDOUT && clock_mono_us() < end) {
        struct icmphdr h = {.type = ICMP_ECHO};
        h.un.echo.id = htons(c->ident);
        h.un.echo.sequence = htons(++seq);
        h.checksum = csum(&h, sizeof h);
        uint64_t sent = clock_mono_us();
        sendto(s, &h, sizeof h, 0, (struct sockaddr *)&to, sizeof to); // errors: retried
        uint64_t until = sent + ECHO_EVERY_MS * 1000u;
        for (uint64_t now = sent; now < until; now = clock_mono_us()) {
            struct pollfd p = {s, POLLIN, 0};
            if (poll(&p, 1, (int)((until - now) / 1000u) + 1) <= 0)
                break;
            uint8_t buf[512];
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t k = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            if (k < (ssize_t)sizeof(struct iphdr))
                continue;
            size_t hl = (size_t)(((const struct iphdr *)buf)->ihl * 4u);
            if ((size_t)k < hl + sizeof h || from.sin_addr.s_addr != to.sin_addr.s_addr)
                continue;
            struct icmphdr r;
            memcpy(&r, buf + hl, sizeof r);
            if (r.type == ICMP_ECHOREPLY && ntohs(r.un.echo.id) == c->ident) {
                *rtt_us = clock_mono_us() - sent;
                rc = 0;
                break;
            }
        }
    }
    close(s);
    return rc;
}

static void *check_main(void *arg)
{
    check *c = arg;
    uint64_t rtt = 0;
    char why[256] = "";
    int rc = ping(c, &rtt, why, sizeof why);
    Outrig__V1__CpVerified v = OUTRIG__V1__CP_VERIFIED__INIT;
    v.link_id = c->link_id;
    v.ok = rc == 0;
    v.reason = rc ? why : (char *)"";
    v.rtt_us = rtt;
    uint8_t buf[1024];
    size_t len = outrig__v1__cp_verified__pack(&v, buf);
    agent_event_raw(c->ag, "cp", "verified", c->link_id, buf, len);
    log_info("link %s: traffic to %s %s%s", c->link_id, c->peer, rc ? "failed: " : "ok",
             rc ? why : "");
    atomic_fetch_sub(&c->ag->n_checks, 1);
    free(c);
    return NULL;
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
    close(nl);
    if (rc) {
        log_warn("vnf %s cp %s: data path of %s: %s", f->id, cp->id, r->virtual_link,
                 strerror(-rc));
        return rc;
    }
    snprintf(cp->vl_key, sizeof cp->vl_key, "%s", r->virtual_link);
    if (!r->link_id[0] || !r->peer_address[0])
        return 0;
    check *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->ag = ag;
    snprintf(c->netns, sizeof c->netns, "%s", rt_vnf_netns(f->v));
    snprintf(c->peer, sizeof c->peer, "%s", r->peer_address);
    snprintf(c->link_id, sizeof c->link_id, "%s", r->link_id);
    static uint16_t next_ident; // worker thread only
    c->ident = ++next_ident;
    atomic_fetch_add(&ag->n_checks, 1);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    rc = -pthread_create(&t, &at, check_main, c);
    pthread_attr_destroy(&at);
    if (rc) {
        atomic_fetch_sub(&ag->n_checks, 1);
        free(c);
    }
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
    if (nl >= 0)
        close(nl);
}

void agent_link_wait(agent *ag)
{
    while (atomic_load(&ag->n_checks) > 0)
        usleep(10000);
}
