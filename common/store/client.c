// store client: thin wrappers over rpc_client_call for each Store method.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_internal.h"

struct store_client *store_client_open(const char *url, const rpc_client_opts *opts)
{
    if (!url)
        return NULL;
    store_client *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->rpc = rpc_client_open(url, opts);
    if (!c->rpc) {
        free(c);
        return NULL;
    }
    return c;
}

void store_client_close(struct store_client *c)
{
    if (!c)
        return;
    rpc_client_close(c->rpc);
    free(c);
}

rpc_client *store_client_rpc(struct store_client *c)
{
    return c->rpc;
}

static const rpc_call_opts read_opts = {.idempotent = true};
static const rpc_call_opts write_opts = {.idempotent = false};

rpc_code store_call_(struct store_client *c, const char *method, const ProtobufCMessage *in,
                     const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                     bool idempotent, rpc_status *st)
{
    return rpc_client_call(c->rpc, method, in, out_desc, out, idempotent ? &read_opts : &write_opts,
                           st);
}

rpc_code store_put(struct store_client *c, const char *key, const void *value, size_t len,
                   uint64_t lease, uint64_t *revision, rpc_status *st)
{
    Outrig__V1__PutRequest req = OUTRIG__V1__PUT_REQUEST__INIT;
    req.key = (char *)key;
    req.value.data = (uint8_t *)value;
    req.value.len = len;
    req.lease = lease;
    Outrig__V1__PutResponse *resp = NULL;
    rpc_code rc =
        store_call_(c, "/outrig.v1.Store/Put", &req.base, &outrig__v1__put_response__descriptor,
                    (ProtobufCMessage **)&resp, false, st);
    if (rc == RPC_OK && revision)
        *revision = resp->revision;
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    return rc;
}

rpc_code store_get(struct store_client *c, const char *key, Outrig__V1__KeyValue **kv,
                   rpc_status *st)
{
    *kv = NULL;
    Outrig__V1__GetRequest req = OUTRIG__V1__GET_REQUEST__INIT;
    req.key = (char *)key;
    Outrig__V1__GetResponse *resp = NULL;
    rpc_code rc =
        store_call_(c, "/outrig.v1.Store/Get", &req.base, &outrig__v1__get_response__descriptor,
                    (ProtobufCMessage **)&resp, true, st);
    if (rc == RPC_OK) {
        if (resp->kv) {
            // Detach the kv from the reply so the caller frees just the kv.
            *kv = resp->kv;
            resp->kv = NULL;
        } else {
            rc = RPC_NOT_FOUND;
            if (st)
                rpc_status_set(st, RPC_NOT_FOUND, "key", "no such key");
        }
    }
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    return rc;
}

void store_kv_free(Outrig__V1__KeyValue *kv)
{
    if (kv)
        protobuf_c_message_free_unpacked(&kv->base, NULL);
}

rpc_code store_delete(struct store_client *c, const char *key, uint64_t *revision, bool *deleted,
                      rpc_status *st)
{
    Outrig__V1__DeleteRequest req = OUTRIG__V1__DELETE_REQUEST__INIT;
    req.key = (char *)key;
    Outrig__V1__DeleteResponse *resp = NULL;
    rpc_code rc = store_call_(c, "/outrig.v1.Store/Delete", &req.base,
                              &outrig__v1__delete_response__descriptor, (ProtobufCMessage **)&resp,
                              false, st);
    if (rc == RPC_OK) {
        if (revision)
            *revision = resp->revision;
        if (deleted)
            *deleted = resp->deleted;
    }
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    return rc;
}

rpc_code store_range(struct store_client *c, const char *prefix, const char *start_after,
                     uint32_t limit, bool keys_only, Outrig__V1__RangeResponse **out,
                     rpc_status *st)
{
    *out = NULL;
    Outrig__V1__RangeRequest req = OUTRIG__V1__RANGE_REQUEST__INIT;
    req.prefix = (char *)(prefix ? prefix : "");
    req.start_after = (char *)(start_after ? start_after : "");
    req.limit = limit;
    req.keys_only = keys_only;
    return store_call_(c, "/outrig.v1.Store/Range", &req.base,
                       &outrig__v1__range_response__descriptor, (ProtobufCMessage **)out, true, st);
}

void store_range_free(Outrig__V1__RangeResponse *r)
{
    if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
}

rpc_code store_range_all(struct store_client *c, const char *prefix, uint32_t page, bool keys_only,
                         store_kv_fn fn, void *arg, rpc_status *st)
{
    char after[STORE_KEY_MAX + 1] = "";
    for (;;) {
        Outrig__V1__RangeResponse *r = NULL;
        rpc_code rc = store_range(c, prefix, after, page ? page : 1000, keys_only, &r, st);
        if (rc != RPC_OK)
            return rc;
        for (size_t i = 0; i < r->n_kvs; i++) {
            if (fn(r->kvs[i], arg)) {
                store_range_free(r);
                return RPC_OK;
            }
        }
        bool more = r->more && r->next_start_after && r->next_start_after[0];
        if (more) {
            size_t n = strlen(r->next_start_after);
            if (n > STORE_KEY_MAX) {
                store_range_free(r);
                if (st)
                    rpc_status_set(st, RPC_INTERNAL, "next_start_after", "too long");
                return RPC_INTERNAL;
            }
            memcpy(after, r->next_start_after, n + 1);
        }
        store_range_free(r);
        if (!more)
            return RPC_OK;
    }
}

rpc_code store_txn(struct store_client *c, const Outrig__V1__TxnRequest *req, bool *succeeded,
                   uint64_t *revision, rpc_status *st)
{
    Outrig__V1__TxnResponse *resp = NULL;
    rpc_code rc =
        store_call_(c, "/outrig.v1.Store/Txn", &req->base, &outrig__v1__txn_response__descriptor,
                    (ProtobufCMessage **)&resp, false, st);
    if (rc == RPC_OK) {
        if (succeeded)
            *succeeded = resp->succeeded;
        if (revision)
            *revision = resp->revision;
    }
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    return rc;
}

rpc_code store_lease_grant(struct store_client *c, uint32_t ttl_ms, uint64_t id, uint64_t *id_out,
                           uint32_t *ttl_out, rpc_status *st)
{
    Outrig__V1__LeaseGrantRequest req = OUTRIG__V1__LEASE_GRANT_REQUEST__INIT;
    req.ttl_ms = ttl_ms;
    req.id = id;
    Outrig__V1__LeaseGrantResponse *resp = NULL;
    rpc_code rc = store_call_(c, "/outrig.v1.Store/LeaseGrant", &req.base,
                              &outrig__v1__lease_grant_response__descriptor,
                              (ProtobufCMessage **)&resp, false, st);
    if (rc == RPC_OK) {
        if (id_out)
            *id_out = resp->id;
        if (ttl_out)
            *ttl_out = resp->ttl_ms;
    }
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    return rc;
}

rpc_code store_lease_keepalive(struct store_client *c, uint64_t id, uint32_t *ttl_out,
                               rpc_status *st)
{
    Outrig__V1__LeaseRequest req = OUTRIG__V1__LEASE_REQUEST__INIT;
    req.id = id;
    Outrig__V1__LeaseKeepAliveResponse *resp = NULL;
    // Renewing twice is harmless, so a keep-alive may be retried.
    rpc_code rc = store_call_(c, "/outrig.v1.Store/LeaseKeepAlive", &req.base,
                              &outrig__v1__lease_keep_alive_response__descriptor,
                              (ProtobufCMessage **)&resp, true, st);
    if (rc == RPC_OK && ttl_out)
        *ttl_out = resp->ttl_ms;
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    return rc;
}

rpc_code store_lease_revoke(struct store_client *c, uint64_t id, rpc_status *st)
{
    Outrig__V1__LeaseRequest req = OUTRIG__V1__LEASE_REQUEST__INIT;
    req.id = id;
    return store_call_(c, "/outrig.v1.Store/LeaseRevoke", &req.base, &outrig__v1__empty__descriptor,
                       NULL, false, st);
}

rpc_code store_changes(struct store_client *c, const char *prefix, uint64_t from, uint32_t max,
                       Outrig__V1__ChangesResponse **out, rpc_status *st)
{
    *out = NULL;
    Outrig__V1__ChangesRequest req = OUTRIG__V1__CHANGES_REQUEST__INIT;
    req.prefix = (char *)(prefix ? prefix : "");
    req.from_revision = from;
    req.max_events = max;
    return store_call_(c, "/outrig.v1.Store/Changes", &req.base,
                       &outrig__v1__changes_response__descriptor, (ProtobufCMessage **)out, true,
                       st);
}

void store_changes_free(Outrig__V1__ChangesResponse *r)
{
    if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
}

rpc_code store_info(struct store_client *c, Outrig__V1__StoreInfoResponse **out, rpc_status *st)
{
    *out = NULL;
    Outrig__V1__StoreInfoRequest req = OUTRIG__V1__STORE_INFO_REQUEST__INIT;
    return store_call_(c, "/outrig.v1.Store/Info", &req.base,
                       &outrig__v1__store_info_response__descriptor, (ProtobufCMessage **)out, true,
                       st);
}

void store_info_free(Outrig__V1__StoreInfoResponse *r)
{
    if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
}
