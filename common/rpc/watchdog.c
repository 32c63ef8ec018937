// The listener watchdog. nng 1.5.2 (Debian 12) has a bug (nanomsg/nng#1518,
// fixed in 1.6): a client that disconnects while the connection handshake is
// still going on can leave a listener that never accepts again, while the
// service looks alive. The watchdog dials each listening address with a fresh
// client every period; when several probes in a row cannot even connect, it
// closes that listener and listens again. Existing connections of other
// listeners are untouched.
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "outrig/v1/health.pb-c.h"
#include "rpc/rpc_internal.h"
#include "rpc/watchdog.h"
#include "util/log.h"

#define RPC_WD_FAILS 3   // probes in a row that could not connect

static bool rpc_wd_probe(const char *url, uint32_t timeout_ms)
{
    rpc_client_opts co = {.timeout_ms = timeout_ms, .connect_wait_ms = timeout_ms};
    rpc_client *c = rpc_client_open(url, &co);
    if (!c)
        return false;
    Outrig__V1__HealthCheckRequest in = OUTRIG__V1__HEALTH_CHECK_REQUEST__INIT;
    rpc_status st;
    rpc_code code = rpc_client_call(c, "/outrig.v1.Health/Check", &in.base, NULL, NULL, NULL, &st);
    rpc_client_close(c);
    // A wedged listener completes the client's side of the handshake and then
    // never serves it, so the probe times out; a refused connection is the
    // same failure. Several in a row are needed before anything is done.
    return code != RPC_UNAVAILABLE && code != RPC_DEADLINE_EXCEEDED;
}

static void *rpc_wd_main(void *arg)
{
    rpc_watchdog *wd = arg;
    pthread_mutex_lock(&wd->mu);
    while (!wd->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wd->period_ms / 1000;
        until.tv_nsec += (long)(wd->period_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wd->cv, &wd->mu, &until);
        if (wd->stop)
            break;
        for (size_t i = 0; i < wd->n && !wd->stop; i++) {
            char url[RPC_WD_URL_MAX];
            snprintf(url, sizeof url, "%s", wd->urls[i]);
            pthread_mutex_unlock(&wd->mu);
            bool ok = rpc_wd_probe(url, wd->period_ms < 500 ? 500 : wd->period_ms);
            pthread_mutex_lock(&wd->mu);
            if (wd->stop)
                break;
            wd->fails[i] = ok ? 0 : wd->fails[i] + 1;
            if (wd->fails[i] >= RPC_WD_FAILS) {
                log_warn("rpc: %s accepts no connections (nng#1518?); listening again", url);
                wd->fails[i] = 0;
                wd->relistens++;
                if (wd->relisten(wd->arg, i) != 0)
                    log_error("rpc: listening again on %s failed", url);
            }
        }
    }
    pthread_mutex_unlock(&wd->mu);
    return NULL;
}

int rpc_watchdog_start(rpc_watchdog *wd)
{
    pthread_mutex_init(&wd->mu, NULL);
    pthread_cond_init(&wd->cv, NULL);
    wd->stop = false;
    if (pthread_create(&wd->thread, NULL, rpc_wd_main, wd) != 0) {
        pthread_cond_destroy(&wd->cv);
        pthread_mutex_destroy(&wd->mu);
        return -EAGAIN;
    }
    wd->running = true;
    return 0;
}

void rpc_watchdog_stop(rpc_watchdog *wd)
{
    if (!wd->running)
        return;
    pthread_mutex_lock(&wd->mu);
    wd->stop = true;
    pthread_cond_signal(&wd->cv);
    pthread_mutex_unlock(&wd->mu);
    pthread_join(wd->thread, NULL);
    pthread_cond_destroy(&wd->cv);
    pthread_mutex_destroy(&wd->mu);
    wd->running = false;
}
