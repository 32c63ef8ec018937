// linkstate: the link state machine. See linkstate.h.
#include "linkstate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const lnk_policy lnk_policy_default = {
    .backoff_base_ms = 50, .backoff_max_ms = 5000, .max_attempts = 8, .verify_ms = 10000};

const char *lnk_state_name(lnk_state s)
{
    switch (s) {
    case LNK_PENDING:
        return "PENDING";
    case LNK_ESTABLISHING:
        return "ESTABLISHING";
    case LNK_UP:
        return "UP";
    case LNK_FAILED:
        return "FAILED";
    }
    return "?";
}

void lnk_fsm_init(lnk_fsm *f, uint64_t now_ms)
{
    memset(f, 0, sizeof *f);
    f->state = LNK_PENDING;
    f->since_ms = now_ms;
}

uint32_t lnk_backoff_ms(const lnk_policy *p, uint32_t attempts)
{
    uint64_t d = p->backoff_base_ms;
    for (uint32_t i = 1; i < attempts && d < p->backoff_max_ms; i++)
        d *= 2;
    return d > p->backoff_max_ms ? p->backoff_max_ms : (uint32_t)d;
}

static void enter(lnk_fsm *f, lnk_state s, uint64_t now, lnk_step *out)
{
    f->state = s;
    f->since_ms = now;
    f->retry_at_ms = 0;
    out->changed = true;
}

static void attempt(lnk_fsm *f, uint64_t now, lnk_step *out)
{
    f->attempts++;
    f->reason[0] = 0;
    enter(f, LNK_ESTABLISHING, now, out);
    out->configure = true;
}

static void fail(lnk_fsm *f, const lnk_policy *p, const char *reason, uint64_t now, lnk_step *out)
{
    enter(f, LNK_FAILED, now, out);
    bool last = p->max_attempts && f->attempts >= p->max_attempts;
    snprintf(f->reason, sizeof f->reason, "%s%s", reason && reason[0] ? reason : "failed",
             last ? " (no attempts left)" : "");
    if (!last)
        f->retry_at_ms = now + lnk_backoff_ms(p, f->attempts ? f->attempts : 1);
}

int lnk_fsm_step(lnk_fsm *f, const lnk_policy *p, lnk_event ev, int side, const char *reason,
                 uint64_t now_ms, lnk_step *out)
{
    *out = (lnk_step){0};
    if ((ev == LNK_EV_READY || ev == LNK_EV_DOWN) && side != 0 && side != 1)
        return -EINVAL;
    switch (ev) {
    case LNK_EV_READY:
        if (!f->ready[0] && !f->ready[1])
            f->attempts = 0; // the ends came back: a fresh budget of attempts
        f->ready[side] = true;
        // Both ready: start, or restart for a CP that came back (it may have a new address).
        if (f->ready[0] && f->ready[1])
            attempt(f, now_ms, out);
        return 0;
    case LNK_EV_DOWN:
        if (!f->ready[side])
            return 0;
        f->ready[side] = false;
        snprintf(f->reason, sizeof f->reason, "%s end went down", side ? "second" : "first");
        if (!f->ready[0] && !f->ready[1])
            f->attempts = 0;
        enter(f, LNK_PENDING, now_ms, out);
        return 0;
    case LNK_EV_VERIFIED:
        // A late answer to an attempt that already failed or was superseded is ignored.
        if (f->state == LNK_ESTABLISHING) {
            f->reason[0] = 0;
            enter(f, LNK_UP, now_ms, out);
        }
        return 0;
    case LNK_EV_FAIL:
        if (f->state == LNK_ESTABLISHING || f->state == LNK_UP)
            fail(f, p, reason, now_ms, out);
        return 0;
    case LNK_EV_TICK:
        if (f->state == LNK_ESTABLISHING && p->verify_ms && now_ms - f->since_ms >= p->verify_ms)
            fail(f, p, "no traffic between the connection points", now_ms, out);
        else if (f->state == LNK_FAILED && f->retry_at_ms && now_ms >= f->retry_at_ms &&
                 f->ready[0] && f->ready[1])
            attempt(f, now_ms, out);
        return 0;
    }
    return -EINVAL;
}
