// store: client library of outrig-store (service outrig.v1.Store).
//
// Keys are "/<category>/<id>" (category [a-z][a-z0-9_-]{0,31}; id printable
// ASCII, no "//", at most STORE_KEY_MAX bytes in all); values are bytes,
// usually an encoded protobuf message, at most STORE_VALUE_MAX bytes. Every
// change gets its own global revision. Reads (Get, Range, Changes, Info) are
// idempotent and retried on UNAVAILABLE; writes are not retried, and a write
// that returned RPC_OK is durable.
//
// store_watch runs a receive thread on the store's PUB socket and, through
// seqsync and the Changes RPC, hands the callback every change under a prefix
// at least once and in order per category, across disconnects and store
// restarts.
#ifndef OUTRIG_STORE_H
#define OUTRIG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outrig/v1/store.pb-c.h"
#include "rpc/rpc.h"

struct store_client;
typedef struct store_client store_client;

#define STORE_KEY_MAX 256               // bytes of a whole key
#define STORE_VALUE_MAX (1024u * 1024u) // bytes of one value
#define STORE_RANGE_LIMIT_MAX 10000     // kvs in one Range reply
#define STORE_CHANGES_MAX 10000         // events in one Changes reply
#define STORE_TXN_OPS_MAX 1024          // compares, and ops per branch, in one Txn

// Opens a client of the store at url (dialled in the background). opts may be
// NULL. NULL on failure. Thread-safe: any number of threads may share it.
struct store_client *store_client_open(const char *url, const rpc_client_opts *opts);
// Closes the client; every watch on it must be stopped first. NULL is a no-op.
void store_client_close(struct store_client *c);
// The underlying RPC client.
rpc_client *store_client_rpc(struct store_client *c);

// In every call below st (may be NULL) gets the status details; the return
// value is the status code. Out pointers may be NULL unless said otherwise.

// Puts value under key, attached to lease (0 = none). *revision = the change's revision.
rpc_code store_put(struct store_client *c, const char *key, const void *value, size_t len,
                   uint64_t lease, uint64_t *revision, rpc_status *st);
// Reads key: RPC_NOT_FOUND if absent. On OK *kv (required) is the key-value;
// free it with store_kv_free.
rpc_code store_get(struct store_client *c, const char *key, Outrig__V1__KeyValue **kv,
                   rpc_status *st);
void store_kv_free(Outrig__V1__KeyValue *kv); // NULL is a no-op
// Deletes key. *deleted says whether it existed; *revision is the delete's
// revision, or the store's revision if nothing was deleted.
rpc_code store_delete(struct store_client *c, const char *key, uint64_t *revision, bool *deleted,
                      rpc_status *st);

// One page of keys under prefix after start_after ("" = from the start), at
// most limit (0 = server default). *out (required) is freed with store_range_free.
rpc_code store_range(struct store_client *c, const char *prefix, const char *start_after,
                     uint32_t limit, bool keys_only, Outrig__V1__RangeResponse **out,
                     rpc_status *st);
void store_range_free(Outrig__V1__RangeResponse *r); // NULL is a no-op

// Called for each key-value of a range walk; return non-zero to stop early.
typedef int (*store_kv_fn)(const Outrig__V1__KeyValue *kv, void *arg);
// Walks every key under prefix page by page (page kvs per call, 0 = 1000),
// following next_start_after. Each page is a consistent snapshot; the walk as
// a whole is not. Returns RPC_OK when done or stopped by fn.
rpc_code store_range_all(struct store_client *c, const char *prefix, uint32_t page, bool keys_only,
                         store_kv_fn fn, void *arg, rpc_status *st);

// Runs a transaction (compares, then success or failure ops, atomically).
rpc_code store_txn(struct store_client *c, const Outrig__V1__TxnRequest *req, bool *succeeded,
                   uint64_t *revision, rpc_status *st);

// Grants a lease of ttl_ms (id 0 = the store picks one).
rpc_code store_lease_grant(struct store_client *c, uint32_t ttl_ms, uint64_t id, uint64_t *id_out,
                           uint32_t *ttl_out, rpc_status *st);
// Renews lease id for its TTL: RPC_NOT_FOUND if it expired or was revoked.
rpc_code store_lease_keepalive(struct store_client *c, uint64_t id, uint32_t *ttl_out,
                               rpc_status *st);
// Revokes lease id, deleting its keys: RPC_NOT_FOUND if unknown.
rpc_code store_lease_revoke(struct store_client *c, uint64_t id, rpc_status *st);

// Changes with revision >= from under prefix, at most max (0 = server default).
// *out (required) is freed with store_changes_free.
rpc_code store_changes(struct store_client *c, const char *prefix, uint64_t from, uint32_t max,
                       Outrig__V1__ChangesResponse **out, rpc_status *st);
void store_changes_free(Outrig__V1__ChangesResponse *r); // NULL is a no-op

// Store revision, compaction, watch URL... *out (required) freed with store_info_free.
rpc_code store_info(struct store_client *c, Outrig__V1__StoreInfoResponse **out, rpc_status *st);
void store_info_free(Outrig__V1__StoreInfoResponse *r); // NULL is a no-op

// ---- watch -----------------------------------------------------------------

struct store_watch; // no typedef: store_watch() is the function

// Called from the watch thread for each change under the prefix, in revision
// order within a category. ev->kv->mod_revision is the change's revision. ev
// is valid only during the call.
typedef void (*store_watch_fn)(const Outrig__V1__WatchEvent *ev, void *arg);

// Starts watching prefix ("" or "/" = every key, "/vnf/" = a category,
// "/vnf/a" = keys starting so) from revision from_revision (0 = only changes
// after the current revision). If history before from_revision was compacted,
// the lost changes cannot be delivered: the watch counts it (see
// store_watch_stats) and goes on from the oldest retained one; the caller
// should re-read with a range. NULL on failure (bad prefix, no memory).
struct store_watch *store_watch(struct store_client *c, const char *prefix, uint64_t from_revision,
                                store_watch_fn fn, void *arg);
// Stops the thread (waits for a callback in progress) and frees. NULL is a no-op.
// Must not be called from the callback.
void store_watch_stop(struct store_watch *w);

typedef struct store_watch_stats {
    uint64_t delivered; // events handed to the callback
    uint64_t live;      // events received on the PUB socket
    uint64_t replayed;  // events fetched through Changes
    uint64_t gaps;      // gaps detected
    uint64_t compacted; // times history needed was already compacted
    uint64_t position;  // every change <= position was delivered
} store_watch_stats;
void store_watch_stats_get(struct store_watch *w, store_watch_stats *out);

#endif
