// fanout: how committed changes are cut into watch messages. Each PUB
// message carries changes of one category (its topic, "/vnf/"), in revision
// order, and stays under a size bound so subscribers need no huge buffers.
#ifndef OUTRIG_STO_FANOUT_H
#define OUTRIG_STO_FANOUT_H

#include <stddef.h>

#include "types.h"

#define STO_FANOUT_MSG_BYTES (256u * 1024u)

// Fills order[0..n) with the indexes of v grouped by category, categories in
// order of first appearance and revision order inside each. 0 or -ENOMEM.
int sto_fanout_order(const sto_change *v, size_t n, size_t *order);

// Given order from sto_fanout_order and a start position, returns how many
// consecutive entries form one message: same category, and the sum of key and
// value sizes under max_bytes (at least one).
size_t sto_fanout_run(const sto_change *v, const size_t *order, size_t n, size_t start,
                      size_t max_bytes);

#endif
