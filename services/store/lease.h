// lease: the in-memory lease table and lease expiry decisions.
//
// Deadlines are wall-clock Unix ms. After a restart every lease gets a fresh
// TTL from the restart time (sto_lease_restart_expiry): the store was not
// there to receive keep-alives while it was down, so expiring every lease at
// once would punish the holders for the store's outage.
#ifndef OUTRIG_STO_LEASE_H
#define OUTRIG_STO_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STO_LEASE_TTL_MIN 10u                     // ms
#define STO_LEASE_TTL_MAX (7u * 24 * 3600 * 1000) // a week, ms
#define STO_LEASES_MAX 1000000

typedef struct sto_lease {
    uint64_t id; // non-zero
    uint32_t ttl_ms;
    uint64_t expiry_ms;
} sto_lease;

typedef struct sto_leases sto_leases;

// NULL on allocation failure; sto_leases_free(NULL) is a no-op.
sto_leases *sto_leases_new(void);
void sto_leases_free(sto_leases *t);
// Inserts or replaces lease l. 0, -EINVAL (id 0), -ENOSPC (table full) or -ENOMEM.
int sto_leases_put(sto_leases *t, const sto_lease *l);
// The lease with id, or NULL. Valid until the next put/remove.
sto_lease *sto_leases_find(sto_leases *t, uint64_t id);
// Removes id; returns whether it was there.
bool sto_leases_remove(sto_leases *t, uint64_t id);
size_t sto_leases_count(const sto_leases *t);
void sto_leases_clear(sto_leases *t);
// The earliest expiry, 0 if there is no lease.
uint64_t sto_leases_next_expiry(const sto_leases *t);
// Up to max ids of leases due at now, into ids; returns the count.
size_t sto_leases_due(const sto_leases *t, uint64_t now_ms, uint64_t *ids, size_t max);

// A lease is due once its expiry is reached.
bool sto_lease_due(const sto_lease *l, uint64_t now_ms);
// Renews l for its TTL from now.
void sto_lease_renew(sto_lease *l, uint64_t now_ms);
// The expiry a stored lease gets when the store opens at now: a fresh TTL.
uint64_t sto_lease_restart_expiry(uint64_t stored_expiry, uint32_t ttl_ms, uint64_t now_ms);
// Whether a requested TTL is acceptable.
bool sto_lease_ttl_valid(uint32_t ttl_ms);

#endif
