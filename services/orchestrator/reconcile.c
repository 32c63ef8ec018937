// reconcile: the difference between what the store records and what the sites report, as
// delete and recreate actions. Pure; reconcile_loop.c does the listing and the commands.
#include <string.h>

#include "domain.h"

static bool listed_site(const char *const *listed, size_t n, const char *site)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(listed[i], site))
            return true;
    return false;
}

size_t orch_reconcile_diff(const orch_rec_want *want, size_t n_want, const orch_rec_seen *seen,
                           size_t n_seen, const char *const *listed, size_t n_listed,
                           bool (*busy)(const char *ns_id, void *arg), void *arg,
                           orch_rec_action *out, size_t max)
{
    size_t k = 0;
    // Reported VNFs nothing in the store accounts for: no record, or a record on another
    // site (a duplicate left by a crash between two placements).
    for (size_t i = 0; i < n_seen && k < max; i++) {
        const orch_rec_seen *s = &seen[i];
        const orch_rec_want *w = NULL;
        for (size_t j = 0; j < n_want; j++)
            if (!strcmp(want[j].instance_id, s->instance_id)) {
                w = &want[j];
                break;
            }
        if (w && !strcmp(w->site, s->site))
            continue;
        const char *owner = s->owner && *s->owner ? s->owner : (w ? w->ns_id : "");
        if (*owner && busy && busy(owner, arg))
            continue;
        if (w && busy && busy(w->ns_id, arg))
            continue;
        out[k++] = (orch_rec_action){ORCH_REC_DELETE, s->site, s->instance_id, owner};
    }
    // Settled records whose site answered without them, or with a half-made one.
    for (size_t j = 0; j < n_want && k < max; j++) {
        const orch_rec_want *w = &want[j];
        if (!w->settled || !listed_site(listed, n_listed, w->site))
            continue;
        if (busy && busy(w->ns_id, arg))
            continue;
        const orch_rec_seen *s = NULL;
        for (size_t i = 0; i < n_seen; i++)
            if (!strcmp(seen[i].instance_id, w->instance_id) && !strcmp(seen[i].site, w->site)) {
                s = &seen[i];
                break;
            }
        if (!s || s->state == ORCH_SEEN_INCOMPLETE)
            out[k++] = (orch_rec_action){ORCH_REC_RECREATE, w->site, w->instance_id, w->ns_id};
    }
    return k;
}
