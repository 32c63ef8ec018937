// spinner: a CPU-bound loop with a duty cycle. Each period spins busy_us, then arms the
// one-shot timer for idle_us and halts, giving the CPU back to the host.
#include "guest.h"

int guest_main(unsigned vcpu, unsigned nvcpus)
{
    volatile pv_shared *sh = g_shared();
    uint64_t busy = sh->params[PV_SPIN_BUSY_US];
    uint64_t idle = sh->params[PV_SPIN_IDLE_US];
    uint64_t periods = sh->params[PV_SPIN_PERIODS];
    g_calibrate();
    for (uint64_t p = 0; periods == 0 || p < periods; p++) {
        g_spin_us(busy);
        if (idle) {
            g_outl(PV_PORT_TIMER, (uint32_t)idle);
            g_hlt();
        }
        if (vcpu < 6)
            sh->status[vcpu]++;  // PV_STATUS_ITEMS for vCPU 0
    }
    return 0;
}
