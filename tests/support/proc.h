// Process helpers for integration tests: temporary directories, starting real
// binaries, waiting for Health SERVING, stopping by pid, leftover checks.
#ifndef OUTRIG_TEST_PROC_H
#define OUTRIG_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

// Makes /tmp/outrig-<tag>-XXXXXX into buf. 0 or -errno.
int proc_tmpdir(const char *tag, char *buf, size_t len);
// rm -rf path (refuses anything outside /tmp). 0 or -errno.
int proc_rmtree(const char *path);
// "$OUTRIG_BUILD_DIR/<rel>" into buf (default build dir: ./build).
const char *proc_build_path(const char *rel, char *buf, size_t len);
// Starts argv[0] with argv (NULL-terminated) and extra environment entries
// "K=V" (NULL-terminated, may be NULL); stdout/stderr to log_path when not NULL
// (appended). Returns the pid or -errno.
pid_t proc_spawn(char *const argv[], char *const env[], const char *log_path);
// Polls outrig.v1.Health/Check at url until SERVING or timeout. true when serving.
bool proc_wait_serving(const char *url, unsigned timeout_ms);
// Like proc_wait_serving but also returns the pid the service reports (0 if none).
bool proc_wait_serving_pid(const char *url, unsigned timeout_ms, pid_t *pid);
// Sends sig and waits up to timeout_ms for exit (then SIGKILL). Returns the
// wait status, or -1 if the pid was not a child.
int proc_stop(pid_t pid, int sig, unsigned timeout_ms);
// True when pid names a live (not zombie) process.
bool proc_alive(pid_t pid);
// Counts processes whose /proc/<pid>/cmdline contains needle (not this one).
int proc_count_matching(const char *needle);
// Open fds of this process (not counting the one used to count them), -errno on failure.
int proc_count_fds(void);
// Stops pids[n-1] .. pids[0] (last started first) with sig, each waited up to timeout_ms,
// and sets each to 0; entries <= 0 are skipped.
void proc_stop_all(pid_t *pids, size_t n, int sig, unsigned timeout_ms);

// Where micro-apps of one test live: each gets --run-dir run_dir, --data-dir <root>/<name> and
// its output appended to <root>/<name>.log.
typedef struct proc_app {
    const char *root;
    const char *run_dir;
    const char *log_level; // --log-level; NULL: none given
    const char *bin;       // build-relative binary; NULL: services/<name>/outrig-<name>
} proc_app;

// Starts micro-app `name` under app with extra flags (NULL-terminated, may be NULL; at most
// 24 entries). Pid or -errno.
pid_t proc_app_spawn(const proc_app *app, const char *name, const char *const *extra);
// Waits until ipc://<run_dir>/<name>.sock answers Health SERVING. true when serving.
bool proc_app_wait(const proc_app *app, const char *name, unsigned timeout_ms);
// proc_app_spawn then proc_app_wait; a service that does not come up is killed and waited for
// and -ETIMEDOUT returned. Pid or -errno.
pid_t proc_app_start(const proc_app *app, const char *name, const char *const *extra,
                     unsigned timeout_ms);

// CLOCK_MONOTONIC in milliseconds.
double proc_now_ms(void);
void proc_sleep_ms(long ms);
// Runs the printf-formatted command with /bin/sh (up to 1023 bytes). Its exit status, or -1.
int proc_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
