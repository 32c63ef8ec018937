// service: builds outrig-orchestrator from the app's options (see orchd.h), recovers the
// operations a previous run left unfinished, and tears it all down.
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxclink.h"
#include "orchd.h"
#include "service.h"
#include "util/log.h"

int orchd_init(microapp *app, void **state)
{
    // Operations run on many short threads; glibc would give each its own arena and keep
    // their memory. Two arenas keep the resident size flat with hundreds of NSs.
    mallopt(M_ARENA_MAX, 2);
    orchd *o = calloc(1, sizeof *o);
    if (!o)
        return -ENOMEM;
    o->app = app;
    o->store = microapp_store(app);
    o->hub = microapp_hub(app);
    pthread_mutex_init(&o->mu, NULL);
    pthread_mutex_init(&o->rec_mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    uint64_t v;
    int rc = 0;
    if (microapp_opt_u64(app, "parallel", 16, &v) || v == 0 || v > 256) {
        log_error("--set parallel: expected 1..256");
        rc = -EINVAL;
    }
    o->parallel = (uint32_t)v;
    if (!rc && (microapp_opt_u64(app, "reconcile_ms", 3000, &o->reconcile_ms) ||
                (o->reconcile_ms && o->reconcile_ms < 100))) {
        log_error("--set reconcile_ms: expected 0 (off) or at least 100");
        rc = -EINVAL;
    }
    snprintf(o->crash_after, sizeof o->crash_after, "%s", microapp_opt(app, "crash_after", ""));
    *state = o;
    if (!rc)
        rc = orchd_events_open(o);
    if (!rc)
        rc = orchd_catalogue_seed(o);
    if (!rc)
        rc = orchd_front_start(o);
    if (!rc)
        rc = orchd_lxclink_start(o);
    if (rc)
        return rc;
    // Unfinished operations resume on their own threads; the reconcile loop makes its
    // first pass at once. Neither blocks start-up: a site that is down (an agent that
    // outrigd starts after us) must not keep the orchestrator from serving.
    int n = orchd_recover(o);
    if (n > 0)
        log_info("resumed %d unfinished operation(s)", n);
    else if (n < 0)
        log_warn("cannot read operations at start: %d", n);
    return orchd_reconcile_start(o);
}

void orchd_fini(microapp *app, void *state)
{
    orchd *o = state;
    if (!o)
        return;
    orchd_reconcile_stop(o);
    orchd_front_stop(o);
    pthread_mutex_lock(&o->mu);
    o->stopping = true;
    while (o->ops_running > 0)
        pthread_cond_wait(&o->cv, &o->mu);
    pthread_mutex_unlock(&o->mu);
    orchd_lxclink_stop(o); // its traffic checks publish their verdicts
    orchd_events_close(o);
    orchd_sites_close(o);
    free(o->busy);
    pthread_cond_destroy(&o->cv);
    pthread_mutex_destroy(&o->rec_mu);
    pthread_mutex_destroy(&o->mu);
    free(o);
}
