// Reference checks: inside one VNFD or NSD (desc_check_*), and between the
// descriptors of a set (desc_set_check).
#include <string.h>

#include "parse_int.h"

#define FIND(arr, n, id_expr, want)                                                                \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < (n); i_++)                                                        \
            if ((arr)[i_].id_expr && strcmp((arr)[i_].id_expr, (want)) == 0)                       \
                return &(arr)[i_];                                                                 \
        return NULL;                                                                               \
    } while (0)

const desc_vdu *desc_vnfd_vdu(const desc_vnfd *v, const char *id)
{
    FIND(v->vdu, v->n_vdu, id, id);
}

const desc_compute *desc_vnfd_compute(const desc_vnfd *v, const char *id)
{
    FIND(v->compute, v->n_compute, id, id);
}

const desc_sw_image *desc_vnfd_sw_image(const desc_vnfd *v, const char *id)
{
    FIND(v->sw_image, v->n_sw_image, id, id);
}

const desc_ext_cpd *desc_vnfd_ext_cpd(const desc_vnfd *v, const char *id)
{
    FIND(v->ext_cpd, v->n_ext_cpd, id, id);
}

static const desc_int_vld *vnfd_int_vld(const desc_vnfd *v, const char *id)
{
    FIND(v->int_vld, v->n_int_vld, id, id);
}

static const desc_int_cpd *vdu_int_cpd(const desc_vdu *v, const char *id)
{
    FIND(v->int_cpd, v->n_int_cpd, id, id);
}

const desc_vnf_df *desc_vnfd_df(const desc_vnfd *v, const char *id)
{
    if (!id)
        return v->n_df ? &v->df[0] : NULL;
    FIND(v->df, v->n_df, id, id);
}

static const desc_inst_level *df_level(const desc_vnf_df *d, const char *id)
{
    FIND(d->inst_level, d->n_inst_level, id, id);
}

static const desc_vdu_profile *df_vdu_profile(const desc_vnf_df *d, const char *id)
{
    FIND(d->vdu_profile, d->n_vdu_profile, vdu.id, id);
}

const desc_vld *desc_nsd_vld(const desc_nsd *n, const char *id)
{
    FIND(n->vld, n->n_vld, id, id);
}

static const desc_vl_profile *ns_df_vl_profile(const desc_ns_df *d, const char *id)
{
    FIND(d->vl_profile, d->n_vl_profile, id, id);
}

static const desc_vnf_profile *ns_df_vnf_profile(const desc_ns_df *d, const char *id)
{
    FIND(d->vnf_profile, d->n_vnf_profile, id, id);
}

const desc_vld *desc_nsd_resolve_vl(const desc_nsd *n, const desc_ns_df *df,
                                    const char *vl_profile_id)
{
    const desc_vl_profile *vp = df ? ns_df_vl_profile(df, vl_profile_id) : NULL;
    if (vp)
        return vp->vld.id ? desc_nsd_vld(n, vp->vld.id) : NULL;
    return desc_nsd_vld(n, vl_profile_id);
}

static void dangling(desc_parser *p, const desc_ref *r, const char *what, const char *kind,
                     const char *owner)
{
    dp_report(p, DESC_ERROR, r->pos.line, r->pos.col, "%s '%s' is not defined in %s '%s'", what,
              r->id, kind, owner);
}

void desc_check_vnfd(desc_parser *p, const desc_vnfd *v)
{
    const char *me = v->id ? v->id : "?";
    for (size_t i = 0; i < v->n_vdu; i++) {
        const desc_vdu *u = &v->vdu[i];
        if (u->sw_image.id && !desc_vnfd_sw_image(v, u->sw_image.id))
            dangling(p, &u->sw_image, "sw-image-desc", "vnfd", me);
        if (u->compute.id && !desc_vnfd_compute(v, u->compute.id))
            dangling(p, &u->compute, "virtual-compute-desc", "vnfd", me);
        for (size_t j = 0; j < u->n_int_cpd; j++) {
            const desc_ref *r = &u->int_cpd[j].int_vld;
            if (r->id && !vnfd_int_vld(v, r->id))
                dangling(p, r, "int-virtual-link-desc", "vnfd", me);
        }
    }
    for (size_t i = 0; i < v->n_ext_cpd; i++) {
        const desc_ext_cpd *c = &v->ext_cpd[i];
        const desc_vdu *u = c->vdu.id ? desc_vnfd_vdu(v, c->vdu.id) : NULL;
        if (c->vdu.id && !u)
            dangling(p, &c->vdu, "vdu", "vnfd", me);
        if (u && c->cpd.id && !vdu_int_cpd(u, c->cpd.id))
            dangling(p, &c->cpd, "int-cpd", "vdu", u->id);
        if (c->int_vld.id && !vnfd_int_vld(v, c->int_vld.id))
            dangling(p, &c->int_vld, "int-virtual-link-desc", "vnfd", me);
    }
    if (v->mgmt_cp.id && !desc_vnfd_ext_cpd(v, v->mgmt_cp.id))
        dangling(p, &v->mgmt_cp, "ext-cpd", "vnfd", me);
    for (size_t i = 0; i < v->n_df; i++) {
        const desc_vnf_df *d = &v->df[i];
        for (size_t j = 0; j < d->n_vdu_profile; j++) {
            const desc_ref *r = &d->vdu_profile[j].vdu;
            if (r->id && !desc_vnfd_vdu(v, r->id))
                dangling(p, r, "vdu", "vnfd", me);
        }
        if (d->default_inst_level.id && !df_level(d, d->default_inst_level.id))
            dangling(p, &d->default_inst_level, "instantiation-level", "df", d->id);
        for (size_t j = 0; j < d->n_inst_level; j++) {
            const desc_inst_level *l = &d->inst_level[j];
            for (size_t k = 0; k < l->n_vdu_level; k++) {
                const desc_vdu_count *c = &l->vdu_level[k];
                if (!c->vdu.id)
                    continue;
                if (!desc_vnfd_vdu(v, c->vdu.id)) {
                    dangling(p, &c->vdu, "vdu", "vnfd", me);
                    continue;
                }
                const desc_vdu_profile *vp = df_vdu_profile(d, c->vdu.id);
                uint32_t min = vp ? vp->min : 1, max = vp ? vp->max : 1;
                if (c->count < min || c->count > max)
                    dp_report(p, DESC_ERROR, c->vdu.pos.line, c->vdu.pos.col,
                              "instantiation-level '%s' asks for %u instances of vdu '%s', "
                              "outside its vdu-profile bounds [%u, %u]",
                              l->id ? l->id : "?", c->count, c->vdu.id, min, max);
            }
        }
        for (size_t j = 0; j < d->n_aspect; j++) {
            const desc_scaling_aspect *a = &d->aspect[j];
            for (size_t k = 0; k < a->n_vdu_delta; k++) {
                const desc_ref *r = &a->vdu_delta[k].vdu;
                if (r->id && !desc_vnfd_vdu(v, r->id))
                    dangling(p, r, "vdu", "vnfd", me);
            }
        }
    }
}

static bool nsd_lists_vnfd(const desc_nsd *n, const char *id)
{
    for (size_t i = 0; i < n->n_vnfd_id; i++)
        if (n->vnfd_id[i].id && strcmp(n->vnfd_id[i].id, id) == 0)
            return true;
    return false;
}

void desc_check_nsd(desc_parser *p, const desc_nsd *n)
{
    const char *me = n->id ? n->id : "?";
    for (size_t i = 0; i < n->n_df; i++) {
        const desc_ns_df *d = &n->df[i];
        for (size_t j = 0; j < d->n_vl_profile; j++) {
            const desc_vl_profile *vp = &d->vl_profile[j];
            const desc_vld *l = vp->vld.id ? desc_nsd_vld(n, vp->vld.id) : NULL;
            if (vp->vld.id && !l)
                dangling(p, &vp->vld, "virtual-link-desc", "nsd", me);
            if (l && vp->cidr && l->cidr && strcmp(vp->cidr, l->cidr) != 0)
                dp_report(p, DESC_ERROR, vp->cidr_pos.line, vp->cidr_pos.col,
                          "cidr %s of virtual-link-profile '%s' conflicts with cidr %s of "
                          "virtual-link-desc '%s' (line %d:%d)",
                          vp->cidr, vp->id, l->cidr, l->id, l->cidr_pos.line, l->cidr_pos.col);
        }
        for (size_t j = 0; j < d->n_vnf_profile; j++) {
            const desc_vnf_profile *vp = &d->vnf_profile[j];
            if (vp->vnfd.id && !nsd_lists_vnfd(n, vp->vnfd.id))
                dp_report(p, DESC_ERROR, vp->vnfd.pos.line, vp->vnfd.pos.col,
                          "vnfd '%s' is not in the vnfd-id list of nsd '%s'", vp->vnfd.id, me);
            for (size_t k = 0; k < vp->n_conn; k++) {
                const desc_vl_conn *c = &vp->conn[k];
                if (c->vl_profile.id && !ns_df_vl_profile(d, c->vl_profile.id) &&
                    !desc_nsd_vld(n, c->vl_profile.id))
                    dp_report(p, DESC_ERROR, c->vl_profile.pos.line, c->vl_profile.pos.col,
                              "virtual-link-profile-id '%s' names no virtual-link-profile "
                              "of df '%s' nor virtual-link-desc of nsd '%s'",
                              c->vl_profile.id, d->id ? d->id : "?", me);
                for (size_t m = 0; m < c->n_cpd; m++) {
                    const desc_ref *e = &c->cpd[m].element;
                    if (e->id && !ns_df_vnf_profile(d, e->id))
                        dangling(p, e, "vnf-profile", "df", d->id ? d->id : "?");
                }
            }
        }
    }
}

int desc_set_check(const desc_set *s, bool strict, desc_report_fn fn, void *arg)
{
    desc_parser p = {.fn = fn, .arg = arg};
    desc_severity miss = strict ? DESC_ERROR : DESC_WARNING;
    for (size_t i = 0; i < s->nsd.n; i++) {
        const desc_nsd *n = s->nsd.item[i];
        p.file = n->file;
        for (size_t j = 0; j < n->n_vnfd_id; j++) {
            const desc_ref *r = &n->vnfd_id[j];
            if (r->id && !desc_set_find_vnfd(s, r->id))
                dp_report(&p, miss, r->pos.line, r->pos.col,
                          "vnfd '%s' is not among the descriptors given%s", r->id,
                          strict ? " (--strict)" : "; its references are not checked");
        }
        for (size_t j = 0; j < n->n_df; j++) {
            const desc_ns_df *d = &n->df[j];
            for (size_t k = 0; k < d->n_vnf_profile; k++) {
                const desc_vnf_profile *vp = &d->vnf_profile[k];
                const desc_vnfd *v = vp->vnfd.id ? desc_set_find_vnfd(s, vp->vnfd.id) : NULL;
                // A vnfd not in the set was reported above (listed) or by the NSD's
                // own check (not listed); its flavours cannot be checked.
                if (v && !v->has_errors) {
                    const desc_vnf_df *df = NULL;
                    if (vp->flavour.id && !(df = desc_vnfd_df(v, vp->flavour.id)))
                        dangling(&p, &vp->flavour, "df", "vnfd", v->id);
                    else if (!vp->flavour.id)
                        df = desc_vnfd_df(v, NULL);
                    if (df && vp->inst_level.id && !df_level(df, vp->inst_level.id))
                        dangling(&p, &vp->inst_level, "instantiation-level", "df", df->id);
                }
                for (size_t m = 0; m < vp->n_conn; m++) {
                    const desc_vl_conn *c = &vp->conn[m];
                    for (size_t q = 0; q < c->n_cpd; q++) {
                        const desc_cpd_ref *cr = &c->cpd[q];
                        if (!cr->element.id || !cr->cpd.id)
                            continue;
                        const desc_vnf_profile *ep = ns_df_vnf_profile(d, cr->element.id);
                        const desc_vnfd *ev =
                            ep && ep->vnfd.id ? desc_set_find_vnfd(s, ep->vnfd.id) : NULL;
                        if (ev && !ev->has_errors && !desc_vnfd_ext_cpd(ev, cr->cpd.id))
                            dangling(&p, &cr->cpd, "ext-cpd", "vnfd", ev->id);
                    }
                }
            }
        }
    }
    return p.errors;
}
