// Builds outrig-hub from the app's options: log, subscriber table, category
// map, PUB socket, writer, RPCs. Options (--set KEY=VALUE):
//   pub=URL             PUB address (default ipc://<run-dir>/hub-pub.sock)
//   sync=batch|interval|never   fsync policy of the log (default batch)
//   sync_ms=N           interval of sync=interval (default 100)
//   segment_bytes=N     segment size (default 64 MiB)
//   retain_bytes=N      keep at most this much log (default 1 GiB, 0 = no limit)
//   retain_ms=N         drop segments older than this (default 7 days, 0 = no limit)
//   max_queue=N         events queued for the writer before Publish is refused (default 1M)
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "hubd.h"
#include "util/log.h"

#include <nng/protocol/pubsub0/pub.h>
#include <nng/transport/ipc/ipc.h>

static int hubd_options(microapp *app, hubd_config *c)
{
    const char *pub = microapp_opt(app, "pub", NULL);
    if (pub)
        snprintf(c->pub_url, sizeof c->pub_url, "%s", pub);
    else {
        // Absolute, since clients get it from Info and may run elsewhere.
        char abs[PATH_MAX];
        const char *run = realpath(microapp_run_dir(app), abs) ? abs : microapp_run_dir(app);
        snprintf(c->pub_url, sizeof c->pub_url, "ipc://%.490s/hub-pub.sock", run);
    }
    const char *sync = microapp_opt(app, "sync", "batch");
    if (strcmp(sync, "batch") == 0)
        c->log.sync = SEQLOG_SYNC_BATCH;
    else if (strcmp(sync, "interval") == 0)
        c->log.sync = SEQLOG_SYNC_INTERVAL;
    else if (strcmp(sync, "never") == 0)
        c->log.sync = SEQLOG_SYNC_NEVER;
    else {
        log_error("--set sync=%s: expected batch, interval or never", sync);
        return -EINVAL;
    }
    uint64_t v;
    if (microapp_opt_u64(app, "sync_ms", 100, &v) || v > 60000)
        return -EINVAL;
    c->log.sync_interval_ms = (uint32_t)v;
    if (microapp_opt_u64(app, "segment_bytes", 64u << 20, &v) || v < 4096)
        return -EINVAL;
    c->log.segment_bytes = v;
    if (microapp_opt_u64(app, "retain_bytes", 1ull << 30, &c->log.retain_bytes))
        return -EINVAL;
    if (microapp_opt_u64(app, "retain_ms", 7ull * 24 * 3600 * 1000, &c->log.retain_ms))
        return -EINVAL;
    if (microapp_opt_u64(app, "max_queue", 1u << 20, &c->max_queue_events) || !c->max_queue_events)
        return -EINVAL;
    c->log.max_record = 1u + HUB_CATEGORY_MAX + HUB_PAYLOAD_MAX + 4096;
    return 0;
}

static int hubd_pub_open(hubd *h)
{
    int rv = nng_pub0_open(&h->pub);
    if (rv)
        return -ENOMEM;
    h->pub_open = true;
    // Per-subscriber queue of batches (at most 64 KiB each, so 16 MiB at
    // worst); a subscriber that falls behind loses messages here and gets
    // them back by Replay.
    nng_socket_set_int(h->pub, NNG_OPT_SENDBUF, 256);
    nng_listener l;
    if ((rv = nng_listener_create(&l, h->pub, h->cfg.pub_url)) != 0) {
        log_error("pub %s: %s", h->cfg.pub_url, nng_strerror(rv));
        return -EINVAL;
    }
    if (strncmp(h->cfg.pub_url, "ipc://", 6) == 0)
        nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600);
    if ((rv = nng_listener_start(l, 0)) != 0) {
        log_error("pub %s: %s", h->cfg.pub_url, nng_strerror(rv));
        return rv == NNG_EADDRINUSE ? -EADDRINUSE : -EIO;
    }
    return 0;
}

static void hubd_metrics(microapp *app, hubd *h)
{
    metrics_registry *m = microapp_metrics(app);
    if (!m)
        return;
    h->m_published = metrics_add(m, METRICS_COUNTER, "events_published_total", NULL,
                                 "events appended to the log");
    h->m_batches = metrics_add(m, METRICS_COUNTER, "write_batches_total", NULL,
                               "log appends (one fsync each with sync=batch)");
    h->m_pub_msgs = metrics_add(m, METRICS_COUNTER, "pub_messages_total", NULL,
                                "PUB messages sent (one per category per batch)");
    h->m_replayed =
        metrics_add(m, METRICS_COUNTER, "events_replayed_total", NULL, "events served by Replay");
    h->m_last_seq = metrics_add(m, METRICS_GAUGE, "last_seq", NULL, "newest sequence number");
    h->m_first_seq = metrics_add(m, METRICS_GAUGE, "first_retained_seq", NULL,
                                 "oldest retained sequence number");
    h->m_log_bytes = metrics_add(m, METRICS_GAUGE, "log_bytes", NULL, "size of the event log");
}

int hubd_init(microapp *app, void **state)
{
    hubd *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    *state = h; // fini frees what was built even when init fails half-way
    int rc = hubd_options(app, &h->cfg);
    if (rc)
        return rc;
    char dir[4096];
    snprintf(dir, sizeof dir, "%.4000s/log", microapp_data_dir(app));
    if ((rc = seqlog_open(dir, &h->cfg.log, &h->log)) != 0) {
        log_error("event log %s: %s", dir, strerror(-rc));
        return rc;
    }
    if ((rc = hubd_subs_open(microapp_data_dir(app), &h->subs)) != 0) {
        log_error("subscriber table: %s", strerror(-rc));
        return rc;
    }
    if ((rc = hubd_rebuild_map(h)) != 0)
        return rc;
    if ((rc = hubd_pub_open(h)) != 0)
        return rc;
    hubd_metrics(app, h);
    if ((rc = hubd_writer_start(h)) != 0)
        return rc;
    if ((rc = hubd_front_register(app, h)) != 0)
        return rc;
    log_info("event log %s: seq %" PRIu64 "..%" PRIu64 ", %zu categories; pub %s", dir,
             seqlog_first(h->log), seqlog_last(h->log), hubd_seqmap_count(h->map), h->cfg.pub_url);
    return 0;
}

void hubd_tick(microapp *app, void *state) {}

void hubd_fini(microapp *app, void *state)
{
    hubd *h = state;
    if (!h)
        return;
    hubd_writer_stop(h);
    if (h->pub_open)
        nng_close(h->pub);
    seqlog_close(h->log);
    hubd_subs_close(h->subs);
    hubd_seqmap_free(h->map);
    free(h->wbuf);
    free(h->iov);
    free(h);
}
