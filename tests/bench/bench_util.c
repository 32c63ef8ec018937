#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_line(const char *bench, const char *cas, const char *metric, double value,
                const char *unit, const char *baseline, double baseline_value)
{
    if (baseline)
        printf("{\"bench\":\"%s\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%.3f,"
               "\"unit\":\"%s\",\"baseline\":\"%s\",\"baseline_value\":%.3f}\n",
               bench, cas, metric, value, unit, baseline, baseline_value);
    else
        printf("{\"bench\":\"%s\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%.3f,"
               "\"unit\":\"%s\"}\n",
               bench, cas, metric, value, unit);
    fflush(stdout);
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_percentile(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, bench_cmp);
    size_t i = (size_t)((p / 100.0) * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

double bench_seconds(double def)
{
    const char *s = getenv("OUTRIG_BENCH_SECONDS");
    double v = s ? atof(s) : 0;
    return v > 0 ? v : def;
}

long bench_rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = atol(line + 6);
            break;
        }
    }
    fclose(f);
    return kib;
}
