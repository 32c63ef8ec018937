// The supervisor state machine: events in, actions out, time passed in.
#include "supervisor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "order.h"

const char *od_state_name(od_state st)
{
    switch (st) {
    case OD_STOPPED:
        return "STOPPED";
    case OD_STARTING:
        return "STARTING";
    case OD_SERVING:
        return "SERVING";
    case OD_BACKOFF:
        return "BACKOFF";
    case OD_FAILED:
        return "FAILED";
    case OD_STOPPING:
        return "STOPPING";
    }
    return "UNKNOWN";
}

int od_sup_init(od_sup *s, const cfg_outrig *c, size_t *culprit)
{
    memset(s, 0, sizeof *s);
    size_t order[CFG_MAX_SERVICES];
    int rc = od_start_order(c, order, culprit);
    if (rc)
        return rc;
    s->policy = c->restart;
    s->n = c->nservices;
    for (size_t k = 0; k < s->n; k++) {
        od_child *ch = &s->kids[k];
        ch->svc = &c->services[order[k]];
        ch->cfg_index = order[k];
        ch->state = OD_STOPPED;
    }
    return 0;
}

int od_sup_find(const od_sup *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->kids[i].svc->name, name) == 0)
            return (int)i;
    return -1;
}

unsigned od_sup_crashes(const od_sup *s, size_t i, uint64_t now)
{
    const od_child *ch = &s->kids[i];
    unsigned n = 0;
    for (size_t k = 0; k < ch->ncrash; k++) {
        uint64_t t = ch->crashes[(ch->crash_head + OD_CRASH_RING - 1 - k) % OD_CRASH_RING];
        if (now - t > s->policy.window_ms)
            break; // the ring is in time order: older ones are older still
        n++;
    }
    return n;
}

static bool od_running(const od_child *ch)
{
    return ch->pid != 0;
}

static const od_child *od_dep(const od_sup *s, const char *name)
{
    int i = od_sup_find(s, name);
    return i < 0 ? NULL : &s->kids[i];
}

// A never-started child that can never start on its own: a dependency FAILED
// or is itself blocked. Dependencies come earlier in start order.
static bool od_blocked(const od_sup *s, size_t i)
{
    const od_child *ch = &s->kids[i];
    if (ch->started_once || ch->state != OD_STOPPED)
        return false;
    for (size_t j = 0; j < ch->svc->ndeps; j++) {
        const od_child *d = od_dep(s, ch->svc->deps[j]);
        if (d && (d->state == OD_FAILED || od_blocked(s, (size_t)(d - s->kids))))
            return true;
    }
    return false;
}

static bool od_settled(const od_sup *s, size_t i)
{
    const od_child *ch = &s->kids[i];
    return !ch->svc->enabled || ch->state == OD_SERVING || ch->state == OD_FAILED ||
           od_blocked(s, i);
}

static bool od_may_start(const od_sup *s, size_t i)
{
    const od_child *ch = &s->kids[i];
    if (!ch->svc->enabled || ch->state != OD_STOPPED || ch->started_once)
        return false;
    for (size_t k = 0; k < i; k++)
        if (!od_settled(s, k))
            return false;
    for (size_t j = 0; j < ch->svc->ndeps; j++) {
        const od_child *d = od_dep(s, ch->svc->deps[j]);
        if (!d || d->state != OD_SERVING)
            return false;
    }
    return true;
}

static size_t od_push(od_action *acts, size_t n, size_t max, od_act_kind k, size_t i)
{
    if (n < max)
        acts[n++] = (od_action){.kind = k, .child = i};
    return n;
}

// SIGTERM once, then SIGKILL after the grace period.
static size_t od_step_stopping(od_sup *s, size_t i, uint64_t now, od_action *acts, size_t n,
                               size_t max)
{
    od_child *ch = &s->kids[i];
    if (ch->term_ms == 0 && !ch->killed) {
        if (n >= max)
            return n;
        ch->term_ms = now ? now : 1;
        return od_push(acts, n, max, OD_ACT_TERM, i);
    }
    if (!ch->killed && now >= ch->term_ms + s->policy.stop_grace_ms) {
        if (n >= max)
            return n;
        ch->killed = true;
        return od_push(acts, n, max, OD_ACT_KILL, i);
    }
    return n;
}

size_t od_sup_step(od_sup *s, uint64_t now, od_action *acts, size_t max)
{
    size_t n = 0;
    if (s->stopping) {
        // One child at a time, last started first, so dependents go before
        // what they depend on.
        for (size_t k = s->n; k-- > 0;) {
            od_child *ch = &s->kids[k];
            if (!od_running(ch))
                continue;
            if (ch->state != OD_STOPPING) {
                ch->state = OD_STOPPING;
                ch->term_ms = 0;
                ch->killed = false;
            }
            return od_step_stopping(s, k, now, acts, n, max);
        }
        return 0;
    }
    for (size_t i = 0; i < s->n && n < max; i++) {
        od_child *ch = &s->kids[i];
        switch (ch->state) {
        case OD_STARTING:
            if (now >= ch->started_ms + s->policy.start_timeout_ms) {
                snprintf(ch->why, sizeof ch->why, "not SERVING within %u ms",
                         s->policy.start_timeout_ms);
                ch->state = OD_STOPPING;
                ch->killed = true;
                ch->term_ms = now ? now : 1;
                n = od_push(acts, n, max, OD_ACT_KILL, i);
            }
            break;
        case OD_STOPPING:
            n = od_step_stopping(s, i, now, acts, n, max);
            break;
        case OD_BACKOFF:
            if (now >= ch->next_start_ms)
                n = od_push(acts, n, max, OD_ACT_START, i);
            break;
        case OD_STOPPED:
            if (od_may_start(s, i))
                n = od_push(acts, n, max, OD_ACT_START, i);
            break;
        case OD_SERVING:
        case OD_FAILED:
            break;
        }
    }
    return n;
}

uint64_t od_sup_next_due(const od_sup *s, uint64_t now)
{
    uint64_t due = UINT64_MAX;
    for (size_t i = 0; i < s->n; i++) {
        const od_child *ch = &s->kids[i];
        uint64_t t = UINT64_MAX;
        if (ch->state == OD_STARTING)
            t = ch->started_ms + s->policy.start_timeout_ms;
        else if (ch->state == OD_BACKOFF && !s->stopping)
            t = ch->next_start_ms;
        else if (ch->state == OD_SERVING && s->policy.health_interval_ms && !s->stopping)
            t = ch->health_ms + s->policy.health_interval_ms;
        else if (ch->state == OD_STOPPING && !ch->killed)
            t = ch->term_ms ? ch->term_ms + s->policy.stop_grace_ms : now;
        if (t < due)
            due = t;
    }
    return due;
}

void od_sup_on_spawned(od_sup *s, size_t i, int pid, uint64_t now, uint64_t unix_ms)
{
    od_child *ch = &s->kids[i];
    if (ch->started_once)
        ch->restarts++;
    ch->started_once = true;
    ch->state = OD_STARTING;
    ch->pid = pid;
    ch->started_ms = now;
    ch->started_unix_ms = unix_ms;
    ch->term_ms = 0;
    ch->killed = false;
    ch->restart_on_exit = false;
    ch->why[0] = '\0';
}

// Records a crash and picks BACKOFF or FAILED.
static void od_crashed(od_sup *s, size_t i, uint64_t now)
{
    od_child *ch = &s->kids[i];
    ch->crashes[ch->crash_head] = now;
    ch->crash_head = (ch->crash_head + 1) % OD_CRASH_RING;
    if (ch->ncrash < OD_CRASH_RING)
        ch->ncrash++;
    unsigned c = od_sup_crashes(s, i, now);
    if (c > s->policy.max_restarts) {
        ch->state = OD_FAILED;
        return;
    }
    ch->state = OD_BACKOFF;
    ch->next_start_ms = now + od_backoff_ms(&s->policy, c);
}

void od_sup_on_spawn_failed(od_sup *s, size_t i, uint64_t now, const char *why)
{
    od_child *ch = &s->kids[i];
    if (ch->started_once)
        ch->restarts++;
    ch->started_once = true;
    ch->pid = 0;
    ch->started_ms = now;
    snprintf(ch->last_exit, sizeof ch->last_exit, "%s", why);
    if (s->stopping)
        ch->state = OD_STOPPED;
    else
        od_crashed(s, i, now);
}

bool od_sup_health_due(const od_sup *s, size_t i, uint64_t now)
{
    const od_child *ch = &s->kids[i];
    if (ch->state == OD_STARTING)
        return true;
    return ch->state == OD_SERVING && s->policy.health_interval_ms &&
           now >= ch->health_ms + s->policy.health_interval_ms;
}

void od_sup_on_health(od_sup *s, size_t i, bool ok, uint64_t now)
{
    od_child *ch = &s->kids[i];
    if (ch->state == OD_STARTING) {
        if (ok) {
            ch->state = OD_SERVING;
            ch->health_ms = now;
            ch->health_fails = 0;
        }
        return;
    }
    if (ch->state != OD_SERVING)
        return;
    ch->health_ms = now;
    if (ok) {
        ch->health_fails = 0;
        return;
    }
    if (++ch->health_fails < s->policy.health_failures)
        return;
    snprintf(ch->why, sizeof ch->why, "not SERVING for %u health checks", ch->health_fails);
    ch->state = OD_STOPPING;
    ch->term_ms = 0;
    ch->killed = false;
}

void od_sup_on_serving(od_sup *s, size_t i, uint64_t now)
{
    od_sup_on_health(s, i, true, now);
}

int od_sup_on_exit(od_sup *s, int pid, int wstatus, uint64_t now)
{
    if (pid <= 0)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        od_child *ch = &s->kids[i];
        if (ch->pid != pid)
            continue;
        ch->pid = 0;
        char how[64];
        if (WIFEXITED(wstatus))
            snprintf(how, sizeof how, "exit %d", WEXITSTATUS(wstatus));
        else if (WIFSIGNALED(wstatus))
            snprintf(how, sizeof how, "signal %d", WTERMSIG(wstatus));
        else
            snprintf(how, sizeof how, "status 0x%x", (unsigned)wstatus);
        char why[sizeof ch->why];
        memcpy(why, ch->why, sizeof why);
        if (why[0])
            snprintf(ch->last_exit, sizeof ch->last_exit, "%.63s (%.60s)", how, why);
        else
            snprintf(ch->last_exit, sizeof ch->last_exit, "%s", how);
        ch->why[0] = '\0';
        if (s->stopping) {
            ch->state = OD_STOPPED;
        } else if (ch->restart_on_exit) {
            ch->restart_on_exit = false;
            ch->state = OD_BACKOFF;
            ch->next_start_ms = now;
        } else {
            od_crashed(s, i, now);
        }
        return (int)i;
    }
    return -1;
}

void od_sup_stop(od_sup *s, uint64_t now)
{
    s->stopping = true;
    for (size_t i = 0; i < s->n; i++)
        if (!od_running(&s->kids[i]) && s->kids[i].state != OD_FAILED)
            s->kids[i].state = OD_STOPPED;
}

bool od_sup_done(const od_sup *s)
{
    if (!s->stopping)
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (od_running(&s->kids[i]))
            return false;
    return true;
}

int od_sup_restart(od_sup *s, size_t i, uint64_t now)
{
    od_child *ch = &s->kids[i];
    if (s->stopping)
        return -ECANCELED;
    if (!ch->svc->enabled)
        return -EPERM;
    ch->ncrash = 0;
    ch->crash_head = 0;
    if (od_running(ch)) {
        ch->restart_on_exit = true;
        if (ch->state != OD_STOPPING) {
            ch->state = OD_STOPPING;
            ch->term_ms = 0;
            ch->killed = false;
            snprintf(ch->why, sizeof ch->why, "restart requested");
        }
        return 0;
    }
    ch->state = OD_BACKOFF;
    ch->next_start_ms = now;
    return 0;
}
