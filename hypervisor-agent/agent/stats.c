// stats: the agent's metrics (VM and VNF counts, management task counters per class, summed
// over every VM) and the Stats reply.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "util/clock.h"

unsigned agent_proc_count(const char *what)
{
    char path[32];
    snprintf(path, sizeof path, "/proc/self/%s", what);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n > 0 && !strcmp(what, "fd") ? n - 1 : n; // not the DIR's own fd
}

static void counts(agent *ag, unsigned *vms, unsigned *running, unsigned *failed, unsigned *vnfs,
                   unsigned *vnfs_running)
{
    *vms = *running = *failed = *vnfs = *vnfs_running = 0;
    for (size_t i = 0; i < AGENT_MAX_VMS; i++) {
        if (!ag->vms[i].used)
            continue;
        (*vms)++;
        vmm_state s = vmm_get_state(ag->vms[i].vm);
        *running += s == VMM_RUNNING;
        *failed += s == VMM_FAILED;
    }
    for (size_t i = 0; i < AGENT_MAX_VNFS; i++) {
        if (!ag->vnfs[i].used)
            continue;
        (*vnfs)++;
        *vnfs_running += ag->vnfs[i].reported == outrig_v1_AgentVnfState_AGENT_VNF_RUNNING;
    }
}

static void on_render(void *arg)
{
    agent *ag = arg;
    unsigned vms, running, failed, vnfs, vnfs_running;
    opp_counters c[2];
    pthread_mutex_lock(&ag->mu);
    counts(ag, &vms, &running, &failed, &vnfs, &vnfs_running);
    agent_vm_counters(ag, c);
    pthread_mutex_unlock(&ag->mu);
    metrics_set(ag->m_vms, vms);
    metrics_set(ag->m_vms_failed, failed);
    metrics_set(ag->m_vnfs, vnfs);
    metrics_set(ag->m_vnfs_running, vnfs_running);
    for (unsigned k = 0; k < 2; k++) {
        uint64_t v[6] = {c[k].runs,      c[k].us_spent,  c[k].bytes_done,
                         c[k].fallbacks, c[k].completed, c[k].submitted};
        for (unsigned j = 0; j < 6; j++)
            metrics_set(ag->m_task[k][j], (int64_t)v[j]);
    }
}

int agent_stats_init(agent *ag)
{
    metrics_registry *r = microapp_metrics(ag->app);
    if (!r)
        return 0;
    ag->m_vms = metrics_add(r, METRICS_GAUGE, "vms", NULL, "micro-VMs on this host");
    ag->m_vms_failed = metrics_add(r, METRICS_GAUGE, "vms_failed", NULL, "VMs whose guest failed");
    ag->m_vnfs = metrics_add(r, METRICS_GAUGE, "vnfs", NULL, "process VNFs on this host");
    ag->m_vnfs_running = metrics_add(r, METRICS_GAUGE, "vnfs_running", NULL, "running VNFs");
    static const char *const cls[2] = {"class=\"hash\"", "class=\"metrics\""};
    static const char *const names[6][2] = {
        {"task_runs", "management task portions run"},
        {"task_us", "microseconds spent on management tasks"},
        {"task_bytes", "bytes processed by management tasks"},
        {"task_fallbacks", "tasks that missed their deadline and ran on the fallback worker"},
        {"task_completed", "management tasks completed"},
        {"task_submitted", "management tasks submitted"},
    };
    for (unsigned k = 0; k < 2; k++)
        for (unsigned j = 0; j < 6; j++)
            ag->m_task[k][j] = metrics_add(r, METRICS_GAUGE, names[j][0], cls[k], names[j][1]);
    metrics_on_render(r, on_render, ag);
    return 0;
}

// Worker thread, mu held.
void agent_stats_fill(agent *ag, outrig_v1_AgentStatsResponse *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->host, sizeof o->host, "%s", ag->host);
    o->kvm = ag->kvm != NULL;
    unsigned vms, running, failed, vnfs, vnfs_running;
    counts(ag, &vms, &running, &failed, &vnfs, &vnfs_running);
    o->vms = vms;
    o->vms_running = running;
    o->vms_failed = failed;
    o->vnfs = vnfs;
    o->vnfs_running = vnfs_running;
    opp_counters c[2];
    agent_vm_counters(ag, c);
    for (unsigned k = 0; k < 2; k++) {
        o->tasks_submitted += c[k].submitted;
        o->tasks_completed += c[k].completed;
        o->fallbacks += c[k].fallbacks;
        o->mgmt_us += c[k].us_spent;
        o->mgmt_bytes += c[k].bytes_done;
    }
    o->uptime_ms = (clock_mono_us() - ag->started_us) / 1000;
    o->threads = agent_proc_count("task");
    o->fds = agent_proc_count("fd");
}
