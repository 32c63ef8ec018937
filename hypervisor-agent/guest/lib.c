// Freestanding support shared by every guest program.
#include "guest.h"

static uint64_t loops_per_ms;

void guest_entry(unsigned vcpu, unsigned nvcpus, uint64_t boot_tsc)
{
    if (vcpu < PV_MAX_VCPUS)
        g_shared()->boot_tsc[vcpu] = boot_tsc;
    g_outl(PV_PORT_EXIT, (uint32_t)guest_main(vcpu, nvcpus));
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

void g_write(const char *s, size_t n)
{
    __asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"((uint16_t)PV_PORT_CONSOLE) : "memory");
}

void g_puts(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    g_write(s, n);
}

void g_putu(uint64_t v)
{
    char b[21];
    int i = 20;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    g_puts(&b[i]);
}

uint64_t g_tsc_khz(void)
{
    uint64_t k = g_shared()->tsc_khz;
    return k ? k : g_mmio_read(PV_MMIO_TSC_KHZ);
}

static void spin_loops(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        __asm__ volatile("" : : : "memory");
}

void g_calibrate(void)
{
    // Many short trials (about 250 µs each); the fastest is one the host did not preempt.
    uint64_t khz = g_tsc_khz();
    uint64_t best = 0;
    for (int t = 0; t < 24; t++) {
        uint64_t a = g_rdtsc(), n = 0, c;
        do {
            spin_loops(256);
            n += 256;
            c = g_rdtsc() - a;
        } while (c < khz / 4);
        uint64_t lpm = n * khz / c;
        if (lpm > best)
            best = lpm;
    }
    loops_per_ms = best ? best : 1;
    g_shared()->loops_per_ms = loops_per_ms;
}

void g_spin_us(uint64_t us)
{
    // Count only the time this vCPU actually ran: TSC deltas between short steps, minus any
    // gap far longer than a step (the host took the CPU). So an item costs the same running
    // time whatever the CPU's speed at the moment, and preemption delays it by what it stole.
    uint64_t khz = g_tsc_khz();
    uint64_t need = us * khz / 1000, got = 0;
    uint64_t step = loops_per_ms / 1000 ? loops_per_ms / 1000 : 1;  // about 1 µs of loop
    uint64_t gap = khz / 50;                                        // 20 µs
    uint64_t last = g_rdtsc();
    while (got < need) {
        spin_loops(step);
        uint64_t t = g_rdtsc(), d = t - last;
        last = t;
        if (d < gap) {
            got += d;
        } else {
            g_shared()->status[PV_STATUS_STOLEN_TSC] += d;
            g_shared()->status[PV_STATUS_STOLEN_EVENTS]++;
        }
    }
}
