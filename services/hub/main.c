// outrig-hub: sequenced events by category, durable log, fan-out, replay.
#include "hubd.h"

static const char *const hub_none[] = {NULL};

static const microapp_def hub_def = {
    .name = "hub",
    // The hub carries every category but owns none of them.
    .cats = {.publishes = hub_none,
             .subscribes = hub_none,
             .writes = hub_none,
             .watches = hub_none},
    .needs_store = false,
    .needs_hub = false,
    .init = hubd_init,
    .tick = hubd_tick,
    .tick_ms = 1000,
    .fini = hubd_fini,
};

int main(int argc, char **argv)
{
    return microapp_main(&hub_def, argc, argv);
}
