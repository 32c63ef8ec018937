// batch: the group-commit queue. Writes from many RPC handlers queue here;
// the writer thread takes them in batches that share one durable commit.
// Not thread-safe: the writer guards it with its lock.
#ifndef OUTRIG_STO_BATCH_H
#define OUTRIG_STO_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types.h"

typedef struct sto_queue {
    sto_req *head;
    sto_req *tail;
    size_t n;
    size_t bytes;
} sto_queue;

// Appends r (FIFO).
void sto_queue_push(sto_queue *q, sto_req *r);
// Detaches the oldest requests, in order, as a chain through ->next: at most
// max_reqs, and no more than max_bytes of payload, but always at least one
// when the queue is not empty (a single large write still goes through).
// *n gets the count. NULL when empty.
sto_req *sto_queue_take(sto_queue *q, size_t max_reqs, size_t max_bytes, size_t *n);

// Group commit's linger: whether the writer, holding `queued` requests,
// should wait a little for more before committing. `expected` is how many
// writers are likely to write next (those of the batch just completed plus
// those that queued during its commit); the writer waits while fewer are
// queued, at most max_us after that completion. Without it a steady group of
// N writers splits into two groups that take turns, each waiting two commits.
bool sto_batch_linger(size_t queued, size_t expected, uint64_t since_done_us, uint64_t max_us);

#endif
