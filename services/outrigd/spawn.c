// fork/exec with exec errors reported back, signals, reaping.
#define _GNU_SOURCE // pipe2
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int od_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int od_resolve_binary(const od_strv *candidates, char *out, size_t len)
{
    for (size_t i = 0; i < candidates->n; i++) {
        const char *c = candidates->v[i];
        if (strchr(c, '/')) {
            if (od_executable(c)) {
                // Resolve ../ so that logs and the API show a plain path.
                char *real = realpath(c, NULL);
                snprintf(out, len, "%s", real ? real : c);
                free(real);
                return 0;
            }
            continue;
        }
        const char *path = getenv("PATH");
        if (!path || !*path)
            path = "/usr/local/bin:/usr/bin:/bin";
        while (*path) {
            const char *end = strchr(path, ':');
            size_t dlen = end ? (size_t)(end - path) : strlen(path);
            char buf[4096];
            if (dlen > 0 && dlen + strlen(c) + 2 < sizeof buf) {
                snprintf(buf, sizeof buf, "%.*s/%s", (int)dlen, path, c);
                if (od_executable(buf)) {
                    snprintf(out, len, "%s", buf);
                    return 0;
                }
            }
            path += dlen + (end ? 1 : 0);
        }
    }
    return -ENOENT;
}

pid_t od_spawn(char *const argv[], char *const envp[])
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec: other threads
        // of outrigd (nng's) may have held locks at the fork.
        close(p[0]);
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127); // outrigd died before the prctl took hold
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; sig++)
            sigaction(sig, &sa, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(argv[0], argv, envp);
        int e = errno;
        ssize_t w = write(p[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(p[1]);
    int e = 0;
    ssize_t r;
    do
        r = read(p[0], &e, sizeof e);
    while (r < 0 && errno == EINTR);
    close(p[0]);
    if (r == (ssize_t)sizeof e) {
        // exec failed: the child exits at once; reap it here so that the
        // loop never sees a pid it was not told about.
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        return -e;
    }
    return pid;
}

int od_signal(pid_t pid, int sig)
{
    if (pid <= 0)
        return -EINVAL;
    return kill(pid, sig) < 0 ? -errno : 0;
}

pid_t od_reap(int *wstatus)
{
    pid_t pid = waitpid(-1, wstatus, WNOHANG);
    if (pid < 0)
        return -errno;
    return pid;
}
