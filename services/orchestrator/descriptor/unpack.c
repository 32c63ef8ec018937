// Store decoding: an outrig.v1.Vnfd read back into a desc_vnfd, so that an NSD
// being onboarded can be checked against the VNFDs already in the store.
#include <errno.h>
#include <string.h>

#include "outrig/v1/descriptor.pb-c.h"
#include "parse_int.h"

// An empty proto3 string is an absent field.
static const char *dup_opt(desc_arena *a, const char *s)
{
    return s && s[0] ? desc_strdup(a, s) : NULL;
}

static desc_ref ref_opt(desc_arena *a, const char *s)
{
    return (desc_ref){dup_opt(a, s), {0, 0}};
}

static void *array(desc_arena *a, size_t n, size_t size)
{
    return n ? desc_alloc(a, n * size) : NULL;
}

static void counts(desc_arena *a, Outrig__V1__Vnfd__VduCount **in, size_t n, desc_vdu_count **out,
                   size_t *nout)
{
    *out = array(a, n, sizeof **out);
    *nout = *out ? n : 0;
    for (size_t i = 0; i < *nout; i++) {
        (*out)[i].vdu = ref_opt(a, in[i]->vdu_id);
        (*out)[i].count = in[i]->count;
    }
}

static void unpack_vdus(desc_arena *a, const Outrig__V1__Vnfd *m, desc_vnfd *v)
{
    v->vdu = array(a, m->n_vdu, sizeof *v->vdu);
    // Each VDU carries its image and compute: rebuild the lists they came from.
    v->sw_image = array(a, m->n_vdu, sizeof *v->sw_image);
    v->compute = array(a, m->n_vdu, sizeof *v->compute);
    if (!v->vdu || !v->sw_image || !v->compute)
        return;
    v->n_vdu = m->n_vdu;
    for (size_t i = 0; i < m->n_vdu; i++) {
        const Outrig__V1__Vnfd__Vdu *u = m->vdu[i];
        desc_vdu *d = &v->vdu[i];
        d->id = dup_opt(a, u->id);
        d->name = dup_opt(a, u->name);
        d->sw_image = ref_opt(a, u->sw_image_desc_id);
        d->compute = ref_opt(a, u->virtual_compute_desc_id);
        d->int_cpd = array(a, u->n_int_cpd, sizeof *d->int_cpd);
        d->n_int_cpd = d->int_cpd ? u->n_int_cpd : 0;
        for (size_t j = 0; j < d->n_int_cpd; j++) {
            d->int_cpd[j].id = dup_opt(a, u->int_cpd[j]->id);
            d->int_cpd[j].layer_protocol = dup_opt(a, u->int_cpd[j]->layer_protocol);
            d->int_cpd[j].int_vld = ref_opt(a, u->int_cpd[j]->int_virtual_link_desc);
        }
        if (d->sw_image.id && !desc_vnfd_sw_image(v, d->sw_image.id)) {
            desc_sw_image *s = &v->sw_image[v->n_sw_image++];
            s->id = d->sw_image.id;
            s->image = dup_opt(a, u->image);
        }
        if (d->compute.id && !desc_vnfd_compute(v, d->compute.id)) {
            desc_compute *c = &v->compute[v->n_compute++];
            c->id = d->compute.id;
            c->vcpus = u->vcpus;
            c->memory_mib = u->memory_mib;
        }
    }
}

static void unpack_df(desc_arena *a, const Outrig__V1__Vnfd__Df *m, desc_vnf_df *d)
{
    d->id = dup_opt(a, m->id);
    d->default_inst_level = ref_opt(a, m->default_instantiation_level_id);
    d->vdu_profile = array(a, m->n_vdu_profile, sizeof *d->vdu_profile);
    d->n_vdu_profile = d->vdu_profile ? m->n_vdu_profile : 0;
    for (size_t i = 0; i < d->n_vdu_profile; i++) {
        d->vdu_profile[i].vdu = ref_opt(a, m->vdu_profile[i]->vdu_id);
        d->vdu_profile[i].min = m->vdu_profile[i]->min;
        d->vdu_profile[i].max = m->vdu_profile[i]->max;
    }
    d->inst_level = array(a, m->n_instantiation_level, sizeof *d->inst_level);
    d->n_inst_level = d->inst_level ? m->n_instantiation_level : 0;
    for (size_t i = 0; i < d->n_inst_level; i++) {
        const Outrig__V1__Vnfd__InstantiationLevel *l = m->instantiation_level[i];
        d->inst_level[i].id = dup_opt(a, l->id);
        counts(a, l->vdu_level, l->n_vdu_level, &d->inst_level[i].vdu_level,
               &d->inst_level[i].n_vdu_level);
    }
    d->aspect = array(a, m->n_scaling_aspect, sizeof *d->aspect);
    d->n_aspect = d->aspect ? m->n_scaling_aspect : 0;
    for (size_t i = 0; i < d->n_aspect; i++) {
        const Outrig__V1__Vnfd__ScalingAspect *s = m->scaling_aspect[i];
        d->aspect[i].id = dup_opt(a, s->id);
        d->aspect[i].name = dup_opt(a, s->name);
        d->aspect[i].max_scale_level = s->max_scale_level;
        counts(a, s->vdu_delta, s->n_vdu_delta, &d->aspect[i].vdu_delta, &d->aspect[i].n_vdu_delta);
    }
}

int desc_set_add_vnfd_pb(desc_set *s, const char *name, const void *buf, size_t len)
{
    Outrig__V1__Vnfd *m = outrig__v1__vnfd__unpack(NULL, len, buf);
    if (!m)
        return -EINVAL;
    int rc = 0;
    if (!m->id[0] || desc_set_find_vnfd(s, m->id)) {
        rc = -EINVAL;
        goto out;
    }
    desc_arena *a = &s->arena;
    desc_vnfd *v = desc_alloc(a, sizeof *v);
    if (!v)
        goto out;
    v->file = desc_strdup(a, name);
    v->id = dup_opt(a, m->id);
    v->version = dup_opt(a, m->version);
    v->product_name = dup_opt(a, m->product_name);
    v->provider = dup_opt(a, m->provider);
    v->description = dup_opt(a, m->description);
    v->mgmt_cp = ref_opt(a, m->mgmt_cp);
    unpack_vdus(a, m, v);
    v->ext_cpd = array(a, m->n_ext_cpd, sizeof *v->ext_cpd);
    v->n_ext_cpd = v->ext_cpd ? m->n_ext_cpd : 0;
    for (size_t i = 0; i < v->n_ext_cpd; i++) {
        const Outrig__V1__Vnfd__ExtCpd *c = m->ext_cpd[i];
        v->ext_cpd[i].id = dup_opt(a, c->id);
        v->ext_cpd[i].vdu = ref_opt(a, c->vdu_id);
        v->ext_cpd[i].cpd = ref_opt(a, c->cpd);
        v->ext_cpd[i].int_vld = ref_opt(a, c->int_virtual_link_desc);
        v->ext_cpd[i].layer_protocol = dup_opt(a, c->layer_protocol);
    }
    v->int_vld = array(a, m->n_int_virtual_link_desc, sizeof *v->int_vld);
    v->n_int_vld = v->int_vld ? m->n_int_virtual_link_desc : 0;
    for (size_t i = 0; i < v->n_int_vld; i++)
        v->int_vld[i].id = dup_opt(a, m->int_virtual_link_desc[i]);
    v->df = array(a, m->n_df, sizeof *v->df);
    v->n_df = v->df ? m->n_df : 0;
    for (size_t i = 0; i < v->n_df; i++)
        unpack_df(a, m->df[i], &v->df[i]);
    v->ignored = array(a, m->n_ignored, sizeof *v->ignored);
    v->n_ignored = v->ignored ? m->n_ignored : 0;
    for (size_t i = 0; i < v->n_ignored; i++) {
        const Outrig__V1__IgnoredField *g = m->ignored[i];
        v->ignored[i].path = desc_strdup(a, g->path);
        v->ignored[i].pos = (desc_pos){(int)g->line, (int)g->col};
        v->ignored[i].known = g->known;
        v->ignored[i].value_json = desc_strdup(a, g->value_json);
    }
    if (!a->oom && desc_set_push_vnfd(s, v))
        a->oom = true;
out:
    outrig__v1__vnfd__free_unpacked(m, NULL);
    if (rc == 0 && s->arena.oom)
        rc = -ENOMEM;
    return rc;
}
