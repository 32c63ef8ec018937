// idle: halts forever (an idle micro-VM), or returns at once when params[0] is non-zero
// (create-to-first-instruction timing reads boot_tsc and needs the VM to end).
#include "guest.h"

int guest_main(unsigned vcpu, unsigned nvcpus)
{
    if (g_shared()->params[0])
        return 0;
    for (;;)
        g_hlt();
}
