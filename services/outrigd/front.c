// The Driver API: ListServices and Restart over common/rpc.
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "outrig/v1/driver.pb-c.h"
#include "util/clock.h"
#include "util/log.h"

// od_state values are sent as they are.
_Static_assert((int)OD_STOPPED == (int)OUTRIG__V1__SERVICE_INFO__STATE__STOPPED &&
                   (int)OD_STARTING == (int)OUTRIG__V1__SERVICE_INFO__STATE__STARTING &&
                   (int)OD_SERVING == (int)OUTRIG__V1__SERVICE_INFO__STATE__SERVING &&
                   (int)OD_BACKOFF == (int)OUTRIG__V1__SERVICE_INFO__STATE__BACKOFF &&
                   (int)OD_FAILED == (int)OUTRIG__V1__SERVICE_INFO__STATE__FAILED &&
                   (int)OD_STOPPING == (int)OUTRIG__V1__SERVICE_INFO__STATE__STOPPING,
               "od_state must match outrig.v1.ServiceInfo.State");

// Fills info from kids[i]; the caller holds d->mu. Strings that change go in
// the call's arena; names and addresses live in the config.
static int od_fill_info(od_daemon *d, rpc_call *call, size_t i, Outrig__V1__ServiceInfo *info)
{
    const od_child *ch = &d->sup.kids[i];
    outrig__v1__service_info__init(info);
    info->name = (char *)ch->svc->name;
    info->address = (char *)ch->svc->listen;
    info->pid = ch->pid > 0 ? (uint32_t)ch->pid : 0;
    info->state = (Outrig__V1__ServiceInfo__State)ch->state;
    info->restarts = ch->restarts;
    info->started_unix_ms = ch->started_unix_ms;
    info->enabled = ch->svc->enabled;
    info->binary = rpc_call_strdup(call, d->binary[i]);
    info->last_exit = rpc_call_strdup(call, ch->last_exit);
    if (ch->state == OD_BACKOFF) {
        uint64_t now = clock_mono_ms();
        info->next_start_unix_ms =
            clock_unix_ms() + (ch->next_start_ms > now ? ch->next_start_ms - now : 0);
    }
    info->n_depends_on = ch->svc->ndeps;
    if (ch->svc->ndeps) {
        info->depends_on = rpc_call_alloc(call, ch->svc->ndeps * sizeof *info->depends_on);
        if (!info->depends_on)
            return -ENOMEM;
        for (size_t j = 0; j < ch->svc->ndeps; j++)
            info->depends_on[j] = (char *)ch->svc->deps[j];
    }
    return info->binary && info->last_exit ? 0 : -ENOMEM;
}

static void od_list_services(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                             void *arg)
{
    od_daemon *d = arg;
    Outrig__V1__ListServicesResponse *r = (Outrig__V1__ListServicesResponse *)out;
    r->driver_pid = (uint32_t)getpid();
    r->driver_started_unix_ms = d->started_unix_ms;
    r->run_dir = (char *)d->cfg->run_dir;
    r->config_path = (char *)d->cfg->config_path;
    pthread_mutex_lock(&d->mu);
    size_t n = d->sup.n;
    r->services = rpc_call_alloc(call, (n ? n : 1) * sizeof *r->services);
    Outrig__V1__ServiceInfo *infos = rpc_call_alloc(call, (n ? n : 1) * sizeof *infos);
    int rc = r->services && infos ? 0 : -ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = od_fill_info(d, call, i, &infos[i]);
        r->services[i] = &infos[i];
    }
    pthread_mutex_unlock(&d->mu);
    if (rc) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    r->n_services = n;
    rpc_call_done(call, RPC_OK);
}

static void od_restart(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out, void *arg)
{
    od_daemon *d = arg;
    const Outrig__V1__RestartRequest *req = (const Outrig__V1__RestartRequest *)in;
    Outrig__V1__RestartResponse *r = (Outrig__V1__RestartResponse *)out;
    if (!req->name || !req->name[0]) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "name", "must name a service");
        return;
    }
    Outrig__V1__ServiceInfo *info = rpc_call_alloc(call, sizeof *info);
    if (!info) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    pthread_mutex_lock(&d->mu);
    int i = od_sup_find(&d->sup, req->name);
    int rc = i < 0 ? -ENOENT : od_sup_restart(&d->sup, (size_t)i, clock_mono_ms());
    if (rc == 0)
        rc = od_fill_info(d, call, (size_t)i, info);
    pthread_mutex_unlock(&d->mu);
    switch (rc) {
    case 0:
        log_info("%s: restart requested by %s", req->name,
                 rpc_call_token(call)[0] ? rpc_call_token(call) : "a client");
        od_daemon_wake(d);
        r->service = info;
        rpc_call_done(call, RPC_OK);
        return;
    case -ENOENT:
        rpc_call_fail(call, RPC_NOT_FOUND, "name", "no service named '%.64s'", req->name);
        return;
    case -ECANCELED:
        rpc_call_fail(call, RPC_FAILED_PRECONDITION, NULL, "outrigd is stopping");
        return;
    case -EPERM:
        rpc_call_fail(call, RPC_FAILED_PRECONDITION, "name", "service '%s' is disabled", req->name);
        return;
    default:
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
}

static const rpc_method_impl od_driver_impls[] = {
    {"ListServices", od_list_services},
    {"Restart", od_restart},
};

int od_front_start(od_daemon *d)
{
    rpc_server_opts o = {.contexts = 4, .name = "outrigd"};
    d->srv = rpc_server_new(&o);
    if (!d->srv)
        return -ENOMEM;
    int rc = rpc_server_add_service(d->srv, &outrig__v1__driver__descriptor, od_driver_impls, 2, d);
    if (rc == 0)
        rc = rpc_server_listen(d->srv, d->url);
    if (rc == 0)
        rc = rpc_server_start(d->srv);
    if (rc) {
        rpc_server_free(d->srv);
        d->srv = NULL;
    }
    return rc;
}

void od_front_stop(od_daemon *d)
{
    rpc_server_free(d->srv);
    d->srv = NULL;
    // nng leaves the ipc socket file behind on close.
    if (strncmp(d->url, "ipc://", 6) == 0)
        unlink(d->url + 6);
}
