// outrig-agent: the per-host agent micro-app. Wiring only; see agent.h and service.c.
#include "microapp/microapp.h"
#include "service.h"

static const char *const publishes[] = {"host", "vnf", "cp", NULL};
static const char *const writes[] = {"host", NULL};

int main(int argc, char **argv)
{
    static const microapp_def def = {
        .name = "agent",
        .cats = {.publishes = publishes, .writes = writes},
        .needs_store = true,
        .needs_hub = true,
        .init = agent_service_init,
        .tick = agent_service_tick,
        .tick_ms = 250,
        .fini = agent_service_fini,
    };
    return microapp_main(&def, argc, argv);
}
