// service: the agent's microapp callbacks (init builds every part, tick keeps the host lease,
// fini stops the worker and deletes what the agent created).
#ifndef OUTRIG_AGENT_SERVICE_H
#define OUTRIG_AGENT_SERVICE_H

#include "microapp/microapp.h"

int agent_service_init(microapp *app, void **state);
void agent_service_tick(microapp *app, void *state);
void agent_service_fini(microapp *app, void *state);

#endif
