// front: the Store RPC API (see front.h).
#include "front.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "keys.h"
#include "lease.h"
#include "outrig/v1/store.pb-c.h"
#include "range.h"
#include "util/clock.h"

// Replies stay well under the envelope bound (RPC_MAX_MSG_DEFAULT).
#define REPLY_BUDGET (3u << 20)
#define CHANGES_DEFAULT 1000
#define CHANGES_MAX 10000

// ---- call-arena helpers ------------------------------------------------------------

// Bump allocation in pieces of the call's arena (one rpc_call_alloc per
// piece, not per key-value). Pieces start small, so that a Get stays in the
// call's inline arena, and double up to 64 KiB for big ranges.
typedef struct bump {
    rpc_call *call;
    unsigned char *p;
    size_t left;
    size_t next;
} bump;

static void *bump_alloc(bump *b, size_t n)
{
    n = (n + 7u) & ~(size_t)7u;
    if (n > b->left) {
        if (b->next < 512)
            b->next = 512;
        size_t piece = n > b->next ? n : b->next;
        if (b->next < 65536)
            b->next *= 2;
        b->p = rpc_call_alloc(b->call, piece);
        if (!b->p) {
            b->left = 0;
            return NULL;
        }
        b->left = piece;
    }
    void *r = b->p;
    b->p += n;
    b->left -= n;
    return r;
}

static char *bump_str(bump *b, const char *s, size_t n)
{
    char *p = bump_alloc(b, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static Outrig__V1__KeyValue *kv_copy(bump *b, const sto_kv *in)
{
    Outrig__V1__KeyValue *kv = bump_alloc(b, sizeof(*kv));
    if (!kv)
        return NULL;
    outrig__v1__key_value__init(kv);
    kv->key = bump_str(b, in->key, in->key_len);
    if (!kv->key)
        return NULL;
    if (in->value && in->value_len) {
        kv->value.data = bump_alloc(b, in->value_len);
        if (!kv->value.data)
            return NULL;
        memcpy(kv->value.data, in->value, in->value_len);
        kv->value.len = in->value_len;
    }
    kv->create_revision = in->create_revision;
    kv->mod_revision = in->mod_revision;
    kv->version = in->version;
    kv->lease = in->lease;
    return kv;
}

static bool key_ok(rpc_call *call, const char *key, const char *field)
{
    const char *why;
    if (sto_key_valid(key, &why))
        return true;
    rpc_call_fail(call, RPC_INVALID_ARGUMENT, field, "%s", why);
    return false;
}

static bool prefix_ok(rpc_call *call, const char *prefix, const char *field)
{
    const char *why;
    if (sto_prefix_valid(prefix, &why))
        return true;
    rpc_call_fail(call, RPC_INVALID_ARGUMENT, field, "%s", why);
    return false;
}

// ---- writes ------------------------------------------------------------------------

typedef enum { W_PUT, W_DELETE, W_TXN, W_GRANT, W_REVOKE } wkind;

typedef struct wcall {
    sto_req r;
    rpc_call *call;
    ProtobufCMessage *out;
    wkind kind;
    sto_op op;
    uint64_t lease; // for messages
} wcall;

static void write_failed(wcall *wc)
{
    sto_req *r = &wc->r;
    rpc_call *call = wc->call;
    switch (r->err) {
    case -ENOENT:
        if (wc->kind == W_TXN) {
            const sto_op *ops = r->succeeded ? r->success : r->failure;
            char field[48];
            snprintf(field, sizeof(field), "%s[%d].lease", r->succeeded ? "success" : "failure",
                     r->err_op);
            rpc_call_fail(call, RPC_NOT_FOUND, field, "lease %" PRIu64 " not found",
                          ops[r->err_op].lease);
        } else if (wc->kind == W_PUT) {
            rpc_call_fail(call, RPC_NOT_FOUND, "lease", "lease %" PRIu64 " not found", wc->lease);
        } else {
            rpc_call_fail(call, RPC_NOT_FOUND, "id", "lease %" PRIu64 " not found", wc->lease);
        }
        return;
    case -EEXIST:
        rpc_call_fail(call, RPC_ALREADY_EXISTS, "id", "lease %" PRIu64 " exists", wc->lease);
        return;
    case -ENOSPC:
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "the store is full");
        return;
    default:
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "commit failed (%d); nothing was written",
                      r->err);
        return;
    }
}

static void write_done(sto_req *r)
{
    wcall *wc = (wcall *)r; // r is the first member
    if (r->err) {
        write_failed(wc);
        return;
    }
    switch (wc->kind) {
    case W_PUT:
        ((Outrig__V1__PutResponse *)wc->out)->revision = r->revision;
        break;
    case W_DELETE: {
        Outrig__V1__DeleteResponse *o = (Outrig__V1__DeleteResponse *)wc->out;
        o->revision = r->revision;
        o->deleted = r->deleted;
        break;
    }
    case W_TXN: {
        Outrig__V1__TxnResponse *o = (Outrig__V1__TxnResponse *)wc->out;
        o->succeeded = r->succeeded;
        o->revision = r->revision;
        break;
    }
    case W_GRANT: {
        Outrig__V1__LeaseGrantResponse *o = (Outrig__V1__LeaseGrantResponse *)wc->out;
        o->id = r->lease_out;
        o->ttl_ms = r->ttl_out;
        break;
    }
    case W_REVOKE:
        break;
    }
    rpc_call_done(wc->call, RPC_OK);
}

static wcall *wcall_new(rpc_call *call, ProtobufCMessage *out, wkind kind)
{
    wcall *wc = rpc_call_alloc(call, sizeof(*wc));
    if (!wc) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return NULL;
    }
    memset(wc, 0, sizeof(*wc));
    wc->call = call;
    wc->out = out;
    wc->kind = kind;
    wc->r.done = write_done;
    wc->r.err_op = -1;
    return wc;
}

static void submit(sto_front *f, wcall *wc)
{
    if (sto_writer_submit(f->writer, &wc->r) != 0)
        rpc_call_fail(wc->call, RPC_UNAVAILABLE, NULL, "the store is shutting down");
}

static void convert_failed(rpc_call *call, int rc, const sto_convert_err *err)
{
    if (rc == -EINVAL)
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, err->field, "%s", err->why);
    else
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
}

static void h_put(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out, void *arg)
{
    const Outrig__V1__PutRequest *in = (const Outrig__V1__PutRequest *)in_;
    wcall *wc = wcall_new(call, out, W_PUT);
    if (!wc)
        return;
    sto_convert_err err;
    int rc = sto_put_from_pb(in, &wc->op, &wc->r, &err);
    if (rc) {
        convert_failed(call, rc, &err);
        return;
    }
    wc->lease = in->lease;
    submit(arg, wc);
}

static void h_delete(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out, void *arg)
{
    const Outrig__V1__DeleteRequest *in = (const Outrig__V1__DeleteRequest *)in_;
    wcall *wc = wcall_new(call, out, W_DELETE);
    if (!wc)
        return;
    sto_convert_err err;
    int rc = sto_delete_from_pb(in, &wc->op, &wc->r, &err);
    if (rc) {
        convert_failed(call, rc, &err);
        return;
    }
    submit(arg, wc);
}

static void *call_alloc(void *ctx, size_t n)
{
    return rpc_call_alloc(ctx, n);
}

static void h_txn(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out, void *arg)
{
    const Outrig__V1__TxnRequest *in = (const Outrig__V1__TxnRequest *)in_;
    wcall *wc = wcall_new(call, out, W_TXN);
    if (!wc)
        return;
    sto_convert_err err;
    int rc = sto_txn_from_pb(in, call_alloc, call, &wc->r, &err);
    if (rc) {
        convert_failed(call, rc, &err);
        return;
    }
    submit(arg, wc);
}

static void h_grant(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out, void *arg)
{
    const Outrig__V1__LeaseGrantRequest *in = (const Outrig__V1__LeaseGrantRequest *)in_;
    if (!sto_lease_ttl_valid(in->ttl_ms)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "ttl_ms", "must be %u..%u ms", STO_LEASE_TTL_MIN,
                      STO_LEASE_TTL_MAX);
        return;
    }
    wcall *wc = wcall_new(call, out, W_GRANT);
    if (!wc)
        return;
    wc->r.kind = STO_REQ_LEASE_GRANT;
    wc->r.lease_id = in->id;
    wc->r.ttl_ms = in->ttl_ms;
    wc->lease = in->id;
    submit(arg, wc);
}

static void h_revoke(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out, void *arg)
{
    const Outrig__V1__LeaseRequest *in = (const Outrig__V1__LeaseRequest *)in_;
    if (in->id == 0) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "id", "must not be 0");
        return;
    }
    wcall *wc = wcall_new(call, out, W_REVOKE);
    if (!wc)
        return;
    wc->r.kind = STO_REQ_LEASE_REVOKE;
    wc->r.lease_id = in->id;
    wc->lease = in->id;
    submit(arg, wc);
}

static void h_keepalive(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out_,
                        void *arg)
{
    sto_front *f = arg;
    const Outrig__V1__LeaseRequest *in = (const Outrig__V1__LeaseRequest *)in_;
    Outrig__V1__LeaseKeepAliveResponse *out = (Outrig__V1__LeaseKeepAliveResponse *)out_;
    uint32_t ttl;
    if (in->id == 0 || f->ops->lease_keepalive(f->h, in->id, clock_unix_ms(), &ttl) != 0) {
        rpc_call_fail(call, RPC_NOT_FOUND, "id", "lease %" PRIu64 " not found", in->id);
        return;
    }
    out->id = in->id;
    out->ttl_ms = ttl;
    rpc_call_done(call, RPC_OK);
}

// ---- reads ---------------------------------------------------------------------------

typedef struct get_ctx {
    bump b;
    Outrig__V1__KeyValue *kv;
} get_ctx;

static int get_one(const sto_kv *kv, void *arg)
{
    get_ctx *g = arg;
    g->kv = kv_copy(&g->b, kv);
    return 0;
}

static void h_get(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out_, void *arg)
{
    sto_front *f = arg;
    const Outrig__V1__GetRequest *in = (const Outrig__V1__GetRequest *)in_;
    Outrig__V1__GetResponse *out = (Outrig__V1__GetResponse *)out_;
    if (!key_ok(call, in->key, "key"))
        return;
    get_ctx g = {{call, NULL, 0, 0}, NULL};
    int rc = f->ops->get(f->h, in->key, get_one, &g, &out->revision);
    if (rc == -ENOENT) {
        rpc_call_fail(call, RPC_NOT_FOUND, "key", "no such key");
        return;
    }
    if (rc || !g.kv) {
        rpc_call_fail(call, rc ? RPC_UNAVAILABLE : RPC_RESOURCE_EXHAUSTED, NULL, "read failed (%d)",
                      rc);
        return;
    }
    out->kv = g.kv;
    rpc_call_done(call, RPC_OK);
}

typedef struct range_ctx {
    bump b;
    Outrig__V1__KeyValue **kvs;
    size_t n, cap, bytes;
    bool full, oom;
} range_ctx;

static int range_one(const sto_kv *kv, void *arg)
{
    range_ctx *r = arg;
    size_t sz = kv->key_len + kv->value_len + 32;
    if (r->n == r->cap || (r->n && r->bytes + sz > REPLY_BUDGET)) {
        r->full = true;
        return 1;
    }
    Outrig__V1__KeyValue *c = kv_copy(&r->b, kv);
    if (!c) {
        r->oom = true;
        return 1;
    }
    r->kvs[r->n++] = c;
    r->bytes += sz;
    return 0;
}

static void h_range(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out_, void *arg)
{
    sto_front *f = arg;
    const Outrig__V1__RangeRequest *in = (const Outrig__V1__RangeRequest *)in_;
    Outrig__V1__RangeResponse *out = (Outrig__V1__RangeResponse *)out_;
    if (!prefix_ok(call, in->prefix, "prefix"))
        return;
    if (strlen(in->start_after) > STO_KEY_MAX) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "start_after", "longer than %d bytes",
                      STO_KEY_MAX);
        return;
    }
    uint32_t limit = sto_range_limit(in->limit);
    range_ctx r = {.b = {call, NULL, 0, 0}, .cap = limit};
    r.kvs = rpc_call_alloc(call, limit * sizeof(*r.kvs));
    if (!r.kvs) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    bool more = false;
    int rc = f->ops->range(f->h, in->prefix, in->start_after, limit, in->keys_only, range_one, &r,
                           &more, &out->revision);
    if (rc || r.oom) {
        rpc_call_fail(call, rc ? RPC_UNAVAILABLE : RPC_RESOURCE_EXHAUSTED, NULL, "read failed (%d)",
                      rc);
        return;
    }
    out->kvs = r.kvs;
    out->n_kvs = r.n;
    out->more = more || r.full;
    if (out->more && r.n)
        out->next_start_after = r.kvs[r.n - 1]->key;
    rpc_call_done(call, RPC_OK);
}

typedef struct changes_ctx {
    bump b;
    Outrig__V1__WatchEvent **evs;
    size_t n, cap, bytes;
    bool oom;
} changes_ctx;

static int change_one(const sto_change *c, void *arg)
{
    changes_ctx *x = arg;
    size_t sz = c->kv.key_len + c->kv.value_len + 48;
    if (x->n == x->cap || (x->n && x->bytes + sz > REPLY_BUDGET))
        return 1;
    Outrig__V1__WatchEvent *ev = bump_alloc(&x->b, sizeof(*ev));
    Outrig__V1__KeyValue *kv = ev ? kv_copy(&x->b, &c->kv) : NULL;
    if (!kv) {
        x->oom = true;
        return 1;
    }
    outrig__v1__watch_event__init(ev);
    ev->kind = c->kind == STO_CHANGE_DELETE ? OUTRIG__V1__WATCH_EVENT__KIND__DELETE
                                            : OUTRIG__V1__WATCH_EVENT__KIND__PUT;
    ev->kv = kv;
    ev->prev = c->prev;
    x->evs[x->n++] = ev;
    x->bytes += sz;
    return 0;
}

static void h_changes(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out_,
                      void *arg)
{
    sto_front *f = arg;
    const Outrig__V1__ChangesRequest *in = (const Outrig__V1__ChangesRequest *)in_;
    Outrig__V1__ChangesResponse *out = (Outrig__V1__ChangesResponse *)out_;
    if (!prefix_ok(call, in->prefix, "prefix"))
        return;
    uint32_t max = in->max_events ? in->max_events : CHANGES_DEFAULT;
    if (max > CHANGES_MAX)
        max = CHANGES_MAX;
    changes_ctx x = {.b = {call, NULL, 0, 0}, .cap = max};
    x.evs = rpc_call_alloc(call, max * sizeof(*x.evs));
    if (!x.evs) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    sto_history_pos pos;
    int rc = f->ops->history(f->h, in->prefix, in->from_revision, max, change_one, &x, &pos);
    if (rc || x.oom) {
        rpc_call_fail(call, rc ? RPC_UNAVAILABLE : RPC_RESOURCE_EXHAUSTED, NULL, "read failed (%d)",
                      rc);
        return;
    }
    out->events = x.evs;
    out->n_events = x.n;
    out->next_revision = pos.next_revision;
    out->compact_revision = pos.compact_revision;
    out->revision = pos.revision;
    rpc_call_done(call, RPC_OK);
}

static void h_info(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out_, void *arg)
{
    sto_front *f = arg;
    Outrig__V1__StoreInfoResponse *out = (Outrig__V1__StoreInfoResponse *)out_;
    sto_info in;
    int rc = f->ops->info(f->h, &in);
    if (rc) {
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "read failed (%d)", rc);
        return;
    }
    out->revision = in.revision;
    out->compact_revision = in.compact_revision;
    out->keys = in.keys;
    out->leases = in.leases;
    out->watch_url = (char *)f->watch_url;
    out->backend = (char *)f->ops->name;
    rpc_call_done(call, RPC_OK);
}

static const rpc_method_impl methods[] = {
    {"Put", h_put},
    {"Get", h_get},
    {"Delete", h_delete},
    {"Range", h_range},
    {"Txn", h_txn},
    {"LeaseGrant", h_grant},
    {"LeaseKeepAlive", h_keepalive},
    {"LeaseRevoke", h_revoke},
    {"Changes", h_changes},
    {"Info", h_info},
};

const rpc_method_impl *sto_front_methods(size_t *n)
{
    *n = sizeof(methods) / sizeof(methods[0]);
    return methods;
}
