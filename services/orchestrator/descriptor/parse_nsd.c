// NSD parsing: SOL006 `nsd` into desc_nsd, keeping what the orchestrator does not
// act on in the ignored list.
#include <stddef.h>
#include <string.h>

#include "parse_fields.h"
#include "parse_int.h"

static void need(desc_parser *p, const cfg_node *n, const char *key)
{
    if (!cfg_map_get(n, key))
        dp_missing(p, n, key);
}

static void ref_item(desc_parser *p, const cfg_node *n, void *elem)
{
    dp_ref(p, n, elem);
}

static const char vld_ign[] =
    "connectivity-type df description test-access security monitoring-parameters "
    "vim-network-id";

static void vld_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_vld *l = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    l->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &l->id);
        } else if (IS("mgmt-network")) {
            dp_bool(p, f, &l->mgmt_network);
        } else if (IS("vim-network-name")) {
            dp_str(p, f, &l->vim_network_name);
        } else if (IS("cidr")) {
            if (dp_cidr(p, f, &l->cidr))
                l->cidr_pos = dp_pos(f);
        } else {
            dp_other(p, f, vld_ign);
        }
    }
    need(p, n, "id");
}

static void cpd_ref_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_cpd_ref *c = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    FIELDS(n)
    {
        if (IS("constituent-base-element-id"))
            dp_ref(p, f, &c->element);
        else if (IS("constituent-cpd-id"))
            dp_ref(p, f, &c->cpd);
        else
            dp_other(p, f, "ip-address cpd-role");
    }
    need(p, n, "constituent-base-element-id");
    need(p, n, "constituent-cpd-id");
}

static void conn_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_vl_conn *c = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    FIELDS(n)
    {
        if (IS("virtual-link-profile-id"))
            dp_ref(p, f, &c->vl_profile);
        else if (IS("constituent-cpd-id"))
            dp_seq(p, f, sizeof *c->cpd, (void **)&c->cpd, &c->n_cpd, cpd_ref_item);
        else
            dp_other(p, f, NULL);
    }
    need(p, n, "virtual-link-profile-id");
    need(p, n, "constituent-cpd-id");
}

static const char vnf_profile_ign[] =
    "local-affinity-or-anti-affinity-rule affinity-or-anti-affinity-group";

static void vnf_profile_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_vnf_profile *v = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    v->pos = dp_pos(n);
    v->min = v->max = 1;
    const cfg_node *maxn = NULL;
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &v->id);
        } else if (IS("vnfd-id")) {
            dp_ref(p, f, &v->vnfd);
        } else if (IS("flavour-id")) {
            dp_ref(p, f, &v->flavour);
        } else if (IS("instantiation-level")) {
            dp_ref(p, f, &v->inst_level);
        } else if (IS("min-number-of-instances")) {
            dp_u32(p, f, 0, DESC_MAX_INSTANCES, &v->min);
        } else if (IS("max-number-of-instances")) {
            if (dp_u32(p, f, 1, DESC_MAX_INSTANCES, &v->max))
                maxn = f;
        } else if (IS("virtual-link-connectivity")) {
            dp_seq(p, f, sizeof *v->conn, (void **)&v->conn, &v->n_conn, conn_item);
        } else {
            dp_other(p, f, vnf_profile_ign);
        }
    }
    need(p, n, "id");
    need(p, n, "vnfd-id");
    if (!maxn && v->min > v->max)
        v->max = v->min;
    else if (v->max < v->min)
        dp_err(p, maxn, "%s: max-number-of-instances %u is below min-number-of-instances %u",
               dp_name(p), v->max, v->min);
}

static const char l3_ign[] =
    "ip-version gateway-ip dhcp-enabled ipv6-address-mode ip-allocation-pools name "
    "description";

static void protocol_data_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_vl_profile *l = *(desc_vl_profile **)elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    FIELDS(n)
    {
        if (IS("l3-protocol-data")) {
            if (!dp_expect(p, f, CFG_MAP))
                continue;
            FIELDS(f)
            {
                if (IS("cidr")) {
                    if (dp_cidr(p, f, &l->cidr))
                        l->cidr_pos = dp_pos(f);
                } else {
                    dp_other(p, f, l3_ign);
                }
            }
        } else {
            dp_other(p, f, "associated-layer-protocol l2-protocol-data");
        }
    }
}

static const char vl_profile_ign[] =
    "flavour-id max-bitrate-requirements min-bitrate-requirements "
    "local-affinity-or-anti-affinity-rule affinity-or-anti-affinity-group";

static void vl_profile_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_vl_profile *l = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    l->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &l->id);
        } else if (IS("virtual-link-desc-id")) {
            dp_ref(p, f, &l->vld);
        } else if (IS("virtual-link-protocol-data")) {
            if (!dp_expect(p, f, CFG_SEQ))
                continue;
            for (size_t i = 0; i < f->n; i++) {
                size_t old = dp_push_idx(p, i);
                protocol_data_item(p, f->items[i], &l);
                dp_pop(p, old);
            }
        } else {
            dp_other(p, f, vl_profile_ign);
        }
    }
    need(p, n, "id");
    need(p, n, "virtual-link-desc-id");
}

static const char df_ign[] =
    "ns-instantiation-level default-instantiation-level-id scaling-aspect "
    "affinity-or-anti-affinity-group dependencies ns-profile pnf-profile flavour-key "
    "monitored-info description";

static void df_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_ns_df *d = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    d->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &d->id);
        } else if (IS("vnf-profile")) {
            dp_seq(p, f, sizeof *d->vnf_profile, (void **)&d->vnf_profile, &d->n_vnf_profile,
                   vnf_profile_item);
            dp_dup_ids(p, d->vnf_profile, d->n_vnf_profile, sizeof *d->vnf_profile,
                       offsetof(desc_vnf_profile, id), offsetof(desc_vnf_profile, pos),
                       "vnf-profile");
        } else if (IS("virtual-link-profile")) {
            dp_seq(p, f, sizeof *d->vl_profile, (void **)&d->vl_profile, &d->n_vl_profile,
                   vl_profile_item);
            dp_dup_ids(p, d->vl_profile, d->n_vl_profile, sizeof *d->vl_profile,
                       offsetof(desc_vl_profile, id), offsetof(desc_vl_profile, pos),
                       "virtual-link-profile");
        } else {
            dp_other(p, f, df_ign);
        }
    }
    need(p, n, "id");
}

static const char nsd_ign[] =
    "sapd pnfd-id nested-nsd-id ns-configuration monitored-info vnffgd "
    "lifecycle-management-script security-group-rule autoscale-rule invariant-id "
    "signature algorithm certificate artifact";

void desc_parse_nsd(desc_parser *p, const cfg_node *n, desc_nsd *d)
{
    d->file = p->file;
    d->pos = dp_pos(n);
    if (!dp_expect(p, n, CFG_MAP))
        return;
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &d->id);
        } else if (IS("name")) {
            dp_str(p, f, &d->name);
        } else if (IS("version")) {
            dp_str(p, f, &d->version);
        } else if (IS("designer")) {
            dp_str(p, f, &d->designer);
        } else if (IS("description")) {
            dp_str(p, f, &d->description);
        } else if (IS("vnfd-id")) {
            dp_seq(p, f, sizeof *d->vnfd_id, (void **)&d->vnfd_id, &d->n_vnfd_id, ref_item);
            dp_dup_ids(p, d->vnfd_id, d->n_vnfd_id, sizeof *d->vnfd_id, offsetof(desc_ref, id),
                       offsetof(desc_ref, pos), "vnfd");
        } else if (IS("virtual-link-desc")) {
            dp_seq(p, f, sizeof *d->vld, (void **)&d->vld, &d->n_vld, vld_item);
            dp_dup_ids(p, d->vld, d->n_vld, sizeof *d->vld, offsetof(desc_vld, id),
                       offsetof(desc_vld, pos), "virtual-link-desc");
        } else if (IS("df")) {
            dp_seq(p, f, sizeof *d->df, (void **)&d->df, &d->n_df, df_item);
            dp_dup_ids(p, d->df, d->n_df, sizeof *d->df, offsetof(desc_ns_df, id),
                       offsetof(desc_ns_df, pos), "df");
        } else {
            dp_other(p, f, nsd_ign);
        }
    }
    need(p, n, "id");
}
