// VNFD parsing: SOL006 `vnfd` into desc_vnfd, as tables of the fields the
// orchestrator reads, keeping the others in the ignored list. Tables come leaf first.
#include <stddef.h>

#include "parse_int.h"

static const dp_field int_cpd_fields[] = {
    DP_FIELD("id", DP_ID, desc_int_cpd, id),
    DP_FIELD("layer-protocol", DP_STR_FIRST, desc_int_cpd, layer_protocol),
    DP_FIELD("int-virtual-link-desc", DP_REF, desc_int_cpd, int_vld),
    {0},
};

static const dp_shape int_cpd_shape = {
    DP_NAMED(desc_int_cpd, "int-cpd"),
    .fields = int_cpd_fields,
    .required = "id",
    .ignored = "virtual-network-interface-requirement description role trunk-mode "
               "security-group-rule-id bitrate-requirement port-security-enabled "
               "port-security-disable-strategy nicio-requirements cpd-role",
};

static const dp_field vdu_fields[] = {
    DP_FIELD("id", DP_ID, desc_vdu, id),
    DP_FIELD("name", DP_STR, desc_vdu, name),
    DP_FIELD("description", DP_STR, desc_vdu, description),
    DP_FIELD("sw-image-desc", DP_REF, desc_vdu, sw_image),
    DP_FIELD("virtual-compute-desc", DP_REF, desc_vdu, compute),
    DP_SEQ_FIELD("int-cpd", desc_vdu, int_cpd, n_int_cpd, &int_cpd_shape),
    {0},
};

static const dp_shape vdu_shape = {
    DP_NAMED(desc_vdu, "vdu"),
    .fields = vdu_fields,
    .required = "id sw-image-desc",
    .ignored = "cloud-init-file cloud-init virtual-storage-desc monitoring-parameter boot-order "
               "nfvi-constraint configurable-properties boot-data alternative-sw-image-desc "
               "pdu-type supplemental-boot-data vdu-configuration-id alarm interface",
};

static const dp_field vcpu_fields[] = {
    DP_U32_FIELD("num-virtual-cpu", desc_compute, vcpus, 1, 1024, 1),
    {0},
};

static const dp_shape vcpu_shape = {
    .fields = vcpu_fields,
    .ignored = "cpu-architecture clock pinning oversubscription-policy vdu-cpu-requirements "
               "virtual-cpu-oversubscription-policy",
};

static const dp_field vmem_fields[] = {
    {.key = "size", .type = DP_GB_MIB, .off = offsetof(desc_compute, memory_mib), .def = 512},
    {0},
};

static const dp_shape vmem_shape = {
    .fields = vmem_fields,
    .required = "size",
    .ignored = "over-subscription-policy mem-policy numa-enabled numa-node-policy "
               "vdu-mem-requirements mempage-size",
};

static const dp_field compute_fields[] = {
    DP_FIELD("id", DP_ID, desc_compute, id),
    DP_SUB_FIELD("virtual-cpu", DP_MAP, &vcpu_shape),
    DP_SUB_FIELD("virtual-memory", DP_MAP, &vmem_shape),
    {0},
};

static const dp_shape compute_shape = {
    DP_NAMED(desc_compute, "virtual-compute-desc"),
    .fields = compute_fields,
    .required = "id",
    .ignored = "logical-node request-additional-capability compute-requirements virtual-disk",
};

static const dp_field image_fields[] = {
    DP_FIELD("id", DP_ID, desc_sw_image, id),
    DP_FIELD("name", DP_STR, desc_sw_image, name),
    DP_FIELD("image", DP_ID, desc_sw_image, image),
    DP_FIELD("version", DP_STR, desc_sw_image, version),
    {0},
};

static const dp_shape image_shape = {
    DP_NAMED(desc_sw_image, "sw-image-desc"),
    .fields = image_fields,
    .required = "id image",
    .ignored = "checksum container-format disk-format min-disk min-ram size operating-system "
               "supported-virtualisation-environment vim-type min-cpu-architecture "
               "hypervisor-type description",
};

static const dp_field ext_int_cpd_fields[] = {
    DP_FIELD("vdu-id", DP_REF, desc_ext_cpd, vdu),
    DP_FIELD("cpd", DP_REF, desc_ext_cpd, cpd),
    {0},
};

static const dp_shape ext_int_cpd_shape = {.fields = ext_int_cpd_fields, .required = "vdu-id cpd"};

static void ext_cpd_check(desc_parser *p, const cfg_node *n, void *obj)
{
    if (cfg_map_get(n, "int-cpd") && cfg_map_get(n, "int-virtual-link-desc"))
        dp_err(p, n, "%s: int-cpd and int-virtual-link-desc are exclusive", dp_name(p));
    else if (!cfg_map_get(n, "int-cpd") && !cfg_map_get(n, "int-virtual-link-desc"))
        dp_err(p, n, "%s: needs int-cpd (vdu-id and cpd) or int-virtual-link-desc", dp_name(p));
}

static const dp_field ext_cpd_fields[] = {
    DP_FIELD("id", DP_ID, desc_ext_cpd, id),
    DP_SUB_FIELD("int-cpd", DP_MAP, &ext_int_cpd_shape),
    DP_FIELD("int-virtual-link-desc", DP_REF, desc_ext_cpd, int_vld),
    DP_FIELD("layer-protocol", DP_STR_FIRST, desc_ext_cpd, layer_protocol),
    {0},
};

static const dp_shape ext_cpd_shape = {
    DP_NAMED(desc_ext_cpd, "ext-cpd"),
    .fields = ext_cpd_fields,
    .required = "id",
    .check = ext_cpd_check,
    .ignored = "description role security-group-rule-id port-security-enabled trunk-mode "
               "virtual-network-interface-requirement k8s-cluster-net",
};

static const dp_field ivld_fields[] = {
    DP_FIELD("id", DP_ID, desc_int_vld, id),
    {0},
};

static const dp_shape ivld_shape = {
    DP_NAMED(desc_int_vld, "int-virtual-link-desc"),
    .fields = ivld_fields,
    .required = "id",
    .ignored = "flavour connectivity-type test-access description monitoring-parameters "
               "security-group-rule",
};

static void vdu_profile_check(desc_parser *p, const cfg_node *n, void *obj)
{
    desc_vdu_profile *v = obj;
    dp_instances(p, n, v->min, &v->max);
}

static const dp_field vdu_profile_fields[] = {
    DP_FIELD("id", DP_REF, desc_vdu_profile, vdu),
    DP_U32_FIELD("min-number-of-instances", desc_vdu_profile, min, 0, DESC_MAX_INSTANCES, 1),
    DP_U32_FIELD("max-number-of-instances", desc_vdu_profile, max, 1, DESC_MAX_INSTANCES, 0),
    {0},
};

// Named by the vdu it is about: its id and position are the reference's.
static const dp_shape vdu_profile_shape = {
    .size = sizeof(desc_vdu_profile),
    .what = "vdu-profile",
    .id_off = offsetof(desc_vdu_profile, vdu.id),
    .pos_off = offsetof(desc_vdu_profile, vdu.pos),
    .fields = vdu_profile_fields,
    .required = "id",
    .check = vdu_profile_check,
    .ignored = "local-affinity-or-anti-affinity-rule affinity-or-anti-affinity-group "
               "vdu-configuration-id",
};

// instantiation-level[].vdu-level[] names its vdu by `vdu-id`, vdu-delta[] by `id`.
static const dp_field vdu_level_fields[] = {
    DP_FIELD("vdu-id", DP_REF, desc_vdu_count, vdu),
    DP_U32_FIELD("number-of-instances", desc_vdu_count, count, 0, DESC_MAX_INSTANCES, 1),
    {0},
};

static const dp_field vdu_delta_fields[] = {
    DP_FIELD("id", DP_REF, desc_vdu_count, vdu),
    DP_U32_FIELD("number-of-instances", desc_vdu_count, count, 0, DESC_MAX_INSTANCES, 1),
    {0},
};

static const dp_shape vdu_level_shape = {
    .size = sizeof(desc_vdu_count),
    .fields = vdu_level_fields,
    .required = "vdu-id number-of-instances",
};

static const dp_shape vdu_delta_shape = {
    .size = sizeof(desc_vdu_count),
    .fields = vdu_delta_fields,
    .required = "id number-of-instances",
};

static const dp_field inst_level_fields[] = {
    DP_FIELD("id", DP_ID, desc_inst_level, id),
    DP_SEQ_FIELD("vdu-level", desc_inst_level, vdu_level, n_vdu_level, &vdu_level_shape),
    {0},
};

static const dp_shape inst_level_shape = {
    DP_NAMED(desc_inst_level, "instantiation-level"),
    .fields = inst_level_fields,
    .required = "id",
    .ignored = "description scale-info virtual-link-bit-rate-level",
};

// aspect-delta-details.deltas[].vdu-delta[] are appended to the aspect's flat list.
static const dp_field delta_fields[] = {
    {.key = "id", .type = DP_ID_CHECK},
    DP_SEQ_FIELD("vdu-delta", desc_scaling_aspect, vdu_delta, n_vdu_delta, &vdu_delta_shape),
    {0},
};

static const dp_shape delta_shape = {
    .fields = delta_fields,
    .ignored = "virtual-link-bit-rate-delta kdu-resource-delta",
};

static const dp_field delta_details_fields[] = {
    DP_SUB_FIELD("deltas", DP_EACH, &delta_shape),
    {0},
};

static const dp_shape delta_details_shape = {
    .fields = delta_details_fields,
    .ignored = "step-deltas",
};

static const dp_field aspect_fields[] = {
    DP_FIELD("id", DP_ID, desc_scaling_aspect, id),
    DP_FIELD("name", DP_STR, desc_scaling_aspect, name),
    DP_U32_FIELD("max-scale-level", desc_scaling_aspect, max_scale_level, 1, DESC_MAX_INSTANCES, 1),
    DP_SUB_FIELD("aspect-delta-details", DP_MAP, &delta_details_shape),
    {0},
};

static const dp_shape aspect_shape = {
    DP_NAMED(desc_scaling_aspect, "scaling-aspect"),
    .fields = aspect_fields,
    .required = "id",
    .ignored = "description scaling-policy scaling-config-action",
};

static const dp_field df_fields[] = {
    DP_FIELD("id", DP_ID, desc_vnf_df, id),
    DP_SEQ_FIELD("vdu-profile", desc_vnf_df, vdu_profile, n_vdu_profile, &vdu_profile_shape),
    DP_SEQ_FIELD("instantiation-level", desc_vnf_df, inst_level, n_inst_level, &inst_level_shape),
    DP_FIELD("default-instantiation-level-id", DP_REF, desc_vnf_df, default_inst_level),
    DP_SEQ_FIELD("scaling-aspect", desc_vnf_df, aspect, n_aspect, &aspect_shape),
    {0},
};

static const dp_shape df_shape = {
    DP_NAMED(desc_vnf_df, "df"),
    .fields = df_fields,
    .required = "id",
    .ignored = "lcm-operations-configuration description virtual-link-profile "
               "affinity-or-anti-affinity-group monitoring-parameter supported-operation "
               "supported-vnf-interfaces indicator kdu-profile placement-groups",
};

static void vnfd_check(desc_parser *p, const cfg_node *n, void *obj)
{
    const cfg_node *vdu = cfg_map_get(n, "vdu");
    if (!vdu || (vdu->kind == CFG_SEQ && vdu->n == 0))
        dp_err(p, vdu ? vdu : n, "%s: a vnfd needs at least one vdu%s", dp_name(p),
               cfg_map_get(n, "kdu") ? " (kdu-only VNFDs are not supported)" : "");
}

static const dp_field vnfd_fields[] = {
    DP_FIELD("id", DP_ID, desc_vnfd, id),
    DP_FIELD("version", DP_STR, desc_vnfd, version),
    DP_FIELD("product-name", DP_STR, desc_vnfd, product_name),
    DP_FIELD("provider", DP_STR, desc_vnfd, provider),
    DP_FIELD("description", DP_STR, desc_vnfd, description),
    DP_FIELD("mgmt-cp", DP_REF, desc_vnfd, mgmt_cp),
    DP_SEQ_FIELD("vdu", desc_vnfd, vdu, n_vdu, &vdu_shape),
    DP_SEQ_FIELD("virtual-compute-desc", desc_vnfd, compute, n_compute, &compute_shape),
    DP_SEQ_FIELD("sw-image-desc", desc_vnfd, sw_image, n_sw_image, &image_shape),
    DP_SEQ_FIELD("ext-cpd", desc_vnfd, ext_cpd, n_ext_cpd, &ext_cpd_shape),
    DP_SEQ_FIELD("int-virtual-link-desc", desc_vnfd, int_vld, n_int_vld, &ivld_shape),
    DP_SEQ_FIELD("df", desc_vnfd, df, n_df, &df_shape),
    {0},
};

const dp_shape desc_vnfd_shape = {
    .fields = vnfd_fields,
    .required = "id",
    .check = vnfd_check,
    .ignored = "product-info-name product-info-description software-version vnfm-info "
               "localization-language default-localization-language modifiable-attributes "
               "lifecycle-management-script element-group indicator auto-scale "
               "security-group-rule virtual-storage-desc configurable-properties "
               "vnf-configuration kdu k8s-cluster monitoring-parameter designer "
               "vdu-configuration vnfd-id",
};
