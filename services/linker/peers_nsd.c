// peers_nsd: an NSD's virtual-link-connectivity as lnk_members. See peers.h.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor.h"
#include "peers.h"

static const desc_ns_df *df_of(const desc_nsd *nsd, const char *df_id)
{
    for (size_t i = 0; i < nsd->n_df; i++)
        if (!df_id || (nsd->df[i].id && !strcmp(nsd->df[i].id, df_id)))
            return &nsd->df[i];
    return NULL;
}

int lnk_members_from_nsd(const desc_nsd *nsd, const char *df_id, lnk_member **out)
{
    const desc_ns_df *df = nsd ? df_of(nsd, df_id) : NULL;
    if (!df || !out)
        return -ENOENT;
    size_t n = 0;
    for (size_t i = 0; i < df->n_vnf_profile; i++)
        for (size_t j = 0; j < df->vnf_profile[i].n_conn; j++)
            n += df->vnf_profile[i].conn[j].n_cpd;
    lnk_member *m = calloc(n ? n : 1, sizeof *m);
    if (!m)
        return -ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < df->n_vnf_profile; i++) {
        const desc_vnf_profile *vp = &df->vnf_profile[i];
        for (size_t j = 0; j < vp->n_conn; j++) {
            const desc_vl_conn *c = &vp->conn[j];
            const desc_vld *vld = desc_nsd_resolve_vl(nsd, df, c->vl_profile.id);
            const char *vl = vld ? vld->id : c->vl_profile.id;
            for (size_t x = 0; x < c->n_cpd; x++) {
                // An entry names its own profile when constituent-base-element-id is absent.
                const char *el = c->cpd[x].element.id ? c->cpd[x].element.id : vp->id;
                m[k++] = (lnk_member){.vl = vl, .profile = el, .cpd = c->cpd[x].cpd.id};
            }
        }
    }
    *out = m;
    return (int)k;
}

const char *lnk_vl_cidr(const desc_nsd *nsd, const char *df_id, const char *vl)
{
    const desc_vld *vld = nsd && vl ? desc_nsd_vld(nsd, vl) : NULL;
    if (vld && vld->cidr)
        return vld->cidr;
    const desc_ns_df *df = nsd ? df_of(nsd, df_id) : NULL;
    for (size_t i = 0; df && i < df->n_vl_profile; i++)
        if (df->vl_profile[i].vld.id && !strcmp(df->vl_profile[i].vld.id, vl) &&
            df->vl_profile[i].cidr)
            return df->vl_profile[i].cidr;
    return NULL;
}
