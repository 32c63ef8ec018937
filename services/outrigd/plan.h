// plan: what outrigd would run, printed by `outrigd --check`.
#ifndef OUTRIGD_PLAN_H
#define OUTRIGD_PLAN_H

#include <stdio.h>

#include "config/outrig.h"

// Prints the config source, dirs, and each service in start order with the
// binary it resolves to and its full command line.
void od_print_plan(const cfg_outrig *c, const char *self_dir, FILE *out);

#endif
