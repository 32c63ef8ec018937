// bad-mmio: writes to an unbacked guest-physical address no device claims.
#include "guest.h"

int guest_main(unsigned vcpu, unsigned nvcpus)
{
    g_puts("about to poke\n");
    *(volatile uint64_t *)(uintptr_t)0x30000000u = 1;
    return 0;
}
