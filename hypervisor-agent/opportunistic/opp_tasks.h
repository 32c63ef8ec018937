// opp_tasks: the real management tasks, as opp_step_fn steps over caller-owned state. Each
// keeps its progress in the cursor only, so it can stop after any unit and resume later.
#ifndef OUTRIG_OPP_TASKS_H
#define OUTRIG_OPP_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "opp_sched.h"

#define OPP_PAGE 4096u

// Hash every 4 KiB page of [base, base+len) into hashes[page] (64-bit, for image
// de-duplication: equal pages give equal hashes). Cursor = next page. len is a multiple of
// OPP_PAGE; hashes holds len / OPP_PAGE entries. Caller owns both.
typedef struct opp_hash_job {
    const uint8_t *base;
    size_t len;
    uint64_t *hashes;
} opp_hash_job;
bool opp_hash_step(void *job, uint64_t *cursor, const opp_portion *p, uint64_t *bytes);
// The page hash itself.
uint64_t opp_page_hash(const void *page);

// Zero freed guest memory [base, base+len). Cursor = bytes done.
typedef struct opp_zero_job {
    uint8_t *base;
    size_t len;
} opp_zero_job;
bool opp_zero_step(void *job, uint64_t *cursor, const opp_portion *p, uint64_t *bytes);

// One metrics sample: this process from /proc/self/stat, the guest from its histogram summary.
typedef struct opp_sample {
    uint64_t at_us;
    uint64_t utime_ticks;
    uint64_t stime_ticks;
    uint64_t rss_pages;
    uint64_t threads;
    uint64_t guest_items;
    uint64_t guest_sum_us;
    uint64_t guest_max_us;
} opp_sample;

// Samples into a fixed ring (caller-owned samples[cap]); readers copy out with
// opp_metrics_latest. A single step does one sample.
typedef struct opp_metrics_job {
    opp_sample *samples;
    size_t cap;
    uint64_t count;  // samples taken so far; the newest is samples[(count - 1) % cap]
    const volatile uint64_t *guest_count;  // pv_shared hist_count/sum/max, or NULL
    const volatile uint64_t *guest_sum;
    const volatile uint64_t *guest_max;
    uint64_t (*now_us)(void);
} opp_metrics_job;
bool opp_metrics_step(void *job, uint64_t *cursor, const opp_portion *p, uint64_t *bytes);
// Parses the fields of a /proc/<pid>/stat line into s. 0 or -EINVAL.
int opp_parse_proc_stat(const char *line, opp_sample *s);

// Image chunk prefetch hook: fetch(ctx, chunk, &bytes) brings one chunk local; a later issue
// provides it. Cursor = next chunk; a failing chunk is counted and skipped.
typedef int (*opp_prefetch_fn)(void *ctx, uint64_t chunk, uint64_t *bytes);
typedef struct opp_prefetch_job {
    opp_prefetch_fn fetch;
    void *ctx;
    uint64_t nchunks;
    uint64_t failures;
} opp_prefetch_job;
bool opp_prefetch_step(void *job, uint64_t *cursor, const opp_portion *p, uint64_t *bytes);

#endif
