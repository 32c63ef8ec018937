// Start order (a stable topological sort) and restart backoff.
#include "order.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static size_t od_index(const cfg_outrig *c, const char *name)
{
    for (size_t i = 0; i < c->nservices; i++)
        if (strcmp(c->services[i].name, name) == 0)
            return i;
    return (size_t)-1;
}

int od_start_order(const cfg_outrig *c, size_t *out, size_t *culprit)
{
    size_t n = c->nservices;
    bool placed[CFG_MAX_SERVICES] = {false};
    for (size_t i = 0; i < n; i++) {
        const cfg_service *s = &c->services[i];
        for (size_t j = 0; j < s->ndeps; j++) {
            size_t d = od_index(c, s->deps[j]);
            if (d == (size_t)-1 || (s->enabled && !c->services[d].enabled)) {
                *culprit = i;
                return -EINVAL;
            }
        }
    }
    // Kahn's algorithm, taking the lowest (order, position) ready service each
    // round; n is at most CFG_MAX_SERVICES, so quadratic is fine.
    for (size_t k = 0; k < n; k++) {
        size_t best = (size_t)-1;
        for (size_t i = 0; i < n; i++) {
            if (placed[i])
                continue;
            const cfg_service *s = &c->services[i];
            bool ready = true;
            for (size_t j = 0; j < s->ndeps && ready; j++)
                ready = placed[od_index(c, s->deps[j])];
            if (ready && (best == (size_t)-1 || s->order < c->services[best].order))
                best = i;
        }
        if (best == (size_t)-1) {
            // Everything left waits on something unplaced: follow the
            // dependencies until one repeats, which lies on a cycle.
            size_t i = 0;
            while (placed[i])
                i++;
            bool seen[CFG_MAX_SERVICES] = {false};
            while (!seen[i]) {
                seen[i] = true;
                const cfg_service *s = &c->services[i];
                for (size_t j = 0; j < s->ndeps; j++) {
                    size_t d = od_index(c, s->deps[j]);
                    if (!placed[d]) {
                        i = d;
                        break;
                    }
                }
            }
            *culprit = i;
            return -ELOOP;
        }
        placed[best] = true;
        out[k] = best;
    }
    return 0;
}

int od_check_order(const cfg_outrig *c, cfg_error *err)
{
    size_t out[CFG_MAX_SERVICES], bad = 0;
    int rc = od_start_order(c, out, &bad);
    if (rc == 0)
        return 0;
    const cfg_service *s = &c->services[bad];
    const char *where = c->config_path[0] ? c->config_path : "<embedded config>";
    if (rc == -ELOOP)
        return cfg_fail_at(err, where, s->line, s->col, "dependency cycle through service '%s'",
                           s->name);
    for (size_t j = 0; j < s->ndeps; j++) {
        const cfg_service *d = cfg_outrig_service(c, s->deps[j]);
        if (!d)
            return cfg_fail_at(err, where, s->line, s->col,
                               "service '%s' depends on unknown service '%s'", s->name, s->deps[j]);
        if (!d->enabled)
            return cfg_fail_at(err, where, s->line, s->col,
                               "service '%s' depends on disabled service '%s'", s->name, d->name);
    }
    return cfg_fail_at(err, where, s->line, s->col, "service '%s': bad dependencies", s->name);
}

unsigned od_backoff_ms(const cfg_restart *r, unsigned crashes)
{
    unsigned long long d = r->backoff_initial_ms;
    for (unsigned i = 1; i < crashes && d < r->backoff_max_ms; i++)
        d *= 2;
    return d > r->backoff_max_ms ? r->backoff_max_ms : (unsigned)d;
}
