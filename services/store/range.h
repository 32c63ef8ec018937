// range: the math of prefix ranges with continuation.
//
// A range returns keys that start with prefix, in byte order, strictly after
// start_after, at most limit of them; `more` tells whether keys remain, and
// the caller continues with start_after = the last key returned.
#ifndef OUTRIG_STO_RANGE_H
#define OUTRIG_STO_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STO_RANGE_LIMIT_DEFAULT 1000
#define STO_RANGE_LIMIT_MAX 10000

// Where to position a cursor: at the first key >= key (exclusive = false) or
// the first key > key (exclusive = true).
typedef struct sto_range_seek {
    const char *key;
    size_t len;
    bool exclusive;
} sto_range_seek;

sto_range_seek sto_range_start(const char *prefix, const char *start_after);

typedef enum { STO_RANGE_TAKE, STO_RANGE_SKIP, STO_RANGE_STOP } sto_range_verdict;

// Judges the key under the cursor: take it, skip it (equal to an exclusive
// seek key) or stop (past the prefix).
sto_range_verdict sto_range_step(const sto_range_seek *seek, const char *prefix, size_t prefix_len,
                                 const char *key, size_t key_len);

// The effective limit: 0 -> default, clamped to the maximum.
uint32_t sto_range_limit(uint32_t requested);

#endif
