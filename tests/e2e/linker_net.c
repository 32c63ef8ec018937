// Test helpers for the linker's data path. See linker_net.h.
#define _GNU_SOURCE
#include "linker_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netlink/netlink.h"

uint64_t ln_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void *new_ns_thread(void *arg)
{
    int *out = arg;
    if (unshare(CLONE_NEWNET) < 0) {
        *out = -errno;
        return NULL;
    }
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    *out = fd < 0 ? -errno : fd;
    return NULL;
}

int ln_netns_new(void)
{
    int fd = -EINVAL;
    pthread_t t;
    if (pthread_create(&t, NULL, new_ns_thread, &fd))
        return -EAGAIN;
    pthread_join(t, NULL);
    if (fd < 0)
        return fd;
    int nl = nl_open_in(fd);
    if (nl < 0) {
        close(fd);
        return nl;
    }
    nl_link_set_up(nl, "lo", true);
    close(nl);
    return fd;
}

static int parse_addr(const char *s, nl_addr *a)
{
    char ip[32];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof ip)
        return -EINVAL;
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = 0;
    memset(a, 0, sizeof *a);
    a->family = AF_INET;
    a->prefix = (unsigned)atoi(slash + 1);
    return inet_pton(AF_INET, ip, a->bytes) == 1 ? 0 : -EINVAL;
}

static int addr_up(int ns, const char *ifname, const char *addr)
{
    nl_addr a;
    int e = parse_addr(addr, &a);
    if (e < 0)
        return e;
    int nl = nl_open_in(ns);
    if (nl < 0)
        return nl;
    int idx = 0;
    if ((e = nl_link_index(nl, ifname, &idx)) == 0 && (e = nl_addr_add(nl, idx, &a)) == 0)
        e = nl_link_set_up(nl, ifname, true);
    close(nl);
    return e;
}

int ln_vnf_cp(int host_ns, const char *host_if, int vnf_ns, const char *ifname, const char *addr)
{
    int nl = nl_open_in(host_ns);
    if (nl < 0)
        return nl;
    int e = nl_veth_add(nl, host_if, ifname, vnf_ns, 0);
    // Both ends up when the CP is made, as the agent runtime does: a carrier change later,
    // at link time, would wait for the kernel's link watch.
    if (e == 0)
        e = nl_link_set_up(nl, host_if, true);
    close(nl);
    return e < 0 ? e : addr_up(vnf_ns, ifname, addr);
}

int ln_underlay(int a, const char *addr_a, int b, const char *addr_b)
{
    int nl = nl_open_in(a);
    if (nl < 0)
        return nl;
    int e = nl_veth_add(nl, "ul0", "ul0", b, 0);
    close(nl);
    if (e == 0)
        e = addr_up(a, "ul0", addr_a);
    if (e == 0)
        e = addr_up(b, "ul0", addr_b);
    return e;
}

static int wait_fd(int fd, short ev, int ms)
{
    struct pollfd p = {.fd = fd, .events = ev};
    int r = poll(&p, 1, ms);
    return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

// One attempt: connect, echo one byte through the server side. 0 or -errno.
static int exchange_once(int client_ns, int lfd, const struct sockaddr_in *sa, int ms)
{
    int c = nl_socket_in(client_ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c < 0)
        return c;
    int e = 0, s = -1;
    if (connect(c, (const struct sockaddr *)sa, sizeof *sa) < 0 && errno != EINPROGRESS) {
        e = -errno;
        goto out;
    }
    if ((e = wait_fd(lfd, POLLIN, ms)) < 0)
        goto out;
    s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (s < 0) {
        e = -errno;
        goto out;
    }
    if ((e = wait_fd(c, POLLOUT, ms)) < 0)
        goto out;
    char b = 'x', r = 0;
    if (write(c, &b, 1) != 1 || wait_fd(s, POLLIN, ms) < 0 || read(s, &r, 1) != 1 ||
        write(s, &r, 1) != 1 || wait_fd(c, POLLIN, ms) < 0 || read(c, &r, 1) != 1 || r != b)
        e = -EIO;
out:
    if (s >= 0)
        close(s);
    close(c);
    return e;
}

long ln_tcp_exchange(int client_ns, int server_ns, const char *server_ip, uint16_t port,
                     int timeout_ms)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, server_ip, &sa.sin_addr) != 1)
        return -EINVAL;
    int lfd = nl_socket_in(server_ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (lfd < 0)
        return lfd;
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 8) < 0) {
        int e = -errno;
        close(lfd);
        return e;
    }
    uint64_t end = ln_now_us() + (uint64_t)timeout_ms * 1000u;
    long rc = -ETIMEDOUT;
    for (;;) {
        uint64_t t0 = ln_now_us();
        if (t0 >= end)
            break;
        int left = (int)((end - t0) / 1000u) + 1;
        int e = exchange_once(client_ns, lfd, &sa, left < 200 ? left : 200);
        if (e == 0) {
            rc = (long)(ln_now_us() - t0);
            break;
        }
        rc = e;
        // ARP and the bridge's learning settle within milliseconds; retry soon.
        usleep(2000);
    }
    close(lfd);
    return rc;
}

int ln_ip_list(int ns, const char *what, char *buf, size_t n)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "nsenter --net=/proc/%d/fd/%d ip -o %s 2>&1", (int)getpid(), ns,
             what);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -errno;
    size_t got = fread(buf, 1, n - 1, p);
    buf[got] = 0;
    int st = pclose(p);
    return st == 0 ? 0 : -EIO;
}
