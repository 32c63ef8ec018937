// netlink: a small rtnetlink (NETLINK_ROUTE) client shared by the agent runtime and the
// linker: veth pairs, bridges, VXLAN devices, addresses, routes and link state. Each call
// sends one request and waits for its ACK. A socket acts in the network namespace it was
// created in. No allocation, so the calls are also safe in a forked child.
#ifndef OUTRIG_NETLINK_H
#define OUTRIG_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

#define NL_IFNAMSIZ 16 // IFNAMSIZ: 15 characters and the NUL

// An address with its prefix length.
typedef struct nl_addr {
    int family; // AF_INET or AF_INET6
    uint8_t bytes[16];
    unsigned prefix;
} nl_addr;

// True when the kernel would accept `name` as an interface name (dev_valid_name()).
bool nl_ifname_valid(const char *name);

// Opens a NETLINK_ROUTE socket (CLOEXEC) in the caller's netns. Returns the fd or -errno.
int nl_open(void);
// Binds a fresh NETLINK_ROUTE socket `fd` (one made inside another netns, say) and sets its
// options. Returns fd, or -errno after closing it; a negative fd is passed through.
int nl_init(int fd);

// Creates a socket (CLOEXEC) inside the network namespace open as netns_fd (-1: the
// caller's), from a short-lived thread so that no thread of the caller changes netns. Returns
// the fd or -errno. Not for forked children (it starts a thread).
int nl_socket_in(int netns_fd, int domain, int type, int protocol);
// nl_open inside the netns open as netns_fd (-1: the caller's). Returns the fd or -errno.
int nl_open_in(int netns_fd);
// Opens (O_RDONLY, CLOEXEC) the network namespace `name`: an `ip netns` name (under
// /run/netns) or an absolute path. Returns the fd, -EINVAL (empty, or a relative path) or
// -errno.
int nl_netns_open(const char *name);
// nl_open inside the network namespace `name` (as nl_netns_open; NULL or "": the caller's).
// Returns the fd or -errno.
int nl_open_named(const char *name);

// Creates a veth pair: `name` in the socket's netns and `peer` directly inside the netns
// open as `peer_netns_fd` (-1: the same netns). Both ends get `mtu` when it is not 0.
// Returns 0, -EEXIST, or another -errno from the kernel.
int nl_veth_add(int nl, const char *name, const char *peer, int peer_netns_fd, unsigned mtu);
// Creates a Linux bridge named `name`. Returns 0, -EEXIST or -errno.
int nl_bridge_add(int nl, const char *name);
// nl_bridge_add with the bridge up at once (one request instead of two). 0, -EEXIST or -errno.
int nl_bridge_add_up(int nl, const char *name);
// Creates a VXLAN device `name` with network identifier `vni` (< 2^24) sending to the
// unicast IPv4 `remote` from `local` (network byte order) on UDP `port` (0: 4789), bound
// to link `dev_ifindex` when it is not 0. Learning on. Returns 0, -EEXIST or -errno.
int nl_vxlan_add(int nl, const char *name, uint32_t vni, const uint8_t local[4],
                 const uint8_t remote[4], int dev_ifindex, uint16_t port);
// Deletes link `name` (a veth takes its peer with it). Returns 0, -ENODEV or -errno.
int nl_link_del(int nl, const char *name);
// Sets link `name` up (or down). Returns 0, -ENODEV or -errno.
int nl_link_set_up(int nl, const char *name, bool up);
// Enslaves link `name` to bridge `master` (NULL: releases it). Returns 0 or -errno.
int nl_link_set_master(int nl, const char *name, const char *master);
// Enslaves link `name` to the bridge of index master_index and sets it up, in one request.
// Returns 0 or -errno.
int nl_link_enslave(int nl, const char *name, int master_index);
// Moves link `name` into the netns open as `netns_fd`. Returns 0 or -errno.
int nl_link_set_netns(int nl, const char *name, int netns_fd);
// Looks up the index of link `name` into *index. Returns 0, -ENODEV or -errno.
int nl_link_index(int nl, const char *name, int *index);
// Adds address `a` to link `ifindex` (with the broadcast address for IPv4 below /31).
// Returns 0, -EEXIST or -errno.
int nl_addr_add(int nl, int ifindex, const nl_addr *a);
// Removes address `a` from link `ifindex`. Returns 0, -EADDRNOTAVAIL or -errno.
int nl_addr_del(int nl, int ifindex, const nl_addr *a);
// Adds (or replaces) the route to `dst` through `gw` (NULL: directly on the link) via link
// `ifindex`, in the main table. Returns 0 or -errno.
int nl_route_add(int nl, const nl_addr *dst, const nl_addr *gw, int ifindex);
// Deletes the route to `dst` in the main table. Returns 0, -ESRCH or -errno.
int nl_route_del(int nl, const nl_addr *dst);

#endif
