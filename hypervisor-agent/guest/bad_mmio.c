// bad-mmio: writes to an unbacked guest-physical address no device claims, or, with
// params[0] = 1, to a port no device claims.
#include "guest.h"

int guest_main(unsigned vcpu, unsigned nvcpus)
{
    g_puts("about to poke\n");
    if (g_shared()->params[0] == 1)
        g_outb(0x99, 1);
    *(volatile uint64_t *)(uintptr_t)0x30000000u = 1;
    return 0;
}
