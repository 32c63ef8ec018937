// service: the microapp hooks of outrig-orchestrator (main.c wires them).
#ifndef OUTRIG_ORCHD_SERVICE_H
#define OUTRIG_ORCHD_SERVICE_H

#include "microapp/microapp.h"

// Builds the service; *state is handed to orchd_fini. 0 or -errno.
int orchd_init(microapp *app, void **state);
// Stops the loops and workers, waits for running operations, frees. NULL state is a no-op.
void orchd_fini(microapp *app, void *state);

#endif
