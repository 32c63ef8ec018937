// Named network namespaces the way iproute2 keeps them: see netns.h.
#define _GNU_SOURCE
#include "runtime/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/netlink.h"

static int netns_path(const char *name, char *out, size_t n)
{
    if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
        return -EINVAL;
    int w = snprintf(out, n, "%s/%s", RT_NETNS_DIR, name);
    return (w < 0 || (size_t)w >= n) ? -ENAMETOOLONG : 0;
}

// As `ip netns add` does: /run/netns is a shared mount, so that namespaces mounted later are
// seen from other mount namespaces too (and unmounts propagate). Best effort.
static void netns_dir_prepare(void)
{
    mkdir("/run", 0755);
    mkdir(RT_NETNS_DIR, 0755);
    if (mount("", RT_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
        return;
    if (errno != EINVAL)
        return;
    if (mount(RT_NETNS_DIR, RT_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) == 0)
        mount("", RT_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL);
}

int rt_netns_exists(const char *name)
{
    char path[256];
    struct stat st;
    return netns_path(name, path, sizeof path) == 0 && stat(path, &st) == 0;
}

int rt_netns_add(const char *name, int *fd)
{
    char path[256];
    int e = netns_path(name, path, sizeof path);
    if (e < 0)
        return e;
    netns_dir_prepare();
    int mfd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (mfd < 0)
        return -errno;
    close(mfd);

    // The child enters a fresh netns and pins it on the mount point; the parent's own
    // namespace is never touched, whatever threads it has.
    pid_t pid = fork();
    if (pid < 0) {
        e = -errno;
        unlink(path);
        return e;
    }
    if (pid == 0) {
        // The exit code carries the errno of the step that failed.
        if (unshare(CLONE_NEWNET) < 0)
            _exit(errno);
        if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
            _exit(errno);
        int nl = rt_nl_open();
        if (nl < 0)
            _exit(-nl);
        e = rt_nl_link_set_up(nl, "lo", true);
        _exit(e < 0 ? -e : 0);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        e = WIFEXITED(st) ? -WEXITSTATUS(st) : -EIO;
        umount2(path, MNT_DETACH);
        unlink(path);
        return e;
    }
    int nfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nfd < 0) {
        e = -errno;
        rt_netns_del(name);
        return e;
    }
    *fd = nfd;
    return 0;
}

int rt_netns_open(const char *name)
{
    char path[256];
    int e = netns_path(name, path, sizeof path);
    if (e < 0)
        return e;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int rt_netns_del(const char *name)
{
    char path[256];
    int e = netns_path(name, path, sizeof path);
    if (e < 0)
        return e;
    // Not mounted is fine (a half-made name); the unlink decides whether it existed.
    umount2(path, MNT_DETACH);
    return unlink(path) < 0 ? -errno : 0;
}

int rt_netns_socket(int netns_fd, int domain, int type, int protocol)
{
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return -errno;
    if (setns(netns_fd, CLONE_NEWNET) < 0) {
        int e = -errno;
        close(self);
        return e;
    }
    int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
    int e = fd < 0 ? -errno : 0;
    if (setns(self, CLONE_NEWNET) < 0) {
        // This thread would keep running in the VNF's namespace and every later socket of
        // the agent would silently land there: no caller can recover from that.
        perror("rt_netns_socket: cannot return to the original network namespace");
        abort();
    }
    close(self);
    return fd < 0 ? e : fd;
}

int rt_netns_nl_open(int netns_fd)
{
    if (netns_fd < 0)
        return rt_nl_open();
    return rt_nl_init(rt_netns_socket(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
}

static int netns_scan(int netns_fd, pid_t *pids, size_t max, int sig)
{
    struct stat want;
    if (fstat(netns_fd, &want) < 0)
        return -errno;
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    int count = 0;
    pid_t self = getpid();
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/ns/net", pid);
        struct stat st;
        if (stat(path, &st) < 0 || st.st_dev != want.st_dev || st.st_ino != want.st_ino)
            continue;
        if (sig) {
            if (kill((pid_t)pid, sig) < 0)
                continue;
        } else if ((size_t)count < max) {
            pids[count] = (pid_t)pid;
        }
        count++;
    }
    closedir(d);
    return count;
}

int rt_netns_pids(int netns_fd, pid_t *pids, size_t max)
{
    return netns_scan(netns_fd, pids, max, 0);
}

int rt_netns_kill_all(int netns_fd)
{
    return netns_scan(netns_fd, NULL, 0, SIGKILL);
}

int rt_netns_empty(int netns_fd)
{
    // A process forking while it is killed can escape one sweep; sweep until none is left.
    for (int i = 0; i < 50; i++) {
        int n = rt_netns_kill_all(netns_fd);
        if (n < 0)
            return n;
        int left = rt_netns_pids(netns_fd, NULL, 0);
        if (left <= 0)
            return left;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    return -EBUSY;
}
