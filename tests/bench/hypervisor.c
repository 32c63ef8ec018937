// bench-hypervisor: guest latency variability under management work, three modes in one run.
// One idle-worker guest on one host CPU at ~60% utilisation (the host posts fixed-cost items
// at a fixed rate from another CPU) plus a fixed management load (hash N MiB of guest memory
// per second, about 9% of a CPU here, and a metrics sample every 25 ms). Modes: none,
// preemptive (timer thread on the guest's CPU), opportunistic (portions on the vCPU thread
// while the guest halts).
//
// Modes run in turns of OUTRIG_BENCH_SEGMENT seconds (default 0.5) so that noise from the rest
// of the machine falls on all three alike.
// Knobs: OUTRIG_BENCH_SECONDS (measured per mode, default 10), OUTRIG_BENCH_ITEM_US (300),
// OUTRIG_BENCH_UTIL (0.6), OUTRIG_BENCH_HASH_MIBS (1024), OUTRIG_BENCH_BUDGET_US (50),
// OUTRIG_BENCH_PREEMPT_TICK_US (1000), OUTRIG_BENCH_PREEMPT_BUDGET_US (200),
// OUTRIG_BENCH_CPL0=1 (guest at CPL 0 with real HLT; under PVM its code is then emulated),
// OUTRIG_BENCH_NICE (-10; 0 keeps the default priority), OUTRIG_BENCH_CPU (0: the guest's CPU;
// the load generator runs on CPU 1, or on CPU 0 when the guest is elsewhere).
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor_common.h"
#include "opp_runner.h"
#include "opp_tasks.h"
#include "util/clock.h"
#include "vmm.h"

#define BENCH "hypervisor"
#define MEM_SIZE (64u << 20)
#define HASH_BASE (4u << 20)  // guest memory above the program and rings

typedef struct knobs {
    double seconds, item_us, util, hash_mibs, budget_us, tick_us, preempt_budget_us;
    double segment;
    int cpu;  // host CPU of the guest, the preemptive thread and the fallback worker
    bool cpl0;
} knobs;

typedef struct result {
    double p50, p90, p99, p999, max, items, mgmt_mibs, fallbacks, fallback_pct, no_fallback_pct;
    double hlt_exits, idle_portions, tasks, completed, stolen_pct;
} result;

static void pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

static void sleep_until_us(uint64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000u), (long)(t % 1000000u) * 1000};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

// Management load: a hash task every MGMT_PERIOD_US over the next slice of guest memory,
// and a metrics sample with it.
#define MGMT_PERIOD_US 25000u
#define SLOTS 16  // jobs in flight: covers the 200 ms deadline with room to spare
typedef struct mgmt {
    opp_hash_job hash[SLOTS];
    uint64_t *hashes;
    size_t slice, next_off, region;
    opp_metrics_job metrics;
    opp_sample samples[64];
    int hash_cls, metrics_cls;
    unsigned turn;
    uint64_t refused;
} mgmt;

static void mgmt_submit(mgmt *m, opp_runner *r, vmm_vm *vm)
{
    opp_hash_job *j = &m->hash[m->turn++ % SLOTS];
    if (m->next_off + m->slice > m->region)
        m->next_off = 0;
    j->base = (const uint8_t *)vmm_gpa(vm, HASH_BASE + m->next_off, m->slice);
    j->len = m->slice;
    j->hashes = m->hashes + m->next_off / OPP_PAGE;
    m->next_off += m->slice;
    // Deadline 200 ms; a slot is reused SLOTS periods later, after the deadline.
    if (opp_runner_submit(r, (unsigned)m->hash_cls, opp_hash_step, j, 200000) < 0)
        m->refused++;
    if (opp_runner_submit(r, (unsigned)m->metrics_cls, opp_metrics_step, &m->metrics, 200000) < 0)
        m->refused++;
}

// One mode's VM, runner and management load; segments of each mode run in turn so that
// noise from the rest of the machine falls on all three alike.
typedef struct mode_ctx {
    opp_mode mode;
    opp_runner *r;
    vmm_vm *vm;
    pv_shared *sh;
    uint64_t *hist, *acc, *snap;
    mgmt m;
    opp_counters c[2];       // totals over measured segments
    vmm_vcpu_stats st;       // idem (hlt_exits, idle_calls)
    uint64_t items, posted, measured_us;
    uint64_t late_max_us, skipped;  // load generator lateness (it shares the machine too)
    uint64_t stolen_tsc;            // guest running time the host took mid-item
} mode_ctx;

static int mode_open(mode_ctx *x, vmm_host *h, const void *img, size_t n, opp_mode mode,
                     const knobs *k)
{
    memset(x, 0, sizeof(*x));
    x->mode = mode;
    opp_runner_config rc = {
        .mode = mode,
        .budget_us = (uint64_t)(mode == OPP_MODE_PREEMPTIVE ? k->preempt_budget_us : k->budget_us),
        .tick_us = (uint64_t)k->tick_us,
        .cpu = k->cpu,
        .fallback_cpu = k->cpu,
        .capacity = 64,
    };
    int e = opp_runner_create(&rc, &x->r);
    if (e < 0)
        return e;
    int cpus[1] = {k->cpu};
    vmm_config vc = {.mem_size = MEM_SIZE, .vcpus = 1, .image = img, .image_size = n,
                     .cpus = cpus, .cpl3 = !k->cpl0};
    if (mode == OPP_MODE_OPPORTUNISTIC) {
        vc.idle = opp_runner_idle;
        vc.idle_arg = x->r;
    }
    if ((e = vmm_create(h, &vc, &x->vm)) < 0)
        return e;
    opp_runner_attach(x->r, x->vm);
    // Give the hashed region content, as a booted guest's memory would have.
    uint8_t *g = vmm_gpa(x->vm, HASH_BASE, MEM_SIZE - HASH_BASE);
    for (size_t i = 0; i < MEM_SIZE - HASH_BASE; i += 512)
        g[i] = (uint8_t)(i * 2654435761u >> 20);
    mgmt *m = &x->m;
    m->region = MEM_SIZE - HASH_BASE;
    m->slice = (size_t)(k->hash_mibs * (1 << 20) * MGMT_PERIOD_US / 1e6) & ~(size_t)(OPP_PAGE - 1);
    if (m->slice > m->region)
        m->slice = m->region;
    m->hashes = calloc(m->region / OPP_PAGE, sizeof(uint64_t));
    x->sh = vmm_shared(x->vm);
    m->metrics = (opp_metrics_job){.samples = m->samples, .cap = 64, .now_us = clock_mono_us,
                                   .guest_count = &x->sh->hist_count,
                                   .guest_sum = &x->sh->hist_sum_us,
                                   .guest_max = &x->sh->hist_max_us};
    m->hash_cls = opp_runner_class(x->r, "hash");
    m->metrics_cls = opp_runner_class(x->r, "metrics");
    x->hist = vmm_gpa(x->vm, PV_HIST_GPA, PV_HIST_BUCKETS * sizeof(uint64_t));
    x->acc = calloc(PV_HIST_BUCKETS, sizeof(uint64_t));
    x->snap = calloc(PV_HIST_BUCKETS, sizeof(uint64_t));
    if (!m->hashes || !x->acc || !x->snap)
        return -ENOMEM;
    if ((e = vmm_start(x->vm)) < 0)
        return e;
    // The first item completes after the guest's calibration.
    pv_work w = {.cost_us = (uint32_t)k->item_us};
    vmm_post_work(x->vm, &w);
    uint64_t until = clock_mono_ms() + 5000;
    while (x->sh->hist_count < 1 && clock_mono_ms() < until)
        usleep(1000);
    return x->sh->hist_count ? 0 : -ETIMEDOUT;
}

static void mode_close(mode_ctx *x)
{
    // vCPU threads call into the runner, and the runner's tasks point into guest memory.
    if (x->vm)
        vmm_stop(x->vm);
    opp_runner_destroy(x->r);
    vmm_destroy(x->vm);
    free(x->m.hashes);
    free(x->acc);
    free(x->snap);
}

static void drain(vmm_vm *vm, opp_runner *r, opp_mode mode)
{
    pv_done done[256];
    pv_shared *sh = vmm_shared(vm);
    uint64_t until = clock_mono_ms() + 2000;
    while (clock_mono_ms() < until &&
           (__atomic_load_n(&sh->work_tail, __ATOMIC_ACQUIRE) != sh->work_head ||
            (mode != OPP_MODE_NONE && opp_runner_backlog(r))))
        usleep(500);
    while (vmm_reap_done(vm, done, 256))
        ;
}

// Runs one segment of x's mode: warm-up, then a measured window of seg_us.
static void segment(mode_ctx *x, const knobs *k, uint64_t seg_us)
{
    pv_done done[256];
    double period_us = k->item_us / k->util;
    uint64_t start = clock_mono_us(), next = start, next_mgmt = start;
    uint64_t measure_at = start + 100000, end = measure_at + seg_us;
    bool measuring = false;
    uint64_t count0 = 0, stolen0 = 0;
    opp_counters c0[2] = {{0}};
    vmm_vcpu_stats s0 = {0}, s1;
    pv_work w = {.cost_us = (uint32_t)k->item_us};
    for (;;) {
        uint64_t now = clock_mono_us();
        if (!measuring && now >= measure_at) {
            measuring = true;
            memcpy(x->snap, x->hist, PV_HIST_BUCKETS * sizeof(uint64_t));
            count0 = x->sh->hist_count;
            if (x->mode != OPP_MODE_NONE)
                for (int i = 0; i < 2; i++)
                    opp_runner_counters(x->r, (unsigned)i, &c0[i]);
            vmm_vcpu_stats_get(x->vm, 0, &s0);
            stolen0 = x->sh->status[PV_STATUS_STOLEN_TSC];
        }
        if (now >= end)
            break;
        if (now >= next) {
            w.id = x->posted++;
            vmm_post_work(x->vm, &w);
            if (now - next > x->late_max_us)
                x->late_max_us = now - next;
            next += (uint64_t)period_us;
            // A generator woken late does not post the missed arrivals in a burst: that
            // would measure our own lateness as guest queueing.
            if (now > next) {
                x->skipped += (now - next) / (uint64_t)period_us + 1;
                next = now + (uint64_t)period_us;
            }
        }
        if (x->mode != OPP_MODE_NONE && now >= next_mgmt) {
            mgmt_submit(&x->m, x->r, x->vm);
            next_mgmt += MGMT_PERIOD_US;
        }
        while (vmm_reap_done(x->vm, done, 256) == 256)
            ;
        sleep_until_us(next < next_mgmt || x->mode == OPP_MODE_NONE ? next : next_mgmt);
    }
    // The window closes now; items posted in it finish during the drain and still count.
    vmm_vcpu_stats_get(x->vm, 0, &s1);
    x->stolen_tsc += x->sh->status[PV_STATUS_STOLEN_TSC] - stolen0;
    opp_counters c1[2] = {{0}};
    if (x->mode != OPP_MODE_NONE)
        for (int i = 0; i < 2; i++)
            opp_runner_counters(x->r, (unsigned)i, &c1[i]);
    drain(x->vm, x->r, x->mode);
    for (unsigned b = 0; b < PV_HIST_BUCKETS; b++)
        x->acc[b] += x->hist[b] - x->snap[b];
    x->items += x->sh->hist_count - count0;
    x->measured_us += seg_us;
    for (int i = 0; i < 2; i++) {
        x->c[i].bytes_done += c1[i].bytes_done - c0[i].bytes_done;
        x->c[i].fallback_bytes += c1[i].fallback_bytes - c0[i].fallback_bytes;
        x->c[i].fallbacks += c1[i].fallbacks - c0[i].fallbacks;
        x->c[i].submitted += c1[i].submitted - c0[i].submitted;
        x->c[i].completed += c1[i].completed - c0[i].completed;
        x->c[i].runs += c1[i].runs - c0[i].runs;
    }
    x->st.hlt_exits += s1.hlt_exits - s0.hlt_exits;
    x->st.idle_calls += s1.idle_calls - s0.idle_calls;
}

static void summarize(mode_ctx *x, result *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t items = 0;
    for (unsigned b = 0; b < PV_HIST_BUCKETS; b++)
        items += x->acc[b];
    out->items = (double)items;
    out->p50 = bench_hist_pct(x->acc, PV_HIST_BUCKETS, items, 0.50);
    out->p90 = bench_hist_pct(x->acc, PV_HIST_BUCKETS, items, 0.90);
    out->p99 = bench_hist_pct(x->acc, PV_HIST_BUCKETS, items, 0.99);
    out->p999 = bench_hist_pct(x->acc, PV_HIST_BUCKETS, items, 0.999);
    out->max = bench_hist_pct(x->acc, PV_HIST_BUCKETS, items, 1.0);
    double secs = (double)x->measured_us / 1e6;
    double bytes = (double)x->c[0].bytes_done, fb = (double)x->c[0].fallback_bytes;
    out->mgmt_mibs = bytes / secs / (1 << 20);
    out->fallbacks = (double)(x->c[0].fallbacks + x->c[1].fallbacks);
    out->fallback_pct = bytes > 0 ? 100.0 * fb / bytes : 0;
    out->no_fallback_pct = bytes > 0 ? 100.0 - out->fallback_pct : NAN;
    out->tasks = (double)x->c[0].submitted;
    out->completed = (double)x->c[0].completed;
    out->hlt_exits = (double)x->st.hlt_exits;
    out->idle_portions = (double)x->st.idle_calls;
    double khz = (double)x->sh->tsc_khz;
    out->stolen_pct = khz ? 100.0 * (double)x->stolen_tsc / khz / 1000.0 / secs : NAN;
    if (getenv("OUTRIG_BENCH_VERBOSE")) {
        fprintf(stderr, "%s deciles:", opp_mode_name(x->mode));
        for (int q = 1; q < 10; q++)
            fprintf(stderr, " %.0f", bench_hist_pct(x->acc, PV_HIST_BUCKETS, items, q / 10.0));
        fprintf(stderr, "\n");
    }
    fprintf(stderr, "%s: items %.0f p50 %.0f p99 %.0f p99.9 %.0f max %.0f us, hash %.1f MiB/s, "
            "tasks %.0f done %.0f fallbacks %.0f (%.2f%% of bytes), halts %.0f portions %.0f "
            "refused %lu, generator late max %lu us, arrivals skipped %lu, stolen %.1f%%\n",
            opp_mode_name(x->mode), out->items, out->p50, out->p99, out->p999, out->max,
            out->mgmt_mibs, out->tasks, out->completed, out->fallbacks, out->fallback_pct,
            out->hlt_exits, out->idle_portions, (unsigned long)x->m.refused,
            (unsigned long)x->late_max_us, (unsigned long)x->skipped, out->stolen_pct);
}

int main(void)
{
    knobs k = {
        .seconds = bench_env("OUTRIG_BENCH_SECONDS", 10),
        .item_us = bench_env("OUTRIG_BENCH_ITEM_US", 300),
        .util = bench_env("OUTRIG_BENCH_UTIL", 0.6),
        .hash_mibs = bench_env("OUTRIG_BENCH_HASH_MIBS", 1024),
        .budget_us = bench_env("OUTRIG_BENCH_BUDGET_US", 50),
        .tick_us = bench_env("OUTRIG_BENCH_PREEMPT_TICK_US", 1000),
        .preempt_budget_us = bench_env("OUTRIG_BENCH_PREEMPT_BUDGET_US", 200),
        .cpl0 = bench_env("OUTRIG_BENCH_CPL0", 0) != 0,
        .segment = bench_env("OUTRIG_BENCH_SEGMENT", 0.5),
        .cpu = (int)bench_env("OUTRIG_BENCH_CPU", 0),
    };
    // This machine is shared: a nice level shields all three modes alike from other load
    // (threads created from here on inherit it; the fallback worker is SCHED_IDLE anyway).
    int nice_level = (int)bench_env("OUTRIG_BENCH_NICE", -10);
    if (nice_level && setpriority(PRIO_PROCESS, 0, nice_level) < 0)
        fprintf(stderr, "bench-hypervisor: cannot set nice %d; running at 0\n", nice_level);
    vmm_host *h;
    int e = vmm_host_open(&h);
    if (e < 0) {
        fprintf(stderr, "bench-hypervisor: /dev/kvm unavailable (%s); nothing measured\n",
                strerror(-e));
        return 0;
    }
    void *img;
    size_t n;
    if ((e = vmm_image_load(OUTRIG_GUEST_DIR "/idle-worker.bin", &img, &n)) < 0) {
        fprintf(stderr, "bench-hypervisor: idle-worker.bin: %s\n", strerror(-e));
        return 1;
    }
    mode_ctx x[3];
    memset(x, 0, sizeof(x));
    for (int m = 0; m < 3; m++)
        if ((e = mode_open(&x[m], h, img, n, (opp_mode)m, &k)) < 0) {
            fprintf(stderr, "bench-hypervisor: mode %s: %s\n", opp_mode_name((opp_mode)m),
                    strerror(-e));
            return 1;
        }
    pin(k.cpu == 0 ? 1 : 0);  // the load generator takes the other CPU
    // Segments of k.segment seconds, modes in turn, until each mode has k.seconds measured.
    uint64_t seg_us = (uint64_t)(k.segment * 1e6);
    for (uint64_t done = 0; done < (uint64_t)(k.seconds * 1e6); done += seg_us)
        for (int m = 0; m < 3; m++)
            segment(&x[m], &k, seg_us);
    result res[3];
    for (int m = 0; m < 3; m++) {
        summarize(&x[m], &res[m]);
        mode_close(&x[m]);
    }
    const result *b = &res[0];
    for (int m = 0; m < 3; m++) {
        const char *cas = opp_mode_name((opp_mode)m);
        const result *r = &res[m];
        bench_emit(BENCH, cas, "latency_p50", r->p50, "us", "none", b->p50);
        bench_emit(BENCH, cas, "latency_p90", r->p90, "us", "none", b->p90);
        bench_emit(BENCH, cas, "latency_p99", r->p99, "us", "none", b->p99);
        bench_emit(BENCH, cas, "latency_p99.9", r->p999, "us", "none", b->p999);
        bench_emit(BENCH, cas, "latency_max", r->max, "us", "none", b->max);
        bench_emit(BENCH, cas, "p99.9_vs_none", r->p999 / b->p999, "ratio", "none", 1.0);
        bench_emit(BENCH, cas, "items", r->items, "count", "none", b->items);
        bench_emit(BENCH, cas, "mgmt_hashed", r->mgmt_mibs, "MiB/s", "none", b->mgmt_mibs);
        bench_emit(BENCH, cas, "mgmt_fallbacks", r->fallbacks, "count", "none", b->fallbacks);
        if (m != 0)
            bench_emit(BENCH, cas, "mgmt_without_fallback", r->no_fallback_pct, "%", NULL, NAN);
        bench_emit(BENCH, cas, "guest_halts", r->hlt_exits, "count", "none", b->hlt_exits);
        // Mid-item time the guest lost to anything on its CPU (management work, other load).
        bench_emit(BENCH, cas, "guest_stolen", r->stolen_pct, "%", "none", b->stolen_pct);
    }
    bench_emit(BENCH, "config", "item_cost", k.item_us, "us", NULL, NAN);
    bench_emit(BENCH, "config", "utilisation", k.util, "ratio", NULL, NAN);
    bench_emit(BENCH, "config", "mgmt_load", k.hash_mibs, "MiB/s", NULL, NAN);
    bench_emit(BENCH, "config", "opportunistic_budget", k.budget_us, "us", NULL, NAN);
    bench_emit(BENCH, "config", "guest_cpl", k.cpl0 ? 0 : 3, "level", NULL, NAN);
    vmm_host_close(h);
    free(img);
    return 0;
}
