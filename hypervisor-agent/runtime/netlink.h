// runtime netlink: the runtime's rtnetlink calls (veth pairs, bridges,
// addresses and link state), wrappers over common/netlink (netlink/netlink.h). A socket
// acts in the network namespace it was created in (see rt_netns_socket). No allocation, so
// the calls are also safe in a forked child.
#ifndef OUTRIG_RT_NETLINK_H
#define OUTRIG_RT_NETLINK_H

#include "runtime/spec.h"

// Opens a NETLINK_ROUTE socket (CLOEXEC) in the caller's netns. Returns the fd or -errno.
int rt_nl_open(void);
// Binds a fresh NETLINK_ROUTE socket `fd` (from rt_netns_socket, say) and sets its options.
// Returns fd, or -errno after closing it; a negative fd is passed through.
int rt_nl_init(int fd);

// Creates a veth pair: `name` in the socket's netns and `peer` directly inside the netns
// open as `peer_netns_fd` (-1: the same netns). Both ends get `mtu` when it is not 0.
// Returns 0, -EEXIST, or another -errno from the kernel.
int rt_nl_veth_add(int nl, const char *name, const char *peer, int peer_netns_fd, unsigned mtu);
// Creates a Linux bridge named `name`. Returns 0, -EEXIST or -errno.
int rt_nl_bridge_add(int nl, const char *name);
// Deletes link `name` (a veth takes its peer with it). Returns 0, -ENODEV or -errno.
int rt_nl_link_del(int nl, const char *name);
// Sets link `name` up (or down). Returns 0, -ENODEV or -errno.
int rt_nl_link_set_up(int nl, const char *name, bool up);
// Enslaves link `name` to bridge `master` (NULL: releases it). Returns 0 or -errno.
int rt_nl_link_set_master(int nl, const char *name, const char *master);
// Looks up the index of link `name` into *index. Returns 0, -ENODEV or -errno.
int rt_nl_link_index(int nl, const char *name, int *index);
// Adds address `a` to link `ifindex`. Returns 0, -EEXIST or -errno.
int rt_nl_addr_add(int nl, int ifindex, const struct rt_addr *a);

#endif
