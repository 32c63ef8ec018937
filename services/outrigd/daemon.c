// The run loop: signals and exits in, supervisor actions out, health polling.
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "argv.h"
#include "outrig/v1/health.pb-c.h"
#include "pidfile.h"
#include "spawn.h"
#include "util/clock.h"
#include "util/log.h"

extern char **environ;

#define OD_HEALTH_TIMEOUT_MS 250u   // STARTING: polled often, answered fast or not yet
#define OD_LIVENESS_TIMEOUT_MS 500u // SERVING: a busy service gets a little longer
#define OD_POLL_STARTING_MS 50u
#define OD_POLL_IDLE_MS 1000u

void od_daemon_wake(od_daemon *d)
{
    uint64_t one = 1;
    ssize_t w = write(d->wakefd, &one, sizeof one);
    (void)w;
}

static int od_mkdirs(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

// Starts kids[i]: resolve its binary, build argv and env, fork/exec.
static void od_start_child(od_daemon *d, size_t i, uint64_t now)
{
    od_child *ch = &d->sup.kids[i];
    const cfg_service *svc = ch->svc;
    od_strv cands = {0}, argv = {0}, env = {0};
    char why[128];
    if (od_binary_candidates(d->cfg, svc, d->self_dir, &cands) < 0 ||
        od_resolve_binary(&cands, d->binary[i], sizeof d->binary[i]) < 0) {
        snprintf(why, sizeof why, "binary %s not found",
                 cands.n ? cands.v[cands.n - 1] : svc->name);
        log_error("%s: %s (set `binary:` or bin_dir in outrig.yaml, or OUTRIG_BIN_DIR)", svc->name,
                  why);
        od_strv_free(&cands);
        od_sup_on_spawn_failed(&d->sup, i, now, why);
        return;
    }
    od_strv_free(&cands);
    char data[PATH_MAX + CFG_NAME_MAX];
    snprintf(data, sizeof data, "%s/%s", d->cfg->data_dir, svc->name);
    od_mkdirs(data, 0700);
    if (od_build_argv(d->cfg, svc, d->binary[i], &argv) < 0 ||
        od_build_env(svc, environ, &env) < 0) {
        od_strv_free(&argv);
        od_sup_on_spawn_failed(&d->sup, i, now, "out of memory");
        return;
    }
    pid_t pid = od_spawn(argv.v, env.v);
    if (pid < 0) {
        int n = snprintf(why, sizeof why, "exec %s failed: %s", d->binary[i], strerror((int)-pid));
        (void)n;   // a cut message is fine
        log_error("%s: %s", svc->name, why);
        od_sup_on_spawn_failed(&d->sup, i, now, why);
    } else {
        log_info("%s: started %s as pid %d (listen %s)", svc->name, d->binary[i], (int)pid,
                 svc->listen);
        od_sup_on_spawned(&d->sup, i, (int)pid, now, clock_unix_ms());
    }
    od_strv_free(&argv);
    od_strv_free(&env);
}

static void od_do(od_daemon *d, const od_action *a, uint64_t now)
{
    od_child *ch = &d->sup.kids[a->child];
    switch (a->kind) {
    case OD_ACT_START:
        od_start_child(d, a->child, now);
        break;
    case OD_ACT_TERM:
        log_info("%s: sending SIGTERM to pid %d", ch->svc->name, ch->pid);
        od_signal(ch->pid, SIGTERM);
        break;
    case OD_ACT_KILL:
        log_warn("%s: sending SIGKILL to pid %d%s%s", ch->svc->name, ch->pid,
                 ch->why[0] ? ": " : "", ch->why);
        od_signal(ch->pid, SIGKILL);
        break;
    }
}

// One line per state change, with what the operator needs to know.
static void od_log_changes(const od_daemon *d, const od_state *before, uint64_t now)
{
    for (size_t i = 0; i < d->sup.n; i++) {
        const od_child *ch = &d->sup.kids[i];
        if (ch->state == before[i])
            continue;
        const char *name = ch->svc->name;
        switch (ch->state) {
        case OD_SERVING:
            log_info("%s: SERVING (pid %d, after %llu ms)", name, ch->pid,
                     (unsigned long long)(now - ch->started_ms));
            break;
        case OD_BACKOFF:
            log_warn("%s: %s; restarting in %llu ms", name, ch->last_exit,
                     (unsigned long long)(ch->next_start_ms > now ? ch->next_start_ms - now : 0));
            break;
        case OD_FAILED:
            log_error("%s: FAILED: %s, %u crashes within %u ms; it stays down", name, ch->last_exit,
                      od_sup_crashes(&d->sup, i, now), d->sup.policy.window_ms);
            break;
        case OD_STOPPING:
            if (ch->why[0] && !d->sup.stopping)
                log_warn("%s: stopping pid %d: %s", name, ch->pid, ch->why);
            break;
        case OD_STOPPED:
            if (before[i] == OD_STOPPING || before[i] == OD_SERVING || before[i] == OD_STARTING)
                log_info("%s: stopped (%s)", name, ch->last_exit);
            break;
        default:
            break;
        }
    }
}

// Asks Health/Check of each child that is due (STARTING ones on every turn,
// SERVING ones every health_interval_ms); returns whether any is STARTING.
static bool od_poll_health(od_daemon *d)
{
    size_t idx[CFG_MAX_SERVICES], n = 0;
    int pids[CFG_MAX_SERVICES];
    bool starting = false, serving[CFG_MAX_SERVICES];
    pthread_mutex_lock(&d->mu);
    uint64_t t = clock_mono_ms();
    for (size_t i = 0; i < d->sup.n; i++)
        if (!d->sup.stopping && od_sup_health_due(&d->sup, i, t)) {
            serving[n] = d->sup.kids[i].state == OD_SERVING;
            starting |= !serving[n];
            pids[n] = d->sup.kids[i].pid;
            idx[n++] = i;
        }
    pthread_mutex_unlock(&d->mu);
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        if (!d->health[i]) {
            rpc_client_opts o = {.timeout_ms = OD_HEALTH_TIMEOUT_MS};
            d->health[i] = rpc_client_open(d->sup.kids[i].svc->listen, &o);
            if (!d->health[i])
                continue;
        }
        Outrig__V1__HealthCheckRequest req = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
        Outrig__V1__HealthCheckResponse *resp = NULL;
        rpc_call_opts co = {.timeout_ms =
                                serving[k] ? OD_LIVENESS_TIMEOUT_MS : OD_HEALTH_TIMEOUT_MS};
        rpc_code rc = rpc_client_call(d->health[i], "/outrig.v1.Health/Check", &req.base,
                                      &outrig__v1__health_check_response__descriptor,
                                      (ProtobufCMessage **)&resp, &co, NULL);
        bool ok = rc == RPC_OK && resp &&
                  resp->status == OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
        if (resp)
            protobuf_c_message_free_unpacked(&resp->base, NULL);
        if (!ok && !serving[k])
            continue; // not up yet: start_timeout_ms decides
        pthread_mutex_lock(&d->mu);
        // The child may have exited or been restarted during the call.
        if (d->sup.kids[i].pid == pids[k]) {
            od_state before[CFG_MAX_SERVICES];
            for (size_t j = 0; j < d->sup.n; j++)
                before[j] = d->sup.kids[j].state;
            uint64_t now = clock_mono_ms();
            if (!ok)
                log_warn("%s: Health/Check failed: %s", d->sup.kids[i].svc->name,
                         rc == RPC_OK ? "NOT_SERVING" : rpc_code_name(rc));
            od_sup_on_health(&d->sup, i, ok, now);
            od_log_changes(d, before, now);
        }
        pthread_mutex_unlock(&d->mu);
    }
    return starting;
}

// Reaps exits, applies stop, runs the supervisor's actions. Returns done.
static bool od_turn(od_daemon *d, bool stop, uint64_t *due)
{
    pthread_mutex_lock(&d->mu);
    uint64_t now = clock_mono_ms();
    od_state before[CFG_MAX_SERVICES];
    for (size_t j = 0; j < d->sup.n; j++)
        before[j] = d->sup.kids[j].state;
    int st;
    pid_t pid;
    while ((pid = od_reap(&st)) > 0) {
        if (od_sup_on_exit(&d->sup, (int)pid, st, now) < 0)
            log_debug("reaped adopted process %d", (int)pid);
    }
    if (stop && !d->sup.stopping) {
        log_info("stopping %zu services", d->sup.n);
        od_sup_stop(&d->sup, now);
    }
    od_action acts[8];
    size_t n;
    do {
        n = od_sup_step(&d->sup, now, acts, 8);
        for (size_t k = 0; k < n; k++)
            od_do(d, &acts[k], now);
        // A start that failed at once may make the next step start another.
    } while (n == 8);
    od_log_changes(d, before, now);
    bool done = od_sup_done(&d->sup);
    *due = od_sup_next_due(&d->sup, now);
    pthread_mutex_unlock(&d->mu);
    return done;
}

// Waits for a signal, a wake-up or the timeout; sets *stop on SIGINT/SIGTERM.
static void od_wait(od_daemon *d, uint64_t timeout_ms, bool *stop)
{
    struct pollfd fds[2] = {{.fd = d->sigfd, .events = POLLIN},
                            {.fd = d->wakefd, .events = POLLIN}};
    if (poll(fds, 2, (int)timeout_ms) <= 0)
        return;
    if (fds[0].revents & POLLIN) {
        struct signalfd_siginfo si;
        while (read(d->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
                if (!*stop)
                    log_info("got %s", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
                *stop = true;
            }
        }
    }
    if (fds[1].revents & POLLIN) {
        uint64_t v;
        ssize_t r = read(d->wakefd, &v, sizeof v);
        (void)r;
    }
}

static void od_loop(od_daemon *d)
{
    bool stop = false;
    for (;;) {
        uint64_t due;
        if (od_turn(d, stop, &due))
            break;
        bool starting = od_poll_health(d);
        uint64_t now = clock_mono_ms();
        uint64_t timeout = due == UINT64_MAX ? OD_POLL_IDLE_MS : (due > now ? due - now : 0);
        if (timeout > OD_POLL_IDLE_MS)
            timeout = OD_POLL_IDLE_MS;
        if (starting && timeout > OD_POLL_STARTING_MS)
            timeout = OD_POLL_STARTING_MS;
        od_wait(d, timeout, &stop);
    }
}

// True when path is a Unix socket nobody listens on.
static bool od_socket_stale(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
        return false;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return false;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool stale = connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == ECONNREFUSED;
    close(fd);
    return stale;
}

// Once every child is gone, socket files left by one that was killed (its
// listener and any other it made in the run dir) are stale: remove them.
static void od_remove_stale_sockets(const od_daemon *d)
{
    for (size_t i = 0; i < d->sup.n; i++) {
        const char *u = d->sup.kids[i].svc->listen;
        if (strncmp(u, "ipc://", 6) == 0 && od_socket_stale(u + 6) && unlink(u + 6) == 0)
            log_info("removed stale socket %s", u + 6);
    }
    DIR *dir = opendir(d->cfg->run_dir);
    if (!dir)
        return;
    struct dirent *e;
    char path[PATH_MAX + 256];
    while ((e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".sock") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", d->cfg->run_dir, e->d_name);
        if (od_socket_stale(path) && unlink(path) == 0)
            log_info("removed stale socket %s", path);
    }
    closedir(dir);
}

static int od_setup(od_daemon *d)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    // Blocked before any nng thread exists, so that only the signalfd sees them.
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    d->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (d->sigfd < 0 || d->wakefd < 0)
        return -errno;
    // Orphans of our children (a service's own helpers) are reparented to us and reaped.
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        log_warn("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
    int rc = od_mkdirs(d->cfg->run_dir, 0755);
    if (rc == 0)
        rc = od_mkdirs(d->cfg->data_dir, 0700);
    if (rc < 0) {
        log_error("cannot create %s or %s: %s", d->cfg->run_dir, d->cfg->data_dir, strerror(-rc));
        return rc;
    }
    snprintf(d->pidfile, sizeof d->pidfile, "%s/outrigd.pid", d->cfg->run_dir);
    snprintf(d->url, sizeof d->url, "ipc://%s/outrigd.sock", d->cfg->run_dir);
    pid_t other = 0;
    rc = od_pidfile_acquire(d->pidfile, &other);
    if (rc == -EEXIST) {
        log_error("another outrigd (pid %d) runs on %s", (int)other, d->cfg->run_dir);
        return rc;
    }
    if (rc < 0) {
        log_error("cannot write %s: %s", d->pidfile, strerror(-rc));
        return rc;
    }
    rc = od_front_start(d);
    if (rc < 0) {
        log_error("cannot serve the Driver API on %s: %s", d->url, strerror(-rc));
        od_pidfile_release(d->pidfile);
        return rc;
    }
    return 0;
}

int od_daemon_run(const cfg_outrig *cfg, const char *self_dir)
{
    od_daemon *d = calloc(1, sizeof *d);
    if (!d)
        return 1;
    d->cfg = cfg;
    d->sigfd = d->wakefd = -1;
    d->started_unix_ms = clock_unix_ms();
    snprintf(d->self_dir, sizeof d->self_dir, "%s", self_dir ? self_dir : "");
    pthread_mutex_init(&d->mu, NULL);
    size_t culprit;
    int code = 1;
    if (od_sup_init(&d->sup, cfg, &culprit) == 0 && od_setup(d) == 0) {
        log_info("outrigd %s: %zu services, run dir %s, config %s", OUTRIG_VERSION, cfg->nservices,
                 cfg->run_dir, cfg->config_path[0] ? cfg->config_path : "(embedded)");
        od_loop(d);
        od_front_stop(d);
        od_remove_stale_sockets(d);
        od_pidfile_release(d->pidfile);
        log_info("outrigd stopped");
        code = 0;
    }
    for (size_t i = 0; i < CFG_MAX_SERVICES; i++)
        rpc_client_close(d->health[i]);
    if (d->sigfd >= 0)
        close(d->sigfd);
    if (d->wakefd >= 0)
        close(d->wakefd);
    pthread_mutex_destroy(&d->mu);
    free(d);
    return code;
}
