// RPC server: a REP socket with many contexts, each a small state machine
// driven by its aio callback (receive -> decode -> handler -> send -> receive).
// Handlers may finish later from another thread; the context waits meanwhile.
#include <errno.h>
#include <nng/nng.h>

#include <nng/protocol/reqrep0/rep.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outrig/v1/health.pb-c.h"
#include "rpc/rpc_internal.h"
#include "rpc/watchdog.h"
#include "util/clock.h"
#include "util/log.h"

#define RPC_ARENA_INLINE 2048

typedef struct rpc_entry {
    char full[RPC_METHOD_MAX + 1];      // "/outrig.v1.Store/Put"
    char in_name[RPC_METHOD_MAX + 1];   // "outrig.v1.PutRequest", for ListMethods
    char out_name[RPC_METHOD_MAX + 1];
    const ProtobufCMessageDescriptor *in;   // NULL for raw methods
    const ProtobufCMessageDescriptor *out;
    rpc_handler_fn fn;
    rpc_raw_fn raw;
    void *arg;
} rpc_entry;

typedef struct rpc_arena_block {
    struct rpc_arena_block *next;
    max_align_t data[];
} rpc_arena_block;

struct rpc_call {
    struct rpc_worker *w;
    Outrig__V1__Request *req;
    ProtobufCMessage *in;
    ProtobufCMessage *out;
    const rpc_entry *entry;
    rpc_status st;
    const void *raw_out;                // reply payload of a raw method
    size_t raw_len;
    size_t arena_used;
    rpc_arena_block *blocks;
    _Alignas(max_align_t) unsigned char arena[RPC_ARENA_INLINE];
};

typedef struct rpc_worker {
    rpc_server *s;
    nng_ctx ctx;
    nng_aio *aio;
    bool sending;
    rpc_call call;
} rpc_worker;

struct rpc_server {
    nng_socket sock;
    bool sock_open;
    int nctx;
    rpc_worker *workers;
    size_t max_msg;
    char name[64];
    char addr[256];
    uint64_t started_ms;
    rpc_entry *entries;
    size_t nentries;
    size_t cap;
    atomic_bool serving;
    atomic_bool closing;
    atomic_int pending;                 // handlers started and not yet done
    nng_mtx *mtx;
    nng_cv *cv;
    atomic_uint_fast64_t calls, errors, expired, malformed;
    nng_listener listeners[RPC_WD_MAX_URLS];
    rpc_watchdog wd;
    uint32_t watchdog_ms;
};

static void rpc_worker_cb(void *arg);
static void rpc_call_finish(rpc_call *c);

// ---- arena --------------------------------------------------------------

void *rpc_call_alloc(rpc_call *c, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (c->arena_used + n <= sizeof c->arena) {
        void *p = c->arena + c->arena_used;
        c->arena_used += n;
        return p;
    }
    rpc_arena_block *b = malloc(sizeof *b + n);
    if (!b)
        return NULL;
    b->next = c->blocks;
    c->blocks = b;
    return b->data;
}

char *rpc_call_strdup(rpc_call *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = rpc_call_alloc(c, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void rpc_call_reset(rpc_call *c)
{
    while (c->blocks) {
        rpc_arena_block *b = c->blocks;
        c->blocks = b->next;
        free(b);
    }
    c->arena_used = 0;
    if (c->in)
        protobuf_c_message_free_unpacked(c->in, NULL);
    free(c->out);
    rpc_request_free(c->req);
    c->in = NULL;
    c->out = NULL;
    c->req = NULL;
    c->entry = NULL;
    c->raw_out = NULL;
    c->raw_len = 0;
}

// ---- accessors ----------------------------------------------------------

static const char *rpc_md(const rpc_call *c, int which)
{
    const Outrig__V1__Metadata *md = c->req ? c->req->metadata : NULL;
    if (!md)
        return "";
    const char *v = which == 0 ? md->caller_token : which == 1 ? md->request_id : md->trace_id;
    return v ? v : "";
}

const char *rpc_call_method(const rpc_call *c) { return c->req ? c->req->method : ""; }
const char *rpc_call_token(const rpc_call *c) { return rpc_md(c, 0); }
const char *rpc_call_request_id(const rpc_call *c) { return rpc_md(c, 1); }
const char *rpc_call_trace_id(const rpc_call *c) { return rpc_md(c, 2); }
uint64_t rpc_call_deadline(const rpc_call *c) { return c->req ? c->req->deadline_unix_ms : 0; }

// ---- method table -------------------------------------------------------

static const rpc_entry *rpc_lookup(const rpc_server *s, const char *method)
{
    for (size_t i = 0; i < s->nentries; i++) {
        if (strcmp(s->entries[i].full, method) == 0)
            return &s->entries[i];
    }
    return NULL;
}

// Appends a method; names are validated by the callers. 0, -EEXIST or -ENOMEM.
static int rpc_entry_add(rpc_server *s, const rpc_entry *proto)
{
    if (rpc_lookup(s, proto->full))
        return -EEXIST;
    if (s->nentries == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        rpc_entry *e = realloc(s->entries, cap * sizeof *e);
        if (!e)
            return -ENOMEM;
        s->entries = e;
        s->cap = cap;
    }
    s->entries[s->nentries++] = *proto;
    return 0;
}

int rpc_server_add_raw(rpc_server *s, const char *full_method, const char *in_type,
                       const char *out_type, rpc_raw_fn fn, void *arg)
{
    if (!fn || !rpc_method_name_valid(full_method) || strlen(in_type) > RPC_METHOD_MAX ||
        strlen(out_type) > RPC_METHOD_MAX)
        return -EINVAL;
    rpc_entry e = {.raw = fn, .arg = arg};
    snprintf(e.full, sizeof e.full, "%s", full_method);
    snprintf(e.in_name, sizeof e.in_name, "%s", in_type);
    snprintf(e.out_name, sizeof e.out_name, "%s", out_type);
    return rpc_entry_add(s, &e);
}

int rpc_server_add_service(rpc_server *s, const ProtobufCServiceDescriptor *svc,
                           const rpc_method_impl *impls, size_t n, void *arg)
{
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &svc->methods[i];
        rpc_handler_fn fn = NULL;
        for (size_t j = 0; j < n; j++) {
            if (strcmp(impls[j].name, md->name) == 0)
                fn = impls[j].fn;
        }
        if (!fn) {
            log_error("rpc: %s has no handler for %s", svc->name, md->name);
            return -EINVAL;
        }
        rpc_entry e = {.in = md->input, .out = md->output, .fn = fn, .arg = arg};
        int len = snprintf(e.full, sizeof e.full, "/%s/%s", svc->name, md->name);
        if (len < 0 || len > RPC_METHOD_MAX)
            return -ENAMETOOLONG;
        snprintf(e.in_name, sizeof e.in_name, "%s", md->input->name);
        snprintf(e.out_name, sizeof e.out_name, "%s", md->output->name);
        int rv = rpc_entry_add(s, &e);
        if (rv != 0)
            return rv;
    }
    return 0;
}

// ---- built-in Health service ------------------------------------------------

static void rpc_health_check(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                             void *arg)
{
    rpc_server *s = arg;
    Outrig__V1__HealthCheckResponse *r = (Outrig__V1__HealthCheckResponse *)out;
    r->status = atomic_load(&s->serving) && !atomic_load(&s->closing)
                    ? OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
                    : OUTRIG__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
    r->service = s->name;
    r->pid = (uint32_t)getpid();
    r->started_unix_ms = s->started_ms;
    r->version = OUTRIG_VERSION;
    r->address = s->addr;
    rpc_call_done(call, RPC_OK);
}

static void rpc_health_list(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                            void *arg)
{
    rpc_server *s = arg;
    Outrig__V1__ListMethodsResponse *r = (Outrig__V1__ListMethodsResponse *)out;
    r->methods = rpc_call_alloc(call, s->nentries * sizeof *r->methods);
    Outrig__V1__MethodInfo *infos = rpc_call_alloc(call, s->nentries * sizeof *infos);
    if (!r->methods || !infos) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    for (size_t i = 0; i < s->nentries; i++) {
        outrig__v1__method_info__init(&infos[i]);
        infos[i].name = s->entries[i].full;
        infos[i].input_type = s->entries[i].in_name;
        infos[i].output_type = s->entries[i].out_name;
        r->methods[i] = &infos[i];
    }
    r->n_methods = s->nentries;
    rpc_call_done(call, RPC_OK);
}

static const rpc_method_impl rpc_health_impls[] = {
    {"Check", rpc_health_check},
    {"ListMethods", rpc_health_list},
};

// ---- lifecycle ----------------------------------------------------------

rpc_server *rpc_server_new(const rpc_server_opts *opts)
{
    rpc_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nctx = opts && opts->contexts > 0 ? opts->contexts : RPC_CONTEXTS_DEFAULT;
    s->max_msg = opts && opts->max_msg ? opts->max_msg : RPC_MAX_MSG_DEFAULT;
    snprintf(s->name, sizeof s->name, "%s", opts && opts->name ? opts->name : "outrig");
    s->watchdog_ms = opts && opts->watchdog_ms ? opts->watchdog_ms : RPC_WATCHDOG_MS_DEFAULT;
    s->started_ms = clock_unix_ms();
    atomic_init(&s->serving, true);
    atomic_init(&s->closing, false);
    atomic_init(&s->pending, 0);
    if (nng_mtx_alloc(&s->mtx) != 0 || nng_cv_alloc(&s->cv, s->mtx) != 0)
        goto fail;
    if (nng_rep0_open(&s->sock) != 0)
        goto fail;
    s->sock_open = true;
    // nng itself drops anything far beyond our limit; what lies between the
    // two is answered RESOURCE_EXHAUSTED so that the caller learns why.
    nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, s->max_msg * 2 + 65536);
    if (rpc_server_add_service(s, &outrig__v1__health__descriptor, rpc_health_impls, 2, s) != 0)
        goto fail;
    return s;
fail:
    rpc_server_free(s);
    return NULL;
}

// Listens on url as listener slot i (a new slot when i == wd.n).
static int rpc_listen_slot(rpc_server *s, const char *url, size_t i)
{
    const char *ipc = strncmp(url, "ipc://", 6) == 0 ? url + 6 : NULL;
    if (ipc)
        unlink(ipc);   // a stale socket file from a crashed run
    int rv = nng_listen(s->sock, url, &s->listeners[i], 0);
    if (rv != 0) {
        log_error("rpc: listen %s: %s", url, nng_strerror(rv));
        return rv == NNG_EADDRINUSE ? -EADDRINUSE : -EIO;
    }
    if (ipc && chmod(ipc, 0600) != 0)
        log_warn("rpc: chmod %s: %s", ipc, strerror(errno));
    return 0;
}

static int rpc_relisten(void *arg, size_t i)
{
    rpc_server *s = arg;
    nng_listener_close(s->listeners[i]);
    return rpc_listen_slot(s, s->wd.urls[i], i);
}

int rpc_server_listen(rpc_server *s, const char *url)
{
    if (s->wd.n == RPC_WD_MAX_URLS || strlen(url) >= RPC_WD_URL_MAX)
        return -EINVAL;
    int rv = rpc_listen_slot(s, url, s->wd.n);
    if (rv != 0)
        return rv;
    snprintf(s->wd.urls[s->wd.n], RPC_WD_URL_MAX, "%s", url);
    s->wd.n++;
    if (!s->addr[0])
        snprintf(s->addr, sizeof s->addr, "%s", url);
    return 0;
}

const char *rpc_server_address(const rpc_server *s) { return s->addr; }

void rpc_server_set_serving(rpc_server *s, bool serving) { atomic_store(&s->serving, serving); }

int rpc_server_start(rpc_server *s)
{
    s->workers = calloc((size_t)s->nctx, sizeof *s->workers);
    if (!s->workers)
        return -ENOMEM;
    for (int i = 0; i < s->nctx; i++) {
        rpc_worker *w = &s->workers[i];
        w->s = s;
        w->call.w = w;
        if (nng_aio_alloc(&w->aio, rpc_worker_cb, w) != 0 || nng_ctx_open(&w->ctx, s->sock) != 0)
            return -ENOMEM;
    }
    for (int i = 0; i < s->nctx; i++)
        nng_ctx_recv(s->workers[i].ctx, s->workers[i].aio);
    if (s->watchdog_ms != UINT32_MAX && s->wd.n > 0) {
        s->wd.period_ms = s->watchdog_ms;
        s->wd.relisten = rpc_relisten;
        s->wd.arg = s;
        if (rpc_watchdog_start(&s->wd) != 0)
            log_warn("rpc: no listener watchdog (cannot start a thread)");
    }
    return 0;
}

void rpc_server_stats_get(const rpc_server *s, rpc_server_stats *out)
{
    out->relistens = s->wd.relistens;
    out->calls = atomic_load(&s->calls);
    out->errors = atomic_load(&s->errors);
    out->deadline_expired = atomic_load(&s->expired);
    out->malformed = atomic_load(&s->malformed);
}

void rpc_server_free(rpc_server *s)
{
    if (!s)
        return;
    rpc_watchdog_stop(&s->wd);
    if (s->mtx) {
        // Handlers still running (e.g. waiting on a group commit) must finish
        // before the contexts they answer on go away.
        nng_mtx_lock(s->mtx);
        atomic_store(&s->closing, true);
        while (atomic_load(&s->pending) > 0)
            nng_cv_wait(s->cv);
        nng_mtx_unlock(s->mtx);
    }
    atomic_store(&s->closing, true);
    if (s->sock_open)
        nng_close(s->sock);
    for (int i = 0; s->workers && i < s->nctx; i++) {
        rpc_worker *w = &s->workers[i];
        if (w->aio) {
            nng_aio_stop(w->aio);
            nng_msg *m = nng_aio_get_msg(w->aio);
            if (m && w->sending)
                nng_msg_free(m);
            nng_aio_free(w->aio);
        }
        rpc_call_reset(&w->call);
    }
    free(s->workers);
    free(s->entries);
    if (s->cv)
        nng_cv_free(s->cv);
    if (s->mtx)
        nng_mtx_free(s->mtx);
    free(s);
}

// ---- the call state machine ---------------------------------------------

static void rpc_send_status(rpc_worker *w, const rpc_status *st, const ProtobufCMessage *out)
{
    rpc_server *s = w->s;
    nng_msg *m = NULL;
    rpc_status tmp;
    atomic_fetch_add(&s->calls, 1);
    if (st->code != RPC_OK)
        atomic_fetch_add(&s->errors, 1);
    int rv = rpc_reply_pack_bytes(st, out, w->call.raw_out, w->call.raw_len, &m);
    if (rv == 0 && nng_msg_len(m) > s->max_msg) {
        nng_msg_free(m);
        m = NULL;
        rpc_status_set(&tmp, RPC_RESOURCE_EXHAUSTED, NULL, "reply exceeds the message limit");
        rv = rpc_reply_pack(&tmp, NULL, &m);
    }
    if (rv != 0) {
        log_warn("rpc: cannot build reply: %s", nng_strerror(rv));
        rpc_call_reset(&w->call);
        w->sending = false;
        nng_ctx_recv(w->ctx, w->aio);
        return;
    }
    w->sending = true;
    nng_aio_set_msg(w->aio, m);
    nng_ctx_send(w->ctx, w->aio);
}

// Counts a handler as started, under the lock so that rpc_server_free never
// frees a context a handler is about to answer on. False (and the call
// answered UNAVAILABLE) when the server is closing.
static bool rpc_begin(rpc_worker *w)
{
    rpc_server *s = w->s;
    nng_mtx_lock(s->mtx);
    bool closing = atomic_load(&s->closing);
    if (!closing)
        atomic_fetch_add(&s->pending, 1);
    nng_mtx_unlock(s->mtx);
    if (closing) {
        rpc_status_set(&w->call.st, RPC_UNAVAILABLE, NULL, "server is shutting down");
        rpc_send_status(w, &w->call.st, NULL);
    }
    return !closing;
}

static void rpc_dispatch(rpc_worker *w, nng_msg *m)
{
    rpc_server *s = w->s;
    rpc_call *c = &w->call;
    rpc_status *st = &c->st;
    rpc_status_set(st, RPC_OK, NULL, NULL);

    c->req = rpc_request_decode(nng_msg_body(m), nng_msg_len(m), s->max_msg, st);
    nng_msg_free(m);
    if (!c->req) {
        atomic_fetch_add(&s->malformed, 1);
        rpc_send_status(w, st, NULL);
        return;
    }
    const rpc_entry *e = rpc_lookup(s, c->req->method);
    if (!e) {
        rpc_status_set(st, RPC_UNIMPLEMENTED, "method", "unknown method %s", c->req->method);
        rpc_send_status(w, st, NULL);
        return;
    }
    if (c->req->deadline_unix_ms && clock_unix_ms() >= c->req->deadline_unix_ms) {
        atomic_fetch_add(&s->expired, 1);
        rpc_status_set(st, RPC_DEADLINE_EXCEEDED, NULL, "deadline passed before the call ran");
        rpc_send_status(w, st, NULL);
        return;
    }
    if (e->raw) {
        c->entry = e;
        if (rpc_begin(w))
            e->raw(c, c->req->payload.data, c->req->payload.len, e->arg);
        return;
    }
    c->in = protobuf_c_message_unpack(e->in, NULL, c->req->payload.len, c->req->payload.data);
    if (!c->in) {
        atomic_fetch_add(&s->malformed, 1);
        rpc_status_set(st, RPC_INVALID_ARGUMENT, "payload", "payload is not a valid %s",
                       e->in->name);
        rpc_send_status(w, st, NULL);
        return;
    }
    c->out = malloc(e->out->sizeof_message);
    if (!c->out) {
        rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        rpc_send_status(w, st, NULL);
        return;
    }
    e->out->message_init(c->out);
    c->entry = e;
    if (rpc_begin(w))
        e->fn(c, c->in, c->out, e->arg);
}

static void rpc_worker_cb(void *arg)
{
    rpc_worker *w = arg;
    rpc_server *s = w->s;
    int rv = nng_aio_result(w->aio);
    if (w->sending) {
        w->sending = false;
        if (rv != 0)
            nng_msg_free(nng_aio_get_msg(w->aio));   // caller gone; we still own it
        rpc_call_reset(&w->call);
        if (rv == NNG_ECLOSED || atomic_load(&s->closing))
            return;
        nng_ctx_recv(w->ctx, w->aio);
        return;
    }
    if (rv != 0) {
        if (rv == NNG_ECLOSED || atomic_load(&s->closing))
            return;
        nng_ctx_recv(w->ctx, w->aio);
        return;
    }
    rpc_dispatch(w, nng_aio_get_msg(w->aio));
}

static void rpc_call_finish(rpc_call *c)
{
    rpc_worker *w = c->w;
    rpc_server *s = w->s;
    rpc_send_status(w, &c->st, c->st.code == RPC_OK ? c->out : NULL);
    nng_mtx_lock(s->mtx);
    if (atomic_fetch_sub(&s->pending, 1) == 1)
        nng_cv_wake(s->cv);
    nng_mtx_unlock(s->mtx);
}

void rpc_call_done(rpc_call *c, rpc_code code)
{
    if (code != RPC_OK && c->st.code == RPC_OK)
        rpc_status_set(&c->st, code, NULL, "%s", rpc_code_name(code));
    else
        c->st.code = code;
    rpc_call_finish(c);
}

void rpc_call_done_raw(rpc_call *c, const void *out, size_t len)
{
    void *copy = rpc_call_alloc(c, len ? len : 1);
    if (!copy) {
        rpc_call_fail(c, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    memcpy(copy, out, len);
    c->raw_out = copy;
    c->raw_len = len;
    c->st.code = RPC_OK;
    rpc_call_finish(c);
}

void rpc_call_fail(rpc_call *c, rpc_code code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rpc_status_vset_(&c->st, code, field, fmt, ap);
    va_end(ap);
    rpc_call_finish(c);
}
