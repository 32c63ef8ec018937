// clock: the two clocks every module uses.
#ifndef OUTRIG_CLOCK_H
#define OUTRIG_CLOCK_H

#include <stdint.h>
#include <time.h>

// Wall clock, Unix milliseconds (deadlines on the wire, event times).
static inline uint64_t clock_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

// Monotonic microseconds (durations, latencies).
static inline uint64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline uint64_t clock_mono_ms(void) { return clock_mono_us() / 1000u; }

#endif
