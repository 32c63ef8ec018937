// Internal to common/rpc: the listener watchdog (see watchdog.c for why).
#ifndef OUTRIG_RPC_WATCHDOG_H
#define OUTRIG_RPC_WATCHDOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPC_WD_MAX_URLS 4
#define RPC_WD_URL_MAX 256

typedef struct rpc_watchdog {
    // Set by the owner before start; urls may be appended under mu.
    char urls[RPC_WD_MAX_URLS][RPC_WD_URL_MAX];
    unsigned fails[RPC_WD_MAX_URLS];
    size_t n;
    uint32_t period_ms;
    // Called with mu held when listener i must be replaced. 0 or -errno.
    int (*relisten)(void *arg, size_t i);
    void *arg;
    uint64_t relistens;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool stop, running;
} rpc_watchdog;

int rpc_watchdog_start(rpc_watchdog *wd);
void rpc_watchdog_stop(rpc_watchdog *wd);   // no-op when not running

#endif
