// daemon: outrigd's run loop, tying the supervisor to processes, health
// checks, signals and the Driver API.
#ifndef OUTRIGD_DAEMON_H
#define OUTRIGD_DAEMON_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/outrig.h"
#include "rpc/rpc.h"
#include "supervisor.h"

typedef struct od_daemon {
    const cfg_outrig *cfg;   // finished config; outlives the daemon
    char self_dir[PATH_MAX]; // outrigd's own directory (binary lookup)
    pthread_mutex_t mu;      // guards sup and binary (front.c reads them)
    od_sup sup;
    char binary[CFG_MAX_SERVICES][PATH_MAX]; // resolved, per child
    int sigfd, wakefd;
    rpc_client *health[CFG_MAX_SERVICES];
    rpc_server *srv;
    uint64_t started_unix_ms;
    char pidfile[PATH_MAX];
    char url[PATH_MAX + 16]; // ipc://<run_dir>/outrigd.sock
} od_daemon;

// Runs outrigd until SIGINT/SIGTERM has stopped every child. cfg must have
// passed cfg_outrig_finish and od_check_order. Returns the exit code: 0 after
// a clean stop, 1 when it could not start (pid file held, socket in use...).
int od_daemon_run(const cfg_outrig *cfg, const char *self_dir);

// Wakes the loop (from an RPC thread after a Restart).
void od_daemon_wake(od_daemon *d);

// The Driver API (front.c): serves outrig.v1.Driver on d->url. 0 or -errno.
int od_front_start(od_daemon *d);
void od_front_stop(od_daemon *d);

#endif
