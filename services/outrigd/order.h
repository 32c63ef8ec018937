// order: the start order of outrigd's services (pure, no I/O).
#ifndef OUTRIGD_ORDER_H
#define OUTRIGD_ORDER_H

#include <stddef.h>

#include "config/outrig.h"

// Fills out[0..c->nservices) with service indexes in start order: every
// service after its depends_on, otherwise by `order`, then by position.
// Returns 0; -ELOOP when the dependencies have a cycle (*culprit = index of a
// service on it); -EINVAL when an enabled service depends on a disabled or
// unknown one (*culprit = the dependent).
int od_start_order(const cfg_outrig *c, size_t *out, size_t *culprit);

// od_start_order with its failure as "file:line:col: message" in err
// (the service's place in the config). 0 or -EINVAL.
int od_check_order(const cfg_outrig *c, cfg_error *err);

// Delay before the restart that follows `crashes` crashes within the window
// (crashes >= 1): backoff_initial_ms doubled per earlier crash, capped at
// backoff_max_ms.
unsigned od_backoff_ms(const cfg_restart *r, unsigned crashes);

#endif
