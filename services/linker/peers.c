// peers: peer resolution over a topology. See peers.h.
#include "peers.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *profile_of(const lnk_topology *t, const char *vnf_id)
{
    for (size_t i = 0; i < t->n_instances; i++)
        if (t->instances[i].vnf_id && !strcmp(t->instances[i].vnf_id, vnf_id))
            return t->instances[i].profile;
    return NULL;
}

static bool same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

// True when an earlier member of the same virtual link already listed (profile, cpd): a
// descriptor that repeats an entry must not double the links.
static bool seen_before(const lnk_topology *t, size_t j)
{
    const lnk_member *m = &t->members[j];
    for (size_t k = 0; k < j; k++) {
        const lnk_member *o = &t->members[k];
        if (same(o->vl, m->vl) && same(o->profile, m->profile) && same(o->cpd, m->cpd))
            return true;
    }
    return false;
}

int lnk_peers(const lnk_topology *t, const char *vnf_id, const char *cp, lnk_peer *out, size_t max,
              size_t *n)
{
    if (!t || !vnf_id || !cp || !n || (max && !out))
        return -EINVAL;
    *n = 0;
    const char *profile = profile_of(t, vnf_id);
    if (!profile)
        return -ENOENT;
    size_t count = 0;
    for (size_t i = 0; i < t->n_members; i++) {
        const lnk_member *me = &t->members[i];
        if (!same(me->profile, profile) || !same(me->cpd, cp) || seen_before(t, i))
            continue;
        // Every other CP joining the same virtual link, instance by instance.
        for (size_t j = 0; j < t->n_members; j++) {
            const lnk_member *m = &t->members[j];
            if (!same(m->vl, me->vl) || seen_before(t, j))
                continue;
            for (size_t k = 0; k < t->n_instances; k++) {
                const lnk_instance *in = &t->instances[k];
                if (!same(in->profile, m->profile))
                    continue;
                if (same(in->vnf_id, vnf_id) && same(m->cpd, cp))
                    continue; // the CP itself
                if (count < max)
                    out[count] = (lnk_peer){.vl = me->vl, .vnf_id = in->vnf_id, .cp = m->cpd};
                count++;
            }
        }
    }
    *n = count;
    return count > max ? -ENOSPC : 0;
}

int lnk_link_id(const char *ns, const char *vl, const char *a_vnf, const char *a_cp,
                const char *b_vnf, const char *b_cp, char *out, size_t n)
{
    if (!ns || !vl || !a_vnf || !a_cp || !b_vnf || !b_cp || !out || !n)
        return -EINVAL;
    int c = strcmp(a_vnf, b_vnf);
    if (!c)
        c = strcmp(a_cp, b_cp);
    if (!c)
        return -EINVAL; // a CP is not linked to itself
    bool a_first = c < 0;
    const char *v1 = a_first ? a_vnf : b_vnf, *c1 = a_first ? a_cp : b_cp;
    const char *v2 = a_first ? b_vnf : a_vnf, *c2 = a_first ? b_cp : a_cp;
    int w = snprintf(out, n, "%s/%s/%s.%s~%s.%s", ns, vl, v1, c1, v2, c2);
    if (w < 0 || (size_t)w >= n)
        return -ENAMETOOLONG;
    return a_first ? 1 : 0;
}
