// Threads and locking around opp_sched: the idle hook for vCPU threads, the preemptive timer
// thread, and the SCHED_IDLE fallback worker. One lock (r->lock) guards the scheduler; step
// functions run outside it on a claimed task.
#define _GNU_SOURCE
#include "opp_runner.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

struct opp_runner {
    opp_runner_config cfg;
    pthread_mutex_t lock;
    pthread_cond_t wake;  // fallback worker: new work or stop
    opp_sched s;
    _Atomic(vmm_vm *) vm;
    atomic_int stop;
    pthread_t fallback, preempt;
    bool fallback_started, preempt_started;
    int timer_fd;
};

typedef struct yield_ctx {
    vmm_vm *vm;
    unsigned vcpu;
} yield_ctx;

static uint64_t mono_ns(void *arg)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_us(void)
{
    return mono_ns(NULL) / 1000u;
}

static bool guest_wants(void *arg)
{
    yield_ctx *y = arg;
    return vmm_guest_wants_cpu(y->vm, y->vcpu);
}

int opp_mode_parse(const char *s, opp_mode *out)
{
    static const char *const names[] = {"none", "preemptive", "opportunistic"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (opp_mode)i;
            return 0;
        }
    return -EINVAL;
}

const char *opp_mode_name(opp_mode m)
{
    return m == OPP_MODE_PREEMPTIVE      ? "preemptive"
           : m == OPP_MODE_OPPORTUNISTIC ? "opportunistic"
                                         : "none";
}

// The fallback worker runs at SCHED_IDLE, so it must not be preempted while it holds r->lock:
// on a busy CPU it might not run again for a long time and every vCPU thread would wait on
// it. It takes the lock as SCHED_OTHER and drops back to SCHED_IDLE for the work itself.
static void set_idle_policy(bool idle)
{
    struct sched_param sp = {.sched_priority = 0};
    pthread_setschedparam(pthread_self(), idle ? SCHED_IDLE : SCHED_OTHER, &sp);
}

static void lock(opp_runner *r, opp_runner_kind who)
{
    if (who == OPP_BY_FALLBACK)
        set_idle_policy(false);
    pthread_mutex_lock(&r->lock);
}

// Unlock for every holder but a vCPU thread. A vCPU thread that found the lock busy went back
// to sleep (it never waits for it), so whoever lets go with work pending for the idle path
// wakes the vCPU threads to look again.
static void unlock_other(opp_runner *r)
{
    bool nudge = r->cfg.mode == OPP_MODE_OPPORTUNISTIC && opp_sched_runnable(&r->s, OPP_BY_IDLE);
    pthread_mutex_unlock(&r->lock);
    vmm_vm *vm = atomic_load(&r->vm);
    if (nudge && vm)
        vmm_nudge(vm);
}

static void unlock(opp_runner *r, opp_runner_kind who)
{
    if (who == OPP_BY_IDLE && r->cfg.mode == OPP_MODE_OPPORTUNISTIC) {
        pthread_mutex_unlock(&r->lock);
        return;
    }
    unlock_other(r);
    if (who == OPP_BY_FALLBACK)
        set_idle_policy(true);
}

// One claimed portion, run with the lock dropped. Returns false when who had nothing to run,
// or when may_wait is false and the lock was busy.
static bool run_one(opp_runner *r, opp_runner_kind who, uint64_t budget_us, opp_portion *p,
                    bool may_wait)
{
    if (may_wait)
        lock(r, who);
    else if (pthread_mutex_trylock(&r->lock) != 0)
        return false;
    uint64_t now = mono_us();
    opp_sched_expire(&r->s, now);
    opp_task *t = opp_sched_claim(&r->s, who);
    unlock(r, who);
    if (!t)
        return false;
    uint64_t t0 = mono_ns(NULL);
    p->end_ns = t0 + budget_us * 1000u;
    uint64_t bytes = 0;
    bool done = t->step(t->arg, &t->cursor, p, &bytes);
    uint64_t t1 = mono_ns(NULL);
    lock(r, who);
    opp_sched_release(&r->s, t, who, (t1 - t0 + 500) / 1000, bytes, done, t1 / 1000);
    bool fell = !done && t->state == OPP_FALLBACK;
    unlock(r, who);
    if (fell)
        pthread_cond_signal(&r->wake);
    return true;
}

bool opp_runner_idle(void *arg, vmm_vm *vm, unsigned vcpu)
{
    opp_runner *r = arg;
    if (r->cfg.mode != OPP_MODE_OPPORTUNISTIC)
        return false;
    yield_ctx y = {vm, vcpu};
    opp_portion p = {.clock_ns = mono_ns, .yield = guest_wants, .yield_arg = &y};
    // Never wait for the lock on a vCPU thread: the guest may want its CPU back meanwhile.
    return run_one(r, OPP_BY_IDLE, r->cfg.budget_us, &p, false);
}

static void pin_self(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *fallback_main(void *arg)
{
    opp_runner *r = arg;
    struct sched_param sp = {.sched_priority = 0};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
        log_warn("opp: fallback worker could not switch to SCHED_IDLE");
    pin_self(r->cfg.fallback_cpu);
    opp_portion p = {.clock_ns = mono_ns};
    while (!atomic_load(&r->stop)) {
        if (run_one(r, OPP_BY_FALLBACK, r->cfg.fallback_budget_us, &p, true))
            continue;
        // Sleep until the next deadline (capped), a fallback, or stop.
        lock(r, OPP_BY_FALLBACK);
        uint64_t now = mono_us(), next = opp_sched_next_deadline(&r->s);
        uint64_t wait_us = next > now ? next - now : 0;
        if (wait_us > 100000)
            wait_us = 100000;
        if (wait_us && !atomic_load(&r->stop) && !opp_sched_runnable(&r->s, OPP_BY_FALLBACK)) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t ns = (uint64_t)ts.tv_nsec + wait_us * 1000u;
            ts.tv_sec += (time_t)(ns / 1000000000u);
            ts.tv_nsec = (long)(ns % 1000000000u);
            pthread_cond_timedwait(&r->wake, &r->lock, &ts);
        }
        unlock(r, OPP_BY_FALLBACK);
    }
    return NULL;
}

static void *preempt_main(void *arg)
{
    opp_runner *r = arg;
    pin_self(r->cfg.cpu);
    opp_portion p = {.clock_ns = mono_ns};
    while (!atomic_load(&r->stop)) {
        uint64_t ticks;
        if (read(r->timer_fd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks))
            continue;
        // One tick's budget, spread over as many tasks as it reaches.
        uint64_t end = mono_us() + r->cfg.budget_us;
        for (uint64_t now = mono_us(); now < end && !atomic_load(&r->stop); now = mono_us())
            if (!run_one(r, OPP_BY_IDLE, end - now, &p, true))
                break;
    }
    return NULL;
}

int opp_runner_create(const opp_runner_config *cfg, opp_runner **out)
{
    *out = NULL;
    if (cfg->mode > OPP_MODE_OPPORTUNISTIC || (cfg->mode != OPP_MODE_NONE && !cfg->budget_us))
        return -EINVAL;
    opp_runner *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->cfg = *cfg;
    if (!r->cfg.tick_us)
        r->cfg.tick_us = 1000;
    if (!r->cfg.fallback_budget_us)
        r->cfg.fallback_budget_us = 1000;
    if (!r->cfg.capacity)
        r->cfg.capacity = 64;
    r->timer_fd = -1;
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    int rc = opp_sched_init(&r->s, r->cfg.capacity);
    if (rc < 0)
        goto fail;
    if (cfg->mode == OPP_MODE_NONE) {
        *out = r;
        return 0;
    }
    rc = -pthread_create(&r->fallback, NULL, fallback_main, r);
    if (rc < 0)
        goto fail;
    r->fallback_started = true;
    if (cfg->mode == OPP_MODE_PREEMPTIVE) {
        r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        if (r->timer_fd < 0) {
            rc = -errno;
            goto fail;
        }
        struct itimerspec it = {
            .it_interval = {(time_t)(r->cfg.tick_us / 1000000u),
                            (long)(r->cfg.tick_us % 1000000u) * 1000},
        };
        it.it_value = it.it_interval;
        if (timerfd_settime(r->timer_fd, 0, &it, NULL) < 0) {
            rc = -errno;
            goto fail;
        }
        rc = -pthread_create(&r->preempt, NULL, preempt_main, r);
        if (rc < 0)
            goto fail;
        r->preempt_started = true;
    }
    *out = r;
    return 0;
fail:
    opp_runner_destroy(r);
    return rc;
}

void opp_runner_destroy(opp_runner *r)
{
    if (!r)
        return;
    atomic_store(&r->stop, 1);
    pthread_mutex_lock(&r->lock);
    pthread_cond_broadcast(&r->wake);
    pthread_mutex_unlock(&r->lock);
    if (r->fallback_started)
        pthread_join(r->fallback, NULL);
    if (r->preempt_started)
        pthread_join(r->preempt, NULL);  // the timer keeps ticking, so read() returns
    if (r->timer_fd >= 0)
        close(r->timer_fd);
    opp_sched_fini(&r->s);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void opp_runner_attach(opp_runner *r, vmm_vm *vm)
{
    atomic_store(&r->vm, vm);
}

int opp_runner_class(opp_runner *r, const char *name)
{
    pthread_mutex_lock(&r->lock);
    int rc = opp_sched_class(&r->s, name);
    unlock_other(r);
    return rc;
}

int64_t opp_runner_submit(opp_runner *r, unsigned cls, opp_step_fn step, void *arg,
                          uint64_t deadline_us)
{
    if (r->cfg.mode == OPP_MODE_NONE)
        return -EPERM;
    pthread_mutex_lock(&r->lock);
    int64_t id = opp_sched_submit(&r->s, cls, step, arg, mono_us(), deadline_us);
    pthread_cond_signal(&r->wake);  // the fallback worker re-reads the next deadline
    unlock_other(r);                // and halted vCPU threads look at the new task
    return id;
}

int opp_runner_counters(opp_runner *r, unsigned cls, opp_counters *out)
{
    pthread_mutex_lock(&r->lock);
    int rc = -EINVAL;
    if (cls < r->s.nclasses) {
        *out = r->s.cls[cls];
        rc = 0;
    }
    unlock_other(r);
    return rc;
}

const char *opp_runner_class_name(opp_runner *r, unsigned cls)
{
    return cls < r->s.nclasses ? r->s.class_name[cls] : NULL;
}

unsigned opp_runner_nclasses(opp_runner *r)
{
    return r->s.nclasses;
}

size_t opp_runner_backlog(opp_runner *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->s.live;
    unlock_other(r);
    return n;
}

size_t opp_runner_tasks(opp_runner *r, opp_task_info *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&r->lock);
    // Selection by age: the queue is small (capacity tasks), so repeated scans are fine.
    uint64_t after = 0;
    while (n < max) {
        const opp_task *best = NULL;
        for (size_t i = 0; i < r->s.cap; i++) {
            const opp_task *t = &r->s.tasks[i];
            if (t->state != OPP_FREE && t->id > after && (!best || t->id < best->id))
                best = t;
        }
        if (!best)
            break;
        out[n++] = (opp_task_info){.id = best->id, .cls = best->cls, .state = best->state,
                                   .submitted_us = best->submitted_us,
                                   .deadline_us = best->deadline_us, .c = best->c};
        after = best->id;
    }
    unlock_other(r);
    return n;
}
