// Sockets inside another network namespace, made on a helper thread. See netlink.h.
#define _GNU_SOURCE // setns()
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink/netlink.h"

struct sock_req {
    int netns_fd, domain, type, protocol;
    int result;
};

static void *sock_thread(void *arg)
{
    struct sock_req *r = arg;
    // setns() changes only this thread's netns; the socket keeps it after the thread ends.
    if (setns(r->netns_fd, CLONE_NEWNET) < 0) {
        r->result = -errno;
        return NULL;
    }
    int fd = socket(r->domain, r->type | SOCK_CLOEXEC, r->protocol);
    r->result = fd < 0 ? -errno : fd;
    return NULL;
}

int nl_socket_in(int netns_fd, int domain, int type, int protocol)
{
    if (netns_fd < 0) {
        int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
        return fd < 0 ? -errno : fd;
    }
    struct sock_req r = {netns_fd, domain, type, protocol, -EINVAL};
    pthread_t t;
    int e = pthread_create(&t, NULL, sock_thread, &r);
    if (e)
        return -e;
    pthread_join(t, NULL);
    return r.result;
}

int nl_open_in(int netns_fd)
{
    if (netns_fd < 0)
        return nl_open();
    return nl_init(nl_socket_in(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
}

int nl_netns_open(const char *name)
{
    if (!name || !name[0] || (name[0] != '/' && strchr(name, '/')))
        return -EINVAL;
    char p[320];
    int n = snprintf(p, sizeof p, name[0] == '/' ? "%s" : "/run/netns/%s", name);
    if (n < 0 || (size_t)n >= sizeof p)
        return -ENAMETOOLONG;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int nl_open_named(const char *name)
{
    if (!name || !name[0])
        return nl_open();
    int fd = nl_netns_open(name);
    if (fd < 0)
        return fd;
    int nl = nl_open_in(fd);
    close(fd);
    return nl;
}
