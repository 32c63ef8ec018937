// metrics: counters and gauges, rendered in the Prometheus text format and
// served over HTTP with nng's HTTP server.
#ifndef OUTRIG_METRICS_H
#define OUTRIG_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct metrics_registry metrics_registry;
typedef struct metrics_value metrics_value;   // one counter or gauge

typedef enum { METRICS_COUNTER, METRICS_GAUGE } metrics_kind;

// NULL on allocation failure. Free with metrics_free (NULL is a no-op).
metrics_registry *metrics_new(const char *prefix);   // e.g. "outrig_hub"
void metrics_free(metrics_registry *r);
// Registers name{labels} (labels may be NULL, e.g. "method=\"Put\""). The value
// lives as long as the registry. NULL on allocation failure or bad name.
metrics_value *metrics_add(metrics_registry *r, metrics_kind kind, const char *name,
                           const char *labels, const char *help);
void metrics_inc(metrics_value *v, uint64_t n);      // atomic; NULL is a no-op
void metrics_set(metrics_value *v, int64_t x);       // atomic; NULL is a no-op
int64_t metrics_get(const metrics_value *v);
// Adds a callback that refreshes gauges right before each render (up to 8
// per registry; each service part may add its own). 0 or -ENOSPC.
int metrics_on_render(metrics_registry *r, void (*fn)(void *arg), void *arg);
// Renders the text format into a malloc'd string (caller frees); NULL on ENOMEM.
char *metrics_render(metrics_registry *r);
// Serves GET <path> at url ("http://127.0.0.1:9470/metrics"). 0 or -errno.
int metrics_serve(metrics_registry *r, const char *url);

#endif
