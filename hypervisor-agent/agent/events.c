// events: what the agent tells the hub. Process VNFs are `vnf.<type>` (created, started,
// stopped, exited, failed, deleted) with an encoded VnfInfo. The host and its micro-VMs are
// `host.<type>`: up and down with a HostRecord, and vm-created, vm-started, vm-stopped,
// vm-exited, vm-failed, vm-deleted with an encoded VmInfo and the VM id. VMs are host
// resources, not VNFs of any NS, so vnf.* subscribers (the orchestrator) never see ids they
// cannot map. Publishing is asynchronous (hub_publisher): a hub that is down delays nothing.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "hub/hub.h"
#include "util/clock.h"
#include "util/log.h"

int agent_events_start(agent *ag)
{
    struct hub_client *hc = microapp_hub(ag->app);
    if (!hc)
        return 0;
    hub_publisher_opts o = {.max_queue = 4096};
    ag->pub = hub_publisher_new(hc, &o);
    return ag->pub ? 0 : -ENOMEM;
}

void agent_events_stop(agent *ag)
{
    hub_publisher_free(ag->pub);
    ag->pub = NULL;
}

static void publish(agent *ag, const char *cat, const char *type, const char *id,
                    const pb_msgdesc_t *fields, const void *msg)
{
    if (!ag->pub)
        return;
    uint8_t buf[4096];
    size_t len = 0;
    if (agent_encode(fields, msg, buf, sizeof buf, &len)) {
        log_warn("event %s.%s %s: payload does not encode", cat, type, id);
        return;
    }
    char source[80];
    snprintf(source, sizeof source, "agent/%s", ag->host);
    hub_event ev = {cat, type, id, source, buf, len};
    int rc = hub_publisher_add(ag->pub, &ev, NULL);
    if (rc)
        log_warn("event %s.%s %s: %s", cat, type, id, strerror(-rc));
}

void agent_event_vm(agent *ag, const char *type, const outrig_v1_VmInfo *vm)
{
    publish(ag, "host", type, vm->id, outrig_v1_VmInfo_fields, vm);
}

void agent_event_vnf(agent *ag, const char *type, const outrig_v1_VnfInfo *vnf)
{
    publish(ag, "vnf", type, vnf->id, outrig_v1_VnfInfo_fields, vnf);
}

void agent_host_record(const agent *ag, outrig_v1_HostRecord *rec)
{
    memset(rec, 0, sizeof *rec);
    snprintf(rec->name, sizeof rec->name, "%s", ag->host);
    snprintf(rec->agent_url, sizeof rec->agent_url, "%s", microapp_listen_url(ag->app));
    rec->pid = (int32_t)getpid();
    rec->started_unix_ms = ag->started_unix_ms;
    rec->kvm = ag->kvm != NULL;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    rec->cpus = n > 0 ? (uint32_t)n : 0;
    snprintf(rec->version, sizeof rec->version, "%s", OUTRIG_VERSION);
}

void agent_event_host(agent *ag, const char *type)
{
    outrig_v1_HostRecord rec;
    agent_host_record(ag, &rec);
    publish(ag, "host", type, ag->host, outrig_v1_HostRecord_fields, &rec);
}

void agent_event_raw(agent *ag, const char *cat, const char *type, const char *id,
                     const uint8_t *buf, size_t len)
{
    if (!ag->pub)
        return;
    char source[80];
    snprintf(source, sizeof source, "agent/%s", ag->host);
    hub_event ev = {cat, type, id, source, buf, len};
    int rc = hub_publisher_add(ag->pub, &ev, NULL);
    if (rc)
        log_warn("event %s.%s %s: %s", cat, type, id, strerror(-rc));
}
