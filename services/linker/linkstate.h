// linkstate: the state machine of one link between two connection points, pure (the caller
// passes the time). PENDING -> ESTABLISHING (both CPs ready: configure the peers) -> UP (a
// real exchange was seen) | FAILED (with a reason; retried with exponential backoff until
// the attempts run out). A CP that goes down sends the link back to PENDING; a CP that comes
// up again (a restarted VNF) starts a new attempt.
#ifndef OUTRIG_LNK_LINKSTATE_H
#define OUTRIG_LNK_LINKSTATE_H

#include <stdbool.h>
#include <stdint.h>

#define LNK_REASON_MAX 160

typedef enum { LNK_PENDING = 0, LNK_ESTABLISHING = 1, LNK_UP = 2, LNK_FAILED = 3 } lnk_state;

typedef enum {
    LNK_EV_READY,    // side `side` came up (again)
    LNK_EV_DOWN,     // side `side` went away
    LNK_EV_VERIFIED, // traffic between the two CPs was seen
    LNK_EV_FAIL,     // configuring or verifying failed: reason says why
    LNK_EV_TICK,     // time passed: retries and the verification deadline
} lnk_event;

typedef struct lnk_policy {
    uint32_t backoff_base_ms; // wait after the first failure; doubles each attempt
    uint32_t backoff_max_ms;
    uint32_t max_attempts; // 0 = retry forever
    uint32_t verify_ms;    // ESTABLISHING longer than this fails ("no traffic")
} lnk_policy;

typedef struct lnk_fsm {
    lnk_state state;
    bool ready[2];
    uint32_t attempts;    // attempts since the ends last came up
    uint64_t since_ms;    // when the current state was entered
    uint64_t retry_at_ms; // FAILED: next attempt (0: none left)
    char reason[LNK_REASON_MAX];
} lnk_fsm;

typedef struct lnk_step {
    bool changed;   // the state, reason or retry time changed: store and publish it
    bool configure; // start an attempt: configure both peers (and the data path)
} lnk_step;

// The default policy: 50 ms doubling to 5 s, 8 attempts, 10 s to see traffic.
extern const lnk_policy lnk_policy_default;

const char *lnk_state_name(lnk_state s); // "PENDING", ...
// A fresh link: PENDING, no side ready.
void lnk_fsm_init(lnk_fsm *f, uint64_t now_ms);
// Backoff before attempt `attempts` + 1 after a failure of attempt `attempts` (>= 1).
uint32_t lnk_backoff_ms(const lnk_policy *p, uint32_t attempts);
// Applies event ev (side 0 or 1 for READY and DOWN, reason for FAIL) at now_ms and says
// what to do. Returns 0, or -EINVAL for a bad side or event.
int lnk_fsm_step(lnk_fsm *f, const lnk_policy *p, lnk_event ev, int side, const char *reason,
                 uint64_t now_ms, lnk_step *out);

#endif
