// opp_sched: the opportunistic scheduler's core, pure logic over plain structs. A fixed-size
// queue of resumable management tasks (a step function and a cursor), each with a deadline
// and accounted cost. Callers pass time in; the only clock is the one a portion carries for
// its step function, injected so tests drive it. Not thread-safe: opp_runner adds the lock.
#ifndef OUTRIG_OPP_SCHED_H
#define OUTRIG_OPP_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Limits of one portion of work. A step function calls opp_portion_over between units.
typedef struct opp_portion {
    uint64_t end_ns;                   // clock value at which the portion must stop
    uint64_t (*clock_ns)(void *arg);   // monotonic nanoseconds
    void *clock_arg;
    bool (*yield)(void *arg);          // optional: the CPU's owner wants it back
    void *yield_arg;
} opp_portion;

static inline bool opp_portion_over(const opp_portion *p)
{
    if (p->yield && p->yield(p->yield_arg))
        return true;
    return p->clock_ns(p->clock_arg) >= p->end_ns;
}

// Does units of work from *cursor until the task is complete or opp_portion_over; adds the
// bytes it processed to *bytes. Returns true when the task is complete. Always does at least
// one unit, so every portion makes progress. Must not allocate (it runs on vCPU threads).
typedef bool (*opp_step_fn)(void *arg, uint64_t *cursor, const opp_portion *p, uint64_t *bytes);

#define OPP_MAX_CLASSES 8
#define OPP_NAME_LEN 24

// Who runs a portion.
typedef enum { OPP_BY_IDLE = 0, OPP_BY_FALLBACK = 1 } opp_runner_kind;

typedef enum { OPP_FREE = 0, OPP_PENDING, OPP_FALLBACK, OPP_CLAIMED } opp_task_state;

// Counters, per task and summed per class.
typedef struct opp_counters {
    uint64_t submitted;
    uint64_t runs;          // portions
    uint64_t us_spent;
    uint64_t bytes_done;
    uint64_t fallbacks;     // tasks that missed their deadline and went to the fallback worker
    uint64_t completed;
    uint64_t fallback_us;   // part of us_spent run by the fallback worker
    uint64_t fallback_bytes;
} opp_counters;

typedef struct opp_task {
    uint64_t id;            // submission order: lower is older
    unsigned cls;
    opp_task_state state;
    opp_task_state resume;  // state to return to after a claim (PENDING or FALLBACK)
    opp_step_fn step;
    void *arg;
    uint64_t submitted_us;
    uint64_t deadline_us;   // absolute
    uint64_t cursor;
    opp_counters c;
} opp_task;

typedef struct opp_sched {
    opp_task *tasks;
    size_t cap;
    size_t live;            // tasks not FREE
    uint64_t next_id;
    char class_name[OPP_MAX_CLASSES][OPP_NAME_LEN];
    unsigned nclasses;
    opp_counters cls[OPP_MAX_CLASSES];
} opp_sched;

// Allocates room for cap tasks. 0, -EINVAL or -ENOMEM. opp_sched_fini frees (NULL-safe).
int opp_sched_init(opp_sched *s, size_t cap);
void opp_sched_fini(opp_sched *s);
// Registers a task class by name (copied, truncated); returns its index or -ENOSPC.
int opp_sched_class(opp_sched *s, const char *name);
// Queues a task of class cls due deadline_us after now_us. Returns its id (> 0) or -ENOSPC when
// the queue is full, -EINVAL for a bad class or step.
int64_t opp_sched_submit(opp_sched *s, unsigned cls, opp_step_fn step, void *arg,
                         uint64_t now_us, uint64_t deadline_us);
// Moves every unfinished, unclaimed task whose deadline is <= now_us to the fallback worker,
// counting a fallback for each. Returns how many moved. A task claimed when its deadline
// passes moves on its release.
size_t opp_sched_expire(opp_sched *s, uint64_t now_us);
// Claims the oldest task runnable by who (PENDING for OPP_BY_IDLE, FALLBACK for
// OPP_BY_FALLBACK), or returns NULL. The task stays claimed until opp_sched_release.
opp_task *opp_sched_claim(opp_sched *s, opp_runner_kind who);
// Accounts a portion of t run by who, and retires t when done. now_us decides whether a task
// that ran past its deadline falls back.
void opp_sched_release(opp_sched *s, opp_task *t, opp_runner_kind who, uint64_t spent_us,
                       uint64_t bytes, bool done, uint64_t now_us);
// Earliest deadline among PENDING tasks, or UINT64_MAX.
uint64_t opp_sched_next_deadline(const opp_sched *s);
// Number of tasks runnable by who.
size_t opp_sched_runnable(const opp_sched *s, opp_runner_kind who);
const opp_task *opp_sched_find(const opp_sched *s, uint64_t id);

// Claims the oldest task for who, runs one portion of at most budget_us through p's clock
// (p->end_ns is set here), releases it. Returns true if a task ran. now_us is the caller's
// clock in µs when it calls (deadlines); the portion's own cost is measured with p's clock.
bool opp_sched_run_portion(opp_sched *s, opp_runner_kind who, opp_portion *p, uint64_t budget_us,
                           uint64_t now_us);

#endif
