// compare: transaction compare evaluation.
#ifndef OUTRIG_STO_COMPARE_H
#define OUTRIG_STO_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "types.h"

// Whether compare c holds for a key that exists (or not) with mod_revision
// (ignored when absent). MOD_REVISION 0 means "absent".
bool sto_compare_holds(const sto_cmp *c, bool exists, uint64_t mod_revision);

#endif
