// runtime netns: named network namespaces that `ip netns` sees (bind mounts of the namespace
// under /run/netns), sockets opened inside one, and the processes that live in one.
#ifndef OUTRIG_RT_NETNS_H
#define OUTRIG_RT_NETNS_H

#include <stddef.h>
#include <sys/types.h>

#define RT_NETNS_DIR "/run/netns"

// Creates netns `name` with its loopback up and returns an fd on it (CLOEXEC, the caller
// closes it) in *fd. Returns 0, -EEXIST when the name is taken, -EINVAL for a bad name, or
// another -errno; on failure nothing is left behind.
int rt_netns_add(const char *name, int *fd);
// Opens existing netns `name`; returns the fd (CLOEXEC) or -errno (-ENOENT when absent).
int rt_netns_open(const char *name);
// Removes the name (unmounts and unlinks it); the namespace itself goes when its last process
// and fd are gone. Returns 0 or -ENOENT when there was no such name, or another -errno.
int rt_netns_del(const char *name);
// True when /run/netns/<name> exists.
int rt_netns_exists(const char *name);

// Opens a socket inside the netns open as `netns_fd` (the calling thread enters it and
// comes back; other threads are not affected). Returns the fd or -errno.
int rt_netns_socket(int netns_fd, int domain, int type, int protocol);

// Opens a NETLINK_ROUTE socket (see netlink.h) inside the netns open as `netns_fd`, or in
// the caller's netns when it is -1. Returns the fd or -errno.
int rt_netns_nl_open(int netns_fd);

// Lists up to `max` pids of processes whose network namespace is the one open as `netns_fd`
// into pids (may be NULL when max is 0). Returns how many there are in all, or -errno.
int rt_netns_pids(int netns_fd, pid_t *pids, size_t max);
// Sends SIGKILL to every process in the netns open as `netns_fd`. Returns how many were
// signalled, or -errno.
int rt_netns_kill_all(int netns_fd);
// Kills every process in the netns and waits (up to ~0.5 s) until none is left; killed
// processes are then dead or zombies, which hold no namespace. Returns 0, -EBUSY or -errno.
int rt_netns_empty(int netns_fd);

#endif
