// hello: vCPU 0 greets on the console (and proves the MMIO registers answer); other vCPUs halt.
#include "guest.h"

int guest_main(unsigned vcpu, unsigned nvcpus)
{
    if (vcpu != 0)
        for (;;)
            g_hlt();
    g_puts("hello from outrigger guest, vcpus=");
    g_putu(nvcpus);
    g_puts(g_mmio_read(PV_MMIO_MAGIC) == PV_MAGIC ? " mmio=ok\n" : " mmio=bad\n");
    return 7;
}
