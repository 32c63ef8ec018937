// front: the Store RPC API. Decodes and validates each request at the edge
// (INVALID_ARGUMENT names the field), serves reads straight from the backend
// on the RPC thread, and queues writes to the writer, completing the call
// once the write is durable.
#ifndef OUTRIG_STO_FRONT_H
#define OUTRIG_STO_FRONT_H

#include <stddef.h>

#include "backend.h"
#include "rpc/rpc.h"
#include "writer.h"

typedef struct sto_front {
    const sto_backend_ops *ops;
    void *h;
    sto_writer *writer;
    const char *watch_url;
} sto_front;

// The method table for outrig__v1__store__descriptor; *n gets its length.
// Handlers take the sto_front as their arg.
const rpc_method_impl *sto_front_methods(size_t *n);

#endif
