// convert: validation and conversion of write requests from their protobuf
// form into sto_req, shared by the RPC front end and the fuzzer. No I/O.
#ifndef OUTRIG_STO_CONVERT_H
#define OUTRIG_STO_CONVERT_H

#include <stddef.h>

#include "outrig/v1/store.pb-c.h"
#include "types.h"

#define STO_TXN_OPS_MAX 1024

// Memory for the converted arrays; they live as long as the allocator's
// owner (the RPC call). Returns NULL when exhausted.
typedef void *(*sto_alloc_fn)(void *ctx, size_t n);

// A conversion failure: -EINVAL with the field path and a reason, or -ENOMEM.
typedef struct sto_convert_err {
    char field[64];
    const char *why;
} sto_convert_err;

// Fills r (kind TXN) from a Put; op is the storage for its single op.
int sto_put_from_pb(const Outrig__V1__PutRequest *in, sto_op *op, sto_req *r, sto_convert_err *err);
// Fills r (kind TXN) from a Delete.
int sto_delete_from_pb(const Outrig__V1__DeleteRequest *in, sto_op *op, sto_req *r,
                       sto_convert_err *err);
// Fills r (kind TXN) from a Txn, allocating the compare and op arrays.
int sto_txn_from_pb(const Outrig__V1__TxnRequest *in, sto_alloc_fn alloc, void *ctx, sto_req *r,
                    sto_convert_err *err);

#endif
