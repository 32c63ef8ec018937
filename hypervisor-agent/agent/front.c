// front: the Agent API over rpc_server_add_raw. A handler only queues the call; one worker
// thread decodes (nanopb, bounded, no malloc), validates, runs the domain under ag->mu,
// encodes and answers, so VM and VNF operations never block an nng callback and never run
// concurrently. Between calls, every 100 ms, the worker polls VM and VNF states.
#include <errno.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "util/clock.h"
#include "util/log.h"

#define POLL_MS 100

static void on_call(rpc_call *call, const uint8_t *in, size_t len, void *arg)
{
    struct agent_method_arg *ma = arg;
    agent *ag = ma->ag;
    pthread_mutex_lock(&ag->qmu);
    bool full = ag->qtail - ag->qhead >= AGENT_QUEUE, stopping = ag->qstop;
    if (!full && !stopping) {
        ag->q[ag->qtail % AGENT_QUEUE] = (agent_call){call, ma->m, in, len};
        ag->qtail++;
        pthread_cond_signal(&ag->qcv);
    }
    pthread_mutex_unlock(&ag->qmu);
    if (stopping)
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "the agent is stopping");
    else if (full)
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "too many requests queued");
}

// Runs one decoded request; fills the reply and returns its code.
static rpc_code dispatch(agent *ag, agent_method m, agent_req *q, agent_rep *r, rpc_status *st)
{
    switch (m) {
    case AGENT_M_CREATE_VM:
        return agent_vm_create(ag, &q->create_vm.spec, &r->vm, st);
    case AGENT_M_START_VM:
        return agent_vm_start(ag, q->vm.id, &r->vm, st);
    case AGENT_M_STOP_VM:
        return agent_vm_stop(ag, q->vm.id, &r->vm, st);
    case AGENT_M_DELETE_VM:
        return agent_vm_delete(ag, q->vm.id, st);
    case AGENT_M_GET_VM:
        return agent_vm_get(ag, q->vm.id, &r->vm, st);
    case AGENT_M_LIST_VMS:
        agent_vm_list(ag, &r->vms);
        return RPC_OK;
    case AGENT_M_CREATE_VNF:
        return agent_vnf_create(ag, &q->create_vnf.spec, &r->vnf, st);
    case AGENT_M_START_VNF:
        return agent_vnf_start(ag, q->vnf.id, &r->vnf, st);
    case AGENT_M_STOP_VNF:
        return agent_vnf_stop(ag, q->vnf.id, &r->vnf, st);
    case AGENT_M_DELETE_VNF:
        return agent_vnf_delete(ag, q->vnf.id, st);
    case AGENT_M_GET_VNF:
        return agent_vnf_get(ag, q->vnf.id, &r->vnf, st);
    case AGENT_M_LIST_VNFS:
        agent_vnf_list(ag, q->list_vnfs.owner, q->list_vnfs.start_after, &r->vnfs);
        return RPC_OK;
    case AGENT_M_CONFIGURE_PEER:
        return agent_vnf_peer(ag, &q->peer, &r->vnf, st);
    case AGENT_M_LIST_TASKS:
        agent_vm_tasks(ag, q->list_tasks.vm_id, &r->tasks);
        return RPC_OK;
    case AGENT_M_STATS:
        agent_stats_fill(ag, &r->stats);
        return RPC_OK;
    default:
        rpc_status_set(st, RPC_UNIMPLEMENTED, NULL, "no such method");
        return RPC_UNIMPLEMENTED;
    }
}

static void handle(agent *ag, const agent_call *c)
{
    rpc_status st = {0};
    rpc_code code = agent_req_decode(c->m, c->in, c->len, &ag->req, &st);
    if (code == RPC_OK) {
        memset(&ag->rep, 0, sizeof ag->rep);
        pthread_mutex_lock(&ag->mu);
        code = dispatch(ag, c->m, &ag->req, &ag->rep, &st);
        pthread_mutex_unlock(&ag->mu);
    }
    if (code != RPC_OK) {
        rpc_call_fail(c->call, code, st.field[0] ? st.field : NULL, "%s", st.message);
        return;
    }
    size_t len = 0;
    int rc =
        agent_encode(agent_method_get(c->m)->out_fields, &ag->rep, ag->out, sizeof ag->out, &len);
    if (rc) {
        rpc_call_fail(c->call, RPC_INTERNAL, NULL, "encoding the reply: %s", strerror(-rc));
        return;
    }
    rpc_call_done_raw(c->call, ag->out, len);
}

static void *worker_main(void *arg)
{
    agent *ag = arg;
    uint64_t next_poll = clock_mono_ms() + POLL_MS;
    pthread_mutex_lock(&ag->qmu);
    while (!ag->qstop) {
        if (ag->qhead == ag->qtail && clock_mono_ms() < next_poll) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += POLL_MS * 1000000L / 2;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&ag->qcv, &ag->qmu, &ts);
            continue;
        }
        if (ag->qhead != ag->qtail) {
            agent_call c = ag->q[ag->qhead % AGENT_QUEUE];
            ag->qhead++;
            pthread_mutex_unlock(&ag->qmu);
            handle(ag, &c);
            pthread_mutex_lock(&ag->qmu);
            continue;
        }
        pthread_mutex_unlock(&ag->qmu);
        pthread_mutex_lock(&ag->mu);
        agent_vm_poll(ag, clock_mono_us());
        agent_vnf_poll(ag);
        pthread_mutex_unlock(&ag->mu);
        next_poll = clock_mono_ms() + POLL_MS;
        pthread_mutex_lock(&ag->qmu);
    }
    // Calls still queued when the server stops: answer them, none may be left pending.
    while (ag->qhead != ag->qtail) {
        agent_call c = ag->q[ag->qhead % AGENT_QUEUE];
        ag->qhead++;
        pthread_mutex_unlock(&ag->qmu);
        rpc_call_fail(c.call, RPC_UNAVAILABLE, NULL, "the agent is stopping");
        pthread_mutex_lock(&ag->qmu);
    }
    pthread_mutex_unlock(&ag->qmu);
    return NULL;
}

int agent_front_start(agent *ag)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ag->qcv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&ag->qmu, NULL);
    rpc_server *s = microapp_rpc(ag->app);
    for (unsigned i = 0; i < AGENT_M_COUNT; i++) {
        const agent_method_desc *d = agent_method_get((agent_method)i);
        ag->margs[i] = (struct agent_method_arg){ag, (agent_method)i};
        int rc = rpc_server_add_raw(s, d->full, d->in_type, d->out_type, on_call, &ag->margs[i]);
        if (rc) {
            log_error("registering %s: %s", d->full, strerror(-rc));
            return rc;
        }
    }
    int rc = pthread_create(&ag->worker, NULL, worker_main, ag);
    if (rc)
        return -rc;
    ag->worker_on = true;
    return 0;
}

// Called after the RPC server stopped (microapp fini): no call can arrive any more.
void agent_front_stop(agent *ag)
{
    if (!ag->worker_on)
        return;
    pthread_mutex_lock(&ag->qmu);
    ag->qstop = true;
    pthread_cond_signal(&ag->qcv);
    pthread_mutex_unlock(&ag->qmu);
    pthread_join(ag->worker, NULL);
    ag->worker_on = false;
    pthread_cond_destroy(&ag->qcv);
    pthread_mutex_destroy(&ag->qmu);
}
