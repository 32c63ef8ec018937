// state: /link/<id> (Link) and /link-ipam/<ns>/<vl> (IpamState) in the store, and the NS
// topology read from the orchestrator's /vnf/<ns>.* records.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnkd.h"
#include "outrig/v1/orchestrator.pb-c.h"
#include "store/store.h"
#include "util/log.h"

void lnkd_state_put_link(lnkd *d, const lnkd_link *l)
{
    Outrig__V1__Link m;
    Outrig__V1__LinkEnd a, b;
    lnkd_link_msg(d, l, &m, &a, &b);
    size_t len = outrig__v1__link__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return;
    outrig__v1__link__pack(&m, buf);
    char key[LNKD_LINK_ID_MAX + 8];
    snprintf(key, sizeof key, "/link/%s", l->id);
    rpc_status st = {0};
    rpc_code c = store_put(d->store, key, buf, len, 0, NULL, &st);
    if (c != RPC_OK)
        log_warn("store put %s: %s", key, rpc_code_name(c));
    free(buf);
}

void lnkd_state_del_link(lnkd *d, const char *id)
{
    char key[LNKD_LINK_ID_MAX + 8];
    snprintf(key, sizeof key, "/link/%s", id);
    store_delete(d->store, key, NULL, NULL, NULL);
}

void lnkd_state_put_ipam(lnkd *d, const char *vl_key)
{
    uint8_t *buf;
    size_t len;
    if (lnk_ipam_export(d->ipam, vl_key, &buf, &len) < 0)
        return;
    char key[2 * LNK_ID_MAX + 16];
    snprintf(key, sizeof key, "/link-ipam/%s", vl_key);
    rpc_code c = store_put(d->store, key, buf, len, 0, NULL, NULL);
    if (c != RPC_OK)
        log_warn("store put %s: %s", key, rpc_code_name(c));
    free(buf);
}

void lnkd_state_del_ipam(lnkd *d, const char *vl_key)
{
    char key[2 * LNK_ID_MAX + 16];
    snprintf(key, sizeof key, "/link-ipam/%s", vl_key);
    store_delete(d->store, key, NULL, NULL, NULL);
}

static int load_one(const Outrig__V1__KeyValue *kv, void *arg)
{
    lnkd *d = arg;
    int e = lnk_ipam_import(d->ipam, kv->value.data, kv->value.len);
    if (e < 0)
        log_warn("%s: IPAM state not restored: %s", kv->key, strerror(-e));
    return 0;
}

int lnkd_state_load(lnkd *d)
{
    rpc_code c = store_range_all(d->store, "/link-ipam/", 256, false, load_one, d, NULL);
    return c == RPC_OK ? 0 : -EIO;
}

typedef struct topo_acc {
    Outrig__V1__VnfRecord **recs;
    size_t n, cap;
    const char *ns;
} topo_acc;

static int topo_one(const Outrig__V1__KeyValue *kv, void *arg)
{
    topo_acc *t = arg;
    Outrig__V1__VnfRecord *r = outrig__v1__vnf_record__unpack(NULL, kv->value.len,
                                                               kv->value.data);
    if (!r)
        return 0;
    if (strcmp(r->ns_id, t->ns) || !strcmp(r->state, "DELETING")) {
        outrig__v1__vnf_record__free_unpacked(r, NULL);
        return 0;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        Outrig__V1__VnfRecord **n = realloc(t->recs, cap * sizeof *n);
        if (!n) {
            outrig__v1__vnf_record__free_unpacked(r, NULL);
            return -ENOMEM;
        }
        t->recs = n;
        t->cap = cap;
    }
    t->recs[t->n++] = r;
    return 0;
}

struct topo_owned {
    Outrig__V1__VnfRecord **recs;
    size_t n;
    lnk_member *members;
    lnk_instance *instances;
};

int lnkd_topology_load(lnkd *d, const char *ns, lnkd_topology *out)
{
    memset(out, 0, sizeof *out);
    char prefix[LNK_ID_MAX + 8];
    snprintf(prefix, sizeof prefix, "/vnf/%s.", ns);
    topo_acc acc = {.ns = ns};
    rpc_code c = store_range_all(d->store, prefix, 256, false, topo_one, &acc, NULL);
    struct topo_owned *o = calloc(1, sizeof *o);
    if (!o) {
        acc.n = 0;
    } else {
        o->recs = acc.recs;
        o->n = acc.n;
        out->owned = o;
    }
    if (c != RPC_OK || acc.n == 0) {
        if (!o) {
            for (size_t i = 0; i < acc.n; i++)
                outrig__v1__vnf_record__free_unpacked(acc.recs[i], NULL);
            free(acc.recs);
        }
        lnkd_topology_free(out);
        return c != RPC_OK ? -EIO : -ENOENT;
    }
    // The orchestrator's records carry, per CP, the virtual link its vnf-profile's
    // virtual-link-connectivity puts it on: the NSD's members, resolved per instance.
    size_t nm = 0;
    for (size_t i = 0; i < acc.n; i++)
        nm += acc.recs[i]->n_cps;
    o->members = calloc(nm ? nm : 1, sizeof *o->members);
    o->instances = calloc(acc.n, sizeof *o->instances);
    if (!o->members || !o->instances) {
        lnkd_topology_free(out);
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < acc.n; i++) {
        const Outrig__V1__VnfRecord *r = acc.recs[i];
        o->instances[i] = (lnk_instance){.vnf_id = r->instance_id, .profile = r->profile};
        for (size_t j = 0; j < r->n_cps; j++) {
            const Outrig__V1__CpRecord *cp = r->cps[j];
            if (cp->virtual_link[0])
                o->members[k++] = (lnk_member){.vl = cp->virtual_link, .profile = r->profile,
                                               .cpd = cp->ext_cpd[0] ? cp->ext_cpd : cp->id};
        }
    }
    out->t = (lnk_topology){o->members, k, o->instances, acc.n};
    return 0;
}

void lnkd_topology_free(lnkd_topology *t)
{
    struct topo_owned *o = t ? t->owned : NULL;
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++)
        outrig__v1__vnf_record__free_unpacked(o->recs[i], NULL);
    free(o->recs);
    free(o->members);
    free(o->instances);
    free(o);
    t->owned = NULL;
}
