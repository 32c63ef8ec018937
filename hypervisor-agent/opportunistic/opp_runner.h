// opp_runner: runs the scheduler's tasks on real threads, in one of three modes per VM:
//  none          - no management work runs (submissions are refused);
//  preemptive    - a management thread pinned to the vCPU's host CPU wakes every tick_us
//                  (timerfd) and runs up to budget_us of the oldest task, preempting the guest;
//  opportunistic - the vCPU thread runs portions of budget_us when its guest halts (install
//                  opp_runner_idle as the VM's vmm_idle_fn), cut short when the guest wants
//                  the CPU back.
// In both working modes a task still unfinished at its deadline goes to a SCHED_IDLE
// fallback worker, and that fallback is counted.
#ifndef OUTRIG_OPP_RUNNER_H
#define OUTRIG_OPP_RUNNER_H

#include "opp_sched.h"
#include "vmm.h"

typedef enum { OPP_MODE_NONE = 0, OPP_MODE_PREEMPTIVE, OPP_MODE_OPPORTUNISTIC } opp_mode;

typedef struct opp_runner_config {
    opp_mode mode;
    uint64_t budget_us;          // per portion (opportunistic) or per tick (preemptive)
    uint64_t tick_us;            // preemptive timer period (default 1000)
    int cpu;                     // host CPU of the preemptive thread (-1 = unpinned)
    int fallback_cpu;            // host CPU of the fallback worker (-1 = unpinned)
    uint64_t fallback_budget_us; // per fallback portion (default 1000)
    size_t capacity;             // queued tasks (default 64)
} opp_runner_config;

typedef struct opp_runner opp_runner;

// Parses "none|preemptive|opportunistic". 0 or -EINVAL.
int opp_mode_parse(const char *s, opp_mode *out);
const char *opp_mode_name(opp_mode m);

// Creates the runner and its threads (none in mode none). 0, -EINVAL, -ENOMEM or -errno.
int opp_runner_create(const opp_runner_config *cfg, opp_runner **out);
// Stops and joins the threads, frees everything. Unfinished tasks are dropped. NULL-safe.
void opp_runner_destroy(opp_runner *r);
// The VM whose halts feed this runner (opportunistic): used to cut portions short and to
// wake its halted vCPU when work arrives. Set before the VM starts; NULL detaches.
void opp_runner_attach(opp_runner *r, vmm_vm *vm);
// vmm_idle_fn: one bounded portion of the oldest pending task on the calling vCPU thread.
bool opp_runner_idle(void *runner, vmm_vm *vm, unsigned vcpu);

// Registers a class (see opp_sched_class). Returns its index or -ENOSPC.
int opp_runner_class(opp_runner *r, const char *name);
// Queues a task (thread-safe). Returns its id, -ENOSPC, -EINVAL, or -EPERM in mode none.
int64_t opp_runner_submit(opp_runner *r, unsigned cls, opp_step_fn step, void *arg,
                          uint64_t deadline_us);
// Copies the counters of class cls. 0 or -EINVAL.
int opp_runner_counters(opp_runner *r, unsigned cls, opp_counters *out);
const char *opp_runner_class_name(opp_runner *r, unsigned cls);
unsigned opp_runner_nclasses(opp_runner *r);
// Tasks not yet completed.
size_t opp_runner_backlog(opp_runner *r);

// A snapshot of one queued task, for listings (ListTasks).
typedef struct opp_task_info {
    uint64_t id;
    unsigned cls;
    opp_task_state state;  // PENDING, FALLBACK or CLAIMED (running now)
    uint64_t submitted_us, deadline_us;
    opp_counters c;
} opp_task_info;
// Copies up to max queued tasks, oldest first, into out; returns how many were copied.
size_t opp_runner_tasks(opp_runner *r, opp_task_info *out, size_t max);

#endif
