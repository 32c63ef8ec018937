// NSD parsing: SOL006 `nsd` into desc_nsd, as tables of the fields the
// orchestrator reads, keeping the others in the ignored list. Tables come leaf first.
#include <stddef.h>

#include "parse_int.h"

static const dp_field vld_fields[] = {
    DP_FIELD("id", DP_ID, desc_vld, id),
    DP_FIELD("mgmt-network", DP_BOOL, desc_vld, mgmt_network),
    DP_FIELD("vim-network-name", DP_STR, desc_vld, vim_network_name),
    DP_CIDR_FIELD("cidr", desc_vld, cidr, cidr_pos),
    {0},
};

static const dp_shape vld_shape = {
    DP_NAMED(desc_vld, "virtual-link-desc"),
    .fields = vld_fields,
    .required = "id",
    .ignored = "connectivity-type df description test-access security monitoring-parameters "
               "vim-network-id",
};

static const dp_field cpd_ref_fields[] = {
    DP_FIELD("constituent-base-element-id", DP_REF, desc_cpd_ref, element),
    DP_FIELD("constituent-cpd-id", DP_REF, desc_cpd_ref, cpd),
    {0},
};

static const dp_shape cpd_ref_shape = {
    .size = sizeof(desc_cpd_ref),
    .fields = cpd_ref_fields,
    .required = "constituent-base-element-id constituent-cpd-id",
    .ignored = "ip-address cpd-role",
};

static const dp_field conn_fields[] = {
    DP_FIELD("virtual-link-profile-id", DP_REF, desc_vl_conn, vl_profile),
    DP_SEQ_FIELD("constituent-cpd-id", desc_vl_conn, cpd, n_cpd, &cpd_ref_shape),
    {0},
};

static const dp_shape conn_shape = {
    .size = sizeof(desc_vl_conn),
    .fields = conn_fields,
    .required = "virtual-link-profile-id constituent-cpd-id",
};

static void vnf_profile_check(desc_parser *p, const cfg_node *n, void *obj)
{
    desc_vnf_profile *v = obj;
    dp_instances(p, n, v->min, &v->max);
}

static const dp_field vnf_profile_fields[] = {
    DP_FIELD("id", DP_ID, desc_vnf_profile, id),
    DP_FIELD("vnfd-id", DP_REF, desc_vnf_profile, vnfd),
    DP_FIELD("flavour-id", DP_REF, desc_vnf_profile, flavour),
    DP_FIELD("instantiation-level", DP_REF, desc_vnf_profile, inst_level),
    DP_U32_FIELD("min-number-of-instances", desc_vnf_profile, min, 0, DESC_MAX_INSTANCES, 1),
    DP_U32_FIELD("max-number-of-instances", desc_vnf_profile, max, 1, DESC_MAX_INSTANCES, 0),
    DP_SEQ_FIELD("virtual-link-connectivity", desc_vnf_profile, conn, n_conn, &conn_shape),
    {0},
};

static const dp_shape vnf_profile_shape = {
    DP_NAMED(desc_vnf_profile, "vnf-profile"),
    .fields = vnf_profile_fields,
    .required = "id vnfd-id",
    .check = vnf_profile_check,
    .ignored = "local-affinity-or-anti-affinity-rule affinity-or-anti-affinity-group",
};

// virtual-link-protocol-data[].l3-protocol-data.cidr: the cidr of the profile.
static const dp_field l3_fields[] = {
    DP_CIDR_FIELD("cidr", desc_vl_profile, cidr, cidr_pos),
    {0},
};

static const dp_shape l3_shape = {
    .fields = l3_fields,
    .ignored = "ip-version gateway-ip dhcp-enabled ipv6-address-mode ip-allocation-pools name "
               "description",
};

static const dp_field protocol_data_fields[] = {
    DP_SUB_FIELD("l3-protocol-data", DP_MAP, &l3_shape),
    {0},
};

static const dp_shape protocol_data_shape = {
    .fields = protocol_data_fields,
    .ignored = "associated-layer-protocol l2-protocol-data",
};

static const dp_field vl_profile_fields[] = {
    DP_FIELD("id", DP_ID, desc_vl_profile, id),
    DP_FIELD("virtual-link-desc-id", DP_REF, desc_vl_profile, vld),
    DP_SUB_FIELD("virtual-link-protocol-data", DP_EACH, &protocol_data_shape),
    {0},
};

static const dp_shape vl_profile_shape = {
    DP_NAMED(desc_vl_profile, "virtual-link-profile"),
    .fields = vl_profile_fields,
    .required = "id virtual-link-desc-id",
    .ignored = "flavour-id max-bitrate-requirements min-bitrate-requirements "
               "local-affinity-or-anti-affinity-rule affinity-or-anti-affinity-group",
};

static const dp_field df_fields[] = {
    DP_FIELD("id", DP_ID, desc_ns_df, id),
    DP_SEQ_FIELD("vnf-profile", desc_ns_df, vnf_profile, n_vnf_profile, &vnf_profile_shape),
    DP_SEQ_FIELD("virtual-link-profile", desc_ns_df, vl_profile, n_vl_profile, &vl_profile_shape),
    {0},
};

static const dp_shape df_shape = {
    DP_NAMED(desc_ns_df, "df"),
    .fields = df_fields,
    .required = "id",
    .ignored = "ns-instantiation-level default-instantiation-level-id scaling-aspect "
               "affinity-or-anti-affinity-group dependencies ns-profile pnf-profile flavour-key "
               "monitored-info description",
};

// vnfd-id: a list of references, unique.
static const dp_shape vnfd_id_shape = {
    .size = sizeof(desc_ref),
    .scalar = DP_REF,
    .what = "vnfd",
    .id_off = offsetof(desc_ref, id),
    .pos_off = offsetof(desc_ref, pos),
};

static const dp_field nsd_fields[] = {
    DP_FIELD("id", DP_ID, desc_nsd, id),
    DP_FIELD("name", DP_STR, desc_nsd, name),
    DP_FIELD("version", DP_STR, desc_nsd, version),
    DP_FIELD("designer", DP_STR, desc_nsd, designer),
    DP_FIELD("description", DP_STR, desc_nsd, description),
    DP_SEQ_FIELD("vnfd-id", desc_nsd, vnfd_id, n_vnfd_id, &vnfd_id_shape),
    DP_SEQ_FIELD("virtual-link-desc", desc_nsd, vld, n_vld, &vld_shape),
    DP_SEQ_FIELD("df", desc_nsd, df, n_df, &df_shape),
    {0},
};

const dp_shape desc_nsd_shape = {
    .fields = nsd_fields,
    .required = "id",
    .ignored = "sapd pnfd-id nested-nsd-id ns-configuration monitored-info vnffgd "
               "lifecycle-management-script security-group-rule autoscale-rule invariant-id "
               "signature algorithm certificate artifact",
};
