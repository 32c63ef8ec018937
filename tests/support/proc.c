#define _GNU_SOURCE   // nftw
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "outrig/v1/health.pb-c.h"
#include "rpc/rpc.h"

extern char **environ;

int proc_tmpdir(const char *tag, char *buf, size_t len)
{
    if ((size_t)snprintf(buf, len, "/tmp/outrig-%s-XXXXXX", tag) >= len)
        return -ENAMETOOLONG;
    return mkdtemp(buf) ? 0 : -errno;
}

static int proc_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int proc_rmtree(const char *path)
{
    if (strncmp(path, "/tmp/", 5) != 0 || strstr(path, ".."))
        return -EINVAL;
    return nftw(path, proc_rm_cb, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -errno;
}

const char *proc_build_path(const char *rel, char *buf, size_t len)
{
    const char *b = getenv("OUTRIG_BUILD_DIR");
    snprintf(buf, len, "%s/%s", b && *b ? b : "./build", rel);
    return buf;
}

pid_t proc_spawn(char *const argv[], char *const env[], const char *log_path)
{
    size_t n = 0, m = 0;
    while (environ[n])
        n++;
    while (env && env[m])
        m++;
    char **envp = calloc(n + m + 1, sizeof *envp);
    if (!envp)
        return -ENOMEM;
    for (size_t i = 0; i < m; i++)
        envp[i] = env[i];
    // Entries given here win: they come first and the rest skip the same key.
    size_t k = m;
    for (size_t i = 0; i < n; i++) {
        size_t klen = strcspn(environ[i], "=");
        bool dup = false;
        for (size_t j = 0; j < m && !dup; j++)
            dup = strncmp(env[j], environ[i], klen + 1) == 0;
        if (!dup)
            envp[k++] = environ[i];
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (log_path) {
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log_path,
                                         O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    }
    pid_t pid;
    int rv = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    return rv == 0 ? pid : -rv;
}

bool proc_wait_serving_pid(const char *url, unsigned timeout_ms, pid_t *pid)
{
    rpc_client_opts co = {.timeout_ms = 1000, .connect_wait_ms = 100};
    rpc_client *c = rpc_client_open(url, &co);
    if (!c)
        return false;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool ok = false;
    for (;;) {
        Outrig__V1__HealthCheckRequest in = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
        Outrig__V1__HealthCheckResponse *r = NULL;
        if (rpc_client_call(c, "/outrig.v1.Health/Check", &in.base,
                            &outrig__v1__health_check_response__descriptor,
                            (ProtobufCMessage **)&r, NULL, NULL) == RPC_OK) {
            ok = r->status == OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
            if (pid)
                *pid = (pid_t)r->pid;
            protobuf_c_message_free_unpacked(&r->base, NULL);
            if (ok)
                break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (ms >= (long)timeout_ms)
            break;
        usleep(20 * 1000);
    }
    rpc_client_close(c);
    return ok;
}

bool proc_wait_serving(const char *url, unsigned timeout_ms)
{
    return proc_wait_serving_pid(url, timeout_ms, NULL);
}

int proc_stop(pid_t pid, int sig, unsigned timeout_ms)
{
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    int status = 0;
    for (unsigned waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0)
            return -1;
        if (waited >= timeout_ms) {
            kill(pid, SIGKILL);
            return waitpid(pid, &status, 0) == pid ? status : -1;
        }
        usleep(10 * 1000);
    }
}

bool proc_alive(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

int proc_count_matching(const char *needle)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == getpid())
            continue;
        char path[64], buf[4096];
        snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\0')
                buf[i] = ' ';
        }
        buf[n] = '\0';
        if (strstr(buf, needle) && proc_alive((pid_t)pid))
            count++;
    }
    closedir(d);
    return count;
}

int proc_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -errno;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n - 1;
}

void proc_stop_all(pid_t *pids, size_t n, int sig, unsigned timeout_ms)
{
    while (n-- > 0) {
        if (pids[n] > 0)
            proc_stop(pids[n], sig, timeout_ms);
        pids[n] = 0;
    }
}

pid_t proc_app_spawn(const proc_app *app, const char *name, const char *const *extra)
{
    char bin[512], rel[128], data[256], log[256];
    if (app->bin)
        snprintf(rel, sizeof rel, "%s", app->bin);
    else
        snprintf(rel, sizeof rel, "services/%s/outrig-%s", name, name);
    proc_build_path(rel, bin, sizeof bin);
    if ((size_t)snprintf(data, sizeof data, "%s/%s", app->root, name) >= sizeof data ||
        (size_t)snprintf(log, sizeof log, "%s/%s.log", app->root, name) >= sizeof log)
        return -ENAMETOOLONG;
    char *argv[32] = {bin, "--run-dir", (char *)app->run_dir, "--data-dir", data};
    size_t n = 5;
    if (app->log_level) {
        argv[n++] = "--log-level";
        argv[n++] = (char *)app->log_level;
    }
    for (size_t i = 0; extra && extra[i]; i++) {
        if (n >= 31)
            return -E2BIG;
        argv[n++] = (char *)extra[i];
    }
    argv[n] = NULL;
    return proc_spawn(argv, NULL, log);
}

bool proc_app_wait(const proc_app *app, const char *name, unsigned timeout_ms)
{
    char u[300];
    snprintf(u, sizeof u, "ipc://%s/%s.sock", app->run_dir, name);
    return proc_wait_serving(u, timeout_ms);
}

pid_t proc_app_start(const proc_app *app, const char *name, const char *const *extra,
                     unsigned timeout_ms)
{
    pid_t p = proc_app_spawn(app, name, extra);
    if (p > 0 && !proc_app_wait(app, name, timeout_ms)) {
        proc_stop(p, SIGKILL, 5000);
        return -ETIMEDOUT;
    }
    return p;
}

double proc_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

void proc_sleep_ms(long ms)
{
    nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, NULL);
}

int proc_sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return st == -1 ? -1 : WEXITSTATUS(st);
}
