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

#endif
