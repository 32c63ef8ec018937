// VNFD parsing: SOL006 `vnfd` into desc_vnfd, field by field, keeping what the
// orchestrator does not act on in the ignored list.
#include <stddef.h>
#include <string.h>

#include "parse_int.h"
#include "parse_fields.h"

static void need(desc_parser *p, const cfg_node *n, const char *key)
{
    if (!cfg_map_get(n, key))
        dp_missing(p, n, key);
}

// `layer-protocol`: one string or a list of them; the first is kept.
static void layer_protocol(desc_parser *p, const cfg_node *f, const char **out)
{
    if (f->kind == CFG_SEQ) {
        if (f->n == 0)
            return;
        size_t old = dp_push_idx(p, 0);
        dp_str(p, f->items[0], out);
        dp_pop(p, old);
        for (size_t i = 1; i < f->n; i++) {
            old = dp_push_idx(p, i);
            const char *s;
            dp_str(p, f->items[i], &s);
            dp_pop(p, old);
        }
        return;
    }
    dp_str(p, f, out);
}

static const char int_cpd_ign[] =
    "virtual-network-interface-requirement description role trunk-mode "
    "security-group-rule-id bitrate-requirement port-security-enabled "
    "port-security-disable-strategy nicio-requirements cpd-role";

static void int_cpd_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_int_cpd *c = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    c->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id"))
            dp_id(p, f, &c->id);
        else if (IS("layer-protocol"))
            layer_protocol(p, f, &c->layer_protocol);
        else if (IS("int-virtual-link-desc"))
            dp_ref(p, f, &c->int_vld);
        else
            dp_other(p, f, int_cpd_ign);
    }
    need(p, n, "id");
}

static const char vdu_ign[] =
    "cloud-init-file cloud-init virtual-storage-desc monitoring-parameter boot-order "
    "nfvi-constraint configurable-properties boot-data alternative-sw-image-desc "
    "pdu-type supplemental-boot-data vdu-configuration-id alarm interface";

static void vdu_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_vdu *v = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    v->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id"))
            dp_id(p, f, &v->id);
        else if (IS("name"))
            dp_str(p, f, &v->name);
        else if (IS("description"))
            dp_str(p, f, &v->description);
        else if (IS("sw-image-desc"))
            dp_ref(p, f, &v->sw_image);
        else if (IS("virtual-compute-desc"))
            dp_ref(p, f, &v->compute);
        else if (IS("int-cpd")) {
            dp_seq(p, f, sizeof *v->int_cpd, (void **)&v->int_cpd, &v->n_int_cpd, int_cpd_item);
            dp_dup_ids(p, v->int_cpd, v->n_int_cpd, sizeof *v->int_cpd, offsetof(desc_int_cpd, id),
                       offsetof(desc_int_cpd, pos), "int-cpd");
        } else
            dp_other(p, f, vdu_ign);
    }
    need(p, n, "id");
    need(p, n, "sw-image-desc");
}

static const char vcpu_ign[] =
    "cpu-architecture clock pinning oversubscription-policy vdu-cpu-requirements "
    "virtual-cpu-oversubscription-policy";
static const char vmem_ign[] = "over-subscription-policy mem-policy numa-enabled numa-node-policy "
                               "vdu-mem-requirements mempage-size";
static const char compute_ign[] =
    "logical-node request-additional-capability compute-requirements virtual-disk";

static void compute_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_compute *c = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    c->pos = dp_pos(n);
    c->vcpus = 1;
    c->memory_mib = 512;
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &c->id);
        } else if (IS("virtual-cpu")) {
            if (!dp_expect(p, f, CFG_MAP))
                continue;
            FIELDS(f)
            {
                if (IS("num-virtual-cpu"))
                    dp_u32(p, f, 1, 1024, &c->vcpus);
                else
                    dp_other(p, f, vcpu_ign);
            }
        } else if (IS("virtual-memory")) {
            if (!dp_expect(p, f, CFG_MAP))
                continue;
            FIELDS(f)
            {
                if (IS("size"))
                    dp_gb_mib(p, f, &c->memory_mib);
                else
                    dp_other(p, f, vmem_ign);
            }
            need(p, f, "size");
        } else {
            dp_other(p, f, compute_ign);
        }
    }
    need(p, n, "id");
}

static const char image_ign[] =
    "checksum container-format disk-format min-disk min-ram size operating-system "
    "supported-virtualisation-environment vim-type min-cpu-architecture "
    "hypervisor-type description";

static void image_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_sw_image *s = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    s->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id"))
            dp_id(p, f, &s->id);
        else if (IS("name"))
            dp_str(p, f, &s->name);
        else if (IS("image"))
            dp_id(p, f, &s->image);
        else if (IS("version"))
            dp_str(p, f, &s->version);
        else
            dp_other(p, f, image_ign);
    }
    need(p, n, "id");
    need(p, n, "image");
}

static const char ext_cpd_ign[] =
    "description role security-group-rule-id port-security-enabled trunk-mode "
    "virtual-network-interface-requirement k8s-cluster-net";

static void ext_cpd_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_ext_cpd *c = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    c->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &c->id);
        } else if (IS("int-cpd")) {
            if (!dp_expect(p, f, CFG_MAP))
                continue;
            FIELDS(f)
            {
                if (IS("vdu-id"))
                    dp_ref(p, f, &c->vdu);
                else if (IS("cpd"))
                    dp_ref(p, f, &c->cpd);
                else
                    dp_other(p, f, NULL);
            }
            need(p, f, "vdu-id");
            need(p, f, "cpd");
        } else if (IS("int-virtual-link-desc")) {
            dp_ref(p, f, &c->int_vld);
        } else if (IS("layer-protocol")) {
            layer_protocol(p, f, &c->layer_protocol);
        } else {
            dp_other(p, f, ext_cpd_ign);
        }
    }
    need(p, n, "id");
    if (cfg_map_get(n, "int-cpd") && cfg_map_get(n, "int-virtual-link-desc"))
        dp_err(p, n, "%s: int-cpd and int-virtual-link-desc are exclusive", dp_name(p));
    else if (!cfg_map_get(n, "int-cpd") && !cfg_map_get(n, "int-virtual-link-desc"))
        dp_err(p, n, "%s: needs int-cpd (vdu-id and cpd) or int-virtual-link-desc", dp_name(p));
}

static const char ivld_ign[] =
    "flavour connectivity-type test-access description monitoring-parameters "
    "security-group-rule";

static void ivld_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_int_vld *l = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    l->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id"))
            dp_id(p, f, &l->id);
        else
            dp_other(p, f, ivld_ign);
    }
    need(p, n, "id");
}

static const char vdu_profile_ign[] =
    "local-affinity-or-anti-affinity-rule affinity-or-anti-affinity-group "
    "vdu-configuration-id";

static void vdu_profile_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_vdu_profile *v = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    v->min = v->max = 1;
    const cfg_node *maxn = NULL;
    FIELDS(n)
    {
        if (IS("id"))
            dp_ref(p, f, &v->vdu);
        else if (IS("min-number-of-instances"))
            dp_u32(p, f, 0, DESC_MAX_INSTANCES, &v->min);
        else if (IS("max-number-of-instances")) {
            if (dp_u32(p, f, 1, DESC_MAX_INSTANCES, &v->max))
                maxn = f;
        } else
            dp_other(p, f, vdu_profile_ign);
    }
    need(p, n, "id");
    if (!maxn && v->min > v->max)
        v->max = v->min; // max defaults to min when only min is given
    else if (v->max < v->min)
        dp_err(p, maxn, "%s: max-number-of-instances %u is below min-number-of-instances %u",
               dp_name(p), v->max, v->min);
}

static void vdu_count_item(desc_parser *p, const cfg_node *n, void *elem, const char *idkey)
{
    desc_vdu_count *c = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    c->count = 1;
    FIELDS(n)
    {
        if (IS(idkey))
            dp_ref(p, f, &c->vdu);
        else if (IS("number-of-instances"))
            dp_u32(p, f, 0, DESC_MAX_INSTANCES, &c->count);
        else
            dp_other(p, f, NULL);
    }
    need(p, n, idkey);
    need(p, n, "number-of-instances");
}

static void vdu_level_item(desc_parser *p, const cfg_node *n, void *elem)
{
    vdu_count_item(p, n, elem, "vdu-id");
}

static void vdu_delta_item(desc_parser *p, const cfg_node *n, void *elem)
{
    vdu_count_item(p, n, elem, "id");
}

static const char level_ign[] = "description scale-info virtual-link-bit-rate-level";

static void inst_level_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_inst_level *l = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    l->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id"))
            dp_id(p, f, &l->id);
        else if (IS("vdu-level"))
            dp_seq(p, f, sizeof *l->vdu_level, (void **)&l->vdu_level, &l->n_vdu_level,
                   vdu_level_item);
        else
            dp_other(p, f, level_ign);
    }
    need(p, n, "id");
}

// aspect-delta-details.deltas[].vdu-delta[] are appended to the aspect's flat list.
static void delta_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_scaling_aspect *a = *(desc_scaling_aspect **)elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    FIELDS(n)
    {
        if (IS("id")) {
            const char *id;
            dp_id(p, f, &id);
        } else if (IS("vdu-delta")) {
            desc_vdu_count *arr;
            size_t cnt;
            dp_seq(p, f, sizeof *arr, (void **)&arr, &cnt, vdu_delta_item);
            if (!cnt)
                continue;
            desc_vdu_count *all = desc_alloc(p->a, (a->n_vdu_delta + cnt) * sizeof *all);
            if (!all)
                continue;
            if (a->n_vdu_delta)
                memcpy(all, a->vdu_delta, a->n_vdu_delta * sizeof *all);
            memcpy(all + a->n_vdu_delta, arr, cnt * sizeof *all);
            a->vdu_delta = all;
            a->n_vdu_delta += cnt;
        } else {
            dp_other(p, f, "virtual-link-bit-rate-delta kdu-resource-delta");
        }
    }
}

static const char aspect_ign[] = "description scaling-policy scaling-config-action";

static void aspect_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_scaling_aspect *a = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    a->pos = dp_pos(n);
    a->max_scale_level = 1;
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &a->id);
        } else if (IS("name")) {
            dp_str(p, f, &a->name);
        } else if (IS("max-scale-level")) {
            dp_u32(p, f, 1, DESC_MAX_INSTANCES, &a->max_scale_level);
        } else if (IS("aspect-delta-details")) {
            if (!dp_expect(p, f, CFG_MAP))
                continue;
            FIELDS(f)
            {
                if (IS("deltas")) {
                    if (!dp_expect(p, f, CFG_SEQ))
                        continue;
                    for (size_t i = 0; i < f->n; i++) {
                        size_t old = dp_push_idx(p, i);
                        delta_item(p, f->items[i], &a);
                        dp_pop(p, old);
                    }
                } else {
                    dp_other(p, f, "step-deltas");
                }
            }
        } else {
            dp_other(p, f, aspect_ign);
        }
    }
    need(p, n, "id");
}

static const char df_ign[] =
    "lcm-operations-configuration description virtual-link-profile "
    "affinity-or-anti-affinity-group monitoring-parameter supported-operation "
    "supported-vnf-interfaces indicator kdu-profile placement-groups";

static void df_item(desc_parser *p, const cfg_node *n, void *elem)
{
    desc_vnf_df *d = elem;
    if (!dp_expect(p, n, CFG_MAP))
        return;
    d->pos = dp_pos(n);
    FIELDS(n)
    {
        if (IS("id")) {
            dp_id(p, f, &d->id);
        } else if (IS("vdu-profile")) {
            dp_seq(p, f, sizeof *d->vdu_profile, (void **)&d->vdu_profile, &d->n_vdu_profile,
                   vdu_profile_item);
            dp_dup_ids(p, d->vdu_profile, d->n_vdu_profile, sizeof *d->vdu_profile,
                       offsetof(desc_vdu_profile, vdu.id), offsetof(desc_vdu_profile, vdu.pos),
                       "vdu-profile");
        } else if (IS("instantiation-level")) {
            dp_seq(p, f, sizeof *d->inst_level, (void **)&d->inst_level, &d->n_inst_level,
                   inst_level_item);
            dp_dup_ids(p, d->inst_level, d->n_inst_level, sizeof *d->inst_level,
                       offsetof(desc_inst_level, id), offsetof(desc_inst_level, pos),
                       "instantiation-level");
        } else if (IS("default-instantiation-level-id")) {
            dp_ref(p, f, &d->default_inst_level);
        } else if (IS("scaling-aspect")) {
            dp_seq(p, f, sizeof *d->aspect, (void **)&d->aspect, &d->n_aspect, aspect_item);
            dp_dup_ids(p, d->aspect, d->n_aspect, sizeof *d->aspect,
                       offsetof(desc_scaling_aspect, id), offsetof(desc_scaling_aspect, pos),
                       "scaling-aspect");
        } else {
            dp_other(p, f, df_ign);
        }
    }
    need(p, n, "id");
}

static const char vnfd_ign[] =
    "product-info-name product-info-description software-version vnfm-info "
    "localization-language default-localization-language modifiable-attributes "
    "lifecycle-management-script element-group indicator auto-scale "
    "security-group-rule virtual-storage-desc configurable-properties "
    "vnf-configuration kdu k8s-cluster monitoring-parameter designer "
    "vdu-configuration vnfd-id";

#define SEQ_IDS(field, n_field, fn, type, what)                                                    \
    do {                                                                                           \
        dp_seq(p, f, sizeof *v->field, (void **)&v->field, &v->n_field, fn);                       \
        dp_dup_ids(p, v->field, v->n_field, sizeof *v->field, offsetof(type, id),                  \
                   offsetof(type, pos), what);                                                     \
    } while (0)

void desc_parse_vnfd(desc_parser *p, const cfg_node *n, desc_vnfd *v)
{
    v->file = p->file;
    v->pos = dp_pos(n);
    if (!dp_expect(p, n, CFG_MAP))
        return;
    FIELDS(n)
    {
        if (IS("id"))
            dp_id(p, f, &v->id);
        else if (IS("version"))
            dp_str(p, f, &v->version);
        else if (IS("product-name"))
            dp_str(p, f, &v->product_name);
        else if (IS("provider"))
            dp_str(p, f, &v->provider);
        else if (IS("description"))
            dp_str(p, f, &v->description);
        else if (IS("mgmt-cp"))
            dp_ref(p, f, &v->mgmt_cp);
        else if (IS("vdu"))
            SEQ_IDS(vdu, n_vdu, vdu_item, desc_vdu, "vdu");
        else if (IS("virtual-compute-desc"))
            SEQ_IDS(compute, n_compute, compute_item, desc_compute, "virtual-compute-desc");
        else if (IS("sw-image-desc"))
            SEQ_IDS(sw_image, n_sw_image, image_item, desc_sw_image, "sw-image-desc");
        else if (IS("ext-cpd"))
            SEQ_IDS(ext_cpd, n_ext_cpd, ext_cpd_item, desc_ext_cpd, "ext-cpd");
        else if (IS("int-virtual-link-desc"))
            SEQ_IDS(int_vld, n_int_vld, ivld_item, desc_int_vld, "int-virtual-link-desc");
        else if (IS("df"))
            SEQ_IDS(df, n_df, df_item, desc_vnf_df, "df");
        else
            dp_other(p, f, vnfd_ign);
    }
    need(p, n, "id");
    const cfg_node *vdu = cfg_map_get(n, "vdu");
    if (!vdu || (vdu->kind == CFG_SEQ && vdu->n == 0))
        dp_err(p, vdu ? vdu : n, "%s: a vnfd needs at least one vdu%s", dp_name(p),
               cfg_map_get(n, "kdu") ? " (kdu-only VNFDs are not supported)" : "");
}
