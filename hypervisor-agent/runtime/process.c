// Process VNFs: the program's lifecycle — start (fork, setsid, setns, cgroup join, execve),
// stop (SIGTERM, grace, SIGKILL, leftovers), status. See runtime.h.
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/netns.h"
#include "runtime/vnf_internal.h"

// What a child reports through the exec pipe when it cannot reach execve's success.
enum child_stage { STAGE_SETNS = 1, STAGE_CGROUP, STAGE_FDS, STAGE_EXEC };
struct child_err {
    int stage;
    int err;
};

static int open_log(const struct rt_vnf *v, const char *stream)
{
    char path[4096];
    int w = snprintf(path, sizeof path, "%s/%s.%s", v->rt->log_dir, v->id, stream);
    if (w < 0 || (size_t)w >= sizeof path)
        return -ENAMETOOLONG;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    return fd < 0 ? -errno : fd;
}

// Takes the result of open()/pipe-like calls: -errno on failure, else the fd moved above 2,
// so that the child's dup2 onto 0..2 cannot clobber another of its fds (a daemon may run
// with stdin closed, making a fresh fd 0).
static int fd_high(int fd)
{
    if (fd < 0)
        return fd;
    if (fd > 2)
        return fd;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int e = -errno;
    close(fd);
    return h < 0 ? e : h;
}

static int sys_fd(int r)
{
    return r < 0 ? -errno : r;
}

static _Noreturn void child_fail(int pipe_fd, int stage, int err)
{
    struct child_err ce = {stage, err};
    ssize_t w = write(pipe_fd, &ce, sizeof ce);
    (void)w;
    _exit(127);
}

// Runs in the forked child: only system calls from here to execve.
static _Noreturn void child_exec(struct rt_vnf *v, int in, int out, int err, int pipe_fd)
{
    setsid();  // its own process group, so a stop reaches the program's children too
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int s = 1; s < NSIG; s++)
        sigaction(s, &dfl, NULL);  // fails harmlessly for SIGKILL, SIGSTOP and RT gaps

    if (setns(v->netns_fd, CLONE_NEWNET) < 0)
        child_fail(pipe_fd, STAGE_SETNS, errno);
    if (v->cg_ok && rt_cgroup_join_self(&v->cg) < 0)
        child_fail(pipe_fd, STAGE_CGROUP, errno);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        child_fail(pipe_fd, STAGE_FDS, errno);
    // Nothing of the agent's leaks into the VNF; the pipe stays open until execve succeeds.
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        child_fail(pipe_fd, STAGE_FDS, errno);
    execve(v->path, v->argv, v->envp);
    child_fail(pipe_fd, STAGE_EXEC, errno);
}

static void set_exit(struct rt_vnf *v, int wstatus)
{
    enum rt_event ev = rt_exit_classify(wstatus, v->stop_requested, &v->exit_code,
                                        &v->term_signal);
    enum rt_state next;
    if (rt_state_next(v->state, ev, &next) == 0)
        v->state = next;
    v->pid = 0;
    if (v->pidfd >= 0)
        close(v->pidfd);
    v->pidfd = -1;
}

int rt_vnf_start(struct rt_vnf *v)
{
    enum rt_state next;
    if (rt_state_next(v->state, RT_EV_START, &next) < 0)
        return v->state == RT_RUNNING ? -EBUSY : -EINVAL;
    v->exit_code = v->term_signal = v->start_errno = 0;
    v->stop_requested = false;

    // stdin, stdout, stderr, pipe read end, pipe write end
    int fds[5] = {-EBADF, -EBADF, -EBADF, -EBADF, -EBADF};
    int e = 0;
    fds[0] = fd_high(sys_fd(open("/dev/null", O_RDONLY | O_CLOEXEC)));
    fds[1] = fd_high(open_log(v, "stdout"));
    fds[2] = fd_high(open_log(v, "stderr"));
    int p[2];
    if (pipe2(p, O_CLOEXEC) == 0) {
        fds[3] = fd_high(p[0]);
        fds[4] = fd_high(p[1]);
    } else {
        fds[3] = -errno;
    }
    for (int i = 0; i < 5 && !e; i++)
        if (fds[i] < 0)
            e = fds[i];
    pid_t pid = -1;
    if (!e) {
        pid = fork();
        if (pid < 0)
            e = -errno;
        else if (pid == 0)
            child_exec(v, fds[0], fds[1], fds[2], fds[4]);
    }
    for (int i = 0; i < 5; i++) {
        if (i != 3 && fds[i] >= 0)
            close(fds[i]);
    }
    if (e) {
        if (fds[3] >= 0)
            close(fds[3]);
        v->start_errno = -e;
        v->state = RT_FAILED;
        return e;
    }

    // EOF on the pipe means execve closed it: the program runs.
    struct child_err ce = {0, 0};
    ssize_t r;
    do {
        r = read(fds[3], &ce, sizeof ce);
    } while (r < 0 && errno == EINTR);
    close(fds[3]);
    v->pid = pid;
    v->state = RT_RUNNING;
    if (r == (ssize_t)sizeof ce) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        v->pid = 0;
        v->start_errno = ce.err;
        rt_state_next(v->state, RT_EV_START_FAIL, &v->state);
        return -ce.err;
    }
    // A pidfd lets stop wait for the exit with poll() and signal with no pid-reuse race;
    // without one, stop polls waitpid.
    v->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return 0;
}

// Reaps the program if it has ended (or waits for it when block). Returns true once reaped.
static bool reap(struct rt_vnf *v, bool block)
{
    if (v->state != RT_RUNNING || v->pid <= 0)
        return true;
    int st;
    pid_t r;
    do {
        r = waitpid(v->pid, &st, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return false;
    if (r < 0) {
        // ECHILD: someone else reaped it (a SIGCHLD SIG_IGN, say); its status is lost.
        st = v->stop_requested ? (SIGKILL & 0x7f) : (255 << 8);
    }
    set_exit(v, st);
    return true;
}

// Waits up to ms for the program to end, without reaping it.
static bool wait_exit(struct rt_vnf *v, unsigned ms)
{
    if (v->pidfd >= 0) {
        struct pollfd pfd = {.fd = v->pidfd, .events = POLLIN};
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long spent = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
            int left = spent >= (long)ms ? 0 : (int)(ms - spent);
            int n = poll(&pfd, 1, left);
            if (n > 0)
                return true;
            if (n == 0 || errno != EINTR)
                return false;
        }
    }
    siginfo_t si;
    for (unsigned waited = 0;; waited += 10) {
        si.si_pid = 0;
        if (waitid(P_PID, (id_t)v->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
            return true;
        if (waited >= ms)
            return false;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
}

static void signal_group(struct rt_vnf *v, int sig)
{
    // The program's pid is its process-group id (setsid in the child). It stays reserved
    // while the unreaped program or any group member exists, so this cannot hit a stranger.
    kill(-v->pid, sig);
    kill(v->pid, sig);  // in case the program moved itself to another group
}

static void kill_leftovers(struct rt_vnf *v)
{
    if (v->cg_ok)
        rt_cgroup_kill_all(&v->cg);
    if (v->netns_fd >= 0)
        rt_netns_kill_all(v->netns_fd);
}

int rt_vnf_stop(struct rt_vnf *v, unsigned grace_ms)
{
    if (v->state == RT_RUNNING && !reap(v, false)) {
        v->stop_requested = true;
        signal_group(v, SIGTERM);
        if (!wait_exit(v, grace_ms)) {
            signal_group(v, SIGKILL);
            kill_leftovers(v);
        }
        // The program has ended but is not reaped: its group id is still safe to signal.
        if (wait_exit(v, 5000))
            signal_group(v, SIGKILL);
        reap(v, true);
    }
    // Whatever the program left running (daemons, other groups) goes with it, and is gone
    // (dead, at most a zombie of init) when stop returns.
    if (v->cg_ok)
        rt_cgroup_kill_all(&v->cg);
    int e = rt_netns_empty(v->netns_fd);
    return e < 0 ? e : 0;
}

int rt_vnf_status(struct rt_vnf *v, struct rt_vnf_status *st)
{
    reap(v, false);
    memset(st, 0, sizeof *st);
    st->state = v->state;
    st->pid = v->state == RT_RUNNING ? v->pid : 0;
    st->exit_code = v->exit_code;
    st->term_signal = v->term_signal;
    st->start_errno = v->start_errno;
    st->limits_applied = v->cg_ok;
    snprintf(st->limits_note, sizeof st->limits_note, "%s", v->cg_note);
    return 0;
}
