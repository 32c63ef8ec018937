// writer: group commit on one thread.
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "batch.h"
#include "util/clock.h"
#include "util/log.h"

#define IDLE_WAIT_MS 1000
// The linger lasts at most half the last commit's duration, within these
// bounds: waiting is worth it only when commits are slow.
#define LINGER_MIN_US 200
#define LINGER_MAX_US 2000

struct sto_writer {
    const sto_backend_ops *ops;
    void *h;
    sto_writer_opts o;
    pthread_t thread;
    pthread_mutex_t mu; // guards queue, stopping and stats
    pthread_cond_t cv;
    sto_queue queue;
    bool stopping;
    bool lingering;     // the writer waits for the queue to fill
    size_t expected;    // writers likely to write next: last batch + what queued meanwhile
    uint64_t done_us;   // when the last batch was completed
    uint64_t linger_us; // the current linger bound
    sto_writer_stats stats;
    sto_changes changes; // writer thread only
};

static void wait_us(sto_writer *w, uint64_t us)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(us / 1000000);
    ts.tv_nsec += (long)(us % 1000000) * 1000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&w->cv, &w->mu, &ts);
}

static void run_batch(sto_writer *w, sto_req *batch, size_t n)
{
    sto_changes_reset(&w->changes);
    uint64_t t0 = clock_mono_us();
    int rc = w->ops->apply(w->h, batch, clock_unix_ms(), &w->changes);
    log_debug("apply of %zu took %llu us", n, (unsigned long long)(clock_mono_us() - t0));
    if (rc) {
        log_error("store commit failed: %d; failing %zu requests", rc, n);
        for (sto_req *r = batch; r; r = r->next)
            r->err = rc;
    } else if (w->o.publish && w->changes.n) {
        w->o.publish(&w->changes, w->o.arg);
    }
    pthread_mutex_lock(&w->mu);
    w->stats.batches++;
    w->stats.requests += n;
    if (rc)
        w->stats.failed_commits++;
    pthread_mutex_unlock(&w->mu);
    while (batch) {
        // done() may free the request's memory: step first.
        sto_req *next = batch->next;
        batch->done(batch);
        batch = next;
    }
}

static void *writer_main(void *arg)
{
    sto_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (w->queue.n == 0) {
            if (w->stopping)
                break;
            uint64_t deadline = w->ops->next_deadline(w->h);
            uint64_t now = clock_unix_ms();
            if (deadline && deadline <= now) {
                // Lease work only: an empty batch expires what is due.
                uint64_t failed = w->stats.failed_commits;
                pthread_mutex_unlock(&w->mu);
                run_batch(w, NULL, 0);
                pthread_mutex_lock(&w->mu);
                if (w->stats.failed_commits != failed)
                    wait_us(w, 100000); // do not spin on a failing disk
                continue;
            }
            uint64_t wait = deadline ? deadline - now : IDLE_WAIT_MS;
            wait_us(w, (wait < IDLE_WAIT_MS ? wait : IDLE_WAIT_MS) * 1000);
            continue;
        }
        uint64_t waited = clock_mono_us() - w->done_us;
        if (!w->stopping && sto_batch_linger(w->queue.n, w->expected, waited, w->linger_us)) {
            w->lingering = true;
            wait_us(w, w->linger_us - waited);
            w->lingering = false;
            continue;
        }
        size_t n;
        sto_req *batch = sto_queue_take(&w->queue, w->o.max_batch, w->o.max_bytes, &n);
        pthread_mutex_unlock(&w->mu);
        uint64_t t0 = clock_mono_us();
        run_batch(w, batch, n);
        uint64_t took = clock_mono_us() - t0;
        pthread_mutex_lock(&w->mu);
        w->linger_us = took / 2 < LINGER_MIN_US   ? LINGER_MIN_US
                       : took / 2 > LINGER_MAX_US ? LINGER_MAX_US
                                                  : took / 2;
        // The writers just answered come back soon; with those that queued
        // meanwhile they make the next batch.
        w->expected = n + w->queue.n;
        w->done_us = clock_mono_us();
        log_debug("batch of %zu done in %llu us; %zu queued meanwhile", n, (unsigned long long)took,
                  w->queue.n);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

sto_writer *sto_writer_start(const sto_backend_ops *ops, void *h, const sto_writer_opts *o)
{
    sto_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->ops = ops;
    w->h = h;
    if (o)
        w->o = *o;
    if (!w->o.max_batch)
        w->o.max_batch = 4096;
    if (!w->o.max_bytes)
        w->o.max_bytes = 16u << 20;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

int sto_writer_submit(sto_writer *w, sto_req *r)
{
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        return -ESHUTDOWN;
    }
    bool was_empty = w->queue.n == 0;
    sto_queue_push(&w->queue, r);
    if (was_empty || (w->lingering && w->queue.n >= w->expected))
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

void sto_writer_stop(sto_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    log_info("writer: %llu requests in %llu commits (%llu failed)",
             (unsigned long long)w->stats.requests, (unsigned long long)w->stats.batches,
             (unsigned long long)w->stats.failed_commits);
    sto_changes_fini(&w->changes);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

void sto_writer_stats_get(sto_writer *w, sto_writer_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}
