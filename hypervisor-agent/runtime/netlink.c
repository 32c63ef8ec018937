// The runtime's rtnetlink calls: thin wrappers over the shared common/netlink client, kept
// so that the runtime's callers read in its own prefix. See netlink.h.
#include "runtime/netlink.h"

#include <errno.h>
#include <string.h>

#include "netlink/netlink.h"

int rt_nl_init(int fd)
{
    return nl_init(fd);
}

int rt_nl_open(void)
{
    return nl_open();
}

int rt_nl_veth_add(int nl, const char *name, const char *peer, int peer_netns_fd, unsigned mtu)
{
    if (!rt_ifname_valid(name) || !rt_ifname_valid(peer))
        return -EINVAL;
    return nl_veth_add(nl, name, peer, peer_netns_fd, mtu);
}

int rt_nl_bridge_add(int nl, const char *name)
{
    return nl_bridge_add(nl, name);
}

int rt_nl_link_del(int nl, const char *name)
{
    return nl_link_del(nl, name);
}

int rt_nl_link_set_up(int nl, const char *name, bool up)
{
    return nl_link_set_up(nl, name, up);
}

int rt_nl_link_set_master(int nl, const char *name, const char *master)
{
    return nl_link_set_master(nl, name, master);
}

int rt_nl_link_index(int nl, const char *name, int *index)
{
    return nl_link_index(nl, name, index);
}

int rt_nl_addr_add(int nl, int ifindex, const struct rt_addr *a)
{
    if (!a)
        return -EINVAL;
    nl_addr na = {.family = a->family, .prefix = a->prefix};
    memcpy(na.bytes, a->bytes, sizeof na.bytes);
    return nl_addr_add(nl, ifindex, &na);
}
