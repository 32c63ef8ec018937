// RPC client: a REQ socket dialled in the background; each call borrows a
// context from a small pool, so threads share one client. nng's own resend is
// off: a request is sent once, and only idempotent calls are retried here.
#include <errno.h>
#include <nng/nng.h>

#include <nng/protocol/reqrep0/req.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc/rpc_internal.h"
#include "util/clock.h"
#include "util/log.h"

#define RPC_CONNECT_WAIT_MS 1000u   // default wait of one attempt for a connection
#define RPC_REDIAL_MS 1000u         // no connection this long: start a fresh dialer
#define RPC_BACKOFF_MIN_MS 10u
#define RPC_BACKOFF_MAX_MS 500u

typedef struct rpc_slot {
    struct rpc_slot *next;
    nng_ctx ctx;
    nng_aio *aio;
} rpc_slot;

struct rpc_client {
    nng_socket sock;
    nng_dialer dialer;
    char url[256];
    char token[128];
    uint32_t timeout_ms;
    uint32_t connect_wait_ms;
    atomic_int pipes;
    atomic_uint_fast64_t disconnected_since;   // monotonic ms of the last loss or dial
    atomic_uint_fast64_t seq;
    nng_mtx *mtx;
    rpc_slot *free_slots;
};

static void rpc_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    rpc_client *c = arg;
    if (ev == NNG_PIPE_EV_ADD_POST) {
        atomic_fetch_add(&c->pipes, 1);
    } else if (ev == NNG_PIPE_EV_REM_POST) {
        atomic_fetch_sub(&c->pipes, 1);
        atomic_store(&c->disconnected_since, clock_mono_ms());
    }
}

rpc_client *rpc_client_open(const char *url, const rpc_client_opts *opts)
{
    rpc_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    snprintf(c->url, sizeof c->url, "%s", url);
    snprintf(c->token, sizeof c->token, "%s", opts && opts->token ? opts->token : "");
    c->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : 10000;
    c->connect_wait_ms = opts && opts->connect_wait_ms ? opts->connect_wait_ms
                                                       : RPC_CONNECT_WAIT_MS;
    size_t max_msg = opts && opts->max_msg ? opts->max_msg : RPC_MAX_MSG_DEFAULT;
    if (nng_mtx_alloc(&c->mtx) != 0) {
        free(c);
        return NULL;
    }
    if (nng_req0_open(&c->sock) != 0) {
        nng_mtx_free(c->mtx);
        free(c);
        return NULL;
    }
    nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, max_msg + 65536);
    nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
    nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 10);
    nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 500);
    nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, rpc_pipe_cb, c);
    nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, rpc_pipe_cb, c);
    atomic_store(&c->disconnected_since, clock_mono_ms());
    int rv = nng_dial(c->sock, url, &c->dialer, NNG_FLAG_NONBLOCK);
    if (rv != 0) {
        log_debug("rpc: dial %s: %s", url, nng_strerror(rv));
        rpc_client_close(c);
        return NULL;
    }
    return c;
}

void rpc_client_close(rpc_client *c)
{
    if (!c)
        return;
    nng_dialer_close(c->dialer);
    nng_close(c->sock);
    while (c->free_slots) {
        rpc_slot *s = c->free_slots;
        c->free_slots = s->next;
        nng_aio_free(s->aio);
        free(s);
    }
    nng_mtx_free(c->mtx);
    free(c);
}

const char *rpc_client_url(const rpc_client *c) { return c->url; }

static rpc_slot *rpc_slot_get(rpc_client *c)
{
    nng_mtx_lock(c->mtx);
    rpc_slot *s = c->free_slots;
    if (s)
        c->free_slots = s->next;
    nng_mtx_unlock(c->mtx);
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (nng_aio_alloc(&s->aio, NULL, NULL) != 0) {
        free(s);
        return NULL;
    }
    if (nng_ctx_open(&s->ctx, c->sock) != 0) {
        nng_aio_free(s->aio);
        free(s);
        return NULL;
    }
    nng_ctx_set_ms(s->ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
    return s;
}

// A context whose request failed half-way is closed rather than reused: a
// late reply must never be taken as the answer to the next call.
static void rpc_slot_put(rpc_client *c, rpc_slot *s, bool reusable)
{
    if (!reusable) {
        nng_ctx_close(s->ctx);
        nng_aio_free(s->aio);
        free(s);
        return;
    }
    nng_mtx_lock(c->mtx);
    s->next = c->free_slots;
    c->free_slots = s;
    nng_mtx_unlock(c->mtx);
}

// nng 1.5's dialer can stop redialling when a peer dies mid-handshake; a
// client left without a connection for RPC_REDIAL_MS replaces its dialer.
static void rpc_maybe_redial(rpc_client *c)
{
    uint64_t now = clock_mono_ms();
    if (now - atomic_load(&c->disconnected_since) < RPC_REDIAL_MS)
        return;
    nng_mtx_lock(c->mtx);
    if (atomic_load(&c->pipes) <= 0 &&
        now - atomic_load(&c->disconnected_since) >= RPC_REDIAL_MS) {
        atomic_store(&c->disconnected_since, now);
        nng_dialer_close(c->dialer);
        if (nng_dial(c->sock, c->url, &c->dialer, NNG_FLAG_NONBLOCK) != 0)
            log_debug("rpc: redial %s failed", c->url);
    }
    nng_mtx_unlock(c->mtx);
}

// Waits until the socket has a connected pipe or `until_ms` (monotonic) passes.
static bool rpc_wait_connected(rpc_client *c, uint64_t until_ms)
{
    while (atomic_load(&c->pipes) <= 0) {
        rpc_maybe_redial(c);
        if (clock_mono_ms() >= until_ms)
            return false;
        usleep(2000);
    }
    return true;
}

// One exchange: send `m` (consumed), wait for the reply until deadline.
static rpc_code rpc_exchange(rpc_client *c, nng_msg *m, uint64_t deadline_mono_ms,
                             nng_msg **reply, rpc_status *st)
{
    uint64_t now = clock_mono_ms();
    uint64_t wait_until = now + c->connect_wait_ms;
    if (wait_until > deadline_mono_ms)
        wait_until = deadline_mono_ms;
    if (!rpc_wait_connected(c, wait_until)) {
        nng_msg_free(m);
        rpc_status_set(st, RPC_UNAVAILABLE, NULL, "cannot connect to %s", c->url);
        return RPC_UNAVAILABLE;
    }
    rpc_slot *s = rpc_slot_get(c);
    if (!s) {
        nng_msg_free(m);
        rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return RPC_RESOURCE_EXHAUSTED;
    }
    now = clock_mono_ms();
    nng_duration left = deadline_mono_ms > now ? (nng_duration)(deadline_mono_ms - now) : 1;
    nng_aio_set_timeout(s->aio, left);
    nng_aio_set_msg(s->aio, m);
    nng_ctx_send(s->ctx, s->aio);
    nng_aio_wait(s->aio);
    int rv = nng_aio_result(s->aio);
    if (rv != 0) {
        nng_msg_free(nng_aio_get_msg(s->aio));
        rpc_slot_put(c, s, false);
        rpc_code code = rpc_code_from_nng(rv);
        rpc_status_set(st, code, NULL, "send to %s: %s", c->url, nng_strerror(rv));
        return code;
    }
    now = clock_mono_ms();
    left = deadline_mono_ms > now ? (nng_duration)(deadline_mono_ms - now) : 1;
    nng_aio_set_timeout(s->aio, left);
    nng_ctx_recv(s->ctx, s->aio);
    nng_aio_wait(s->aio);
    rv = nng_aio_result(s->aio);
    if (rv != 0) {
        rpc_slot_put(c, s, false);
        rpc_code code = rpc_code_from_nng(rv);
        if (rv == NNG_ECONNRESET || rv == NNG_ECLOSED)
            rpc_status_set(st, code, NULL, "connection to %s lost; the call may have run",
                           c->url);
        else
            rpc_status_set(st, code, NULL, "no reply from %s: %s", c->url, nng_strerror(rv));
        return code;
    }
    *reply = nng_aio_get_msg(s->aio);
    rpc_slot_put(c, s, true);
    return RPC_OK;
}

// Where a call's reply goes: a decoded message, or the payload bytes.
typedef struct rpc_sink {
    const ProtobufCMessageDescriptor *desc;
    ProtobufCMessage **msg;
    void **bytes;
    size_t *len;
} rpc_sink;

static rpc_code rpc_decode_reply(nng_msg *reply, const rpc_sink *out, rpc_status *st)
{
    Outrig__V1__Reply *r = rpc_reply_decode(nng_msg_body(reply), nng_msg_len(reply), st);
    nng_msg_free(reply);
    if (!r)
        return st->code;
    rpc_code code = st->code;
    if (code == RPC_OK && out && out->msg && out->desc) {
        *out->msg = protobuf_c_message_unpack(out->desc, NULL, r->payload.len, r->payload.data);
        if (!*out->msg) {
            rpc_status_set(st, RPC_INTERNAL, NULL, "reply payload is not a valid %s",
                           out->desc->name);
            code = RPC_INTERNAL;
        }
    } else if (code == RPC_OK && out && out->bytes) {
        *out->len = r->payload.len;
        if (r->payload.len) {
            *out->bytes = malloc(r->payload.len);
            if (!*out->bytes) {
                rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
                code = RPC_RESOURCE_EXHAUSTED;
            } else {
                memcpy(*out->bytes, r->payload.data, r->payload.len);
            }
        }
    }
    rpc_reply_free(r);
    return code;
}

// One logical call: a message `in` or raw bytes, retried per the rules.
static rpc_code rpc_call_common(rpc_client *c, const char *method, const ProtobufCMessage *in,
                                const void *raw, size_t raw_len, const rpc_sink *out,
                                const rpc_call_opts *opts, rpc_status *st)
{
    rpc_status_set(st, RPC_OK, NULL, NULL);
    uint64_t now_unix = clock_unix_ms();
    uint64_t deadline_unix;
    if (opts && opts->deadline_unix_ms)
        deadline_unix = opts->deadline_unix_ms;
    else
        deadline_unix = now_unix + (opts && opts->timeout_ms ? opts->timeout_ms : c->timeout_ms);
    uint64_t deadline_mono =
        clock_mono_ms() + (deadline_unix > now_unix ? deadline_unix - now_unix : 0);

    char rid[40];
    const char *request_id = opts && opts->request_id ? opts->request_id : NULL;
    if (!request_id) {
        snprintf(rid, sizeof rid, "%x-%llx", (unsigned)getpid(),
                 (unsigned long long)atomic_fetch_add(&c->seq, 1));
        request_id = rid;
    }
    bool idempotent = opts && opts->idempotent;
    uint32_t backoff = RPC_BACKOFF_MIN_MS;
    for (;;) {
        if (clock_mono_ms() >= deadline_mono) {
            rpc_status_set(st, RPC_DEADLINE_EXCEEDED, NULL, "deadline passed before sending");
            return RPC_DEADLINE_EXCEEDED;
        }
        nng_msg *m = NULL;
        int rv = rpc_request_pack_bytes(method, deadline_unix, c->token, request_id,
                                        opts ? opts->trace_id : NULL, in, raw, raw_len, &m);
        if (rv != 0) {
            rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL, "cannot build request: %s",
                           nng_strerror(rv));
            return RPC_RESOURCE_EXHAUSTED;
        }
        nng_msg *reply = NULL;
        rpc_code code = rpc_exchange(c, m, deadline_mono, &reply, st);
        if (code == RPC_OK)
            code = rpc_decode_reply(reply, out, st);
        if (code != RPC_UNAVAILABLE || !idempotent)
            return code;
        // Jittered exponential backoff, never past the deadline.
        uint32_t sleep_ms = backoff / 2 + (uint32_t)(rand() % (int)(backoff / 2 + 1));
        if (clock_mono_ms() + sleep_ms >= deadline_mono)
            return code;
        usleep(sleep_ms * 1000u);
        backoff = backoff * 2 > RPC_BACKOFF_MAX_MS ? RPC_BACKOFF_MAX_MS : backoff * 2;
    }
}

rpc_code rpc_client_call(rpc_client *c, const char *method, const ProtobufCMessage *in,
                         const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                         const rpc_call_opts *opts, rpc_status *st)
{
    rpc_status local;
    if (out)
        *out = NULL;
    rpc_sink sink = {.desc = out_desc, .msg = out};
    return rpc_call_common(c, method, in, NULL, 0, &sink, opts, st ? st : &local);
}

rpc_code rpc_client_call_bytes(rpc_client *c, const char *method, const void *in, size_t in_len,
                               void **out, size_t *out_len, const rpc_call_opts *opts,
                               rpc_status *st)
{
    rpc_status local;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    size_t dummy_len;
    rpc_sink sink = {.bytes = out, .len = out_len ? out_len : &dummy_len};
    // An empty payload still has to be "raw" so that no message is packed.
    static const uint8_t empty;
    return rpc_call_common(c, method, NULL, in ? in : &empty, in ? in_len : 0,
                           out ? &sink : NULL, opts, st ? st : &local);
}

rpc_code rpc_client_call_raw(rpc_client *c, const void *buf, size_t len, uint32_t timeout_ms,
                             rpc_status *st)
{
    rpc_status local;
    if (!st)
        st = &local;
    nng_msg *m;
    if (nng_msg_alloc(&m, len) != 0) {
        rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return RPC_RESOURCE_EXHAUSTED;
    }
    memcpy(nng_msg_body(m), buf, len);
    nng_msg *reply = NULL;
    rpc_code code = rpc_exchange(c, m, clock_mono_ms() + (timeout_ms ? timeout_ms : c->timeout_ms),
                                 &reply, st);
    if (code == RPC_OK)
        code = rpc_decode_reply(reply, NULL, st);
    return code;
}
