// service: wiring of backend, writer, watch publisher and front end.
#include "service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "front.h"
#include "outrig/v1/store.pb-c.h"
#include "pub.h"
#include "util/clock.h"
#include "util/log.h"
#include "writer.h"

typedef struct sto_service {
    sto_front front;
    void *h;
    sto_pub *pub;
    char watch_url[512];
    metrics_value *m_rev, *m_compact, *m_keys, *m_leases, *m_commits, *m_writes, *m_failed;
} sto_service;

void sto_service_tick(microapp *app, void *state)
{
    sto_service *s = state;
    sto_info in;
    if (s->front.ops->info(s->h, &in) == 0) {
        metrics_set(s->m_rev, (int64_t)in.revision);
        metrics_set(s->m_compact, (int64_t)in.compact_revision);
        metrics_set(s->m_keys, (int64_t)in.keys);
        metrics_set(s->m_leases, (int64_t)in.leases);
    }
    sto_writer_stats ws;
    sto_writer_stats_get(s->front.writer, &ws);
    metrics_set(s->m_commits, (int64_t)ws.batches);
    metrics_set(s->m_writes, (int64_t)ws.requests);
    metrics_set(s->m_failed, (int64_t)ws.failed_commits);
}

static void add_metrics(microapp *app, sto_service *s)
{
    metrics_registry *r = microapp_metrics(app);
    if (!r)
        return;
    s->m_rev = metrics_add(r, METRICS_GAUGE, "revision", NULL, "Last committed revision");
    s->m_compact = metrics_add(r, METRICS_GAUGE, "compact_revision", NULL,
                               "History below this revision is gone");
    s->m_keys = metrics_add(r, METRICS_GAUGE, "keys", NULL, "Keys stored");
    s->m_leases = metrics_add(r, METRICS_GAUGE, "leases", NULL, "Live leases");
    s->m_commits = metrics_add(r, METRICS_COUNTER, "commits_total", NULL,
                               "Durable commits (group-commit batches)");
    s->m_writes =
        metrics_add(r, METRICS_COUNTER, "write_requests_total", NULL, "Write requests completed");
    s->m_failed = metrics_add(r, METRICS_COUNTER, "failed_commits_total", NULL,
                              "Commits that failed and wrote nothing");
}

static void publish(const sto_changes *ch, void *arg)
{
    sto_pub_send(arg, ch);
}

void sto_service_fini(microapp *app, void *state)
{
    sto_service *s = state;
    if (!s)
        return;
    // The RPC server is gone: no new writes. Drain the writer, then close.
    sto_writer_stop(s->front.writer);
    sto_pub_close(s->pub);
    if (s->h)
        s->front.ops->close(s->h);
    free(s);
}

int sto_service_init(microapp *app, void **state)
{
    sto_service *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->front.ops = sto_backend_lmdb();
    sto_backend_cfg cfg = {.dir = microapp_data_dir(app)};
    uint64_t max_batch;
    int rc = 0;
    if (microapp_opt_u64(app, "history_revisions", 1000000, &cfg.retention.keep_revisions) ||
        microapp_opt_u64(app, "history_bytes", 256u << 20, &cfg.retention.max_bytes) ||
        microapp_opt_u64(app, "map_size", 4ull << 30, &cfg.map_size) ||
        microapp_opt_u64(app, "max_batch", 4096, &max_batch)) {
        rc = -EINVAL;
        goto fail;
    }
    const char *url = microapp_opt(app, "watch", NULL);
    if (url)
        snprintf(s->watch_url, sizeof(s->watch_url), "%s", url);
    else
        snprintf(s->watch_url, sizeof(s->watch_url), "ipc://%s/store-watch.sock",
                 microapp_run_dir(app));
    if ((rc = s->front.ops->open(&cfg, clock_unix_ms(), &s->h)) != 0) {
        log_error("cannot open the %s database in %s: %s", s->front.ops->name, cfg.dir,
                  strerror(-rc));
        goto fail;
    }
    s->front.h = s->h;
    s->front.watch_url = s->watch_url;
    if (!(s->pub = sto_pub_open(s->watch_url))) {
        rc = -EADDRINUSE;
        goto fail;
    }
    sto_writer_opts wo = {.max_batch = max_batch, .publish = publish, .arg = s->pub};
    if (!(s->front.writer = sto_writer_start(s->front.ops, s->h, &wo))) {
        rc = -ENOMEM;
        goto fail;
    }
    size_t n;
    const rpc_method_impl *m = sto_front_methods(&n);
    if ((rc = microapp_add_service(app, &outrig__v1__store__descriptor, m, n, &s->front)))
        goto fail;
    add_metrics(app, s);
    sto_info in;
    if (s->front.ops->info(s->h, &in) == 0)
        log_info("store open: revision %llu, %llu keys, %u leases, watch on %s",
                 (unsigned long long)in.revision, (unsigned long long)in.keys, in.leases,
                 s->watch_url);
    *state = s;
    return 0;
fail:
    sto_service_fini(app, s);
    return rc;
}
