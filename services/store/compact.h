// compact: history retention decisions.
#ifndef OUTRIG_STO_COMPACT_H
#define OUTRIG_STO_COMPACT_H

#include <stdint.h>

typedef struct sto_retention {
    uint64_t keep_revisions; // keep at least the newest N revisions' history; 0 = no bound
    uint64_t max_bytes;      // history size bound; 0 = no bound
} sto_retention;

// The new compact revision (history below it is dropped) given the store
// revision, the current compact revision, the history's size in bytes and its
// entry count. Never moves backwards, never drops the newest change. When the
// size bound is exceeded it drops enough of the oldest entries to get to 90%
// of it, assuming entries of equal size.
uint64_t sto_compact_target(const sto_retention *r, uint64_t revision, uint64_t compact,
                            uint64_t hist_bytes, uint64_t entries);

#endif
