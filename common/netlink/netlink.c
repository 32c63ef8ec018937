// A minimal rtnetlink client: one request, one ACK. See netlink.h.
#include "netlink/netlink.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Requests here are a header, one ifinfomsg, ifaddrmsg or rtmsg and a few short attributes.
#define NL_BUF 1024

struct nl_req {
    struct nlmsghdr h;
    char buf[NL_BUF];
    bool overflow; // an attribute did not fit; the request is refused when sent
};

static atomic_uint nl_seq = 1;

bool nl_ifname_valid(const char *name)
{
    if (!name || !name[0] || strlen(name) >= NL_IFNAMSIZ)
        return false;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return false;
    for (const char *p = name; *p; p++) {
        // The kernel's dev_valid_name() refuses '/', ':' and whitespace.
        if (*p == '/' || *p == ':' || *p == ' ' || (unsigned char)*p < 0x20 ||
            (unsigned char)*p == 0x7f)
            return false;
    }
    return true;
}

int nl_init(int fd)
{
    if (fd < 0)
        return fd;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    // Keep error reports short: no echo of the request after the error code.
    int one = 1;
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    return fd;
}

int nl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    return nl_init(fd < 0 ? -errno : fd);
}

static void *req_init(struct nl_req *r, int type, int flags, size_t body)
{
    memset(r, 0, sizeof *r);
    r->h.nlmsg_len = NLMSG_LENGTH(body);
    r->h.nlmsg_type = (unsigned short)type;
    r->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
    r->h.nlmsg_seq = atomic_fetch_add(&nl_seq, 1);
    return NLMSG_DATA(&r->h);
}

static struct rtattr *attr_put(struct nl_req *r, int type, const void *data, size_t len)
{
    size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
    size_t alen = RTA_LENGTH(len);
    if (off + RTA_ALIGN(alen) > offsetof(struct nl_req, overflow)) {
        r->overflow = true;
        return NULL;
    }
    struct rtattr *a = (struct rtattr *)((char *)r + off);
    a->rta_type = (unsigned short)type;
    a->rta_len = (unsigned short)alen;
    if (len)
        memcpy(RTA_DATA(a), data, len);
    r->h.nlmsg_len = (unsigned)(off + RTA_ALIGN(alen));
    return a;
}

static struct rtattr *attr_str(struct nl_req *r, int type, const char *s)
{
    return attr_put(r, type, s, strlen(s) + 1);
}

static void nest_end(struct nl_req *r, struct rtattr *nest)
{
    if (nest)
        nest->rta_len = (unsigned short)((char *)r + r->h.nlmsg_len - (char *)nest);
}

// Sends the request and reads until its ACK (or error). When `reply` is given, the first
// non-error message of that sequence is copied there (for GET requests).
static int nl_talk(int nl, struct nl_req *r, struct nl_req *reply)
{
    if (r->overflow)
        return -ENOBUFS;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    ssize_t w;
    do {
        w = sendto(nl, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa);
    } while (w < 0 && errno == EINTR);
    if (w < 0)
        return -errno;

    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    bool got_reply = false;
    for (;;) {
        ssize_t n = recv(nl, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != r->h.nlmsg_seq)
                continue; // a stale answer to an earlier, abandoned request
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                if (e->error)
                    return e->error;
                return reply && !got_reply ? -ENODATA : 0; // the ACK
            }
            if (reply && !got_reply) {
                // Only the fixed header is read back; attributes past the buffer are dropped.
                size_t len = h->nlmsg_len;
                if (len > offsetof(struct nl_req, overflow))
                    len = offsetof(struct nl_req, overflow);
                memcpy(reply, h, len);
                got_reply = true;
            }
        }
    }
}

static struct ifinfomsg *link_req(struct nl_req *r, int type, int flags)
{
    struct ifinfomsg *ifi = req_init(r, type, flags, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    return ifi;
}

static int name_ok(const char *name)
{
    return nl_ifname_valid(name) ? 0 : -EINVAL;
}

int nl_veth_add(int nl, const char *name, const char *peer, int peer_netns_fd, unsigned mtu)
{
    if (name_ok(name) || name_ok(peer))
        return -EINVAL;
    struct nl_req r;
    link_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    attr_str(&r, IFLA_IFNAME, name);
    if (mtu)
        attr_put(&r, IFLA_MTU, &mtu, sizeof mtu);
    struct rtattr *linkinfo = attr_put(&r, IFLA_LINKINFO, NULL, 0);
    attr_str(&r, IFLA_INFO_KIND, "veth");
    struct rtattr *data = attr_put(&r, IFLA_INFO_DATA, NULL, 0);
    struct rtattr *peer_nest = attr_put(&r, VETH_INFO_PEER, NULL, 0);
    // VETH_INFO_PEER carries an ifinfomsg of its own before the peer's attributes.
    struct ifinfomsg pifi = {.ifi_family = AF_UNSPEC};
    if (!peer_nest || r.h.nlmsg_len + sizeof pifi > offsetof(struct nl_req, overflow))
        return -ENOBUFS;
    memcpy((char *)&r + r.h.nlmsg_len, &pifi, sizeof pifi);
    r.h.nlmsg_len += NLMSG_ALIGN(sizeof pifi);
    attr_str(&r, IFLA_IFNAME, peer);
    if (mtu)
        attr_put(&r, IFLA_MTU, &mtu, sizeof mtu);
    if (peer_netns_fd >= 0) {
        uint32_t fd = (uint32_t)peer_netns_fd;
        attr_put(&r, IFLA_NET_NS_FD, &fd, sizeof fd);
    }
    nest_end(&r, peer_nest);
    nest_end(&r, data);
    nest_end(&r, linkinfo);
    return nl_talk(nl, &r, NULL);
}

int nl_bridge_add(int nl, const char *name)
{
    if (name_ok(name))
        return -EINVAL;
    struct nl_req r;
    link_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    attr_str(&r, IFLA_IFNAME, name);
    struct rtattr *linkinfo = attr_put(&r, IFLA_LINKINFO, NULL, 0);
    attr_str(&r, IFLA_INFO_KIND, "bridge");
    nest_end(&r, linkinfo);
    return nl_talk(nl, &r, NULL);
}

int nl_bridge_add_up(int nl, const char *name)
{
    if (name_ok(name))
        return -EINVAL;
    struct nl_req r;
    struct ifinfomsg *ifi = link_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = IFF_UP;
    attr_str(&r, IFLA_IFNAME, name);
    struct rtattr *linkinfo = attr_put(&r, IFLA_LINKINFO, NULL, 0);
    attr_str(&r, IFLA_INFO_KIND, "bridge");
    nest_end(&r, linkinfo);
    return nl_talk(nl, &r, NULL);
}

int nl_link_enslave(int nl, const char *name, int master_index)
{
    if (name_ok(name) || master_index <= 0)
        return -EINVAL;
    struct nl_req r;
    struct ifinfomsg *ifi = link_req(&r, RTM_NEWLINK, 0);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = IFF_UP;
    attr_str(&r, IFLA_IFNAME, name);
    uint32_t midx = (uint32_t)master_index;
    attr_put(&r, IFLA_MASTER, &midx, sizeof midx);
    return nl_talk(nl, &r, NULL);
}

int nl_vxlan_add(int nl, const char *name, uint32_t vni, const uint8_t local[4],
                 const uint8_t remote[4], int dev_ifindex, uint16_t port)
{
    if (name_ok(name) || vni >= (1u << 24) || !remote || dev_ifindex < 0)
        return -EINVAL;
    struct nl_req r;
    link_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    attr_str(&r, IFLA_IFNAME, name);
    struct rtattr *linkinfo = attr_put(&r, IFLA_LINKINFO, NULL, 0);
    attr_str(&r, IFLA_INFO_KIND, "vxlan");
    struct rtattr *data = attr_put(&r, IFLA_INFO_DATA, NULL, 0);
    attr_put(&r, IFLA_VXLAN_ID, &vni, sizeof vni);
    attr_put(&r, IFLA_VXLAN_GROUP, remote, 4); // unicast: the one remote end
    if (local)
        attr_put(&r, IFLA_VXLAN_LOCAL, local, 4);
    if (dev_ifindex > 0) {
        uint32_t dev = (uint32_t)dev_ifindex;
        attr_put(&r, IFLA_VXLAN_LINK, &dev, sizeof dev);
    }
    uint16_t dport = htons(port ? port : 4789);
    attr_put(&r, IFLA_VXLAN_PORT, &dport, sizeof dport);
    uint8_t learning = 1;
    attr_put(&r, IFLA_VXLAN_LEARNING, &learning, 1);
    nest_end(&r, data);
    nest_end(&r, linkinfo);
    return nl_talk(nl, &r, NULL);
}

int nl_link_del(int nl, const char *name)
{
    if (name_ok(name))
        return -EINVAL;
    struct nl_req r;
    link_req(&r, RTM_DELLINK, 0);
    attr_str(&r, IFLA_IFNAME, name);
    return nl_talk(nl, &r, NULL);
}

int nl_link_set_up(int nl, const char *name, bool up)
{
    if (name_ok(name))
        return -EINVAL;
    struct nl_req r;
    struct ifinfomsg *ifi = link_req(&r, RTM_NEWLINK, 0);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    attr_str(&r, IFLA_IFNAME, name);
    return nl_talk(nl, &r, NULL);
}

int nl_link_set_master(int nl, const char *name, const char *master)
{
    if (name_ok(name))
        return -EINVAL;
    uint32_t midx = 0;
    if (master) {
        int idx;
        int e = nl_link_index(nl, master, &idx);
        if (e < 0)
            return e;
        midx = (uint32_t)idx;
    }
    struct nl_req r;
    link_req(&r, RTM_NEWLINK, 0);
    attr_str(&r, IFLA_IFNAME, name);
    attr_put(&r, IFLA_MASTER, &midx, sizeof midx);
    return nl_talk(nl, &r, NULL);
}

int nl_link_set_netns(int nl, const char *name, int netns_fd)
{
    if (name_ok(name) || netns_fd < 0)
        return -EINVAL;
    struct nl_req r;
    link_req(&r, RTM_NEWLINK, 0);
    attr_str(&r, IFLA_IFNAME, name);
    uint32_t fd = (uint32_t)netns_fd;
    attr_put(&r, IFLA_NET_NS_FD, &fd, sizeof fd);
    return nl_talk(nl, &r, NULL);
}

int nl_link_index(int nl, const char *name, int *index)
{
    if (name_ok(name) || !index)
        return -EINVAL;
    struct nl_req r, reply;
    link_req(&r, RTM_GETLINK, 0);
    // Skip statistics and VF info: only the header is wanted.
    uint32_t mask = RTEXT_FILTER_SKIP_STATS;
    attr_put(&r, IFLA_EXT_MASK, &mask, sizeof mask);
    attr_str(&r, IFLA_IFNAME, name);
    memset(&reply, 0, sizeof reply);
    // With NLM_F_ACK a GET answers with the link message and then the ACK.
    int e = nl_talk(nl, &r, &reply);
    if (e < 0)
        return e;
    const struct ifinfomsg *ifi = NLMSG_DATA(&reply.h);
    *index = ifi->ifi_index;
    return 0;
}

static size_t addr_len(const nl_addr *a)
{
    if (!a)
        return 0;
    if (a->family == AF_INET && a->prefix <= 32)
        return 4;
    if (a->family == AF_INET6 && a->prefix <= 128)
        return 16;
    return 0;
}

static int addr_req(int nl, int type, int flags, int ifindex, const nl_addr *a)
{
    size_t alen = addr_len(a);
    if (!alen || ifindex <= 0)
        return -EINVAL;
    struct nl_req r;
    struct ifaddrmsg *ifa = req_init(&r, type, flags, sizeof *ifa);
    ifa->ifa_family = (unsigned char)a->family;
    ifa->ifa_prefixlen = (unsigned char)a->prefix;
    ifa->ifa_index = (unsigned)ifindex;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    attr_put(&r, IFA_LOCAL, a->bytes, alen);
    attr_put(&r, IFA_ADDRESS, a->bytes, alen);
    if (type == RTM_NEWADDR && a->family == AF_INET && a->prefix < 31) {
        // The broadcast address, as `ip addr add ... brd +` would set it.
        uint8_t brd[4];
        memcpy(brd, a->bytes, 4);
        for (unsigned bit = a->prefix; bit < 32; bit++)
            brd[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
        attr_put(&r, IFA_BROADCAST, brd, 4);
    }
    return nl_talk(nl, &r, NULL);
}

int nl_addr_add(int nl, int ifindex, const nl_addr *a)
{
    return addr_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, a);
}

int nl_addr_del(int nl, int ifindex, const nl_addr *a)
{
    return addr_req(nl, RTM_DELADDR, 0, ifindex, a);
}

static int route_req(int nl, int type, int flags, const nl_addr *dst, const nl_addr *gw,
                     int ifindex)
{
    size_t alen = addr_len(dst);
    if (!alen || (gw && (gw->family != dst->family || !addr_len(gw))))
        return -EINVAL;
    struct nl_req r;
    struct rtmsg *rt = req_init(&r, type, flags, sizeof *rt);
    rt->rtm_family = (unsigned char)dst->family;
    rt->rtm_dst_len = (unsigned char)dst->prefix;
    rt->rtm_table = RT_TABLE_MAIN;
    if (type == RTM_NEWROUTE) {
        rt->rtm_protocol = RTPROT_STATIC;
        rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        rt->rtm_type = RTN_UNICAST;
    } else {
        rt->rtm_scope = RT_SCOPE_NOWHERE;
    }
    attr_put(&r, RTA_DST, dst->bytes, alen);
    if (gw)
        attr_put(&r, RTA_GATEWAY, gw->bytes, alen);
    if (ifindex > 0) {
        uint32_t oif = (uint32_t)ifindex;
        attr_put(&r, RTA_OIF, &oif, sizeof oif);
    }
    return nl_talk(nl, &r, NULL);
}

int nl_route_add(int nl, const nl_addr *dst, const nl_addr *gw, int ifindex)
{
    if (ifindex <= 0)
        return -EINVAL;
    return route_req(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, dst, gw, ifindex);
}

int nl_route_del(int nl, const nl_addr *dst)
{
    return route_req(nl, RTM_DELROUTE, 0, dst, NULL, 0);
}
