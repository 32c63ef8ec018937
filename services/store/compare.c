// compare: transaction compare evaluation.
#include "compare.h"

bool sto_compare_holds(const sto_cmp *c, bool exists, uint64_t mod_revision)
{
    switch (c->target) {
    case STO_CMP_MOD_REVISION:
        if (c->mod_revision == 0)
            return !exists;
        return exists && mod_revision == c->mod_revision;
    case STO_CMP_EXISTS:
        return exists == c->exists;
    }
    return false;
}
