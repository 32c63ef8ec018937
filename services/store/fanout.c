// fanout: grouping committed changes into per-category watch messages.
#include "fanout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

static bool same_cat(const sto_change *a, const sto_change *b)
{
    size_t la = sto_category_len(a->kv.key), lb = sto_category_len(b->kv.key);
    return la == lb && memcmp(a->kv.key, b->kv.key, la + 1) == 0;
}

int sto_fanout_order(const sto_change *v, size_t n, size_t *order)
{
    // Categories per batch are few: a pass per distinct category is cheap and
    // keeps revision order without sorting.
    bool *taken = calloc(n ? n : 1, sizeof(bool));
    if (!taken)
        return -ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (taken[i])
            continue;
        for (size_t j = i; j < n; j++) {
            if (!taken[j] && same_cat(&v[i], &v[j])) {
                taken[j] = true;
                order[k++] = j;
            }
        }
    }
    free(taken);
    return 0;
}

size_t sto_fanout_run(const sto_change *v, const size_t *order, size_t n, size_t start,
                      size_t max_bytes)
{
    if (start >= n)
        return 0;
    const sto_change *first = &v[order[start]];
    size_t bytes = first->kv.key_len + first->kv.value_len, i = start + 1;
    while (i < n) {
        const sto_change *c = &v[order[i]];
        size_t b = c->kv.key_len + c->kv.value_len;
        if (!same_cat(first, c) || bytes + b > max_bytes)
            break;
        bytes += b;
        i++;
    }
    return i - start;
}
