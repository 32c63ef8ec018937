// siteconn: one open adapter per site, opened from its /site record on first use and
// reopened when the record changes.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchd.h"
#include "util/log.h"

static int open_site(const Outrig__V1__Site *s, adapter_site **out, adapter_err *err)
{
    if (!adapter_find(s->kind)) {
        if (!strcmp(s->kind, "agent"))
            return adapter_fail(err, -ENOTSUP, "kind: no agent adapter yet");
        return adapter_fail(err, -ENOTSUP, "kind: no adapter for site kind '%s'", s->kind);
    }
    const char **opts = calloc(s->n_options + 1, sizeof *opts);
    if (!opts)
        return -ENOMEM;
    for (size_t i = 0; i < s->n_options; i++)
        opts[i] = s->options[i];
    adapter_site_config cfg = {.name = s->name, .endpoint = s->endpoint, .options = opts};
    int rc = adapter_open(s->kind, &cfg, out, err);
    free(opts);
    return rc;
}

static orchd_conn *find(orchd *o, const char *name)
{
    for (size_t i = 0; i < o->n_conns; i++)
        if (!strcmp(o->conns[i].name, name))
            return &o->conns[i];
    return NULL;
}

// Caches site under name. Called with o->mu held.
static int cache(orchd *o, const char *name, uint64_t rev, adapter_site *site)
{
    orchd_conn *c = find(o, name);
    if (c) {
        c->site = site;
        c->mod_revision = rev;
        return 0;
    }
    if (o->n_conns == o->cap_conns) {
        size_t cap = o->cap_conns ? o->cap_conns * 2 : 8;
        orchd_conn *n = realloc(o->conns, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        o->conns = n;
        o->cap_conns = cap;
    }
    c = &o->conns[o->n_conns++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->mod_revision = rev;
    c->site = site;
    return 0;
}

int orchd_site_try(orchd *o, const Outrig__V1__Site *s, uint64_t rev, adapter_err *err)
{
    adapter_site *site = NULL;
    int rc = open_site(s, &site, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&o->mu);
    // Two threads may open the same site at once: the first one cached wins.
    orchd_conn *old = find(o, s->name);
    if (old && old->site)
        rc = 1;
    else
        rc = cache(o, s->name, rev, site);
    pthread_mutex_unlock(&o->mu);
    if (rc)
        adapter_close(site);
    return rc < 0 ? rc : 0;
}

int orchd_site(orchd *o, const char *name, adapter_site **out, adapter_err *err)
{
    pthread_mutex_lock(&o->mu);
    orchd_conn *c = find(o, name);
    adapter_site *site = c && c->site ? c->site : NULL;
    pthread_mutex_unlock(&o->mu);
    if (site) {
        *out = site;
        return 0;
    }
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/site/%s", name);
    ProtobufCMessage *m = NULL;
    uint64_t rev = 0;
    rpc_code rc = orchd_get(o, key, &outrig__v1__site__descriptor, &m, &rev);
    if (rc == RPC_NOT_FOUND)
        return adapter_fail(err, -ENOENT, "site '%s' does not exist", name);
    if (rc != RPC_OK)
        return adapter_fail(err, -EIO, "site '%s': store: %s", name, rpc_code_name(rc));
    int r = orchd_site_try(o, (Outrig__V1__Site *)m, rev, err);
    protobuf_c_message_free_unpacked(m, NULL);
    if (r)
        return r;
    return orchd_site(o, name, out, err);
}

void orchd_site_forget(orchd *o, const char *name)
{
    pthread_mutex_lock(&o->mu);
    orchd_conn *c = find(o, name);
    adapter_site *site = NULL;
    if (c) {
        site = c->site;
        *c = o->conns[--o->n_conns];
    }
    pthread_mutex_unlock(&o->mu);
    // Only DeleteSite forgets, and it refuses while VNFs are recorded there: no operation
    // holds this handle.
    adapter_close(site);
}

void orchd_sites_close(orchd *o)
{
    for (size_t i = 0; i < o->n_conns; i++)
        adapter_close(o->conns[i].site);
    free(o->conns);
    o->conns = NULL;
    o->n_conns = o->cap_conns = 0;
}
