// outrig-orchestrator: network-service lifecycle from SOL006 descriptors across sites,
// through site adapters. Wiring only; see orchd.h.
#include "microapp/microapp.h"
#include "service.h"

// cp: it is the agent of the VNFs of LXC sites for the linker (lxclink.h).
static const char *const publishes[] = {"ns", "vnf", "op", "site", "image", "cp", NULL};
static const char *const writes[] = {"ns", "vnf", "op", "site", "image", "nsd", "vnfd", NULL};
static const char *const none[] = {NULL};

int main(int argc, char **argv)
{
    static const microapp_def def = {
        .name = "orchestrator",
        .cats = {.publishes = publishes, .subscribes = none, .writes = writes, .watches = none},
        .needs_store = true,
        .needs_hub = true,
        .init = orchd_init,
        .fini = orchd_fini,
        .tick_ms = 1000,
    };
    return microapp_main(&def, argc, argv);
}
