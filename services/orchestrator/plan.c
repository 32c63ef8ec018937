// plan: the VNF instances an NS needs (ids, VNFD, VDU), their connection points with
// addresses taken from the virtual links' CIDRs, and the instance indexes a scaling adds or
// removes. Pure.
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

static int plan_fail(orch_plan_err *err, int rc, const char *field, const char *fmt, const char *a,
                     const char *b)
{
    if (err) {
        snprintf(err->field, sizeof err->field, "%s", field ? field : "");
        snprintf(err->msg, sizeof err->msg, fmt, a ? a : "", b ? b : "");
    }
    return rc;
}

int orch_instance_id(const char *ns, const char *profile, uint32_t index, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s.%s.%u", ns, profile, index);
    // The adapter's limit on instance ids.
    return n < 0 || (size_t)n >= len || n > 64 ? -ENAMETOOLONG : 0;
}

const Outrig__V1__Nsd__Df *orch_plan_df(const Outrig__V1__Nsd *nsd, const char *df_id)
{
    if (!nsd->n_df)
        return NULL;
    if (!df_id || !*df_id)
        return nsd->df[0];
    for (size_t i = 0; i < nsd->n_df; i++)
        if (!strcmp(nsd->df[i]->id, df_id))
            return nsd->df[i];
    return NULL;
}

const Outrig__V1__Nsd__VnfProfile *orch_plan_profile(const Outrig__V1__Nsd__Df *df, const char *id)
{
    for (size_t i = 0; df && id && i < df->n_vnf_profile; i++)
        if (!strcmp(df->vnf_profile[i]->id, id))
            return df->vnf_profile[i];
    return NULL;
}

static const Outrig__V1__Vnfd *find_vnfd(Outrig__V1__Vnfd *const *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i]->id, id))
            return v[i];
    return NULL;
}

int orch_plan_instantiate(const char *ns, const Outrig__V1__Nsd__Df *df,
                          Outrig__V1__Vnfd *const *vnfds, size_t n_vnfds, orch_plan_vnf *out,
                          size_t max, orch_plan_err *err)
{
    size_t k = 0;
    for (size_t p = 0; p < df->n_vnf_profile; p++) {
        const Outrig__V1__Nsd__VnfProfile *vp = df->vnf_profile[p];
        const Outrig__V1__Vnfd *v = find_vnfd(vnfds, n_vnfds, vp->vnfd_id);
        if (!v)
            return plan_fail(err, -EINVAL, "vnfd_id",
                             "vnf-profile '%s': vnfd '%s' is not onboarded", vp->id, vp->vnfd_id);
        if (!v->n_vdu)
            return plan_fail(err, -EINVAL, "vdu", "vnfd '%s' has no vdu%s", v->id, "");
        uint32_t count = vp->min ? vp->min : 1;
        for (uint32_t i = 0; i < count; i++) {
            if (k >= max)
                return plan_fail(err, -ENOSPC, "vnf_profile", "too many instances%s%s", "", "");
            orch_plan_vnf *pv = &out[k++];
            if (orch_instance_id(ns, vp->id, i, pv->instance_id, sizeof pv->instance_id))
                return plan_fail(err, -EINVAL, "name", "instance id '%s.%s...' is too long", ns,
                                 vp->id);
            pv->profile = vp->id;
            pv->index = i;
            pv->vnfd = v;
            pv->vdu = v->vdu[0];
        }
    }
    return (int)k;
}

// ---- connection points --------------------------------------------------------------------

// The virtual link a profile's ext-cpd joins (its resolved virtual-link-desc), and the CP's
// ordinal among that profile's CPs on the link. NULL when it joins none.
static const char *vl_of(const Outrig__V1__Nsd__VnfProfile *vp, const char *cpd, uint32_t *ord)
{
    for (size_t c = 0; c < vp->n_virtual_link_connectivity; c++) {
        const Outrig__V1__Nsd__Connectivity *cn = vp->virtual_link_connectivity[c];
        uint32_t k = 0;
        for (size_t r = 0; r < cn->n_cpd; r++) {
            if (strcmp(cn->cpd[r]->vnf_profile_id, vp->id))
                continue;
            if (!strcmp(cn->cpd[r]->cpd_id, cpd)) {
                if (ord)
                    *ord = k;
                return cn->virtual_link_desc_id && *cn->virtual_link_desc_id
                           ? cn->virtual_link_desc_id
                           : cn->virtual_link_profile_id;
            }
            k++;
        }
    }
    return NULL;
}

// How many CPs of profile vp join link vl (0 when none), and the first one's ext-cpd id.
static uint32_t cps_on(const Outrig__V1__Nsd__VnfProfile *vp, const char *vl, const char **first)
{
    uint32_t k = 0;
    for (size_t c = 0; c < vp->n_virtual_link_connectivity; c++) {
        const Outrig__V1__Nsd__Connectivity *cn = vp->virtual_link_connectivity[c];
        const char *id =
            *cn->virtual_link_desc_id ? cn->virtual_link_desc_id : cn->virtual_link_profile_id;
        if (strcmp(id, vl))
            continue;
        for (size_t r = 0; r < cn->n_cpd; r++)
            if (!strcmp(cn->cpd[r]->vnf_profile_id, vp->id)) {
                if (!k && first)
                    *first = cn->cpd[r]->cpd_id;
                k++;
            }
    }
    return k;
}

static uint32_t slots(const Outrig__V1__Nsd__VnfProfile *vp)
{
    return vp->max > vp->min ? vp->max : (vp->min ? vp->min : 1);
}

// The first host number of profile p's block on link vl.
static uint32_t block_base(const Outrig__V1__Nsd__Df *df, const char *vl, const char *profile)
{
    uint32_t base = 1;
    for (size_t p = 0; p < df->n_vnf_profile; p++) {
        const Outrig__V1__Nsd__VnfProfile *q = df->vnf_profile[p];
        if (!strcmp(q->id, profile))
            break;
        base += cps_on(q, vl, NULL) * slots(q);
    }
    return base;
}

// host-th address of an IPv4 cidr as "a.b.c.d/len" (with_len) or "a.b.c.d". 0 or -EINVAL.
static int cidr_host(const char *cidr, uint32_t host, bool with_len, char *buf, size_t len)
{
    char net[64];
    const char *slash = strchr(cidr, '/');
    if (!slash || (size_t)(slash - cidr) >= sizeof net)
        return -EINVAL;
    memcpy(net, cidr, (size_t)(slash - cidr));
    net[slash - cidr] = 0;
    char *end;
    long plen = strtol(slash + 1, &end, 10);
    struct in_addr a;
    if (*end || plen < 1 || plen > 30 || inet_pton(AF_INET, net, &a) != 1)
        return -EINVAL;
    uint32_t size = 1u << (32 - plen);
    if (host == 0 || host >= size - 1)
        return -ERANGE;
    uint32_t mask = plen == 32 ? 0xffffffffu : ~(size - 1);
    uint32_t ip = (ntohl(a.s_addr) & mask) + host;
    a.s_addr = htonl(ip);
    char s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, s, sizeof s);
    int n = with_len ? snprintf(buf, len, "%s/%ld", s, plen) : snprintf(buf, len, "%s", s);
    return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

// The subnet link vl's CPs get their addresses from: the NSD's cidr for it, else the /24 of
// ORCH_DEFAULT_POOL picked by the link's position in the NSD. The links of one NS never share
// a default subnet (a VNF with CPs on two links must not see one subnet twice); two NSs may
// reuse one, their links being separate segments. The linker's IPAM takes the subnet from
// these addresses. NULL when the NSD has no such link.
static const char *vl_cidr(const Outrig__V1__Nsd *nsd, const char *vl, char *buf, size_t n)
{
    for (size_t i = 0; i < nsd->n_virtual_link; i++) {
        if (strcmp(nsd->virtual_link[i]->id, vl))
            continue;
        if (nsd->virtual_link[i]->cidr && *nsd->virtual_link[i]->cidr)
            return nsd->virtual_link[i]->cidr;
        if (i > 255)
            return NULL;
        snprintf(buf, n, ORCH_DEFAULT_POOL_PREFIX ".%zu.0/24", i);
        return buf;
    }
    return NULL;
}

static const char *ifname_of(const Outrig__V1__Vnfd *v, const char *ext_cpd)
{
    for (size_t i = 0; i < v->n_ext_cpd; i++)
        if (!strcmp(v->ext_cpd[i]->id, ext_cpd))
            return *v->ext_cpd[i]->cpd ? v->ext_cpd[i]->cpd : v->ext_cpd[i]->id;
    return ext_cpd;
}

static bool ifname_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15 || !strcmp(s, "lo"))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

static char *dup(const char *s)
{
    return strdup(s ? s : "");
}

int orch_plan_cps(const Outrig__V1__Nsd *nsd, const Outrig__V1__Nsd__Df *df,
                  Outrig__V1__Vnfd *const *vnfds, size_t n_vnfds, const orch_plan_vnf *pv,
                  Outrig__V1__VnfRecord *rec, orch_plan_err *err)
{
    const Outrig__V1__Nsd__VnfProfile *vp = orch_plan_profile(df, pv->profile);
    const Outrig__V1__Vnfd *v = pv->vnfd;
    if (!vp)
        return plan_fail(err, -EINVAL, "profile", "no vnf-profile '%s'%s", pv->profile, "");
    if (v->n_ext_cpd > 8)
        return plan_fail(err, -EINVAL, "ext_cpd", "vnfd '%s' has more than 8 ext-cpd%s", v->id, "");
    rec->cps = calloc(v->n_ext_cpd ? v->n_ext_cpd : 1, sizeof *rec->cps);
    if (!rec->cps)
        return -ENOMEM;
    for (size_t i = 0; i < v->n_ext_cpd; i++) {
        const Outrig__V1__Vnfd__ExtCpd *e = v->ext_cpd[i];
        const char *ifname = ifname_of(v, e->id);
        if (!ifname_ok(ifname))
            return plan_fail(err, -EINVAL, "ext_cpd",
                             "vnfd '%s': CP '%s' is not a usable interface name (1-15 of "
                             "[A-Za-z0-9_-])",
                             v->id, ifname);
        Outrig__V1__CpRecord *cp = malloc(sizeof *cp);
        if (!cp)
            return -ENOMEM;
        outrig__v1__cp_record__init(cp);
        rec->cps[rec->n_cps++] = cp;
        cp->id = dup(ifname);
        cp->ext_cpd = dup(e->id);
        uint32_t ord = 0;
        const char *vl = vl_of(vp, e->id, &ord);
        char addr[64] = "", peer[64] = "", peer_cp[160] = "";
        if (vl) {
            char defcidr[32];
            const char *cidr = vl_cidr(nsd, vl, defcidr, sizeof defcidr);
            if (cidr && *cidr && strchr(cidr, '.')) {
                uint32_t host = block_base(df, vl, vp->id) + ord * slots(vp) + pv->index;
                if (cidr_host(cidr, host, true, addr, sizeof addr))
                    return plan_fail(err, -EINVAL, "virtual_link",
                                     "link '%s' (%s) has no room for this CP", vl, cidr);
                // The peer: the first instance of the first other profile on the link.
                for (size_t p = 0; p < df->n_vnf_profile; p++) {
                    const Outrig__V1__Nsd__VnfProfile *q = df->vnf_profile[p];
                    const char *qcpd = NULL;
                    if (q == vp || !cps_on(q, vl, &qcpd))
                        continue;
                    if (cidr_host(cidr, block_base(df, vl, q->id), false, peer, sizeof peer))
                        peer[0] = 0;
                    const Outrig__V1__Vnfd *qv = find_vnfd(vnfds, n_vnfds, q->vnfd_id);
                    char qid[80];
                    if (qv && !orch_instance_id(rec->ns_id, q->id, 0, qid, sizeof qid))
                        snprintf(peer_cp, sizeof peer_cp, "%s/%s", qid, ifname_of(qv, qcpd));
                    break;
                }
            }
        }
        cp->virtual_link = dup(vl);
        cp->address = dup(addr);
        cp->peer_address = dup(peer);
        cp->peer_cp = dup(peer_cp);
        if (!cp->id || !cp->ext_cpd || !cp->virtual_link || !cp->address || !cp->peer_address ||
            !cp->peer_cp)
            return -ENOMEM;
    }
    return 0;
}

// ---- scaling -------------------------------------------------------------------------------

static bool has(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

int orch_plan_scale(const uint32_t *have, size_t n, uint32_t min, uint32_t max, int32_t delta,
                    uint32_t count, uint32_t *add, size_t *n_add, uint32_t *rm, size_t *n_rm,
                    orch_plan_err *err)
{
    *n_add = *n_rm = 0;
    int64_t want = delta ? (int64_t)n + delta : (int64_t)count;
    char a[32], b[32];
    snprintf(a, sizeof a, "%lld", (long long)want);
    if (want < (int64_t)min || want > (int64_t)max) {
        snprintf(b, sizeof b, "%u..%u", min, max);
        return plan_fail(err, -ERANGE, delta ? "delta" : "count",
                         "%s instances is outside the profile's bounds %s", a, b);
    }
    if (want == (int64_t)n)
        return plan_fail(err, -EINVAL, delta ? "delta" : "count",
                         "the profile already has %s instances%s", a, "");
    if (want > (int64_t)n) {
        for (uint32_t x = 0; *n_add < (size_t)(want - (int64_t)n); x++)
            if (!has(have, n, x))
                add[(*n_add)++] = x;
        return 0;
    }
    // Remove the highest indexes first so that the instances that stay keep low numbers.
    uint32_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return -ENOMEM;
    memcpy(sorted, have, n * sizeof *sorted);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && sorted[j - 1] < sorted[j]; j--) {
            uint32_t t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    for (size_t i = 0; i < (size_t)((int64_t)n - want); i++)
        rm[(*n_rm)++] = sorted[i];
    free(sorted);
    return 0;
}
