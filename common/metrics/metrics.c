#include "metrics/metrics.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/util/platform.h>

#define METRICS_NAME_MAX 96
#define METRICS_LABELS_MAX 160
#define METRICS_HELP_MAX 160
#define METRICS_MAX_HOOKS 8

struct metrics_value {
    metrics_kind kind;
    char name[METRICS_NAME_MAX];
    char labels[METRICS_LABELS_MAX];
    char help[METRICS_HELP_MAX];
    atomic_int_fast64_t v;
};

typedef struct metrics_chunk {
    struct metrics_chunk *next;
    size_t n;
    metrics_value vals[32];
} metrics_chunk;

struct metrics_registry {
    char prefix[48];
    nng_mtx *mtx;
    metrics_chunk *head, *tail;   // chunks never move, so values stay put
    struct {
        void (*fn)(void *);
        void *arg;
    } on_render[METRICS_MAX_HOOKS];
    size_t nhooks;
    nng_http_server *srv;
};

metrics_registry *metrics_new(const char *prefix)
{
    metrics_registry *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    snprintf(r->prefix, sizeof r->prefix, "%s", prefix ? prefix : "outrig");
    if (nng_mtx_alloc(&r->mtx) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void metrics_free(metrics_registry *r)
{
    if (!r)
        return;
    if (r->srv) {
        nng_http_server_stop(r->srv);
        nng_http_server_release(r->srv);
    }
    while (r->head) {
        metrics_chunk *c = r->head;
        r->head = c->next;
        free(c);
    }
    nng_mtx_free(r->mtx);
    free(r);
}

static bool metrics_name_ok(const char *n)
{
    if (!n || !*n || strlen(n) >= METRICS_NAME_MAX - 50 || isdigit((unsigned char)*n))
        return false;
    for (; *n; n++) {
        if (!(isalnum((unsigned char)*n) || *n == '_'))
            return false;
    }
    return true;
}

metrics_value *metrics_add(metrics_registry *r, metrics_kind kind, const char *name,
                           const char *labels, const char *help)
{
    if (!metrics_name_ok(name) || (labels && strlen(labels) >= METRICS_LABELS_MAX))
        return NULL;
    nng_mtx_lock(r->mtx);
    if (!r->tail || r->tail->n == sizeof r->tail->vals / sizeof r->tail->vals[0]) {
        metrics_chunk *c = calloc(1, sizeof *c);
        if (!c) {
            nng_mtx_unlock(r->mtx);
            return NULL;
        }
        if (r->tail)
            r->tail->next = c;
        else
            r->head = c;
        r->tail = c;
    }
    metrics_value *v = &r->tail->vals[r->tail->n++];
    v->kind = kind;
    snprintf(v->name, sizeof v->name, "%s_%s", r->prefix, name);
    snprintf(v->labels, sizeof v->labels, "%s", labels ? labels : "");
    snprintf(v->help, sizeof v->help, "%s", help ? help : "");
    atomic_init(&v->v, 0);
    nng_mtx_unlock(r->mtx);
    return v;
}

void metrics_inc(metrics_value *v, uint64_t n)
{
    if (v)
        atomic_fetch_add(&v->v, (int_fast64_t)n);
}

void metrics_set(metrics_value *v, int64_t x)
{
    if (v)
        atomic_store(&v->v, x);
}

int64_t metrics_get(const metrics_value *v) { return v ? (int64_t)atomic_load(&v->v) : 0; }

int metrics_on_render(metrics_registry *r, void (*fn)(void *arg), void *arg)
{
    nng_mtx_lock(r->mtx);
    int rv = -ENOSPC;
    if (r->nhooks < METRICS_MAX_HOOKS) {
        r->on_render[r->nhooks].fn = fn;
        r->on_render[r->nhooks].arg = arg;
        r->nhooks++;
        rv = 0;
    }
    nng_mtx_unlock(r->mtx);
    return rv;
}

typedef struct metrics_buf {
    char *p;
    size_t len, cap;
    bool oom;
} metrics_buf;

static void metrics_printf(metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void metrics_printf(metrics_buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

char *metrics_render(metrics_registry *r)
{
    nng_mtx_lock(r->mtx);
    size_t nhooks = r->nhooks;
    nng_mtx_unlock(r->mtx);
    for (size_t i = 0; i < nhooks; i++)
        r->on_render[i].fn(r->on_render[i].arg);
    metrics_buf b = {.p = malloc(4096), .cap = 4096};
    if (!b.p)
        return NULL;
    b.p[0] = '\0';
    nng_mtx_lock(r->mtx);
    const char *last = "";
    for (metrics_chunk *c = r->head; c; c = c->next) {
        for (size_t i = 0; i < c->n; i++) {
            metrics_value *v = &c->vals[i];
            // HELP/TYPE once per family: values of one name are added together.
            if (strcmp(last, v->name) != 0) {
                if (v->help[0])
                    metrics_printf(&b, "# HELP %s %s\n", v->name, v->help);
                metrics_printf(&b, "# TYPE %s %s\n", v->name,
                               v->kind == METRICS_COUNTER ? "counter" : "gauge");
                last = v->name;
            }
            if (v->labels[0])
                metrics_printf(&b, "%s{%s} %lld\n", v->name, v->labels,
                               (long long)atomic_load(&v->v));
            else
                metrics_printf(&b, "%s %lld\n", v->name, (long long)atomic_load(&v->v));
        }
    }
    nng_mtx_unlock(r->mtx);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static void metrics_http_cb(nng_aio *aio)
{
    nng_http_handler *h = nng_aio_get_input(aio, 1);
    metrics_registry *r = nng_http_handler_get_data(h);
    nng_http_res *res = NULL;
    char *text = metrics_render(r);
    int rv = text ? nng_http_res_alloc(&res) : NNG_ENOMEM;
    if (rv == 0)
        rv = nng_http_res_copy_data(res, text, strlen(text));
    if (rv == 0)
        rv = nng_http_res_set_header(res, "Content-Type", "text/plain; version=0.0.4");
    free(text);
    if (rv != 0) {
        if (res)
            nng_http_res_free(res);
        nng_aio_finish(aio, rv);
        return;
    }
    nng_aio_set_output(aio, 0, res);
    nng_aio_finish(aio, 0);
}

int metrics_serve(metrics_registry *r, const char *url)
{
    nng_url *u = NULL;
    if (nng_url_parse(&u, url) != 0)
        return -EINVAL;
    const char *path = u->u_path && u->u_path[0] ? u->u_path : "/metrics";
    nng_http_handler *h = NULL;
    int rv = nng_http_server_hold(&r->srv, u);
    if (rv == 0)
        rv = nng_http_handler_alloc(&h, path, metrics_http_cb);
    if (rv == 0)
        rv = nng_http_handler_set_method(h, "GET");
    if (rv == 0)
        rv = nng_http_handler_set_data(h, r, NULL);
    if (rv == 0) {
        rv = nng_http_server_add_handler(r->srv, h);
        if (rv == 0)
            h = NULL;   // the server owns it now
    }
    if (rv == 0)
        rv = nng_http_server_start(r->srv);
    if (h)
        nng_http_handler_free(h);
    nng_url_free(u);
    if (rv != 0) {
        if (r->srv) {
            nng_http_server_release(r->srv);
            r->srv = NULL;
        }
        return rv == NNG_EADDRINUSE ? -EADDRINUSE : -EIO;
    }
    return 0;
}
