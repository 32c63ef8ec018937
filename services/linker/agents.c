// agents: the Agent API's ConfigurePeer, one RPC client per agent URL, called by a small
// fixed pool of caller threads. An agent answers ConfigurePeer once it has built its end of
// the data path, so a call takes as long as that agent's queue and netlink work: made from
// the hub thread one after the other, 100 links cost 200 such waits in a row and held up
// every cp.verified behind them. Each end of a link is its own queued call, so both agents
// of a link work at once and every agent has several calls waiting for its worker; no more
// than PER_AGENT calls go to one agent at a time, so that one slow or unreachable agent
// (a call waits up to CALL_TIMEOUT_MS) cannot take every caller from the others.
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath.h"
#include "lnkd.h"
#include "outrig/v1/agent.pb-c.h"
#include "rpc/rpc.h"

#define AGENTS_MAX 256
#define CALLERS 8       // ConfigurePeer calls in flight
#define PER_AGENT 4     // of them, to one agent
#define CALLS_MAX 65536 // queued calls; past it an attempt fails (and is retried)
#define CALL_TIMEOUT_MS 2000
#define WHY_MAX 640 // a call's error in full; the link keeps LNK_REASON_MAX of it

typedef struct call {
    struct call *next;
    char link_id[LNKD_LINK_ID_MAX];
    uint32_t attempt;
    int agent;         // index of self's agent in the client table
    lnk_cp self, peer; // configure self's agent about peer
} call;

struct lnkd_agents {
    lnkd *d;
    pthread_mutex_t mu; // the client table and the queue; the clients are thread-safe
    pthread_cond_t cv;
    char *url[AGENTS_MAX];
    rpc_client *client[AGENTS_MAX];
    int busy[AGENTS_MAX]; // calls in flight to each
    size_t n;
    call *head, *tail;
    size_t queued;
    bool stop;
    pthread_t callers[CALLERS];
    int n_callers;
};

// The index of url's client, opened when new (a->mu held); -ENOSPC or -ENOMEM.
static int client_index(struct lnkd_agents *a, const char *url)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->url[i], url))
            return (int)i;
    if (a->n == AGENTS_MAX)
        return -ENOSPC;
    rpc_client_opts opts = {.timeout_ms = CALL_TIMEOUT_MS, .connect_wait_ms = 500};
    rpc_client *c = rpc_client_open(url, &opts);
    char *u = strdup(url);
    if (!c || !u) {
        rpc_client_close(c);
        free(u);
        return -ENOMEM;
    }
    a->url[a->n] = u;
    a->client[a->n] = c;
    return (int)a->n++;
}

// ConfigurePeer on self's agent (client c), about peer. 0, or -EIO / -EDESTADDRREQ (ends on
// two sites, one without a host address) with reason filled.
static int configure_peer(rpc_client *c, const char *link_id, const lnk_cp *self,
                          const lnk_cp *peer, char *reason, size_t n)
{
    // Ends on two sites need a tunnel between the site hosts, so both hosts' underlay
    // addresses; without one a bridge alone would never carry the traffic.
    bool two_sites = self->site[0] && peer->site[0] && strcmp(self->site, peer->site);
    if (two_sites && (!self->host[0] || !peer->host[0])) {
        const lnk_cp *lacking = self->host[0] ? peer : self;
        snprintf(reason, n, "%s/%s on site %s has no host address: a link across sites needs "
                 "both site hosts' underlay addresses (the site's host_addr)",
                 lacking->vnf_id, lacking->cp_id, lacking->site);
        return -EDESTADDRREQ;
    }
    char addr[24], id[2 * LNK_ID_MAX + 2];
    snprintf(addr, sizeof addr, "%s", peer->address);
    char *slash = strchr(addr, '/');
    if (slash)
        *slash = 0;
    snprintf(id, sizeof id, "%s/%s", peer->vnf_id, peer->cp_id);
    Outrig__V1__ConfigurePeerRequest req = OUTRIG__V1__CONFIGURE_PEER_REQUEST__INIT;
    req.vnf_id = (char *)self->vnf_id;
    req.cp_id = (char *)self->cp_id;
    req.address = (char *)"";
    req.peer_address = addr;
    req.peer_id = id;
    // The data path: the vl key names the bridge; a peer on another site host gets a tunnel.
    char vl[2 * LNK_ID_MAX + 2];
    snprintf(vl, sizeof vl, "%s/%s", self->ns_id, self->virtual_link);
    bool cross = self->host[0] && peer->host[0] && strcmp(self->host, peer->host);
    req.virtual_link = self->virtual_link[0] ? vl : (char *)"";
    req.link_id = (char *)link_id;
    req.peer_host = cross ? (char *)peer->host : (char *)"";
    req.vni = cross ? lnk_vni(vl) : 0;
    req.host = (char *)self->host;
    rpc_status st = {0};
    rpc_code code =
        rpc_client_call(c, "/outrig.v1.Agent/ConfigurePeer", &req.base, NULL, NULL, NULL, &st);
    if (code == RPC_OK)
        return 0;
    snprintf(reason, n, "ConfigurePeer %s/%s: %s %s", self->vnf_id, self->cp_id,
             rpc_code_name(code), st.message);
    return -EIO;
}

// Takes the first queued call whose agent has room (a->mu held), or NULL.
static call *take(struct lnkd_agents *a)
{
    for (call **p = &a->head, *prev = NULL; *p; prev = *p, p = &(*p)->next) {
        call *c = *p;
        if (a->busy[c->agent] >= PER_AGENT)
            continue;
        *p = c->next;
        if (a->tail == c)
            a->tail = prev;
        a->queued--;
        a->busy[c->agent]++;
        return c;
    }
    return NULL;
}

static void *caller_main(void *arg)
{
    struct lnkd_agents *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        call *c = NULL;
        while (!a->stop && !(c = take(a)))
            pthread_cond_wait(&a->cv, &a->mu);
        if (!c)
            break; // stopping
        rpc_client *client = a->client[c->agent];
        pthread_mutex_unlock(&a->mu);
        // An attempt that ended while the call waited (failed, a CP went down) needs none.
        if (lnkd_attempt_open(a->d, c->link_id, c->attempt)) {
            char why[WHY_MAX] = "";
            if (configure_peer(client, c->link_id, &c->self, &c->peer, why, sizeof why) < 0)
                lnkd_attempt_failed(a->d, c->link_id, c->attempt,
                                    why[0] ? why : "configuring the peers failed");
        }
        pthread_mutex_lock(&a->mu);
        if (a->busy[c->agent]-- == PER_AGENT)
            pthread_cond_signal(&a->cv); // a call waiting for this agent may go now
        free(c);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

struct lnkd_agents *lnkd_agents_new(lnkd *d)
{
    struct lnkd_agents *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->d = d;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    for (; a->n_callers < CALLERS; a->n_callers++) {
        if (pthread_create(&a->callers[a->n_callers], NULL, caller_main, a)) {
            lnkd_agents_free(a);
            return NULL;
        }
    }
    return a;
}

void lnkd_agents_stop(struct lnkd_agents *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    for (int i = 0; i < a->n_callers; i++)
        pthread_join(a->callers[i], NULL);
    a->n_callers = 0;
    // Calls still queued are dropped: their links stay ESTABLISHING, and a restarted
    // linker lets them fail by the verification deadline and retries them.
    pthread_mutex_lock(&a->mu);
    while (a->head) {
        call *c = a->head;
        a->head = c->next;
        free(c);
    }
    a->tail = NULL;
    a->queued = 0;
    pthread_mutex_unlock(&a->mu);
}

void lnkd_agents_free(struct lnkd_agents *a)
{
    if (!a)
        return;
    lnkd_agents_stop(a);
    for (size_t i = 0; i < a->n; i++) {
        rpc_client_close(a->client[i]);
        free(a->url[i]);
    }
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static call *call_new(const char *link_id, uint32_t attempt, const lnk_cp *self, const lnk_cp *peer)
{
    call *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->next = NULL;
    c->agent = 0;
    snprintf(c->link_id, sizeof c->link_id, "%s", link_id);
    c->attempt = attempt;
    c->self = *self;
    c->peer = *peer;
    return c;
}

int lnkd_agents_configure(struct lnkd_agents *a, const char *link_id, uint32_t attempt,
                          const lnk_cp end[2])
{
    // A CP with no agent has nobody to tell (its VNF reads its peer elsewhere). Both calls
    // or neither: a half-configured attempt would only fail by its deadline.
    call *c[2] = {NULL, NULL};
    int n = 0, e = 0;
    for (int side = 1; side >= 0 && e == 0; side--) {
        if (!end[side].agent[0])
            continue;
        if (!(c[n++] = call_new(link_id, attempt, &end[side], &end[!side])))
            e = -ENOMEM;
    }
    pthread_mutex_lock(&a->mu);
    if (e == 0 && a->stop)
        e = -ESHUTDOWN;
    else if (e == 0 && a->queued + (size_t)n > CALLS_MAX)
        e = -EAGAIN;
    for (int i = 0; e == 0 && i < n; i++)
        if ((c[i]->agent = client_index(a, c[i]->self.agent)) < 0)
            e = c[i]->agent;
    for (int i = 0; e == 0 && i < n; i++) {
        if (a->tail)
            a->tail->next = c[i];
        else
            a->head = c[i];
        a->tail = c[i];
        a->queued++;
        pthread_cond_signal(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    if (e) {
        free(c[0]);
        free(c[1]);
    }
    return e;
}
