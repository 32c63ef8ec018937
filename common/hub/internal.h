// Helpers shared by the files of common/hub (not part of the contract).
#ifndef OUTRIG_HUB_INTERNAL_H
#define OUTRIG_HUB_INTERNAL_H

#include <stdbool.h>

#include "hub/hub.h"

// Points pb's fields at ev's (no copy); pb is initialised first.
void hub_event_to_pb(const hub_event *ev, Outrig__V1__Event *pb);
// Checks an event the way the hub does: 0 or -EINVAL.
int hub_event_check(const hub_event *ev);

#endif
