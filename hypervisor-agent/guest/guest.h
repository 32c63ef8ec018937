// guest: helpers for the freestanding guest programs (port I/O, TSC, HLT, console, spin).
#ifndef OUTRIG_GUEST_H
#define OUTRIG_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "pv_abi.h"

// Each program defines it; its return value becomes the VM's exit code.
int guest_main(unsigned vcpu, unsigned nvcpus);

static inline void g_outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void g_outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint64_t g_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline volatile pv_shared *g_shared(void)
{
    return (volatile pv_shared *)(uintptr_t)PV_SHARED_GPA;
}

// Gives the CPU back to the host until it has a reason to re-enter (see pv_abi.h).
static inline void g_hlt(void)
{
    if (g_shared()->cpl3)
        g_outl(PV_PORT_HALT, 0);
    else
        __asm__ volatile("hlt" : : : "memory");
}

static inline uint64_t g_mmio_read(uint64_t off)
{
    return *(volatile uint64_t *)(uintptr_t)(PV_MMIO_GPA + off);
}

// Console output in one exit (rep outsb).
void g_write(const char *s, size_t n);
void g_puts(const char *s);
void g_putu(uint64_t v);
// TSC kHz from the shared page, or from the MMIO register when the host left it 0.
uint64_t g_tsc_khz(void);
// Calibrates the spin loop against the TSC (best of several trials); stores loops_per_ms.
// g_spin_us uses it to size its steps between TSC reads.
void g_calibrate(void);
// Burns us microseconds of this vCPU's running time: time the host takes the CPU away is not
// counted, so preemption makes it take longer, as it would a real packet-processing loop.
void g_spin_us(uint64_t us);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#endif
