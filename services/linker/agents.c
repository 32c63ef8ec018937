// agents: the Agent API's ConfigurePeer, one RPC client per agent URL.
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

struct lnkd_agents {
    pthread_mutex_t mu; // the table; the clients themselves are thread-safe
    char *url[AGENTS_MAX];
    rpc_client *client[AGENTS_MAX];
    size_t n;
};

struct lnkd_agents *lnkd_agents_new(void)
{
    struct lnkd_agents *a = calloc(1, sizeof *a);
    if (a)
        pthread_mutex_init(&a->mu, NULL);
    return a;
}

void lnkd_agents_free(struct lnkd_agents *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        rpc_client_close(a->client[i]);
        free(a->url[i]);
    }
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static rpc_client *client_for_locked(struct lnkd_agents *a, const char *url)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->url[i], url))
            return a->client[i];
    if (a->n == AGENTS_MAX)
        return NULL;
    rpc_client_opts opts = {.timeout_ms = 2000, .connect_wait_ms = 500};
    rpc_client *c = rpc_client_open(url, &opts);
    char *u = strdup(url);
    if (!c || !u) {
        rpc_client_close(c);
        free(u);
        return NULL;
    }
    a->url[a->n] = u;
    a->client[a->n++] = c;
    return c;
}

static rpc_client *client_for(struct lnkd_agents *a, const char *url)
{
    pthread_mutex_lock(&a->mu);
    rpc_client *c = client_for_locked(a, url);
    pthread_mutex_unlock(&a->mu);
    return c;
}

int lnkd_configure_peer(lnkd *d, const char *link_id, const lnk_cp *self, const lnk_cp *peer,
                        char *reason, size_t n)
{
    if (!self->agent[0])
        return 0; // a CP with no agent to tell (its VNF reads its peer elsewhere)
    rpc_client *c = client_for(d->agents, self->agent);
    if (!c) {
        snprintf(reason, n, "ConfigurePeer %s: no client for %s", self->vnf_id, self->agent);
        return -ENOMEM;
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
