// lease: an open-addressing hash of leases by id, with linear probing and
// backward-shift deletion (no tombstones).
#include "lease.h"

#include <errno.h>
#include <stdlib.h>

struct sto_leases {
    sto_lease *slots; // id 0 = empty
    size_t cap;       // power of two
    size_t n;
};

static size_t slot_of(uint64_t id, size_t cap)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id & (cap - 1);
}

sto_leases *sto_leases_new(void)
{
    sto_leases *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cap = 64;
    t->slots = calloc(t->cap, sizeof(sto_lease));
    if (!t->slots) {
        free(t);
        return NULL;
    }
    return t;
}

void sto_leases_free(sto_leases *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t);
}

static sto_lease *probe(const sto_leases *t, uint64_t id)
{
    size_t i = slot_of(id, t->cap);
    while (t->slots[i].id && t->slots[i].id != id)
        i = (i + 1) & (t->cap - 1);
    return &t->slots[i];
}

static int grow(sto_leases *t)
{
    size_t ncap = t->cap * 2;
    sto_lease *ns = calloc(ncap, sizeof(sto_lease));
    if (!ns)
        return -ENOMEM;
    sto_lease *old = t->slots;
    size_t ocap = t->cap;
    t->slots = ns;
    t->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].id)
            *probe(t, old[i].id) = old[i];
    free(old);
    return 0;
}

int sto_leases_put(sto_leases *t, const sto_lease *l)
{
    if (l->id == 0)
        return -EINVAL;
    sto_lease *s = probe(t, l->id);
    if (s->id) {
        *s = *l;
        return 0;
    }
    if (t->n >= STO_LEASES_MAX)
        return -ENOSPC;
    if ((t->n + 1) * 4 > t->cap * 3) {
        int rc = grow(t);
        if (rc)
            return rc;
        s = probe(t, l->id);
    }
    *s = *l;
    t->n++;
    return 0;
}

sto_lease *sto_leases_find(sto_leases *t, uint64_t id)
{
    if (id == 0)
        return NULL;
    sto_lease *s = probe(t, id);
    return s->id ? s : NULL;
}

bool sto_leases_remove(sto_leases *t, uint64_t id)
{
    if (id == 0)
        return false;
    size_t mask = t->cap - 1;
    size_t i = slot_of(id, t->cap);
    while (t->slots[i].id && t->slots[i].id != id)
        i = (i + 1) & mask;
    if (!t->slots[i].id)
        return false;
    // Shift back later entries of the probe run whose home slot does not lie
    // cyclically in (i, j], so every remaining lease stays reachable.
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->slots[j].id)
            break;
        size_t home = slot_of(t->slots[j].id, t->cap);
        bool in_between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_between) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].id = 0;
    t->n--;
    return true;
}

size_t sto_leases_count(const sto_leases *t)
{
    return t->n;
}

void sto_leases_clear(sto_leases *t)
{
    for (size_t i = 0; i < t->cap; i++)
        t->slots[i].id = 0;
    t->n = 0;
}

uint64_t sto_leases_next_expiry(const sto_leases *t)
{
    uint64_t best = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].id && (best == 0 || t->slots[i].expiry_ms < best))
            best = t->slots[i].expiry_ms;
    return best;
}

size_t sto_leases_due(const sto_leases *t, uint64_t now_ms, uint64_t *ids, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < t->cap && k < max; i++)
        if (t->slots[i].id && sto_lease_due(&t->slots[i], now_ms))
            ids[k++] = t->slots[i].id;
    return k;
}

bool sto_lease_due(const sto_lease *l, uint64_t now_ms)
{
    return l->expiry_ms <= now_ms;
}

void sto_lease_renew(sto_lease *l, uint64_t now_ms)
{
    l->expiry_ms = now_ms + l->ttl_ms;
}

uint64_t sto_lease_restart_expiry(uint64_t stored_expiry, uint32_t ttl_ms, uint64_t now_ms)
{
    uint64_t fresh = now_ms + ttl_ms;
    return stored_expiry > fresh ? stored_expiry : fresh;
}

bool sto_lease_ttl_valid(uint32_t ttl_ms)
{
    return ttl_ms >= STO_LEASE_TTL_MIN && ttl_ms <= STO_LEASE_TTL_MAX;
}
