// A minimal rtnetlink client: one request, one ACK. See netlink.h.
#include "runtime/netlink.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Requests here are a header, one ifinfomsg or ifaddrmsg and a few short attributes.
#define NL_BUF 1024

struct nl_req {
    struct nlmsghdr h;
    char buf[NL_BUF];
    bool overflow;  // an attribute did not fit; the request is refused when sent
};

static atomic_uint nl_seq = 1;

int rt_nl_init(int fd)
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

int rt_nl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    return rt_nl_init(fd < 0 ? -errno : fd);
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
                continue;  // a stale answer to an earlier, abandoned request
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                if (e->error)
                    return e->error;
                return reply && !got_reply ? -ENODATA : 0;  // the ACK
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
    return rt_ifname_valid(name) ? 0 : -EINVAL;
}

int rt_nl_veth_add(int nl, const char *name, const char *peer, int peer_netns_fd, unsigned mtu)
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

int rt_nl_bridge_add(int nl, const char *name)
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

int rt_nl_link_del(int nl, const char *name)
{
    if (name_ok(name))
        return -EINVAL;
    struct nl_req r;
    link_req(&r, RTM_DELLINK, 0);
    attr_str(&r, IFLA_IFNAME, name);
    return nl_talk(nl, &r, NULL);
}

int rt_nl_link_set_up(int nl, const char *name, bool up)
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

int rt_nl_link_set_master(int nl, const char *name, const char *master)
{
    if (name_ok(name))
        return -EINVAL;
    uint32_t midx = 0;
    if (master) {
        int idx;
        int e = rt_nl_link_index(nl, master, &idx);
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

int rt_nl_link_index(int nl, const char *name, int *index)
{
    if (name_ok(name))
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

int rt_nl_addr_add(int nl, int ifindex, const struct rt_addr *a)
{
    if (!a || ifindex <= 0 || (a->family != AF_INET && a->family != AF_INET6))
        return -EINVAL;
    size_t alen = a->family == AF_INET ? 4 : 16;
    struct nl_req r;
    struct ifaddrmsg *ifa = req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof *ifa);
    ifa->ifa_family = (unsigned char)a->family;
    ifa->ifa_prefixlen = (unsigned char)a->prefix;
    ifa->ifa_index = (unsigned)ifindex;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    attr_put(&r, IFA_LOCAL, a->bytes, alen);
    attr_put(&r, IFA_ADDRESS, a->bytes, alen);
    if (a->family == AF_INET && a->prefix < 31) {
        // The broadcast address, as `ip addr add ... brd +` would set it.
        uint8_t brd[4];
        memcpy(brd, a->bytes, 4);
        for (unsigned bit = a->prefix; bit < 32; bit++)
            brd[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
        attr_put(&r, IFA_BROADCAST, brd, 4);
    }
    return nl_talk(nl, &r, NULL);
}
