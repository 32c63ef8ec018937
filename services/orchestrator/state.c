// state: the orchestrator's records in the store, encoded as orchestrator.proto messages.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchd.h"
#include "util/log.h"

rpc_code orchd_get(orchd *o, const char *key, const ProtobufCMessageDescriptor *desc,
                   ProtobufCMessage **out, uint64_t *mod_rev)
{
    Outrig__V1__KeyValue *kv = NULL;
    rpc_code rc = store_get(o->store, key, &kv, NULL);
    if (rc != RPC_OK)
        return rc;
    *out = protobuf_c_message_unpack(desc, NULL, kv->value.len, kv->value.data);
    if (mod_rev)
        *mod_rev = kv->mod_revision;
    store_kv_free(kv);
    if (!*out) {
        log_warn("%s: undecodable value", key);
        return RPC_DATA_LOSS;
    }
    return RPC_OK;
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf)
        protobuf_c_message_pack(m, buf);
    return buf;
}

rpc_code orchd_put(orchd *o, const char *key, const ProtobufCMessage *m)
{
    size_t len;
    uint8_t *buf = pack(m, &len);
    if (!buf)
        return RPC_RESOURCE_EXHAUSTED;
    rpc_status st;
    rpc_code rc = store_put(o->store, key, buf, len, 0, NULL, &st);
    if (rc != RPC_OK)
        log_warn("put %s: %s %s", key, rpc_code_name(rc), st.message);
    free(buf);
    return rc;
}

rpc_code orchd_del(orchd *o, const char *key)
{
    return store_delete(o->store, key, NULL, NULL, NULL);
}

typedef struct list_ctx {
    const ProtobufCMessageDescriptor *desc;
    orchd_msgs *out;
    size_t cap;
    bool oom;
} list_ctx;

static int list_fn(const Outrig__V1__KeyValue *kv, void *arg)
{
    list_ctx *c = arg;
    ProtobufCMessage *m = protobuf_c_message_unpack(c->desc, NULL, kv->value.len, kv->value.data);
    if (!m) {
        log_warn("%s: undecodable value, skipped", kv->key);
        return 0;
    }
    if (c->out->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        ProtobufCMessage **nm = realloc(c->out->m, cap * sizeof *nm);
        if (nm)
            c->out->m = nm;
        uint64_t *nr = realloc(c->out->mod_rev, cap * sizeof *nr);
        if (nr)
            c->out->mod_rev = nr;
        if (!nm || !nr) {
            protobuf_c_message_free_unpacked(m, NULL);
            c->oom = true;
            return 1;
        }
        c->cap = cap;
    }
    c->out->mod_rev[c->out->n] = kv->mod_revision;
    c->out->m[c->out->n++] = m;
    return 0;
}

rpc_code orchd_list(orchd *o, const char *prefix, const ProtobufCMessageDescriptor *desc,
                    orchd_msgs *out)
{
    memset(out, 0, sizeof *out);
    list_ctx c = {.desc = desc, .out = out};
    rpc_code rc = store_range_all(o->store, prefix, 0, false, list_fn, &c, NULL);
    if (rc == RPC_OK && c.oom)
        rc = RPC_RESOURCE_EXHAUSTED;
    if (rc != RPC_OK)
        orchd_msgs_free(out);
    return rc;
}

void orchd_msgs_free(orchd_msgs *l)
{
    for (size_t i = 0; l && i < l->n; i++)
        protobuf_c_message_free_unpacked(l->m[i], NULL);
    if (l) {
        free(l->m);
        free(l->mod_rev);
        memset(l, 0, sizeof *l);
    }
}

rpc_code orchd_vnfs_of(orchd *o, const char *ns_id, orchd_msgs *out)
{
    char prefix[STORE_KEY_MAX];
    // Instance ids are "<ns>.<profile>.<n>": one NS's records share a prefix.
    if (ns_id && *ns_id)
        snprintf(prefix, sizeof prefix, "/vnf/%s.", ns_id);
    else
        snprintf(prefix, sizeof prefix, "/vnf/");
    return orchd_list(o, prefix, &outrig__v1__vnf_record__descriptor, out);
}

// ---- transactions -------------------------------------------------------------------------

void orchd_txn_init(orchd_txn *t)
{
    memset(t, 0, sizeof *t);
    outrig__v1__txn_request__init(&t->req);
}

static bool grow(void ***arr, size_t n, size_t *cap)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 8;
    void **a = realloc(*arr, c * sizeof *a);
    if (!a)
        return false;
    *arr = a;
    *cap = c;
    return true;
}

static Outrig__V1__Compare *add_cmp(orchd_txn *t, const char *key)
{
    if (t->err || !grow((void ***)&t->cmp, t->req.n_compares, &t->cap_cmp)) {
        t->err = -ENOMEM;
        return NULL;
    }
    Outrig__V1__Compare *c = malloc(sizeof *c);
    char *k = strdup(key);
    if (!c || !k) {
        free(c);
        free(k);
        t->err = -ENOMEM;
        return NULL;
    }
    outrig__v1__compare__init(c);
    c->key = k;
    t->cmp[t->req.n_compares++] = c;
    t->req.compares = t->cmp;
    return c;
}

void orchd_txn_absent(orchd_txn *t, const char *key)
{
    Outrig__V1__Compare *c = add_cmp(t, key);
    if (c) {
        c->target = OUTRIG__V1__COMPARE__TARGET__EXISTS;
        c->exists = false;
    }
}

void orchd_txn_rev(orchd_txn *t, const char *key, uint64_t rev)
{
    Outrig__V1__Compare *c = add_cmp(t, key);
    if (c) {
        c->target = OUTRIG__V1__COMPARE__TARGET__MOD_REVISION;
        c->mod_revision = rev;
    }
}

static Outrig__V1__TxnOp *add_op(orchd_txn *t, const char *key)
{
    if (t->err || !grow((void ***)&t->ops, t->req.n_success, &t->cap_ops)) {
        t->err = -ENOMEM;
        return NULL;
    }
    Outrig__V1__TxnOp *op = malloc(sizeof *op);
    char *k = strdup(key);
    if (!op || !k) {
        free(op);
        free(k);
        t->err = -ENOMEM;
        return NULL;
    }
    outrig__v1__txn_op__init(op);
    op->key = k;
    t->ops[t->req.n_success++] = op;
    t->req.success = t->ops;
    return op;
}

void orchd_txn_put(orchd_txn *t, const char *key, const ProtobufCMessage *m)
{
    Outrig__V1__TxnOp *op = add_op(t, key);
    if (!op)
        return;
    op->kind = OUTRIG__V1__TXN_OP__KIND__PUT;
    op->value.data = pack(m, &op->value.len);
    if (!op->value.data)
        t->err = -ENOMEM;
}

void orchd_txn_del(orchd_txn *t, const char *key)
{
    Outrig__V1__TxnOp *op = add_op(t, key);
    if (op)
        op->kind = OUTRIG__V1__TXN_OP__KIND__DELETE;
}

void orchd_txn_free(orchd_txn *t)
{
    for (size_t i = 0; i < t->req.n_compares; i++) {
        free(t->cmp[i]->key);
        free(t->cmp[i]);
    }
    for (size_t i = 0; i < t->req.n_success; i++) {
        free(t->ops[i]->key);
        free(t->ops[i]->value.data);
        free(t->ops[i]);
    }
    free(t->cmp);
    free(t->ops);
    orchd_txn_init(t);
}

rpc_code orchd_txn_run(orchd *o, orchd_txn *t, bool *ok, rpc_status *st)
{
    *ok = false;
    rpc_code rc = RPC_RESOURCE_EXHAUSTED;
    if (!t->err)
        rc = store_txn(o->store, &t->req, ok, NULL, st);
    orchd_txn_free(t);
    return rc;
}

// ---- records --------------------------------------------------------------------------------

void orchd_set_str(char **field, const char *v)
{
    char *n = strdup(v ? v : "");
    if (!n)
        return; // keeps the old value; the caller's next put still encodes a valid record
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = n;
}

Outrig__V1__Operation *orchd_op_get(orchd *o, const char *id, uint64_t *rev)
{
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/op/%s", id);
    ProtobufCMessage *m = NULL;
    if (orchd_get(o, key, &outrig__v1__operation__descriptor, &m, rev) != RPC_OK)
        return NULL;
    return (Outrig__V1__Operation *)m;
}

Outrig__V1__NsRecord *orchd_ns_get(orchd *o, const char *id, uint64_t *rev)
{
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/ns/%s", id);
    ProtobufCMessage *m = NULL;
    if (orchd_get(o, key, &outrig__v1__ns_record__descriptor, &m, rev) != RPC_OK)
        return NULL;
    return (Outrig__V1__NsRecord *)m;
}
