// Helpers shared by the benchmarks: JSON lines in the form STYLE.md gives,
// percentiles, and the run length from OUTRIG_BENCH_SECONDS.
#ifndef OUTRIG_BENCH_UTIL_H
#define OUTRIG_BENCH_UTIL_H

#include <stddef.h>

// Prints {"bench","case","metric","value","unit"[,"baseline","baseline_value"]}.
// baseline NULL = no baseline fields.
void bench_line(const char *bench, const char *cas, const char *metric, double value,
                const char *unit, const char *baseline, double baseline_value);
// p-th percentile (0..100) of v (sorted in place).
double bench_percentile(double *v, size_t n, double p);
// OUTRIG_BENCH_SECONDS when set and positive, else def.
double bench_seconds(double def);
// Resident set size of pid in KiB (from /proc/<pid>/status), or -1.
long bench_rss_kib(int pid);

#endif
