// Fuzzes outrig-store's write path: the first byte picks a message
// (PutRequest, DeleteRequest or TxnRequest), the rest is decoded with
// protobuf-c, validated and converted as the front end does, and what passes
// is applied to an LMDB backend in a temporary directory (no fsync). After
// each apply the backend's revision must not go backwards and every key a
// successful put wrote must read back with its value.
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "convert.h"
#include "keys.h"

static const sto_backend_ops *ops;
static void *be;
static char dir[64];
static sto_changes changes;
static uint64_t last_rev;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(p);
}

static void cleanup(void)
{
    ops->close(be);
    sto_changes_fini(&changes);
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void open_backend(void)
{
    strcpy(dir, "/tmp/store-txn-fuzz-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    ops = sto_backend_lmdb();
    sto_backend_cfg cfg = {.dir = dir,
                           .map_size = 256u << 20,
                           .no_sync = true,
                           .retention = {.keep_revisions = 1000, .max_bytes = 8u << 20}};
    if (ops->open(&cfg, 1000, &be) != 0)
        abort();
    atexit(cleanup);
}

typedef struct arena_ctx {
    sto_arena a;
} arena_ctx;

static void *fuzz_alloc(void *ctx, size_t n)
{
    return sto_arena_alloc(&((arena_ctx *)ctx)->a, n);
}

typedef struct readback {
    const sto_op *op;
    int ok;
} readback;

static int check_kv(const sto_kv *kv, void *arg)
{
    readback *r = arg;
    r->ok = kv->value_len == r->op->value_len &&
            (kv->value_len == 0 || memcmp(kv->value, r->op->value, kv->value_len) == 0);
    return 0;
}

static void apply(sto_req *r)
{
    sto_changes_reset(&changes);
    r->next = NULL;
    // Apply at a moving clock so that leases granted elsewhere expire.
    static uint64_t now = 1000;
    now += 50;
    if (ops->apply(be, r, now, &changes) != 0)
        return; // a full map is a legitimate outcome
    sto_info in;
    if (ops->info(be, &in) != 0 || in.revision < last_rev)
        abort();
    last_rev = in.revision;
    if (r->err || r->kind != STO_REQ_TXN)
        return;
    // The last write to each key of the applied branch decides what it holds.
    const sto_op *o = r->succeeded ? r->success : r->failure;
    size_t n = r->succeeded ? r->n_success : r->n_failure;
    for (size_t i = 0; i < n; i++) {
        bool last = true;
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(o[j].key, o[i].key) == 0)
                last = false;
        if (!last)
            continue;
        readback rb = {&o[i], 0};
        uint64_t rev;
        int rc = ops->get(be, o[i].key, check_kv, &rb, &rev);
        if (o[i].kind == STO_OP_PUT ? (rc != 0 || !rb.ok) : rc != -ENOENT)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!be)
        open_backend();
    if (size < 1)
        return 0;
    uint8_t which = data[0] % 4;
    data++;
    size--;
    sto_req r = {.err_op = -1};
    sto_op op;
    sto_convert_err err;
    arena_ctx ac = {{0}};
    ProtobufCMessage *m = NULL;
    int rc = -EINVAL;
    switch (which) {
    case 0:
        m = (ProtobufCMessage *)outrig__v1__put_request__unpack(NULL, size, data);
        if (m)
            rc = sto_put_from_pb((Outrig__V1__PutRequest *)m, &op, &r, &err);
        break;
    case 1:
        m = (ProtobufCMessage *)outrig__v1__delete_request__unpack(NULL, size, data);
        if (m)
            rc = sto_delete_from_pb((Outrig__V1__DeleteRequest *)m, &op, &r, &err);
        break;
    case 2:
        m = (ProtobufCMessage *)outrig__v1__txn_request__unpack(NULL, size, data);
        if (m)
            rc = sto_txn_from_pb((Outrig__V1__TxnRequest *)m, fuzz_alloc, &ac, &r, &err);
        break;
    case 3: {
        // Lease grant with a TTL from the input, then revoke every other time.
        m = (ProtobufCMessage *)outrig__v1__lease_grant_request__unpack(NULL, size, data);
        if (m) {
            Outrig__V1__LeaseGrantRequest *g = (Outrig__V1__LeaseGrantRequest *)m;
            r.kind = STO_REQ_LEASE_GRANT;
            r.lease_id = g->id % 64;
            r.ttl_ms = g->ttl_ms % 5000 + 10;
            rc = 0;
        }
        break;
    }
    }
    if (rc == -EINVAL && m && (!err.field[0] || !err.why))
        abort(); // every refusal names its field and says why
    if (rc == 0) {
        // Validation must have rejected any key the store would not accept.
        for (size_t i = 0; r.kind == STO_REQ_TXN && i < r.n_success; i++)
            if (!sto_key_valid(r.success[i].key, NULL))
                abort();
        apply(&r);
    }
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    sto_arena_fini(&ac.a);
    return 0;
}
