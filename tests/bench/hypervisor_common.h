// Shared helpers of the hypervisor benchmarks: env knobs, histogram percentiles, and JSON
// lines through bench_util.
#ifndef OUTRIG_BENCH_HYPERVISOR_COMMON_H
#define OUTRIG_BENCH_HYPERVISOR_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "pv_abi.h"

// One JSON line through bench_line; a NaN value (nothing measured) prints nothing and a NaN
// baseline prints no baseline, so the output stays valid JSON.
static inline void bench_emit(const char *bench, const char *cas, const char *metric,
                              double value, const char *unit, const char *baseline,
                              double baseline_value)
{
    if (isnan(value))
        return;
    bench_line(bench, cas, metric, value, unit, isnan(baseline_value) ? NULL : baseline,
               baseline_value);
}

static inline double bench_env(const char *name, double dflt)
{
    const char *v = getenv(name);
    return v && *v ? atof(v) : dflt;
}

// Latency in µs (pv_hist_value of the bucket) below which a fraction q of the n samples in
// the guest histogram h[0..nb) fall.
static inline double bench_hist_pct(const uint64_t *h, size_t nb, uint64_t n, double q)
{
    if (n == 0)
        return NAN;
    uint64_t want = (uint64_t)ceil(q * (double)n), seen = 0;
    if (want == 0)
        want = 1;
    for (size_t i = 0; i < nb; i++) {
        seen += h[i];
        if (seen >= want)
            return (double)pv_hist_value((uint32_t)i);
    }
    return (double)pv_hist_value((uint32_t)(nb - 1));
}

static inline int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

// q-quantile of v[0..n) (sorts v).
static inline double bench_pct(uint64_t *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), cmp_u64);
    size_t i = (size_t)ceil(q * (double)n);
    return (double)v[i ? i - 1 : 0];
}

#endif
