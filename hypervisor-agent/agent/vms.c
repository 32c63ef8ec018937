// Micro-VMs: the VM table, their lifecycle over the vmm, the management tasks each VM's
// opportunistic runner gets (page hashing, metrics samples) and the idle-worker load poster.
// Runs on the agent's worker thread with ag->mu held; the poster threads touch only their VM's
// rings and counters. Nothing here runs on a vCPU thread: the vmm and opp_runner own that path.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "util/clock.h"
#include "util/log.h"

static void report(agent *ag, agent_vm *v);

static agent_vm *vm_find(agent *ag, const char *id)
{
    for (size_t i = 0; i < AGENT_MAX_VMS; i++)
        if (ag->vms[i].used && !strcmp(ag->vms[i].spec.id, id))
            return &ag->vms[i];
    return NULL;
}

static rpc_code not_found(rpc_status *st, const char *id)
{
    rpc_status_set(st, RPC_NOT_FOUND, "id", "no VM \"%s\"", id);
    return RPC_NOT_FOUND;
}

static outrig_v1_AgentVmState vm_state(const agent_vm *v)
{
    switch (vmm_get_state(v->vm)) {
    case VMM_CREATED:
        return outrig_v1_AgentVmState_AGENT_VM_CREATED;
    case VMM_RUNNING:
        return outrig_v1_AgentVmState_AGENT_VM_RUNNING;
    case VMM_FAILED:
        return outrig_v1_AgentVmState_AGENT_VM_FAILED;
    default:
        return outrig_v1_AgentVmState_AGENT_VM_STOPPED;
    }
}

static void vm_info(agent_vm *v, outrig_v1_VmInfo *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", v->spec.id);
    o->state = vm_state(v);
    snprintf(o->reason, sizeof o->reason, "%s", vmm_fail_reason(v->vm));
    snprintf(o->guest, sizeof o->guest, "%s", v->spec.guest);
    o->mode = v->spec.mode;
    o->memory_mib = v->spec.memory_mib;
    o->vcpus = v->spec.vcpus;
    o->exited = vmm_get_state(v->vm) == VMM_EXITED;
    o->exit_code = o->exited ? vmm_exit_code(v->vm) : 0;
    // The tail of the console: what the guest said last matters most.
    static char con[8192];
    size_t n = vmm_console(v->vm, con, sizeof con);
    size_t keep = sizeof o->console - 1;
    const char *from = n > keep ? con + n - keep : con;
    memcpy(o->console, from, strlen(from) + 1);
    pv_shared *sh = vmm_shared(v->vm);
    o->items_done = sh->hist_count;
    o->latency_sum_us = sh->hist_sum_us;
    o->latency_max_us = sh->hist_max_us;
    const volatile uint64_t *hist = vmm_gpa(v->vm, PV_HIST_GPA, PV_HIST_BUCKETS * 8);
    if (hist && o->items_done) {
        o->latency_p50_us = agent_hist_percentile(hist, PV_HIST_BUCKETS, 500);
        o->latency_p99_us = agent_hist_percentile(hist, PV_HIST_BUCKETS, 990);
    }
    vmm_vcpu_stats vs;
    vmm_vcpu_stats_get(v->vm, 0, &vs);
    o->exits = vs.exits;
    o->hlt_exits = vs.hlt_exits;
    o->idle_portions = vs.idle_calls;
}

// The idle-worker load: item_rate_hz items of item_cost_us each, completions reaped.
static void *poster_main(void *arg)
{
    agent_vm *v = arg;
    uint64_t period_ns = 1000000000ull / v->spec.item_rate_hz;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    uint64_t id = 0;
    pv_done done[64];
    while (!atomic_load(&v->poster_stop) && vmm_get_state(v->vm) == VMM_RUNNING) {
        uint64_t ns = (uint64_t)next.tv_nsec + period_ns;
        next.tv_sec += (time_t)(ns / 1000000000u);
        next.tv_nsec = (long)(ns % 1000000000u);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec + 1) // fell far behind: no burst to catch up
            next = now;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        pv_work w = {.id = ++id, .cost_us = v->spec.item_cost_us};
        if (vmm_post_work(v->vm, &w) == 0)
            atomic_fetch_add(&v->posted, 1);
        else
            atomic_fetch_add(&v->post_full, 1);
        size_t n;
        while ((n = vmm_reap_done(v->vm, done, 64)) > 0)
            atomic_fetch_add(&v->reaped, n);
    }
    return NULL;
}

static void poster_stop(agent_vm *v)
{
    if (!v->poster_on)
        return;
    atomic_store(&v->poster_stop, true);
    pthread_join(v->poster, NULL);
    v->poster_on = false;
}

static void vm_free(agent *ag, agent_vm *v)
{
    poster_stop(v);
    if (v->vm)
        vmm_stop(v->vm); // no vCPU thread calls into the runner after this
    if (v->runner) {
        opp_counters c;
        for (unsigned k = 0; k < 2; k++) {
            int cls = k ? v->cls_metrics : v->cls_hash;
            if (cls >= 0 && opp_runner_counters(v->runner, (unsigned)cls, &c) == 0) {
                opp_counters *r = &ag->retired[k];
                r->submitted += c.submitted;
                r->runs += c.runs;
                r->us_spent += c.us_spent;
                r->bytes_done += c.bytes_done;
                r->fallbacks += c.fallbacks;
                r->completed += c.completed;
                r->fallback_us += c.fallback_us;
                r->fallback_bytes += c.fallback_bytes;
            }
        }
        opp_runner_destroy(v->runner); // joins the threads that read guest memory
    }
    vmm_destroy(v->vm);
    free(v->hashes);
    memset(v, 0, sizeof *v);
}

static opp_mode mode_of(outrig_v1_AgentVmMode m)
{
    return m == outrig_v1_AgentVmMode_AGENT_VM_MODE_PREEMPTIVE      ? OPP_MODE_PREEMPTIVE
           : m == outrig_v1_AgentVmMode_AGENT_VM_MODE_OPPORTUNISTIC ? OPP_MODE_OPPORTUNISTIC
                                                                    : OPP_MODE_NONE;
}

rpc_code agent_vm_create(agent *ag, const outrig_v1_VmSpec *in, outrig_v1_VmInfo *out,
                         rpc_status *st)
{
    if (!ag->kvm) {
        rpc_status_set(st, RPC_FAILED_PRECONDITION, NULL, "KVM is not usable on this host");
        return RPC_FAILED_PRECONDITION;
    }
    if (vm_find(ag, in->id)) {
        rpc_status_set(st, RPC_ALREADY_EXISTS, "spec.id", "VM \"%s\" exists", in->id);
        return RPC_ALREADY_EXISTS;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (in->pinned && (long)in->cpu >= ncpu) {
        rpc_status_set(st, RPC_INVALID_ARGUMENT, "spec.cpu", "this host has %ld CPUs", ncpu);
        return RPC_INVALID_ARGUMENT;
    }
    agent_vm *v = NULL;
    for (size_t i = 0; i < AGENT_MAX_VMS && !v; i++)
        if (!ag->vms[i].used)
            v = &ag->vms[i];
    if (!v) {
        rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL, "at most %d VMs", AGENT_MAX_VMS);
        return RPC_RESOURCE_EXHAUSTED;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/%s.bin", ag->guest_dir, in->guest);
    void *img = NULL;
    size_t img_len = 0;
    int rc = vmm_image_load(path, &img, &img_len);
    if (rc) {
        rpc_status_set(st, rc == -ENOENT ? RPC_NOT_FOUND : RPC_INTERNAL, "spec.guest",
                       "guest program %s: %s", path, strerror(-rc));
        return st->code;
    }
    memset(v, 0, sizeof *v);
    v->spec = *in;
    agent_vm_spec_defaults(&v->spec);
    v->cls_hash = v->cls_metrics = -1;
    size_t mem = (size_t)v->spec.memory_mib << 20;
    opp_runner_config rc_cfg = {
        .mode = mode_of(v->spec.mode),
        .budget_us = v->spec.budget_us,
        .tick_us = 1000,
        .cpu = v->spec.pinned ? (int)v->spec.cpu : -1,
        .fallback_cpu = -1,
        .capacity = 8,
    };
    int cpus[PV_MAX_VCPUS];
    for (unsigned i = 0; i < PV_MAX_VCPUS; i++)
        cpus[i] = -1;
    cpus[0] = v->spec.pinned ? (int)v->spec.cpu : -1;
    vmm_config vc = {
        .mem_size = mem,
        .vcpus = v->spec.vcpus,
        .image = img,
        .image_size = img_len,
        .cpus = cpus,
        .console_cap = 8192,
        .cpl3 = ag->cpl3,
    };
    for (pb_size_t i = 0; i < v->spec.params_count && i < PV_NPARAMS; i++)
        vc.params[i] = v->spec.params[i];
    v->hashes = calloc(mem / OPP_PAGE, sizeof(uint64_t));
    if (!v->hashes || (rc = opp_runner_create(&rc_cfg, &v->runner)) != 0) {
        rc = v->hashes ? rc : -ENOMEM;
        goto fail;
    }
    v->cls_hash = opp_runner_class(v->runner, "hash");
    v->cls_metrics = opp_runner_class(v->runner, "metrics");
    if (rc_cfg.mode == OPP_MODE_OPPORTUNISTIC) {
        vc.idle = opp_runner_idle;
        vc.idle_arg = v->runner;
    }
    if ((rc = vmm_create(ag->kvm, &vc, &v->vm)) != 0)
        goto fail;
    opp_runner_attach(v->runner, v->vm);
    free(img);
    v->hash = (opp_hash_job){vmm_gpa(v->vm, 0, mem), mem, v->hashes};
    pv_shared *sh = vmm_shared(v->vm);
    v->mjob = (opp_metrics_job){.samples = v->samples,
                                .cap = AGENT_SAMPLES,
                                .guest_count = &sh->hist_count,
                                .guest_sum = &sh->hist_sum_us,
                                .guest_max = &sh->hist_max_us,
                                .now_us = clock_mono_us};
    v->used = true;
    v->reported = outrig_v1_AgentVmState_AGENT_VM_CREATED;
    vm_info(v, out);
    agent_event_vm(ag, "vm-created", out);
    log_info("vm %s created: %s, %u MiB, %u vCPU, mode %s", v->spec.id, v->spec.guest,
             v->spec.memory_mib, v->spec.vcpus, opp_mode_name(rc_cfg.mode));
    return RPC_OK;
fail:
    free(img);
    if (v->runner)
        opp_runner_destroy(v->runner);
    free(v->hashes);
    memset(v, 0, sizeof *v);
    rpc_status_set(st, rc == -EINVAL ? RPC_INVALID_ARGUMENT : RPC_RESOURCE_EXHAUSTED,
                   rc == -EINVAL ? "spec" : NULL, "creating the VM: %s", strerror(-rc));
    return st->code;
}

rpc_code agent_vm_start(agent *ag, const char *id, outrig_v1_VmInfo *out, rpc_status *st)
{
    agent_vm *v = vm_find(ag, id);
    if (!v)
        return not_found(st, id);
    if (v->started) {
        rpc_status_set(st, RPC_FAILED_PRECONDITION, "id",
                       "VM \"%s\" was started before; delete and create it again", id);
        return RPC_FAILED_PRECONDITION;
    }
    int rc = vmm_start(v->vm);
    if (rc) {
        rpc_status_set(st, RPC_INTERNAL, NULL, "starting the VM: %s", strerror(-rc));
        return RPC_INTERNAL;
    }
    v->started = true;
    uint64_t now = clock_mono_us();
    v->next_hash_us = now + v->spec.hash_period_ms * 1000ull;
    v->next_sample_us = now + 100000;
    if (v->spec.item_rate_hz) {
        atomic_store(&v->poster_stop, false);
        if (pthread_create(&v->poster, NULL, poster_main, v) == 0)
            v->poster_on = true;
        else
            log_warn("vm %s: no load poster thread", id);
    }
    vm_info(v, out);
    // A guest may already have faulted or exited: vm-started first, then what followed.
    v->reported = outrig_v1_AgentVmState_AGENT_VM_RUNNING;
    agent_event_vm(ag, "vm-started", out);
    report(ag, v);
    return RPC_OK;
}

rpc_code agent_vm_stop(agent *ag, const char *id, outrig_v1_VmInfo *out, rpc_status *st)
{
    agent_vm *v = vm_find(ag, id);
    if (!v)
        return not_found(st, id);
    poster_stop(v);
    vmm_stop(v->vm);
    v->started = true; // a stopped VM cannot be started again, even one that never ran
    vm_info(v, out);
    if (out->state != v->reported) {
        v->reported = out->state;
        agent_event_vm(ag, "vm-stopped", out);
    }
    return RPC_OK;
}

rpc_code agent_vm_delete(agent *ag, const char *id, rpc_status *st)
{
    agent_vm *v = vm_find(ag, id);
    if (!v)
        return not_found(st, id);
    report(ag, v);                // a fault the poll has not seen yet is told before the delete
    static outrig_v1_VmInfo info; // worker thread only
    vm_info(v, &info);
    vm_free(ag, v);
    agent_event_vm(ag, "vm-deleted", &info);
    log_info("vm %s deleted", id);
    return RPC_OK;
}

rpc_code agent_vm_get(agent *ag, const char *id, outrig_v1_VmInfo *out, rpc_status *st)
{
    agent_vm *v = vm_find(ag, id);
    if (!v)
        return not_found(st, id);
    vm_info(v, out);
    return RPC_OK;
}

void agent_vm_list(agent *ag, outrig_v1_ListVmsResponse *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < AGENT_MAX_VMS; i++)
        if (ag->vms[i].used && out->vms_count < AGENT_MAX_VMS)
            vm_info(&ag->vms[i], &out->vms[out->vms_count++]);
}

// Queues the next management task of a class when the previous one is done.
static void submit_due(agent_vm *v, int cls, opp_step_fn step, void *job, uint64_t *next,
                       uint64_t period_us, uint64_t now)
{
    opp_counters c;
    if (cls < 0 || now < *next || opp_runner_counters(v->runner, (unsigned)cls, &c))
        return;
    *next = now + period_us;
    if (c.submitted != c.completed)
        return; // still working on the last one: that is what fallbacks measure
    if (opp_runner_submit(v->runner, (unsigned)cls, step, job, period_us) < 0)
        log_debug("vm %s: task queue full", v->spec.id);
}

// Publishes v's state change since the last report, if any.
static void report(agent *ag, agent_vm *v)
{
    static outrig_v1_VmInfo info; // worker thread only
    outrig_v1_AgentVmState s = vm_state(v);
    if (s == v->reported)
        return;
    vm_info(v, &info);
    v->reported = s;
    if (s == outrig_v1_AgentVmState_AGENT_VM_FAILED) {
        log_warn("vm %s failed: %s", v->spec.id, info.reason);
        agent_event_vm(ag, "vm-failed", &info);
    } else if (s == outrig_v1_AgentVmState_AGENT_VM_STOPPED) {
        agent_event_vm(ag, info.exited ? "vm-exited" : "vm-stopped", &info);
    }
}

void agent_vm_poll(agent *ag, uint64_t now)
{
    for (size_t i = 0; i < AGENT_MAX_VMS; i++) {
        agent_vm *v = &ag->vms[i];
        if (!v->used)
            continue;
        if (vm_state(v) == outrig_v1_AgentVmState_AGENT_VM_RUNNING &&
            v->spec.mode != outrig_v1_AgentVmMode_AGENT_VM_MODE_NONE) {
            submit_due(v, v->cls_hash, opp_hash_step, &v->hash, &v->next_hash_us,
                       v->spec.hash_period_ms * 1000ull, now);
            submit_due(v, v->cls_metrics, opp_metrics_step, &v->mjob, &v->next_sample_us, 100000,
                       now);
        }
        report(ag, v);
    }
}

void agent_vm_tasks(agent *ag, const char *vm_id, outrig_v1_ListTasksResponse *out)
{
    static const char *const names[] = {"PENDING", "FALLBACK", "CLAIMED"};
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < AGENT_MAX_VMS; i++) {
        agent_vm *v = &ag->vms[i];
        if (!v->used || (vm_id[0] && strcmp(vm_id, v->spec.id)))
            continue;
        opp_task_info ti[8];
        size_t n = opp_runner_tasks(v->runner, ti, 8);
        for (size_t k = 0; k < n && out->tasks_count < 64; k++) {
            outrig_v1_TaskInfo *t = &out->tasks[out->tasks_count++];
            snprintf(t->vm_id, sizeof t->vm_id, "%s", v->spec.id);
            t->id = ti[k].id;
            snprintf(t->task_class, sizeof t->task_class, "%s",
                     opp_runner_class_name(v->runner, ti[k].cls));
            unsigned si = ti[k].state >= OPP_PENDING ? ti[k].state - OPP_PENDING : 0;
            snprintf(t->state, sizeof t->state, "%s", names[si < 3 ? si : 0]);
            t->submitted_us = ti[k].submitted_us;
            t->deadline_us = ti[k].deadline_us;
            t->runs = ti[k].c.runs;
            t->us_spent = ti[k].c.us_spent;
            t->bytes_done = ti[k].c.bytes_done;
        }
        for (unsigned c = 0; c < opp_runner_nclasses(v->runner) && out->classes_count < 64; c++) {
            opp_counters k;
            if (opp_runner_counters(v->runner, c, &k))
                continue;
            outrig_v1_TaskClassCounters *o = &out->classes[out->classes_count++];
            snprintf(o->vm_id, sizeof o->vm_id, "%s", v->spec.id);
            snprintf(o->task_class, sizeof o->task_class, "%s",
                     opp_runner_class_name(v->runner, c));
            o->mode = v->spec.mode;
            o->submitted = k.submitted;
            o->runs = k.runs;
            o->us_spent = k.us_spent;
            o->bytes_done = k.bytes_done;
            o->fallbacks = k.fallbacks;
            o->completed = k.completed;
            o->fallback_us = k.fallback_us;
            o->fallback_bytes = k.fallback_bytes;
        }
    }
}

void agent_vm_counters(agent *ag, opp_counters out[2])
{
    out[0] = ag->retired[0];
    out[1] = ag->retired[1];
    for (size_t i = 0; i < AGENT_MAX_VMS; i++) {
        agent_vm *v = &ag->vms[i];
        if (!v->used)
            continue;
        for (unsigned k = 0; k < 2; k++) {
            opp_counters c;
            int cls = k ? v->cls_metrics : v->cls_hash;
            if (cls < 0 || opp_runner_counters(v->runner, (unsigned)cls, &c))
                continue;
            out[k].submitted += c.submitted;
            out[k].runs += c.runs;
            out[k].us_spent += c.us_spent;
            out[k].bytes_done += c.bytes_done;
            out[k].fallbacks += c.fallbacks;
            out[k].completed += c.completed;
            out[k].fallback_us += c.fallback_us;
            out[k].fallback_bytes += c.fallback_bytes;
        }
    }
}

void agent_vm_destroy_all(agent *ag)
{
    for (size_t i = 0; i < AGENT_MAX_VMS; i++)
        if (ag->vms[i].used) {
            log_info("vm %s deleted on shutdown", ag->vms[i].spec.id);
            vm_free(ag, &ag->vms[i]);
        }
}
