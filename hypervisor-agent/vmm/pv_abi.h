// pv_abi: the contract between the vmm and its guest programs — guest-physical layout,
// paravirtual ports, the work/completion rings and the latency histogram. Freestanding: the
// guest programs include it too, so it uses nothing beyond <stdint.h>.
#ifndef OUTRIG_PV_ABI_H
#define OUTRIG_PV_ABI_H

#include <stdint.h>

// Guest-physical layout. Page tables identity-map the first 1 GiB with 2 MiB pages; guest RAM
// is [0, mem_size) and everything above it inside that GiB is unbacked (MMIO exits).
#define PV_GDT_GPA 0x1000u
#define PV_PML4_GPA 0x2000u
#define PV_PDPT_GPA 0x3000u
#define PV_PD_GPA 0x4000u
#define PV_SHARED_GPA 0x8000u   // struct pv_shared, one page
#define PV_RING_GPA 0x10000u    // work ring then completion ring
#define PV_HIST_GPA 0x20000u    // uint64_t buckets[PV_HIST_BUCKETS]
#define PV_STACK_TOP 0x100000u  // vCPU i's stack top is PV_STACK_TOP - i * PV_STACK_SIZE
#define PV_STACK_SIZE 0x4000u
#define PV_LOAD_GPA 0x100000u   // flat binary loaded and entered here
#define PV_MIN_MEM (2u << 20)
#define PV_MAX_MEM (1022ull << 20)  // the top 2 MiB of the mapped GiB is the MMIO window
#define PV_MMIO_GPA 0x3fe00000u
#define PV_MAX_VCPUS 16u

// Entry: RIP = PV_LOAD_GPA, RDI = vCPU index, RSI = vCPU count, RSP = the vCPU's stack top,
// 64-bit flat segments, interrupts off, no IDT. With pv_shared.cpl3 set the guest runs at CPL 3
// with IOPL 3 (port I/O allowed, HLT not): it halts by writing PV_PORT_HALT instead, which the
// vmm treats exactly like a HLT exit. Under PVM (KVM without hardware virtualization) CPL 0
// guest code is emulated instruction by instruction while CPL 3 code runs natively.

// Ports (OUT from the guest; nothing is readable).
#define PV_PORT_CONSOLE 0x3f8u   // 8-bit: one console byte
#define PV_PORT_DOORBELL 0x510u  // 32-bit: completions posted (value = done_head)
#define PV_PORT_EXIT 0x511u      // 32-bit: the VM stops; the value is its exit code
#define PV_PORT_TIMER 0x512u     // 32-bit: the next HLT on this vCPU returns after N µs at most
#define PV_PORT_HALT 0x513u      // 32-bit: same as HLT (for CPL 3 guests)

// MMIO window registers (8-byte reads at PV_MMIO_GPA + offset). Any other access fails the VM.
#define PV_MMIO_MAGIC 0x00u      // reads PV_MAGIC
#define PV_MMIO_TSC_KHZ 0x08u    // reads the TSC frequency in kHz
#define PV_MAGIC 0x4f55545249474752ull  // "OUTRIGGR"

#define PV_NPARAMS 16u
#define PV_RING_ENTRIES 1024u   // power of two, both rings
#define PV_HIST_BUCKETS 16384u  // see pv_hist_bucket
#define PV_HIST_FINE 8192u      // 1 µs buckets below this many µs, 64 µs buckets above
#define PV_HIST_COARSE_SHIFT 6

// A work item posted by the host; the guest spends cost_us on it.
typedef struct pv_work {
    uint64_t id;
    uint64_t post_tsc;  // guest TSC domain, set by the host at posting
    uint32_t cost_us;
    uint32_t flags;
    uint64_t reserved;
} pv_work;

#define PV_WORK_STOP 1u      // idle-worker: return from guest_main (exit code 0)
#define PV_WORK_DOORBELL 2u  // idle-worker: ring the doorbell after completing

// A completion posted by the guest.
typedef struct pv_done {
    uint64_t id;
    uint64_t post_tsc;
    uint64_t start_tsc;
    uint64_t end_tsc;
} pv_done;

// The shared page. Indices are free-running uint32 counters; entry = index % PV_RING_ENTRIES.
// Each index has one writer (host: work_head, done_tail; guest: work_tail, done_head).
typedef struct pv_shared {
    uint64_t magic;
    uint64_t tsc_khz;      // written by the host before start
    uint64_t mem_size;
    uint32_t vcpus;
    uint32_t cpl3;         // the guest runs at CPL 3: halt through PV_PORT_HALT
    uint64_t params[PV_NPARAMS];  // guest-program parameters, written by the host
    uint64_t boot_tsc[PV_MAX_VCPUS];  // guest TSC at each vCPU's first instruction
    uint64_t loops_per_ms;  // the guest's spin-loop calibration
    uint64_t status[8];     // guest-program progress words (PV_STATUS_*)
    uint32_t work_head __attribute__((aligned(64)));
    uint32_t work_tail __attribute__((aligned(64)));
    uint32_t done_head __attribute__((aligned(64)));
    uint32_t done_tail __attribute__((aligned(64)));
    // Latency histogram summary; buckets live at PV_HIST_GPA. Written by the guest only.
    uint64_t hist_count __attribute__((aligned(64)));
    uint64_t hist_sum_us;
    uint64_t hist_max_us;
} pv_shared;

// Histogram bucket of a latency in µs: exact to 8.2 ms, then 64 µs wide to about 532 ms;
// the last bucket collects everything longer.
static inline uint32_t pv_hist_bucket(uint64_t us)
{
    if (us < PV_HIST_FINE)
        return (uint32_t)us;
    uint64_t b = PV_HIST_FINE + ((us - PV_HIST_FINE) >> PV_HIST_COARSE_SHIFT);
    return b < PV_HIST_BUCKETS - 1 ? (uint32_t)b : PV_HIST_BUCKETS - 1;
}

// Lower bound in µs of the latencies in bucket b.
static inline uint64_t pv_hist_value(uint32_t b)
{
    if (b < PV_HIST_FINE)
        return b;
    return PV_HIST_FINE + ((uint64_t)(b - PV_HIST_FINE) << PV_HIST_COARSE_SHIFT);
}

#define PV_WORK_RING(base) ((pv_work *)(base))
#define PV_DONE_RING(base) ((pv_done *)((char *)(base) + PV_RING_ENTRIES * sizeof(pv_work)))

// Status words of the bundled guest programs (pv_shared.status index).
#define PV_STATUS_ITEMS 0          // idle-worker: items done; spinner: periods of vCPU 0
#define PV_STATUS_DROPPED 1        // idle-worker: completions dropped (ring full)
#define PV_STATUS_STOLEN_TSC 6     // TSC cycles the host took from g_spin_us (gaps > 20 µs)
#define PV_STATUS_STOLEN_EVENTS 7  // how many such gaps

// Parameters of the bundled guest programs (pv_shared.params index).
#define PV_SPIN_BUSY_US 0   // spinner: busy time per period
#define PV_SPIN_IDLE_US 1   // spinner: halted time per period
#define PV_SPIN_PERIODS 2   // spinner: periods to run, 0 = forever

#endif
