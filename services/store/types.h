// Plain structs shared by the store's domain, backends and front end.
#ifndef OUTRIG_STO_TYPES_H
#define OUTRIG_STO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// A stored key-value as a backend hands it out. Pointers are valid only for
// the duration of the callback that receives it.
typedef struct sto_kv {
    const char *key;
    size_t key_len;
    const void *value; // NULL for keys_only reads and deletes
    size_t value_len;
    uint64_t create_revision;
    uint64_t mod_revision;
    uint64_t version;
    uint64_t lease;
} sto_kv;

typedef enum { STO_CHANGE_PUT = 0, STO_CHANGE_DELETE = 1 } sto_change_kind;

// One committed change: what a watcher sees. For a delete, kv.mod_revision
// is the delete's revision and value is absent.
typedef struct sto_change {
    sto_change_kind kind;
    sto_kv kv;
    uint64_t prev; // revision of the previous change in the key's category
} sto_change;

typedef enum { STO_CMP_MOD_REVISION = 0, STO_CMP_EXISTS = 1 } sto_cmp_target;

typedef struct sto_cmp {
    const char *key;
    sto_cmp_target target;
    uint64_t mod_revision; // MOD_REVISION: expected mod_revision, 0 = absent
    bool exists;           // EXISTS: expected existence
} sto_cmp;

typedef enum { STO_OP_PUT = 0, STO_OP_DELETE = 1 } sto_op_kind;

typedef struct sto_op {
    sto_op_kind kind;
    const char *key;
    const void *value;
    size_t value_len;
    uint64_t lease; // 0 = none
} sto_op;

typedef enum {
    STO_REQ_TXN, // Put and Delete are one-op transactions
    STO_REQ_LEASE_GRANT,
    STO_REQ_LEASE_REVOKE,
} sto_req_kind;

struct sto_req;
typedef void (*sto_req_done_fn)(struct sto_req *r);

// One write queued to the writer thread. The front end owns the memory (the
// RPC call's arena); the writer fills the results and calls done exactly once.
typedef struct sto_req {
    sto_req_kind kind;
    const sto_cmp *cmps;
    size_t n_cmps;
    const sto_op *success;
    size_t n_success;
    const sto_op *failure;
    size_t n_failure;
    uint64_t lease_id; // GRANT (0 = store picks), REVOKE
    uint32_t ttl_ms;   // GRANT

    // Results.
    int err;            // 0, -ENOENT (lease unknown), -EEXIST (lease id taken),
                        // -ENOSPC (store full), -EIO (commit failed)
    int err_op;         // -ENOENT in a TXN: index of the op whose lease is unknown
    bool succeeded;     // TXN: compares held
    bool deleted;       // TXN: at least one delete removed a key
    uint64_t revision;  // TXN: revision of its last change, or the store's
    uint64_t lease_out; // GRANT: the lease id
    uint32_t ttl_out;   // GRANT

    size_t bytes;         // payload size, for batch assembly
    struct sto_req *next; // queue link
    sto_req_done_fn done;
    void *ctx;
} sto_req;

#endif
