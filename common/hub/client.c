// hub client: connection, acknowledged publish and Info.
#include "hub/hub.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hub/internal.h"
#include "outrig/v1/hub.pb-c.h"
#include "util/clock.h"
#include "util/log.h"

#define HUB_REDIAL_AFTER_MS 2000u

struct hub_client {
    pthread_rwlock_t lock; // rpc: calls hold it shared, a redial exclusively
    rpc_client *rpc;
    char *url;
    char *token;
    rpc_client_opts opts;
    pthread_mutex_t fmu; // the two fields below
    uint64_t fail_since; // first of the failures since the last answer (0 = none)
    uint64_t last_redial;
};

struct hub_client *hub_client_open(const char *url, const rpc_client_opts *opts)
{
    if (!url)
        return NULL;
    struct hub_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    // Writer first: a redial must not wait behind a stream of failing calls.
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&c->lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&c->fmu, NULL);
    if (opts)
        c->opts = *opts;
    c->url = strdup(url);
    c->token = c->opts.token ? strdup(c->opts.token) : NULL;
    c->opts.token = c->token;
    if (c->url && (!opts || !opts->token || c->token))
        c->rpc = rpc_client_open(url, &c->opts);
    if (!c->rpc) {
        hub_client_close(c);
        return NULL;
    }
    return c;
}

void hub_client_close(struct hub_client *c)
{
    if (!c)
        return;
    rpc_client_close(c->rpc);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->fmu);
    free(c->url);
    free(c->token);
    free(c);
}

rpc_client *hub_client_rpc(struct hub_client *c)
{
    return c->rpc;
}

// nng 1.5's dialer can stop redialling for good when the peer dies in the
// middle of a connection handshake (seen with kill -9 of the hub): after the
// hub has been unreachable for a while, start over with a fresh RPC client.
static void hub_note_result(struct hub_client *c, rpc_code code, uint64_t started)
{
    bool unreachable = code == RPC_UNAVAILABLE || code == RPC_DEADLINE_EXCEEDED;
    uint64_t now = clock_mono_ms();
    bool redial = false;
    pthread_mutex_lock(&c->fmu);
    if (!unreachable) {
        c->fail_since = 0;
    } else if (!c->fail_since) {
        // The hub was unreachable at least since this call started.
        c->fail_since = started;
    }
    if (unreachable && now - c->fail_since >= HUB_REDIAL_AFTER_MS &&
        now - c->last_redial >= HUB_REDIAL_AFTER_MS) {
        redial = true;
        c->last_redial = now;
        c->fail_since = 0;
    }
    pthread_mutex_unlock(&c->fmu);
    if (!redial)
        return;
    rpc_client *fresh = rpc_client_open(c->url, &c->opts);
    if (!fresh)
        return;
    log_warn("hub %s unreachable for %u ms: reconnecting", c->url, HUB_REDIAL_AFTER_MS);
    pthread_rwlock_wrlock(&c->lock);
    rpc_client *old = c->rpc;
    c->rpc = fresh;
    pthread_rwlock_unlock(&c->lock);
    rpc_client_close(old);
}

rpc_code hub_call(struct hub_client *c, const char *method, const ProtobufCMessage *in,
                  const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                  const rpc_call_opts *opts, rpc_status *st)
{
    uint64_t started = clock_mono_ms();
    pthread_rwlock_rdlock(&c->lock);
    rpc_code code = rpc_client_call(c->rpc, method, in, out_desc, out, opts, st);
    pthread_rwlock_unlock(&c->lock);
    hub_note_result(c, code, started);
    return code;
}

rpc_code hub_publish(struct hub_client *c, const hub_event *events, size_t n, uint64_t *first_seq,
                     rpc_status *st)
{
    if (n == 0 || n > HUB_PUBLISH_MAX_EVENTS) {
        if (st)
            rpc_status_set(st, RPC_INVALID_ARGUMENT, "events", "%zu events (1..%u allowed)", n,
                           HUB_PUBLISH_MAX_EVENTS);
        return RPC_INVALID_ARGUMENT;
    }
    Outrig__V1__Event *evs = calloc(n, sizeof *evs);
    Outrig__V1__Event **ptrs = calloc(n, sizeof *ptrs);
    if (!evs || !ptrs) {
        free(evs);
        free(ptrs);
        if (st)
            rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return RPC_RESOURCE_EXHAUSTED;
    }
    for (size_t i = 0; i < n; i++) {
        hub_event_to_pb(&events[i], &evs[i]);
        ptrs[i] = &evs[i];
    }
    Outrig__V1__PublishRequest req = OUTRIG__V1__PUBLISH_REQUEST__INIT;
    req.n_events = n;
    req.events = ptrs;
    Outrig__V1__PublishResponse *resp = NULL;
    rpc_call_opts co = {0};
    rpc_code code =
        hub_call(c, "/outrig.v1.Hub/Publish", &req.base, &outrig__v1__publish_response__descriptor,
                 (ProtobufCMessage **)&resp, &co, st);
    if (code == RPC_OK && first_seq)
        *first_seq = resp->first_seq;
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    free(evs);
    free(ptrs);
    return code;
}

rpc_code hub_info(struct hub_client *c, uint64_t *first_retained, uint64_t *last_seq,
                  char **pub_url, rpc_status *st)
{
    Outrig__V1__HubInfoRequest req = OUTRIG__V1__HUB_INFO_REQUEST__INIT;
    Outrig__V1__HubInfoResponse *resp = NULL;
    rpc_call_opts co = {.idempotent = true};
    rpc_code code =
        hub_call(c, "/outrig.v1.Hub/Info", &req.base, &outrig__v1__hub_info_response__descriptor,
                 (ProtobufCMessage **)&resp, &co, st);
    if (code == RPC_OK) {
        if (first_retained)
            *first_retained = resp->first_retained_seq;
        if (last_seq)
            *last_seq = resp->last_seq;
        if (pub_url) {
            *pub_url = strdup(resp->pub_url ? resp->pub_url : "");
            if (!*pub_url)
                code = RPC_RESOURCE_EXHAUSTED;
        }
    }
    if (resp)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    return code;
}
