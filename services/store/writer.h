// writer: the one thread that writes. Put, Delete, Txn and lease handlers
// queue requests; the writer takes everything queued (up to a bound) as one
// batch, applies it in one backend commit (one fsync for the batch: group
// commit), hands the committed changes to the publisher, then completes every
// request of the batch. It also wakes at lease deadlines to expire leases.
#ifndef OUTRIG_STO_WRITER_H
#define OUTRIG_STO_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

typedef struct sto_writer sto_writer;

// Called on the writer thread after each durable commit, before the batch's
// requests are completed.
typedef void (*sto_publish_fn)(const sto_changes *ch, void *arg);

typedef struct sto_writer_opts {
    size_t max_batch;       // requests per commit; 0 = 4096
    size_t max_bytes;       // payload bytes per commit; 0 = 16 MiB
    sto_publish_fn publish; // may be NULL
    void *arg;
} sto_writer_opts;

typedef struct sto_writer_stats {
    uint64_t batches;  // commits
    uint64_t requests; // requests completed
    uint64_t failed_commits;
} sto_writer_stats;

// Starts the writer over an open backend. NULL on failure.
sto_writer *sto_writer_start(const sto_backend_ops *ops, void *h, const sto_writer_opts *o);
// Queues r; r->done will be called exactly once from the writer thread.
// Returns 0, or -ESHUTDOWN once stopping began (r->done is then not called).
int sto_writer_submit(sto_writer *w, sto_req *r);
// Applies what is queued, stops the thread and frees. NULL is a no-op.
void sto_writer_stop(sto_writer *w);
void sto_writer_stats_get(sto_writer *w, sto_writer_stats *out);

#endif
