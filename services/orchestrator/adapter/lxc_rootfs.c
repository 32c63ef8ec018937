// File-system steps of the LXC adapter: building a container's minimal root file system
// (busybox-static, its applet links, the VNF program, the init script) and removing trees.
#define _GNU_SOURCE
#include "adapter/lxc_internal.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// The applets a VNF is likely to use; each a link to /bin/busybox.
static const char *const applets[] = {
    "sh",       "ash",   "cat",      "echo",    "ls",   "mkdir", "rm",         "cp",
    "mv",       "ln",    "sleep",    "kill",    "ps",   "grep",  "sed",        "awk",
    "head",     "tail",  "wc",       "date",    "env",  "true",  "false",      "test",
    "[",        "ip",    "ifconfig", "route",   "ping", "ping6", "nc",         "wget",
    "hostname", "mount", "umount",   "printf",  "seq",  "tr",    "cut",        "sort",
    "uniq",     "od",    "hexdump",  "timeout", "tee",  "arp",   "traceroute", "udhcpc",
    "netstat",  "chmod", "touch",    "dd",      "yes",  "vi",
};

static const char *const dirs[] = {
    "bin",        "sbin",          "usr",     "usr/bin",        "usr/sbin", "etc",
    "etc/outrig", "etc/outrig/cp", "dev",     "proc",           "sys",      "tmp",
    "run",        "var",           "var/log", "var/log/outrig", "root",     "vnf",
};

// Files a VNF executes (busybox, its program, its init script) are written while other
// threads may fork: a child forked while such a file is open for writing keeps the descriptor
// (it does not exec at once) and the container's exec of the file then fails with ETXTBSY.
// So a write holds this lock shared from open to close, and fork holds it exclusively
// (writers first, so that a start never waits behind a queue of copies).
static pthread_rwlock_t fork_lock;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_lock_init(void)
{
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&fork_lock, &a);
    pthread_rwlockattr_destroy(&a);
}

static void write_begin(void)
{
    pthread_once(&fork_once, fork_lock_init);
    pthread_rwlock_rdlock(&fork_lock);
}

static void write_end(void)
{
    pthread_rwlock_unlock(&fork_lock);
}

pid_t adapter_lxc_fork(void)
{
    pthread_once(&fork_once, fork_lock_init);
    pthread_rwlock_wrlock(&fork_lock);
    pid_t pid = fork();
    if (pid != 0)
        pthread_rwlock_unlock(&fork_lock);
    return pid;
}

static int copy_file_open(const char *src, const char *dst, mode_t mode);

static int copy_file(const char *src, const char *dst, mode_t mode)
{
    write_begin();
    int rc = copy_file_open(src, dst, mode);
    write_end();
    return rc;
}

static int copy_file_open(const char *src, const char *dst, mode_t mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -errno;
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        int rc = -errno;
        close(in);
        return rc;
    }
    int rc = 0;
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 20, 0);
        if (n == 0)
            break;
        if (n > 0)
            continue;
        if (errno == EINTR)
            continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL) {
            rc = -errno;
            break;
        }
        // A file system that cannot copy in the kernel: plain read/write.
        char buf[65536];
        ssize_t r;
        while ((r = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)r) != r) {
                rc = errno ? -errno : -EIO;
                break;
            }
        if (r < 0)
            rc = -errno;
        break;
    }
    if (!rc && fchmod(out, mode))
        rc = -errno;
    if (close(out) && !rc)
        rc = -errno;
    close(in);
    return rc;
}

static int path(char *buf, size_t len, const char *a, const char *b)
{
    int n = snprintf(buf, len, "%s/%s", a, b);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int adapter_lxc_rootfs_build(const char *rootfs, const char *busybox, const char *program,
                             const char *init_script, adapter_err *err)
{
    char p[PATH_MAX];
    int rc;
    if (mkdir(rootfs, 0755))
        return adapter_fail(err, -errno, "rootfs: mkdir %s: %s", rootfs, strerror(errno));
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if ((rc = path(p, sizeof p, rootfs, dirs[i])))
            return adapter_fail(err, rc, "rootfs: path too long");
        if (mkdir(p, strcmp(dirs[i], "tmp") ? 0755 : 01777))
            return adapter_fail(err, -errno, "rootfs: mkdir %s: %s", p, strerror(errno));
    }
    if ((rc = path(p, sizeof p, rootfs, "tmp")) || chmod(p, 01777))
        return adapter_fail(err, rc ? rc : -errno, "rootfs: chmod /tmp");
    if ((rc = path(p, sizeof p, rootfs, "bin/busybox")) || (rc = copy_file(busybox, p, 0755)))
        return adapter_fail(err, rc, "rootfs: copying %s: %s", busybox, strerror(-rc));
    for (size_t i = 0; i < sizeof applets / sizeof applets[0]; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "bin/%s", applets[i]);
        if ((rc = path(p, sizeof p, rootfs, rel)) || symlink("busybox", p))
            return adapter_fail(err, rc ? rc : -errno, "rootfs: link %s: %s", rel,
                                strerror(rc ? -rc : errno));
    }
    if (program) {
        const char *base = strrchr(program, '/');
        char rel[PATH_MAX];
        snprintf(rel, sizeof rel, "vnf/%s", base ? base + 1 : program);
        if ((rc = path(p, sizeof p, rootfs, rel)) || (rc = copy_file(program, p, 0755)))
            return adapter_fail(err, rc, "image: copying %s: %s", program, strerror(-rc));
    }
    static const struct {
        const char *rel, *text;
        unsigned mode;
    } files[] = {
        {"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644},
        {"etc/group", "root:x:0:\n", 0644},
        {"etc/hosts", "127.0.0.1 localhost\n::1 localhost\n", 0644},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if ((rc = path(p, sizeof p, rootfs, files[i].rel)) ||
            (rc = adapter_lxc_write_file(p, files[i].text, files[i].mode)))
            return adapter_fail(err, rc, "rootfs: writing %s: %s", files[i].rel, strerror(-rc));
    if ((rc = path(p, sizeof p, rootfs, ADAPTER_LXC_INIT + 1)) ||
        (rc = adapter_lxc_write_file(p, init_script, 0755)))
        return adapter_fail(err, rc, "rootfs: writing the init script: %s", strerror(-rc));
    return 0;
}

static int rm_one(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
    int r = type == FTW_DP ? rmdir(fpath) : unlink(fpath);
    return r && errno != ENOENT ? -errno : 0;
}

int adapter_lxc_rmtree(const char *p)
{
    struct stat st;
    if (lstat(p, &st))
        return errno == ENOENT ? 0 : -errno;
    int rc = nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    return rc < 0 ? rc : rc > 0 ? -EIO : 0;
}

static int write_file_open(const char *p, const char *text, unsigned mode);

int adapter_lxc_write_file(const char *p, const char *text, unsigned mode)
{
    write_begin();
    int rc = write_file_open(p, text, mode);
    write_end();
    return rc;
}

static int write_file_open(const char *p, const char *text, unsigned mode)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", p);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return -ENAMETOOLONG;
    // O_NOFOLLOW: some of these files live in a rootfs the container can plant links in.
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -errno;
    size_t len = strlen(text), off = 0;
    int rc = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = w < 0 ? -errno : -EIO;
            break;
        }
        off += (size_t)w;
    }
    if (!rc && fchmod(fd, mode))
        rc = -errno;
    if (close(fd) && !rc)
        rc = -errno;
    if (!rc && rename(tmp, p))
        rc = -errno;
    if (rc)
        unlink(tmp);
    return rc;
}

ssize_t adapter_lxc_read_file(const char *p, char *buf, size_t len)
{
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t off = 0;
    while (off + 1 < len) {
        ssize_t r = read(fd, buf + off, len - 1 - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int rc = -errno;
            close(fd);
            return rc;
        }
        if (r == 0)
            break;
        off += (size_t)r;
    }
    buf[off] = 0;
    close(fd);
    return (ssize_t)off;
}
