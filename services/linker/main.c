// outrig-linker: links VNF connection points by exchanging their addresses. Wiring only;
// see lnkd.h.
#include "lnkd.h"

static const char *const publishes[] = {"link", NULL};
static const char *const subscribes[] = {"cp", "ns", NULL};
static const char *const writes[] = {"link", "link-ipam", NULL};
static const char *const watches[] = {"vnf", NULL};

int main(int argc, char **argv)
{
    static const microapp_def def = {
        .name = "linker",
        .cats = {.publishes = publishes,
                 .subscribes = subscribes,
                 .writes = writes,
                 .watches = watches},
        .needs_store = true,
        .needs_hub = true,
        .init = lnkd_init,
        .tick = lnkd_tick,
        .tick_ms = 20,
        .fini = lnkd_fini,
    };
    return microapp_main(&def, argc, argv);
}
