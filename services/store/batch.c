// batch: the group-commit queue.
#include "batch.h"

void sto_queue_push(sto_queue *q, sto_req *r)
{
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
    q->n++;
    q->bytes += r->bytes;
}

sto_req *sto_queue_take(sto_queue *q, size_t max_reqs, size_t max_bytes, size_t *n)
{
    *n = 0;
    sto_req *first = q->head;
    if (!first)
        return NULL;
    sto_req *last = first;
    size_t count = 1, bytes = first->bytes;
    while (last->next && count < max_reqs && bytes + last->next->bytes <= max_bytes) {
        last = last->next;
        count++;
        bytes += last->bytes;
    }
    q->head = last->next;
    if (!q->head)
        q->tail = NULL;
    last->next = NULL;
    q->n -= count;
    q->bytes -= bytes;
    *n = count;
    return first;
}

bool sto_batch_linger(size_t queued, size_t expected, uint64_t since_done_us, uint64_t max_us)
{
    return queued > 0 && queued < expected && since_done_us < max_us;
}
