// outrig nsd|vnfd add|list|show|delete (onboarded SOL006 descriptors) and
// outrig image add|list|delete (the local image catalogue).
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "orch_cmd.h"

#define YAML_MAX (1u << 20)

static const args_opt plain_opts[] = {ORCH_URL_OPT, {0}};

static int add_files(orch_ctx *o, const cli_args *a, const char *method)
{
    int rc = 0;
    for (int i = 0; i < a->npos && !rc; i++) {
        char *data = NULL;
        size_t len = 0;
        if ((rc = cmd_read_file(a->pos[i], YAML_MAX, &data, &len)))
            break;
        Outrig__V1__AddDescriptorRequest req = OUTRIG__V1__ADD_DESCRIPTOR_REQUEST__INIT;
        const char *slash = strrchr(a->pos[i], '/');
        req.file_name = (char *)(slash ? slash + 1 : a->pos[i]);
        req.yaml.data = (uint8_t *)data;
        req.yaml.len = len;
        Outrig__V1__AddDescriptorResponse *res = NULL;
        rc = orch_call(o, method, &req.base, &outrig__v1__add_descriptor_response__descriptor,
                       (ProtobufCMessage **)&res, false);
        free(data);
        if (rc)
            break;
        if (o->c->format == CLI_FMT_JSON) {
            out_json j;
            out_json_init(&j);
            out_json_object_begin(&j);
            out_json_kv_str(&j, "file", a->pos[i]);
            out_json_key(&j, "ids");
            out_json_array_begin(&j);
            for (size_t k = 0; k < res->n_ids; k++)
                out_json_str(&j, res->ids[k]);
            out_json_array_end(&j);
            out_json_key(&j, "notes");
            out_json_array_begin(&j);
            for (size_t k = 0; k < res->n_notes; k++)
                out_json_str(&j, res->notes[k]);
            out_json_array_end(&j);
            out_json_object_end(&j);
            rc = cli_print_json(o->c, &j);
            out_json_free(&j);
        } else {
            for (size_t k = 0; k < res->n_notes; k++)
                fprintf(stderr, "%s\n", res->notes[k]);
            for (size_t k = 0; k < res->n_ids; k++)
                fprintf(o->c->out, "onboarded %s\n", res->ids[k]);
        }
        protobuf_c_message_free_unpacked(&res->base, NULL);
    }
    return rc;
}

// A kind of descriptor for list and show: its List method and how its items print.
typedef struct desc_kind {
    const char *what;   // "vnfd", "nsd"
    const char *method; // "ListVnfd", ...
    const ProtobufCMessageDescriptor *reply;
    size_t n_off; // offset of the reply's item count (a size_t)
    const char *(*id)(const void *reply, size_t i);
    cli_list list;
} desc_kind;

// list: every descriptor; show ID: that one.
static int list_show(orch_ctx *o, const cli_args *a, const desc_kind *k)
{
    ProtobufCMessage *res = NULL;
    int rc = orch_call_list(o, k->method, NULL, k->reply, &res);
    if (rc)
        return rc;
    size_t n, i = 0;
    memcpy(&n, (const char *)res + k->n_off, sizeof n);
    if (!a->npos) {
        rc = cli_print_list(o->c, &k->list, res, n);
    } else {
        while (i < n && strcmp(a->pos[0], k->id(res, i)))
            i++;
        if (i < n) {
            rc = cli_print_item(o->c, &k->list, res, i);
        } else {
            fprintf(stderr, "outrig: NOT_FOUND: %s %s is not onboarded\n", k->what, a->pos[0]);
            rc = CLI_EXIT_FAIL;
        }
    }
    protobuf_c_message_free_unpacked(res, NULL);
    return rc;
}

static void ignored_json(out_json *j, Outrig__V1__IgnoredField **f, size_t n)
{
    out_json_key(j, "ignored");
    out_json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        out_json_object_begin(j);
        out_json_kv_str(j, "path", f[i]->path);
        out_json_kv_bool(j, "known", f[i]->known);
        out_json_kv_str(j, "value_json", f[i]->value_json);
        out_json_object_end(j);
    }
    out_json_array_end(j);
}

// ---- vnfd -----------------------------------------------------------------------------------

static void vnfd_json(out_json *j, const Outrig__V1__Vnfd *v)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "id", v->id);
    out_json_kv_str(j, "version", v->version);
    out_json_kv_str(j, "provider", v->provider);
    out_json_kv_str(j, "description", v->description);
    out_json_key(j, "vdu");
    out_json_array_begin(j);
    for (size_t i = 0; i < v->n_vdu; i++) {
        out_json_object_begin(j);
        out_json_kv_str(j, "id", v->vdu[i]->id);
        out_json_kv_str(j, "image", v->vdu[i]->image);
        out_json_kv_u64(j, "vcpus", v->vdu[i]->vcpus);
        out_json_kv_u64(j, "memory_mib", v->vdu[i]->memory_mib);
        out_json_object_end(j);
    }
    out_json_array_end(j);
    out_json_key(j, "ext_cpd");
    out_json_array_begin(j);
    for (size_t i = 0; i < v->n_ext_cpd; i++)
        out_json_str(j, v->ext_cpd[i]->id);
    out_json_array_end(j);
    ignored_json(j, v->ignored, v->n_ignored);
    out_json_object_end(j);
}

static int vnfd_add(orch_ctx *o, const cli_args *a)
{
    return add_files(o, a, "AddVnfd");
}

static const char *vnfd_id(const void *reply, size_t i)
{
    return ((const Outrig__V1__ListVnfdResponse *)reply)->vnfd[i]->id;
}

static void vnfd_item_json(out_json *j, const void *reply, size_t i)
{
    vnfd_json(j, ((const Outrig__V1__ListVnfdResponse *)reply)->vnfd[i]);
}

static int vnfd_row(out_table *t, const void *reply, size_t i)
{
    const Outrig__V1__Vnfd *v = ((const Outrig__V1__ListVnfdResponse *)reply)->vnfd[i];
    char nv[16], ne[16], ni[16];
    snprintf(nv, sizeof nv, "%zu", v->n_vdu);
    snprintf(ne, sizeof ne, "%zu", v->n_ext_cpd);
    snprintf(ni, sizeof ni, "%zu", v->n_ignored);
    const char *cells[] = {v->id, v->version, nv, v->n_vdu ? v->vdu[0]->image : "-", ne, ni};
    return out_table_add(t, cells);
}

static int vnfd_list_show(orch_ctx *o, const cli_args *a)
{
    static const char *const h[] = {"VNFD", "VERSION", "VDUS", "IMAGE", "EXT_CPDS", "IGNORED"};
    static const desc_kind k = {"vnfd",
                                "ListVnfd",
                                &outrig__v1__list_vnfd_response__descriptor,
                                offsetof(Outrig__V1__ListVnfdResponse, n_vnfd),
                                vnfd_id,
                                {NULL, 6, h, vnfd_item_json, vnfd_row}};
    return list_show(o, a, &k);
}

static int vnfd_delete(orch_ctx *o, const cli_args *a)
{
    return orch_delete(o, "DeleteVnfd", "vnfd", a->pos[0]);
}

int cmd_vnfd(cli *c, int argc, char **argv, int from)
{
    static const orch_sub subs[] = {
        {{"add", "outrig vnfd add FILE... [-o table|json]", plain_opts, 1, CLI_MAX_POS}, vnfd_add},
        {{"list", "outrig vnfd list [-o table|json]", plain_opts, 0, 0}, vnfd_list_show},
        {{"show", "outrig vnfd show ID [-o table|json]", plain_opts, 1, 1}, vnfd_list_show},
        {{"delete", "outrig vnfd delete ID", plain_opts, 1, 1}, vnfd_delete},
    };
    return orch_cmd_group(c, argc, argv, from, "outrig vnfd add|list|show|delete ...", subs,
                          sizeof subs / sizeof subs[0]);
}

// ---- nsd ------------------------------------------------------------------------------------

static void nsd_json(out_json *j, const Outrig__V1__Nsd *n)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "id", n->id);
    out_json_kv_str(j, "name", n->name);
    out_json_kv_str(j, "version", n->version);
    out_json_key(j, "vnfd_id");
    out_json_array_begin(j);
    for (size_t i = 0; i < n->n_vnfd_id; i++)
        out_json_str(j, n->vnfd_id[i]);
    out_json_array_end(j);
    out_json_key(j, "virtual_links");
    out_json_array_begin(j);
    for (size_t i = 0; i < n->n_virtual_link; i++) {
        out_json_object_begin(j);
        out_json_kv_str(j, "id", n->virtual_link[i]->id);
        out_json_kv_str(j, "cidr", n->virtual_link[i]->cidr);
        out_json_object_end(j);
    }
    out_json_array_end(j);
    out_json_key(j, "vnf_profiles");
    out_json_array_begin(j);
    for (size_t d = 0; d < n->n_df; d++)
        for (size_t i = 0; i < n->df[d]->n_vnf_profile; i++) {
            const Outrig__V1__Nsd__VnfProfile *p = n->df[d]->vnf_profile[i];
            out_json_object_begin(j);
            out_json_kv_str(j, "df", n->df[d]->id);
            out_json_kv_str(j, "id", p->id);
            out_json_kv_str(j, "vnfd_id", p->vnfd_id);
            out_json_kv_u64(j, "min", p->min);
            out_json_kv_u64(j, "max", p->max);
            out_json_object_end(j);
        }
    out_json_array_end(j);
    ignored_json(j, n->ignored, n->n_ignored);
    out_json_object_end(j);
}

static int nsd_add(orch_ctx *o, const cli_args *a)
{
    return add_files(o, a, "AddNsd");
}

static const char *nsd_id(const void *reply, size_t i)
{
    return ((const Outrig__V1__ListNsdResponse *)reply)->nsd[i]->id;
}

static void nsd_item_json(out_json *j, const void *reply, size_t i)
{
    nsd_json(j, ((const Outrig__V1__ListNsdResponse *)reply)->nsd[i]);
}

static int nsd_row(out_table *t, const void *reply, size_t i)
{
    const Outrig__V1__Nsd *n = ((const Outrig__V1__ListNsdResponse *)reply)->nsd[i];
    char vn[256] = "", pr[256] = "", ln[256] = "";
    size_t o1 = 0, o2 = 0, o3 = 0;
    for (size_t k = 0; k < n->n_vnfd_id && o1 < sizeof vn; k++)
        o1 += (size_t)snprintf(vn + o1, sizeof vn - o1, "%s%s", k ? "," : "", n->vnfd_id[k]);
    for (size_t k = 0; n->n_df && k < n->df[0]->n_vnf_profile && o2 < sizeof pr; k++) {
        const Outrig__V1__Nsd__VnfProfile *p = n->df[0]->vnf_profile[k];
        o2 += (size_t)snprintf(pr + o2, sizeof pr - o2, "%s%s(%u..%u)", k ? "," : "", p->id, p->min,
                               p->max);
    }
    for (size_t k = 0; k < n->n_virtual_link && o3 < sizeof ln; k++)
        o3 +=
            (size_t)snprintf(ln + o3, sizeof ln - o3, "%s%s", k ? "," : "", n->virtual_link[k]->id);
    const char *cells[] = {n->id, n->version, vn, pr, ln};
    return out_table_add(t, cells);
}

static int nsd_list_show(orch_ctx *o, const cli_args *a)
{
    static const char *const h[] = {"NSD", "VERSION", "VNFDS", "PROFILES", "LINKS"};
    static const desc_kind k = {"nsd",
                                "ListNsd",
                                &outrig__v1__list_nsd_response__descriptor,
                                offsetof(Outrig__V1__ListNsdResponse, n_nsd),
                                nsd_id,
                                {NULL, 5, h, nsd_item_json, nsd_row}};
    return list_show(o, a, &k);
}

static int nsd_delete(orch_ctx *o, const cli_args *a)
{
    return orch_delete(o, "DeleteNsd", "nsd", a->pos[0]);
}

int cmd_nsd(cli *c, int argc, char **argv, int from)
{
    static const orch_sub subs[] = {
        {{"add", "outrig nsd add FILE... [-o table|json]", plain_opts, 1, CLI_MAX_POS}, nsd_add},
        {{"list", "outrig nsd list [-o table|json]", plain_opts, 0, 0}, nsd_list_show},
        {{"show", "outrig nsd show ID [-o table|json]", plain_opts, 1, 1}, nsd_list_show},
        {{"delete", "outrig nsd delete ID", plain_opts, 1, 1}, nsd_delete},
    };
    return orch_cmd_group(c, argc, argv, from, "outrig nsd add|list|show|delete ...", subs,
                          sizeof subs / sizeof subs[0]);
}

// ---- image ----------------------------------------------------------------------------------

static int image_add(orch_ctx *o, const cli_args *a)
{
    Outrig__V1__Image img = OUTRIG__V1__IMAGE__INIT;
    img.name = (char *)a->pos[0];
    char real[4096];
    img.path = realpath(a->pos[1], real) ? real : (char *)a->pos[1];
    Outrig__V1__Image *res = NULL;
    int rc = orch_call(o, "AddImage", &img.base, &outrig__v1__image__descriptor,
                       (ProtobufCMessage **)&res, false);
    if (rc)
        return rc;
    if (o->c->format == CLI_FMT_JSON)
        fprintf(o->c->out, "{\"name\":\"%s\",\"added\":true}\n", res->name);
    else
        fprintf(o->c->out, "image %s -> %s\n", res->name, res->path);
    protobuf_c_message_free_unpacked(&res->base, NULL);
    return 0;
}

static void image_json(out_json *j, const void *reply, size_t i)
{
    const Outrig__V1__Image *img = ((const Outrig__V1__ListImagesResponse *)reply)->images[i];
    out_json_object_begin(j);
    out_json_kv_str(j, "name", img->name);
    out_json_kv_str(j, "path", img->path);
    out_json_object_end(j);
}

static int image_row(out_table *t, const void *reply, size_t i)
{
    const Outrig__V1__Image *img = ((const Outrig__V1__ListImagesResponse *)reply)->images[i];
    const char *cells[] = {img->name, img->path};
    return out_table_add(t, cells);
}

static int image_list(orch_ctx *o, const cli_args *a)
{
    static const char *const h[] = {"IMAGE", "PATH"};
    static const cli_list list = {NULL, 2, h, image_json, image_row};
    return orch_list_print(o, "ListImages", NULL, &outrig__v1__list_images_response__descriptor,
                           offsetof(Outrig__V1__ListImagesResponse, n_images), &list);
}

static int image_delete(orch_ctx *o, const cli_args *a)
{
    return orch_delete(o, "DeleteImage", "image", a->pos[0]);
}

int cmd_image(cli *c, int argc, char **argv, int from)
{
    static const orch_sub subs[] = {
        {{"add", "outrig image add NAME PATH", plain_opts, 2, 2}, image_add},
        {{"list", "outrig image list [-o table|json]", plain_opts, 0, 0}, image_list},
        {{"delete", "outrig image delete NAME", plain_opts, 1, 1}, image_delete},
    };
    return orch_cmd_group(c, argc, argv, from, "outrig image add|list|delete ...", subs,
                          sizeof subs / sizeof subs[0]);
}
