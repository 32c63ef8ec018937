// Store encoding: desc_vnfd / desc_nsd as outrig.v1.Vnfd / outrig.v1.Nsd. The
// message tree is built in a scratch arena and packed once.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "outrig/v1/descriptor.pb-c.h"
#include "parse_int.h"

// protobuf-c wants char *; the strings are only read while packing.
static char *S(const char *s)
{
    return (char *)(s ? s : "");
}

// An array of n pointers to new messages of `type`, each set to the initialiser
// given last (protobuf-c's INIT macros hold commas).
#define NEW_ARRAY(a, type, n, ...)                                                                 \
    ({                                                                                             \
        type **arr_ = desc_alloc((a), ((n) ? (n) : 1) * sizeof(type *));                           \
        for (size_t k_ = 0; arr_ && k_ < (n); k_++) {                                              \
            arr_[k_] = desc_alloc((a), sizeof(type));                                              \
            if (!arr_[k_]) {                                                                       \
                arr_ = NULL;                                                                       \
                break;                                                                             \
            }                                                                                      \
            *arr_[k_] = (type)__VA_ARGS__;                                                         \
        }                                                                                          \
        arr_;                                                                                      \
    })

static Outrig__V1__IgnoredField **pack_ignored(desc_arena *a, const desc_ignored *g, size_t n)
{
    Outrig__V1__IgnoredField **out =
        NEW_ARRAY(a, Outrig__V1__IgnoredField, n, OUTRIG__V1__IGNORED_FIELD__INIT);
    for (size_t i = 0; out && !a->oom && i < n; i++) {
        out[i]->path = S(g[i].path);
        out[i]->line = (uint32_t)g[i].pos.line;
        out[i]->col = (uint32_t)g[i].pos.col;
        out[i]->known = g[i].known;
        out[i]->value_json = S(g[i].value_json);
    }
    return out;
}

static Outrig__V1__Vnfd__VduCount **pack_counts(desc_arena *a, const desc_vdu_count *c, size_t n)
{
    Outrig__V1__Vnfd__VduCount **out =
        NEW_ARRAY(a, Outrig__V1__Vnfd__VduCount, n, OUTRIG__V1__VNFD__VDU_COUNT__INIT);
    for (size_t i = 0; out && !a->oom && i < n; i++) {
        out[i]->vdu_id = S(c[i].vdu.id);
        out[i]->count = c[i].count;
    }
    return out;
}

static void fill_vdu(desc_arena *a, const desc_vnfd *v, const desc_vdu *u, Outrig__V1__Vnfd__Vdu *m)
{
    m->id = S(u->id);
    m->name = S(u->name);
    m->sw_image_desc_id = S(u->sw_image.id);
    const desc_sw_image *img = u->sw_image.id ? desc_vnfd_sw_image(v, u->sw_image.id) : NULL;
    m->image = S(img ? img->image : NULL);
    m->virtual_compute_desc_id = S(u->compute.id);
    const desc_compute *c = u->compute.id ? desc_vnfd_compute(v, u->compute.id) : NULL;
    // Without a virtual-compute-desc a VDU gets what an empty one would give.
    m->vcpus = c ? c->vcpus : 1;
    m->memory_mib = c ? c->memory_mib : 512;
    m->n_int_cpd = u->n_int_cpd;
    m->int_cpd =
        NEW_ARRAY(a, Outrig__V1__Vnfd__IntCpd, u->n_int_cpd, OUTRIG__V1__VNFD__INT_CPD__INIT);
    for (size_t i = 0; m->int_cpd && !a->oom && i < u->n_int_cpd; i++) {
        m->int_cpd[i]->id = S(u->int_cpd[i].id);
        m->int_cpd[i]->layer_protocol = S(u->int_cpd[i].layer_protocol);
        m->int_cpd[i]->int_virtual_link_desc = S(u->int_cpd[i].int_vld.id);
    }
}

static void fill_df(desc_arena *a, const desc_vnf_df *d, Outrig__V1__Vnfd__Df *m)
{
    m->id = S(d->id);
    m->default_instantiation_level_id = S(d->default_inst_level.id);
    m->n_vdu_profile = d->n_vdu_profile;
    m->vdu_profile = NEW_ARRAY(a, Outrig__V1__Vnfd__VduProfile, d->n_vdu_profile,
                               OUTRIG__V1__VNFD__VDU_PROFILE__INIT);
    for (size_t i = 0; m->vdu_profile && !a->oom && i < d->n_vdu_profile; i++) {
        m->vdu_profile[i]->vdu_id = S(d->vdu_profile[i].vdu.id);
        m->vdu_profile[i]->min = d->vdu_profile[i].min;
        m->vdu_profile[i]->max = d->vdu_profile[i].max;
    }
    m->n_instantiation_level = d->n_inst_level;
    m->instantiation_level = NEW_ARRAY(a, Outrig__V1__Vnfd__InstantiationLevel, d->n_inst_level,
                                       OUTRIG__V1__VNFD__INSTANTIATION_LEVEL__INIT);
    for (size_t i = 0; m->instantiation_level && !a->oom && i < d->n_inst_level; i++) {
        Outrig__V1__Vnfd__InstantiationLevel *l = m->instantiation_level[i];
        l->id = S(d->inst_level[i].id);
        l->n_vdu_level = d->inst_level[i].n_vdu_level;
        l->vdu_level = pack_counts(a, d->inst_level[i].vdu_level, l->n_vdu_level);
    }
    m->n_scaling_aspect = d->n_aspect;
    m->scaling_aspect = NEW_ARRAY(a, Outrig__V1__Vnfd__ScalingAspect, d->n_aspect,
                                  OUTRIG__V1__VNFD__SCALING_ASPECT__INIT);
    for (size_t i = 0; m->scaling_aspect && !a->oom && i < d->n_aspect; i++) {
        Outrig__V1__Vnfd__ScalingAspect *s = m->scaling_aspect[i];
        s->id = S(d->aspect[i].id);
        s->name = S(d->aspect[i].name);
        s->max_scale_level = d->aspect[i].max_scale_level;
        s->n_vdu_delta = d->aspect[i].n_vdu_delta;
        s->vdu_delta = pack_counts(a, d->aspect[i].vdu_delta, s->n_vdu_delta);
    }
}

static int finish(desc_arena *a, const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
    if (a->oom) {
        desc_arena_clear(a);
        return -ENOMEM;
    }
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        desc_arena_clear(a);
        return -ENOMEM;
    }
    *len = protobuf_c_message_pack(m, b);
    *buf = b;
    desc_arena_clear(a);
    return 0;
}

int desc_vnfd_pack(const desc_vnfd *v, uint8_t **buf, size_t *len)
{
    if (v->has_errors || !v->id)
        return -EINVAL;
    desc_arena a = {0};
    Outrig__V1__Vnfd m = OUTRIG__V1__VNFD__INIT;
    m.id = S(v->id);
    m.version = S(v->version);
    m.product_name = S(v->product_name);
    m.provider = S(v->provider);
    m.description = S(v->description);
    m.mgmt_cp = S(v->mgmt_cp.id);
    m.source_file = S(v->file);
    m.n_vdu = v->n_vdu;
    m.vdu = NEW_ARRAY(&a, Outrig__V1__Vnfd__Vdu, v->n_vdu, OUTRIG__V1__VNFD__VDU__INIT);
    for (size_t i = 0; m.vdu && !a.oom && i < v->n_vdu; i++)
        fill_vdu(&a, v, &v->vdu[i], m.vdu[i]);
    m.n_ext_cpd = v->n_ext_cpd;
    m.ext_cpd =
        NEW_ARRAY(&a, Outrig__V1__Vnfd__ExtCpd, v->n_ext_cpd, OUTRIG__V1__VNFD__EXT_CPD__INIT);
    for (size_t i = 0; m.ext_cpd && !a.oom && i < v->n_ext_cpd; i++) {
        const desc_ext_cpd *c = &v->ext_cpd[i];
        m.ext_cpd[i]->id = S(c->id);
        m.ext_cpd[i]->vdu_id = S(c->vdu.id);
        m.ext_cpd[i]->cpd = S(c->cpd.id);
        m.ext_cpd[i]->int_virtual_link_desc = S(c->int_vld.id);
        m.ext_cpd[i]->layer_protocol = S(c->layer_protocol);
    }
    m.n_int_virtual_link_desc = v->n_int_vld;
    m.int_virtual_link_desc = desc_alloc(&a, (v->n_int_vld + 1) * sizeof(char *));
    for (size_t i = 0; m.int_virtual_link_desc && i < v->n_int_vld; i++)
        m.int_virtual_link_desc[i] = S(v->int_vld[i].id);
    m.n_df = v->n_df;
    m.df = NEW_ARRAY(&a, Outrig__V1__Vnfd__Df, v->n_df, OUTRIG__V1__VNFD__DF__INIT);
    for (size_t i = 0; m.df && !a.oom && i < v->n_df; i++)
        fill_df(&a, &v->df[i], m.df[i]);
    m.n_ignored = v->n_ignored;
    m.ignored = pack_ignored(&a, v->ignored, v->n_ignored);
    return finish(&a, &m.base, buf, len);
}

static void fill_vnf_profile(desc_arena *a, const desc_nsd *n, const desc_ns_df *d,
                             const desc_vnf_profile *p, Outrig__V1__Nsd__VnfProfile *m)
{
    m->id = S(p->id);
    m->vnfd_id = S(p->vnfd.id);
    m->flavour_id = S(p->flavour.id);
    m->instantiation_level = S(p->inst_level.id);
    m->min = p->min;
    m->max = p->max;
    m->n_virtual_link_connectivity = p->n_conn;
    m->virtual_link_connectivity =
        NEW_ARRAY(a, Outrig__V1__Nsd__Connectivity, p->n_conn, OUTRIG__V1__NSD__CONNECTIVITY__INIT);
    for (size_t i = 0; m->virtual_link_connectivity && !a->oom && i < p->n_conn; i++) {
        const desc_vl_conn *c = &p->conn[i];
        Outrig__V1__Nsd__Connectivity *mc = m->virtual_link_connectivity[i];
        mc->virtual_link_profile_id = S(c->vl_profile.id);
        const desc_vld *l = c->vl_profile.id ? desc_nsd_resolve_vl(n, d, c->vl_profile.id) : NULL;
        mc->virtual_link_desc_id = S(l ? l->id : NULL);
        mc->n_cpd = c->n_cpd;
        mc->cpd = NEW_ARRAY(a, Outrig__V1__Nsd__CpdRef, c->n_cpd, OUTRIG__V1__NSD__CPD_REF__INIT);
        for (size_t j = 0; mc->cpd && !a->oom && j < c->n_cpd; j++) {
            mc->cpd[j]->vnf_profile_id = S(c->cpd[j].element.id);
            mc->cpd[j]->cpd_id = S(c->cpd[j].cpd.id);
        }
    }
}

// The cidr of a virtual link: its own, else one a virtual-link-profile gives it.
static const char *vld_cidr(const desc_nsd *n, const desc_vld *l)
{
    if (l->cidr)
        return l->cidr;
    for (size_t i = 0; i < n->n_df; i++)
        for (size_t j = 0; j < n->df[i].n_vl_profile; j++) {
            const desc_vl_profile *vp = &n->df[i].vl_profile[j];
            if (vp->cidr && vp->vld.id && strcmp(vp->vld.id, l->id) == 0)
                return vp->cidr;
        }
    return NULL;
}

int desc_nsd_pack(const desc_nsd *n, uint8_t **buf, size_t *len)
{
    if (n->has_errors || !n->id)
        return -EINVAL;
    desc_arena a = {0};
    Outrig__V1__Nsd m = OUTRIG__V1__NSD__INIT;
    m.id = S(n->id);
    m.name = S(n->name);
    m.version = S(n->version);
    m.designer = S(n->designer);
    m.description = S(n->description);
    m.source_file = S(n->file);
    m.n_vnfd_id = n->n_vnfd_id;
    m.vnfd_id = desc_alloc(&a, (n->n_vnfd_id + 1) * sizeof(char *));
    for (size_t i = 0; m.vnfd_id && i < n->n_vnfd_id; i++)
        m.vnfd_id[i] = S(n->vnfd_id[i].id);
    m.n_virtual_link = n->n_vld;
    m.virtual_link =
        NEW_ARRAY(&a, Outrig__V1__Nsd__VirtualLink, n->n_vld, OUTRIG__V1__NSD__VIRTUAL_LINK__INIT);
    for (size_t i = 0; m.virtual_link && !a.oom && i < n->n_vld; i++) {
        const desc_vld *l = &n->vld[i];
        m.virtual_link[i]->id = S(l->id);
        m.virtual_link[i]->mgmt_network = l->mgmt_network;
        m.virtual_link[i]->vim_network_name = S(l->vim_network_name);
        m.virtual_link[i]->cidr = S(vld_cidr(n, l));
    }
    m.n_df = n->n_df;
    m.df = NEW_ARRAY(&a, Outrig__V1__Nsd__Df, n->n_df, OUTRIG__V1__NSD__DF__INIT);
    for (size_t i = 0; m.df && !a.oom && i < n->n_df; i++) {
        const desc_ns_df *d = &n->df[i];
        m.df[i]->id = S(d->id);
        m.df[i]->n_vnf_profile = d->n_vnf_profile;
        m.df[i]->vnf_profile = NEW_ARRAY(&a, Outrig__V1__Nsd__VnfProfile, d->n_vnf_profile,
                                         OUTRIG__V1__NSD__VNF_PROFILE__INIT);
        for (size_t j = 0; m.df[i]->vnf_profile && !a.oom && j < d->n_vnf_profile; j++)
            fill_vnf_profile(&a, n, d, &d->vnf_profile[j], m.df[i]->vnf_profile[j]);
    }
    m.n_ignored = n->n_ignored;
    m.ignored = pack_ignored(&a, n->ignored, n->n_ignored);
    return finish(&a, &m.base, buf, len);
}
