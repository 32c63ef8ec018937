// Retention decision: which whole oldest segments go (no I/O).
#include <stdbool.h>

#include "seqlog/seqlog.h"

size_t seqlog_retention_plan(const seqlog_seginfo *segs, size_t n, uint64_t now_ms,
                             uint64_t retain_bytes, uint64_t retain_ms)
{
    if (n <= 1)
        return 0;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += segs[i].bytes;
    size_t k = 0;
    while (k < n - 1) { // the active (last) segment stays
        bool too_big = retain_bytes && total > retain_bytes;
        bool too_old = retain_ms && now_ms > segs[k].last_write_ms &&
                       now_ms - segs[k].last_write_ms > retain_ms;
        if (!too_big && !too_old)
            break;
        total -= segs[k].bytes;
        k++;
    }
    return k;
}
