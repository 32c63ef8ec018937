// The opportunistic scheduler's core: oldest-first choice, budget accounting, deadlines and
// the fallback decision.
#include "opp_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int opp_sched_init(opp_sched *s, size_t cap)
{
    memset(s, 0, sizeof(*s));
    if (cap == 0 || cap > (1u << 20))
        return -EINVAL;
    s->tasks = calloc(cap, sizeof(*s->tasks));
    if (!s->tasks)
        return -ENOMEM;
    s->cap = cap;
    s->next_id = 1;
    return 0;
}

void opp_sched_fini(opp_sched *s)
{
    if (!s)
        return;
    free(s->tasks);
    s->tasks = NULL;
    s->cap = 0;
}

int opp_sched_class(opp_sched *s, const char *name)
{
    for (unsigned i = 0; i < s->nclasses; i++)
        if (strncmp(s->class_name[i], name, OPP_NAME_LEN - 1) == 0)
            return (int)i;
    if (s->nclasses >= OPP_MAX_CLASSES)
        return -ENOSPC;
    strncpy(s->class_name[s->nclasses], name, OPP_NAME_LEN - 1);
    return (int)s->nclasses++;
}

int64_t opp_sched_submit(opp_sched *s, unsigned cls, opp_step_fn step, void *arg,
                         uint64_t now_us, uint64_t deadline_us)
{
    if (cls >= s->nclasses || !step)
        return -EINVAL;
    if (s->live >= s->cap)
        return -ENOSPC;
    for (size_t i = 0; i < s->cap; i++) {
        opp_task *t = &s->tasks[i];
        if (t->state != OPP_FREE)
            continue;
        memset(t, 0, sizeof(*t));
        t->id = s->next_id++;
        t->cls = cls;
        t->state = t->resume = OPP_PENDING;
        t->step = step;
        t->arg = arg;
        t->submitted_us = now_us;
        t->deadline_us = now_us + deadline_us;
        t->c.submitted = 1;
        s->cls[cls].submitted++;
        s->live++;
        return (int64_t)t->id;
    }
    return -ENOSPC;
}

static void fall_back(opp_sched *s, opp_task *t)
{
    t->resume = OPP_FALLBACK;
    if (t->state == OPP_PENDING)
        t->state = OPP_FALLBACK;
    t->c.fallbacks++;
    s->cls[t->cls].fallbacks++;
}

size_t opp_sched_expire(opp_sched *s, uint64_t now_us)
{
    size_t n = 0;
    for (size_t i = 0; i < s->cap; i++) {
        opp_task *t = &s->tasks[i];
        if (t->state == OPP_PENDING && t->deadline_us <= now_us) {
            fall_back(s, t);
            n++;
        }
    }
    return n;
}

opp_task *opp_sched_claim(opp_sched *s, opp_runner_kind who)
{
    opp_task_state want = who == OPP_BY_IDLE ? OPP_PENDING : OPP_FALLBACK;
    opp_task *best = NULL;
    for (size_t i = 0; i < s->cap; i++) {
        opp_task *t = &s->tasks[i];
        if (t->state == want && (!best || t->id < best->id))
            best = t;
    }
    if (best) {
        best->resume = best->state;
        best->state = OPP_CLAIMED;
    }
    return best;
}

void opp_sched_release(opp_sched *s, opp_task *t, opp_runner_kind who, uint64_t spent_us,
                       uint64_t bytes, bool done, uint64_t now_us)
{
    opp_counters *c = &s->cls[t->cls];
    t->c.runs++;
    c->runs++;
    t->c.us_spent += spent_us;
    c->us_spent += spent_us;
    t->c.bytes_done += bytes;
    c->bytes_done += bytes;
    if (who == OPP_BY_FALLBACK) {
        t->c.fallback_us += spent_us;
        c->fallback_us += spent_us;
        t->c.fallback_bytes += bytes;
        c->fallback_bytes += bytes;
    }
    if (done) {
        t->c.completed = 1;
        c->completed++;
        t->state = OPP_FREE;
        s->live--;
        return;
    }
    t->state = t->resume;
    if (t->state == OPP_PENDING && t->deadline_us <= now_us)
        fall_back(s, t);
}

uint64_t opp_sched_next_deadline(const opp_sched *s)
{
    uint64_t d = UINT64_MAX;
    for (size_t i = 0; i < s->cap; i++) {
        const opp_task *t = &s->tasks[i];
        if ((t->state == OPP_PENDING || (t->state == OPP_CLAIMED && t->resume == OPP_PENDING)) &&
            t->deadline_us < d)
            d = t->deadline_us;
    }
    return d;
}

size_t opp_sched_runnable(const opp_sched *s, opp_runner_kind who)
{
    opp_task_state want = who == OPP_BY_IDLE ? OPP_PENDING : OPP_FALLBACK;
    size_t n = 0;
    for (size_t i = 0; i < s->cap; i++)
        n += s->tasks[i].state == want;
    return n;
}

const opp_task *opp_sched_find(const opp_sched *s, uint64_t id)
{
    for (size_t i = 0; i < s->cap; i++)
        if (s->tasks[i].state != OPP_FREE && s->tasks[i].id == id)
            return &s->tasks[i];
    return NULL;
}

bool opp_sched_run_portion(opp_sched *s, opp_runner_kind who, opp_portion *p, uint64_t budget_us,
                           uint64_t now_us)
{
    opp_task *t = opp_sched_claim(s, who);
    if (!t)
        return false;
    uint64_t t0 = p->clock_ns(p->clock_arg);
    p->end_ns = t0 + budget_us * 1000u;
    uint64_t bytes = 0;
    bool done = t->step(t->arg, &t->cursor, p, &bytes);
    uint64_t spent_ns = p->clock_ns(p->clock_arg) - t0;
    opp_sched_release(s, t, who, (spent_ns + 500) / 1000, bytes, done, now_us + spent_ns / 1000);
    return true;
}
