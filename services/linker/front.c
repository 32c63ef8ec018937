// front: the Linker API (ListLinks, GetLink) over the in-memory link table.
#include <errno.h>
#include <string.h>

#include "lnkd.h"

static char *dup(rpc_call *call, const char *s)
{
    return rpc_call_strdup(call, s ? s : "");
}

// Copies m (pointing into the table) into call memory.
static Outrig__V1__LinkEnd *end_copy(rpc_call *call, const Outrig__V1__LinkEnd *e)
{
    Outrig__V1__LinkEnd *c = rpc_call_alloc(call, sizeof *c);
    if (!c)
        return NULL;
    *c = *e;
    c->vnf_id = dup(call, e->vnf_id);
    c->cp_id = dup(call, e->cp_id);
    c->address = dup(call, e->address);
    c->site = dup(call, e->site);
    c->host = dup(call, e->host);
    c->agent = dup(call, e->agent);
    return c;
}

static int link_copy(lnkd *d, rpc_call *call, const lnkd_link *l, Outrig__V1__Link *out)
{
    Outrig__V1__Link m;
    Outrig__V1__LinkEnd a, b;
    lnkd_link_msg(d, l, &m, &a, &b);
    *out = m;
    out->id = dup(call, m.id);
    out->ns_id = dup(call, m.ns_id);
    out->virtual_link = dup(call, m.virtual_link);
    out->reason = dup(call, m.reason);
    out->a = end_copy(call, &a);
    out->b = end_copy(call, &b);
    return out->id && out->ns_id && out->virtual_link && out->reason && out->a && out->b ? 0
                                                                                         : -ENOMEM;
}

static void h_list(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out, void *arg)
{
    lnkd *d = arg;
    const Outrig__V1__LinkListRequest *r = (const void *)in;
    Outrig__V1__LinkListResponse *resp = (void *)out;
    pthread_mutex_lock(&d->mu);
    size_t n = 0;
    for (size_t i = 0; i < d->n_links; i++)
        n += !r->ns_id[0] || !strcmp(d->links[i]->ns, r->ns_id);
    resp->links = rpc_call_alloc(call, (n ? n : 1) * sizeof *resp->links);
    int e = resp->links ? 0 : -ENOMEM;
    for (size_t i = 0; e == 0 && i < d->n_links; i++) {
        const lnkd_link *l = d->links[i];
        if (r->ns_id[0] && strcmp(l->ns, r->ns_id))
            continue;
        Outrig__V1__Link *m = rpc_call_alloc(call, sizeof *m);
        e = m ? link_copy(d, call, l, m) : -ENOMEM;
        if (e == 0)
            resp->links[resp->n_links++] = m;
    }
    pthread_mutex_unlock(&d->mu);
    if (e)
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    else
        rpc_call_done(call, RPC_OK);
}

static void h_get(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out, void *arg)
{
    lnkd *d = arg;
    const Outrig__V1__LinkGetRequest *r = (const void *)in;
    if (!r->id[0]) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "id", "a link id is required");
        return;
    }
    pthread_mutex_lock(&d->mu);
    const lnkd_link *l = lnkd_find(d, r->id);
    int e = l ? link_copy(d, call, l, (Outrig__V1__Link *)out) : -ENOENT;
    pthread_mutex_unlock(&d->mu);
    if (e == -ENOENT)
        rpc_call_fail(call, RPC_NOT_FOUND, "id", "no link %s", r->id);
    else if (e)
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    else
        rpc_call_done(call, RPC_OK);
}

int lnkd_front_add(lnkd *d)
{
    static const rpc_method_impl impls[] = {{"ListLinks", h_list}, {"GetLink", h_get}};
    return microapp_add_service(d->app, &outrig__v1__linker__descriptor, impls,
                                sizeof impls / sizeof impls[0], d);
}
