// datapath: bridges and VXLAN tunnels per virtual link, and the traffic check. See datapath.h.
#include "datapath.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink/netlink.h"
#include "util/clock.h"

#define PING_FIRST_GAP_MS 2
#define PING_MAX_GAP_MS 100
#define PING_SEQS 256 // echoes remembered for their send times (5 s at 100 ms is ~60)

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

void lnk_dp_names(const char *vl_key, char bridge[LNK_IFNAMSIZ], char vxlan[LNK_IFNAMSIZ])
{
    unsigned long long h = fnv1a64(vl_key) & 0xffffffffffffull;
    if (bridge)
        snprintf(bridge, LNK_IFNAMSIZ, "olb%012llx", h);
    if (vxlan)
        snprintf(vxlan, LNK_IFNAMSIZ, "olx%012llx", h);
}

uint32_t lnk_vni(const char *vl_key)
{
    uint64_t h = fnv1a64(vl_key);
    uint32_t v = (uint32_t)((h >> 40) ^ h) & 0xffffff;
    return v ? v : 1;
}

// The link's bridge, made (up) if missing, and its index. 0 or -errno.
// Few netlink requests on purpose: the kernel serializes them (rtnl), so with many links
// set up at once each one made here delays every other link of the host.
static int bridge_index(int nl, const char *vl_key, int *index)
{
    char br[LNK_IFNAMSIZ];
    lnk_dp_names(vl_key, br, NULL);
    int e = nl_bridge_add_up(nl, br); // an existing one was made up by whoever made it
    if (e < 0 && e != -EEXIST)
        return e;
    return nl_link_index(nl, br, index);
}

int lnk_dp_bridge(int nl, const char *vl_key)
{
    int index;
    return bridge_index(nl, vl_key, &index);
}

int lnk_dp_attach(int nl, const char *vl_key, const char *ifname)
{
    int index;
    int e = bridge_index(nl, vl_key, &index);
    return e < 0 ? e : nl_link_enslave(nl, ifname, index);
}

int lnk_dp_tunnel(int nl, const char *vl_key, const char *local, const char *remote,
                  const char *underlay)
{
    struct in_addr l, r;
    if (!local || !remote || inet_pton(AF_INET, local, &l) != 1 ||
        inet_pton(AF_INET, remote, &r) != 1)
        return -EINVAL;
    int dev = 0;
    int e = underlay ? nl_link_index(nl, underlay, &dev) : 0;
    if (e < 0)
        return e;
    int index;
    if ((e = bridge_index(nl, vl_key, &index)) < 0)
        return e;
    char vx[LNK_IFNAMSIZ];
    lnk_dp_names(vl_key, NULL, vx);
    e = nl_vxlan_add(nl, vx, lnk_vni(vl_key), (const uint8_t *)&l.s_addr,
                     (const uint8_t *)&r.s_addr, dev, 0);
    if (e < 0 && e != -EEXIST)
        return e;
    return nl_link_enslave(nl, vx, index);
}

int lnk_dp_remove(int nl, const char *vl_key)
{
    char br[LNK_IFNAMSIZ], vx[LNK_IFNAMSIZ];
    lnk_dp_names(vl_key, br, vx);
    int e = nl_link_del(nl, vx);
    if (e < 0 && e != -ENODEV)
        return e;
    // Deleting a bridge releases its ports; the VNFs' veths stay with their VNFs.
    e = nl_link_del(nl, br);
    return e == -ENODEV ? 0 : e;
}

// Sets *ports to the number of interfaces enslaved to ifindex master other than `skip`
// (a name), from a dump of the socket's links. 0 or -errno.
static int count_ports(int nl, int master, const char *skip, int *ports)
{
    static atomic_uint seq = 0x40000000u; // apart from common/netlink's request numbers
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
                   .nlmsg_type = RTM_GETLINK,
                   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                   .nlmsg_seq = atomic_fetch_add(&seq, 1)},
             .i = {.ifi_family = AF_UNSPEC}};
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(nl, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
        return -errno;
    size_t cap = 65536; // a dump part never exceeds the reader's buffer
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    int rc = 0, n_ports = 0;
    for (bool done = false; !done && !rc;) {
        ssize_t n = recv(nl, buf, cap, 0);
        if (n < 0) {
            if (errno != EINTR)
                rc = -errno;
            continue;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != req.h.nlmsg_seq)
                continue; // a stale answer to another request
            if (h->nlmsg_type == NLMSG_DONE) {
                done = true;
                break;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                rc = e->error ? e->error : -EIO;
                break;
            }
            if (h->nlmsg_type != RTM_NEWLINK ||
                h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
                continue;
            struct ifinfomsg *ifi = NLMSG_DATA(h);
            int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *ifi));
            int of = 0;
            char name[LNK_IFNAMSIZ] = "";
            for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                if (a->rta_type == IFLA_MASTER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
                    memcpy(&of, RTA_DATA(a), sizeof of);
                else if (a->rta_type == IFLA_IFNAME)
                    snprintf(name, sizeof name, "%.*s", (int)RTA_PAYLOAD(a),
                             (const char *)RTA_DATA(a));
            }
            if (of == master && strcmp(name, skip))
                n_ports++;
        }
    }
    free(buf);
    *ports = n_ports;
    return rc;
}

int lnk_dp_remove_unused(int nl, const char *vl_key)
{
    char br[LNK_IFNAMSIZ], vx[LNK_IFNAMSIZ];
    lnk_dp_names(vl_key, br, vx);
    int idx = 0, ports = 0;
    int e = nl_link_index(nl, br, &idx);
    if (e == -ENODEV) {
        // A VXLAN device without its bridge is a leftover all the same.
        e = nl_link_del(nl, vx);
        return e == 0 || e == -ENODEV ? 1 : e;
    }
    if (e < 0 || (e = count_ports(nl, idx, vx, &ports)) < 0)
        return e;
    if (ports > 0)
        return 0;
    e = lnk_dp_remove(nl, vl_key);
    return e < 0 ? e : 1;
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

// Reads what arrived on s until `until` (monotonic us): 0 with *rtt_us on an echo reply of
// ours from `peer`, -ETIMEDOUT when none came.
static int await_reply(int s, uint16_t ident, in_addr_t peer, const uint64_t *sent, uint16_t n_sent,
                       uint64_t until, uint64_t *rtt_us)
{
    for (uint64_t now = clock_mono_us(); now < until; now = clock_mono_us()) {
        struct pollfd p = {s, POLLIN, 0};
        int wait_ms = (int)((until - now + 999u) / 1000u);
        if (poll(&p, 1, wait_ms) <= 0)
            continue; // EINTR, or the gap ended: the loop condition decides
        uint8_t buf[512];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t k = recvfrom(s, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (k < (ssize_t)sizeof(struct iphdr) || from.sin_addr.s_addr != peer)
            continue;
        size_t hl = (size_t)(((const struct iphdr *)buf)->ihl * 4u);
        struct icmphdr r;
        if ((size_t)k < hl + sizeof r)
            continue;
        memcpy(&r, buf + hl, sizeof r);
        uint16_t seq = ntohs(r.un.echo.sequence);
        if (r.type != ICMP_ECHOREPLY || ntohs(r.un.echo.id) != ident || !seq || seq > n_sent)
            continue;
        *rtt_us = clock_mono_us() - sent[(seq - 1) % PING_SEQS];
        return 0;
    }
    return -ETIMEDOUT;
}

int lnk_dp_ping(int netns_fd, const char *peer, uint32_t timeout_ms, uint64_t *rtt_us, char *why,
                size_t n)
{
    static atomic_uint next_ident;
    struct sockaddr_in to = {.sin_family = AF_INET};
    if (!peer || inet_pton(AF_INET, peer, &to.sin_addr) != 1) {
        snprintf(why, n, "peer address %s: only IPv4 is checked", peer ? peer : "(none)");
        return -EAFNOSUPPORT;
    }
    int s = nl_socket_in(netns_fd, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (s < 0) {
        snprintf(why, n, "ICMP socket in the VNF's netns: %s", strerror(-s));
        return s;
    }
    if (!timeout_ms)
        timeout_ms = LNK_PING_MS;
    // Every raw ICMP socket of the netns sees every reply: the id tells ours apart.
    uint16_t ident = (uint16_t)(getpid() * 31u + atomic_fetch_add(&next_ident, 1));
    uint64_t *sent = calloc(PING_SEQS, sizeof *sent);
    if (!sent) {
        close(s);
        snprintf(why, n, "out of memory");
        return -ENOMEM;
    }
    uint64_t end = clock_mono_us() + timeout_ms * 1000ull;
    uint32_t gap_ms = PING_FIRST_GAP_MS;
    uint16_t seq = 0;
    int rc = -ETIMEDOUT;
    while (rc == -ETIMEDOUT && clock_mono_us() < end) {
        struct icmphdr h = {.type = ICMP_ECHO};
        h.un.echo.id = htons(ident);
        h.un.echo.sequence = htons(++seq);
        h.checksum = csum(&h, sizeof h);
        sent[(seq - 1) % PING_SEQS] = clock_mono_us();
        // A send error (no route, no neighbour yet) is retried with the next echo.
        sendto(s, &h, sizeof h, 0, (struct sockaddr *)&to, sizeof to);
        uint64_t until = sent[(seq - 1) % PING_SEQS] + gap_ms * 1000ull;
        rc =
            await_reply(s, ident, to.sin_addr.s_addr, sent, seq, until < end ? until : end, rtt_us);
        gap_ms = gap_ms * 2 > PING_MAX_GAP_MS ? PING_MAX_GAP_MS : gap_ms * 2;
        if (seq == UINT16_MAX)
            break;
    }
    if (rc)
        snprintf(why, n, "no ICMP echo reply from %s within %u ms", peer, timeout_ms);
    free(sent);
    close(s);
    return rc;
}
