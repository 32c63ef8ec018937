// range: the math of prefix ranges with continuation.
#include "range.h"

#include <string.h>

sto_range_seek sto_range_start(const char *prefix, const char *start_after)
{
    if (!prefix)
        prefix = "";
    if (!start_after)
        start_after = "";
    sto_range_seek s = {prefix, strlen(prefix), false};
    // Continue after start_after only if it is not before the prefix itself:
    // a start_after below the prefix would scan keys outside it.
    if (start_after[0] && strcmp(start_after, prefix) >= 0) {
        s.key = start_after;
        s.len = strlen(start_after);
        s.exclusive = true;
    }
    return s;
}

sto_range_verdict sto_range_step(const sto_range_seek *seek, const char *prefix, size_t prefix_len,
                                 const char *key, size_t key_len)
{
    if (key_len < prefix_len || memcmp(key, prefix, prefix_len) != 0)
        return STO_RANGE_STOP;
    if (seek->exclusive && key_len == seek->len && memcmp(key, seek->key, key_len) == 0)
        return STO_RANGE_SKIP;
    return STO_RANGE_TAKE;
}

uint32_t sto_range_limit(uint32_t requested)
{
    if (requested == 0)
        return STO_RANGE_LIMIT_DEFAULT;
    return requested > STO_RANGE_LIMIT_MAX ? STO_RANGE_LIMIT_MAX : requested;
}
