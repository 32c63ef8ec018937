// service: builds the agent from its options and tears it down. Options (--set KEY=VALUE):
//   host=NAME           the host's name in the store (default: gethostname)
//   guest_dir=DIR       the flat guest programs (default: the build's guest folder)
//   cpl3=true|false     run guests at CPL 3 (default true: PVM emulates CPL-0 code slowly)
//   lease_ttl_ms=N      the host lease TTL (default 3000)
//   stop_grace_ms=N     SIGTERM-to-SIGKILL grace when stopping a VNF (default 2000)
//   on_exit=cleanup|keep  delete every VM and VNF on shutdown (default), or leave the VNFs
//                       (VMs live in the agent's process and end with it either way)
//   cgroups=on|off      VNF limits through cgroups (default on, where the host offers them)
//   netns_prefix=P      network namespace names "<P><id>" (default "ovnf-"). With
//                       on_exit=cleanup the agent removes, at start, the namespaces with this
//                       prefix that a dead agent left: one agent per prefix and host.
//   host_netns=NAME     put the host ends of VNF veths in that network namespace (the
//                       site's own, where the linker attaches them); default: the agent's
//   host_addr=IPV4      the host's underlay address for VXLAN links, reported in cp.ready
//   site=NAME           the site reported in cp.ready
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "service.h"
#include "util/clock.h"
#include "util/log.h"

#define AGENT_NETNS_PREFIX "ovnf-"

#ifndef AGENT_GUEST_DIR
#define AGENT_GUEST_DIR "/usr/lib/outrig/guest"
#endif

static bool opt_bool(microapp *app, const char *key, bool def)
{
    const char *v = microapp_opt(app, key, def ? "true" : "false");
    return !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes");
}

static int opts(agent *ag, microapp *app)
{
    char hn[64] = "";
    if (gethostname(hn, sizeof hn - 1))
        snprintf(hn, sizeof hn, "localhost");
    snprintf(ag->host, sizeof ag->host, "%s", microapp_opt(app, "host", hn));
    if (!agent_id_ok(ag->host)) {
        log_error("--set host=%s: need 1..63 of [A-Za-z0-9_.-]", ag->host);
        return -EINVAL;
    }
    snprintf(ag->guest_dir, sizeof ag->guest_dir, "%s",
             microapp_opt(app, "guest_dir", AGENT_GUEST_DIR));
    // The underlay address and site the linker gets in cp.ready (VXLAN endpoints).
    const char *ha = microapp_opt(app, "host_addr", "");
    struct in_addr ia;
    if (ha[0] && (strlen(ha) >= sizeof ag->host_addr || inet_pton(AF_INET, ha, &ia) != 1)) {
        log_error("--set host_addr=%s: need an IPv4 address", ha);
        return -EINVAL;
    }
    snprintf(ag->host_addr, sizeof ag->host_addr, "%s", ha);
    snprintf(ag->site, sizeof ag->site, "%s", microapp_opt(app, "site", ""));
    const char *dd = microapp_data_dir(app);
    if (strlen(dd) >= sizeof ag->data_dir) {
        log_error("--data-dir: at most %zu characters", sizeof ag->data_dir - 1);
        return -ENAMETOOLONG;
    }
    snprintf(ag->data_dir, sizeof ag->data_dir, "%s", dd);
    ag->cpl3 = opt_bool(app, "cpl3", true);
    const char *oe = microapp_opt(app, "on_exit", "cleanup");
    if (strcmp(oe, "cleanup") && strcmp(oe, "keep")) {
        log_error("--set on_exit=%s: need cleanup or keep", oe);
        return -EINVAL;
    }
    ag->keep = !strcmp(oe, "keep");
    uint64_t ttl, grace;
    if (microapp_opt_u64(app, "lease_ttl_ms", 3000, &ttl) || ttl < 300 || ttl > 600000) {
        log_error("--set lease_ttl_ms: need 300..600000");
        return -EINVAL;
    }
    if (microapp_opt_u64(app, "stop_grace_ms", 2000, &grace) || grace > 600000) {
        log_error("--set stop_grace_ms: need 0..600000");
        return -EINVAL;
    }
    ag->lease_ttl_ms = (uint32_t)ttl;
    ag->stop_grace_ms = (unsigned)grace;
    return 0;
}

static int runtime_open(agent *ag, microapp *app)
{
    static char logs[600];
    snprintf(logs, sizeof logs, "%s/logs", ag->data_dir);
    if (mkdir(logs, 0750) && errno != EEXIST)
        return -errno;
    struct rt_config rc = {
        .log_dir = logs,
        .netns_prefix = microapp_opt(app, "netns_prefix", AGENT_NETNS_PREFIX),
        .host_netns = microapp_opt(app, "host_netns", NULL),
        .no_cgroups = !opt_bool(app, "cgroups", true),
        .stop_grace_ms = ag->stop_grace_ms,
    };
    int rv = rt_runtime_new(&rc, &ag->rt);
    if (rv) {
        log_warn("process VNFs unavailable: %s", strerror(-rv));
        return 0;
    }
    log_info("process VNFs: %s", rt_runtime_cgroup_note(ag->rt));
    if (!ag->keep)
        agent_vnf_purge_leftovers(ag, rc.netns_prefix);
    return 0;
}

int agent_service_init(microapp *app, void **state)
{
    agent *ag = calloc(1, sizeof *ag);
    if (!ag)
        return -ENOMEM;
    ag->app = app;
    ag->link_nl = -1;
    ag->started_us = clock_mono_us();
    ag->started_unix_ms = clock_unix_ms();
    pthread_mutex_init(&ag->mu, NULL);
    int rc = opts(ag, app);
    if (rc)
        goto fail;
    rc = vmm_host_open(&ag->kvm);
    if (rc) {
        log_warn("micro-VMs unavailable: /dev/kvm: %s", strerror(-rc));
        ag->kvm = NULL;
    }
    if ((rc = runtime_open(ag, app)) || (rc = agent_events_start(ag)) ||
        (rc = agent_stats_init(ag)) || (rc = agent_front_start(ag)))
        goto fail;
    log_info("host %s: guests from %s (%s), KVM %s", ag->host, ag->guest_dir,
             ag->cpl3 ? "CPL 3" : "CPL 0", ag->kvm ? "ready" : "unavailable");
    *state = ag;
    return 0;
fail:
    agent_service_fini(app, ag);
    return rc;
}

void agent_service_tick(microapp *app, void *state)
{
    agent_state_tick(state);
}

void agent_service_fini(microapp *app, void *state)
{
    agent *ag = state;
    if (!ag)
        return;
    agent_front_stop(ag);
    pthread_mutex_lock(&ag->mu);
    agent_vm_destroy_all(ag);
    if (!ag->keep)
        agent_vnf_destroy_all(ag);
    pthread_mutex_unlock(&ag->mu);
    agent_state_stop(ag);
    agent_link_wait(ag);
    agent_link_close(ag);
    agent_events_stop(ag);
    // With on_exit=keep the VNFs stay and their handles are simply abandoned: the runtime has
    // no way to drop one without deleting it, and the process is ending anyway.
    rt_runtime_free(ag->rt);
    vmm_host_close(ag->kvm);
    pthread_mutex_destroy(&ag->mu);
    free(ag);
}
