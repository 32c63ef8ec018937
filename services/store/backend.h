// backend: the interface between the store's front end and where state lives.
//
// LMDB is the first backend (backend_lmdb.c); an etcd v3 backend can come
// behind the same ops later (its leases and history are etcd's own). All
// writes go through apply() from one writer thread; reads may come from any
// thread at once.
#ifndef OUTRIG_STO_BACKEND_H
#define OUTRIG_STO_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "compact.h"
#include "types.h"

typedef struct sto_backend_cfg {
    const char *dir;         // data directory (created by the caller)
    uint64_t map_size;       // largest database, bytes; 0 = 4 GiB
    sto_retention retention; // history bounds
    bool no_sync;            // tests only: skip fsync (never durable)
} sto_backend_cfg;

// Called per key-value or change; the pointers live only during the call.
// Return non-zero to stop the walk before this item: it counts as not taken
// (a history read then resumes at it).
typedef int (*sto_kv_fn)(const sto_kv *kv, void *arg);
typedef int (*sto_change_fn)(const sto_change *c, void *arg);

// The changes one apply() committed, in revision order. Keys are in the
// arena; put values point into the requests' memory.
typedef struct sto_changes {
    sto_change *v;
    size_t n, cap;
    sto_arena arena;
} sto_changes;

void sto_changes_reset(sto_changes *c);
void sto_changes_fini(sto_changes *c);
// Appends a change with its key copied into the arena; 0 or -ENOMEM.
int sto_changes_add(sto_changes *c, const sto_change *ch);

// Where a history read stopped.
typedef struct sto_history_pos {
    uint64_t next_revision;    // continue from here
    uint64_t compact_revision; // history below this is gone
    uint64_t revision;         // store revision of the snapshot read
} sto_history_pos;

typedef struct sto_info {
    uint64_t revision;
    uint64_t compact_revision;
    uint64_t keys;
    uint32_t leases;
} sto_info;

typedef struct sto_backend_ops {
    const char *name;
    // Opens the backend at now_ms (lease deadlines restart from it). 0 or -errno.
    int (*open)(const sto_backend_cfg *cfg, uint64_t now_ms, void **h);
    void (*close)(void *h); // NULL is a no-op
    // Applies a chain of requests (through ->next) in order, after expiring
    // the leases due at now_ms and before trimming history, as one durable
    // commit. Per-request outcomes go to each req (err, succeeded, revision,
    // ...); committed changes are appended to *out. Returns 0 once durable, or
    // -errno (-ENOSPC store full, -EIO) when nothing was applied at all.
    int (*apply)(void *h, sto_req *reqs, uint64_t now_ms, sto_changes *out);
    // Reads key: 0 and fn called once, or -ENOENT. *revision = snapshot revision.
    int (*get)(void *h, const char *key, sto_kv_fn fn, void *arg, uint64_t *revision);
    // Keys under prefix after start_after, at most limit; *more if some remain.
    int (*range)(void *h, const char *prefix, const char *start_after, uint32_t limit,
                 bool keys_only, sto_kv_fn fn, void *arg, bool *more, uint64_t *revision);
    // Changes with revision >= from under prefix, at most max.
    int (*history)(void *h, const char *prefix, uint64_t from, uint32_t max, sto_change_fn fn,
                   void *arg, sto_history_pos *pos);
    // Renews a lease from now_ms: 0 and *ttl_ms, or -ENOENT.
    int (*lease_keepalive)(void *h, uint64_t id, uint64_t now_ms, uint32_t *ttl_ms);
    // The next moment apply() has lease work to do (Unix ms), 0 for none.
    uint64_t (*next_deadline)(void *h);
    int (*info)(void *h, sto_info *out);
} sto_backend_ops;

const sto_backend_ops *sto_backend_lmdb(void);

#endif
