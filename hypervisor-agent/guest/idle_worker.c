// idle-worker: a VNF-like loop on vCPU 0. Takes items from the work ring, spends each item's
// cost of running time in a spin loop (g_spin_us), posts a completion, records
// post-to-completion latency in the histogram, and halts when the ring is empty. The host
// re-enters it after posting work; a HLT racing with a post is harmless because the host
// checks the ring before sleeping.
#include "guest.h"

#define ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

int guest_main(unsigned vcpu, unsigned nvcpus)
{
    if (vcpu != 0)
        for (;;)
            g_hlt();
    pv_shared *sh = (pv_shared *)(uintptr_t)PV_SHARED_GPA;
    pv_work *work = PV_WORK_RING(PV_RING_GPA);
    pv_done *done = PV_DONE_RING(PV_RING_GPA);
    uint64_t *hist = (uint64_t *)(uintptr_t)PV_HIST_GPA;
    uint64_t khz = g_tsc_khz();
    g_calibrate();
    for (;;) {
        uint32_t tail = sh->work_tail;
        if (tail == ACQ(&sh->work_head)) {
            g_hlt();
            continue;
        }
        pv_work w = work[tail % PV_RING_ENTRIES];
        if (w.flags & PV_WORK_STOP) {
            REL(&sh->work_tail, tail + 1);
            return 0;
        }
        uint64_t start = g_rdtsc();
        g_spin_us(w.cost_us);
        uint64_t end = g_rdtsc();
        REL(&sh->work_tail, tail + 1);

        uint32_t dh = sh->done_head;
        if (dh - ACQ(&sh->done_tail) < PV_RING_ENTRIES) {
            pv_done *d = &done[dh % PV_RING_ENTRIES];
            d->id = w.id;
            d->post_tsc = w.post_tsc;
            d->start_tsc = start;
            d->end_tsc = end;
            REL(&sh->done_head, dh + 1);
        } else {
            sh->status[PV_STATUS_DROPPED]++;  // the host is not reaping
        }
        uint64_t us = end > w.post_tsc && khz ? (end - w.post_tsc) * 1000 / khz : 0;
        hist[pv_hist_bucket(us)]++;
        sh->hist_sum_us += us;
        if (us > sh->hist_max_us)
            sh->hist_max_us = us;
        REL(&sh->hist_count, sh->hist_count + 1);
        sh->status[PV_STATUS_ITEMS]++;
        if (w.flags & PV_WORK_DOORBELL)
            g_outl(PV_PORT_DOORBELL, dh + 1);
    }
}
