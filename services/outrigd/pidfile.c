// The pid file: refuse a second outrigd on the same run dir, clean up on exit.
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pid_t od_pidfile_read(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0 || pid > 4194304)
        pid = 0;
    fclose(f);
    return (pid_t)pid;
}

int od_pidfile_acquire(const char *path, pid_t *other)
{
    pid_t old = od_pidfile_read(path);
    if (old > 0 && old != getpid() && (kill(old, 0) == 0 || errno == EPERM)) {
        if (other)
            *other = old;
        return -EEXIST;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (write(fd, buf, (size_t)n) != n || fsync(fd) < 0) {
        int e = errno ? errno : EIO;
        close(fd);
        unlink(tmp);
        return -e;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    return 0;
}

void od_pidfile_release(const char *path)
{
    if (path && od_pidfile_read(path) == getpid())
        unlink(path);
}
