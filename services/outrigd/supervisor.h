// supervisor: the state machine of outrigd's children, with no I/O.
//
// The loop feeds it events (spawned, SERVING, exited, stop, restart request)
// with the current monotonic time and asks od_sup_step() what to do next:
// start a child, SIGTERM it or SIGKILL it. Rules:
//  - children start in start order; a never-started child starts once every
//    earlier enabled child is settled (SERVING, FAILED, or blocked by a FAILED
//    dependency) and its own dependencies are SERVING;
//  - a child not SERVING within start_timeout_ms is killed and counts as a crash;
//  - a SERVING child is checked every health_interval_ms; health_failures
//    failed checks in a row stop it (SIGTERM, SIGKILL after the grace period)
//    and count as a crash;
//  - a crash (any exit not asked for) is recorded; more than max_restarts within
//    window_ms makes it FAILED, else it restarts after od_backoff_ms();
//  - on stop, running children get SIGTERM one at a time in reverse start
//    order, and SIGKILL after stop_grace_ms.
#ifndef OUTRIGD_SUPERVISOR_H
#define OUTRIGD_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/outrig.h"

// Same numbers as outrig.v1.ServiceInfo.State.
typedef enum {
    OD_STOPPED = 1,
    OD_STARTING = 2,
    OD_SERVING = 3,
    OD_BACKOFF = 4,
    OD_FAILED = 5,
    OD_STOPPING = 6,
} od_state;

#define OD_CRASH_RING 128 // > the largest max_restarts the config accepts

typedef struct od_child {
    const cfg_service *svc; // points into the config, which outlives the supervisor
    size_t cfg_index;       // position in the config (metrics port offset)
    od_state state;
    int pid; // 0 when no process
    bool started_once;
    uint32_t restarts;        // starts after the first one
    uint64_t started_ms;      // monotonic, last start
    uint64_t started_unix_ms; // wall clock, last start (for the API)
    uint64_t next_start_ms;   // BACKOFF: monotonic time of the restart
    uint64_t term_ms;         // STOPPING: when SIGTERM went (0 = not yet)
    bool killed;              // SIGKILL sent
    bool restart_on_exit;     // the exit was asked for by a Restart: start again now
    uint64_t health_ms;       // SERVING: time of the last check (or of SERVING)
    uint32_t health_fails;    // failed checks in a row
    char why[128];            // reason recorded before an exit we cause
    char last_exit[128];
    uint64_t crashes[OD_CRASH_RING]; // monotonic times, a ring
    size_t crash_head, ncrash;
} od_child;

typedef struct od_sup {
    cfg_restart policy;
    od_child kids[CFG_MAX_SERVICES]; // in start order
    size_t n;
    bool stopping;
} od_sup;

typedef enum { OD_ACT_START = 1, OD_ACT_TERM = 2, OD_ACT_KILL = 3 } od_act_kind;

typedef struct od_action {
    od_act_kind kind;
    size_t child; // index into kids
} od_action;

// Builds the children of c in start order. Returns 0, or -ELOOP / -EINVAL
// from od_start_order with *culprit the config index of the service at fault.
int od_sup_init(od_sup *s, const cfg_outrig *c, size_t *culprit);

// The actions due at now (at most max; call again when it fills acts).
// START means: spawn kids[i] then call od_sup_on_spawned or _on_spawn_failed.
size_t od_sup_step(od_sup *s, uint64_t now, od_action *acts, size_t max);
// When od_sup_step next has something to do (UINT64_MAX = only on an event).
uint64_t od_sup_next_due(const od_sup *s, uint64_t now);

void od_sup_on_spawned(od_sup *s, size_t i, int pid, uint64_t now, uint64_t unix_ms);
// The spawn itself failed (exec error): counted as a crash.
void od_sup_on_spawn_failed(od_sup *s, size_t i, uint64_t now, const char *why);
// True when kids[i] should be asked Health/Check now: always while STARTING,
// every health_interval_ms while SERVING.
bool od_sup_health_due(const od_sup *s, size_t i, uint64_t now);
// The answer of a Health/Check: ok = SERVING. STARTING + ok becomes SERVING;
// a SERVING child that fails health_failures checks in a row is stopped.
void od_sup_on_health(od_sup *s, size_t i, bool ok, uint64_t now);
// od_sup_on_health(s, i, true, now).
void od_sup_on_serving(od_sup *s, size_t i, uint64_t now);
// A process exited with wait status wstatus. Returns the child index, or -1
// when pid is not one of ours (an adopted orphan).
int od_sup_on_exit(od_sup *s, int pid, int wstatus, uint64_t now);

// Stops everything (idempotent).
void od_sup_stop(od_sup *s, uint64_t now);
// True once stopping and no child has a process.
bool od_sup_done(const od_sup *s);
// Restart request for kids[i]: 0, -ECANCELED while stopping, -EPERM if disabled.
int od_sup_restart(od_sup *s, size_t i, uint64_t now);
// Index of the child named name, or -1.
int od_sup_find(const od_sup *s, const char *name);

// Crashes of kids[i] within the window ending at now.
unsigned od_sup_crashes(const od_sup *s, size_t i, uint64_t now);
// "STOPPED", "STARTING", ...
const char *od_state_name(od_state st);

#endif
