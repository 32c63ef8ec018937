// outrig-store: the state store micro-app. Wiring only; see service.h.
#include "microapp/microapp.h"
#include "service.h"

static const char *const writes[] = {NULL};

int main(int argc, char **argv)
{
    static const microapp_def def = {
        .name = "store",
        .cats = {.writes = writes},
        .needs_store = false,
        .needs_hub = false,
        .init = sto_service_init,
        .fini = sto_service_fini,
        .tick = sto_service_tick,
        .tick_ms = 1000,
    };
    return microapp_main(&def, argc, argv);
}
