// catalogue: onboarding of SOL006 descriptors (parsed and checked with orch_descriptor, kept
// as outrig.v1.Vnfd / Nsd under /vnfd/<id> and /nsd/<id>), and the local image catalogue
// (/image/<name> -> the path of a static program the project builds) that stands in for the
// image service.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "descriptor.h"
#include "orchd.h"
#include "util/log.h"

#define NOTES_MAX 64

typedef struct diags {
    rpc_call *call;
    char first_error[512];
    char **notes;
    size_t n_notes;
    int errors;
} diags;

static void report(void *arg, const desc_diag *d)
{
    diags *g = arg;
    char line[512];
    desc_diag_format(d, line, sizeof line);
    if (d->sev == DESC_ERROR) {
        if (!g->errors++)
            snprintf(g->first_error, sizeof g->first_error, "%s", line);
        return;
    }
    if (g->n_notes < NOTES_MAX && g->notes)
        g->notes[g->n_notes++] = rpc_call_strdup(g->call, line);
}

// Parses the request's YAML into a new set. Returns the set, or NULL with the call failed.
static desc_set *parse(rpc_call *call, const Outrig__V1__AddDescriptorRequest *r, diags *g)
{
    const char *name = *r->file_name ? r->file_name : "request";
    if (!r->yaml.len || r->yaml.len > DESC_MAX_FILE_BYTES) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "yaml", "need 1..%u bytes of YAML",
                      DESC_MAX_FILE_BYTES);
        return NULL;
    }
    desc_set *s = desc_set_new();
    g->call = call;
    g->notes = rpc_call_alloc(call, NOTES_MAX * sizeof *g->notes);
    if (!s || !g->notes) {
        desc_set_free(s);
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return NULL;
    }
    int rc = desc_set_add_buf(s, name, r->yaml.data, r->yaml.len, report, g);
    if (rc < 0) {
        desc_set_free(s);
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return NULL;
    }
    if (g->errors) {
        desc_set_free(s);
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "yaml", "%s", g->first_error);
        return NULL;
    }
    return s;
}

static void finish_added(rpc_call *call, ProtobufCMessage *out, diags *g, char **ids, size_t n)
{
    Outrig__V1__AddDescriptorResponse *res = (void *)out;
    res->ids = ids;
    res->n_ids = n;
    res->notes = g->notes;
    res->n_notes = g->n_notes;
    rpc_call_done(call, RPC_OK);
}

// Stores the packed descriptors in one transaction, none of whose keys may exist.
static void store_all(orchd *o, rpc_call *call, ProtobufCMessage *out, diags *g, const char *cat,
                      char **ids, uint8_t **bufs, size_t *lens, size_t n)
{
    Outrig__V1__TxnRequest req = OUTRIG__V1__TXN_REQUEST__INIT;
    Outrig__V1__Compare *cmp = rpc_call_alloc(call, n * sizeof *cmp + 1);
    Outrig__V1__Compare **cmpp = rpc_call_alloc(call, n * sizeof *cmpp + 1);
    Outrig__V1__TxnOp *ops = rpc_call_alloc(call, n * sizeof *ops + 1);
    Outrig__V1__TxnOp **opsp = rpc_call_alloc(call, n * sizeof *opsp + 1);
    if (!cmp || !cmpp || !ops || !opsp) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char *key = rpc_call_alloc(call, STORE_KEY_MAX);
        if (!key) {
            rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
            return;
        }
        snprintf(key, STORE_KEY_MAX, "/%s/%s", cat, ids[i]);
        outrig__v1__compare__init(&cmp[i]);
        cmp[i].key = key;
        cmp[i].target = OUTRIG__V1__COMPARE__TARGET__EXISTS;
        cmpp[i] = &cmp[i];
        outrig__v1__txn_op__init(&ops[i]);
        ops[i].key = key;
        ops[i].value.data = bufs[i];
        ops[i].value.len = lens[i];
        opsp[i] = &ops[i];
    }
    req.compares = cmpp;
    req.n_compares = n;
    req.success = opsp;
    req.n_success = n;
    bool ok = false;
    rpc_status st;
    rpc_code rc = store_txn(o->store, &req, &ok, NULL, &st);
    if (rc != RPC_OK) {
        rpc_call_fail(call, rc == RPC_INVALID_ARGUMENT ? rc : RPC_UNAVAILABLE, st.field,
                      "store: %s", st.message);
        return;
    }
    if (!ok) {
        rpc_call_fail(call, RPC_ALREADY_EXISTS, "id", "a %s with that id is already onboarded",
                      cat);
        return;
    }
    for (size_t i = 0; i < n; i++)
        orchd_event(o, cat, "added", ids[i], NULL);
    finish_added(call, out, g, ids, n);
}

void orchd_h_add_vnfd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    diags g = {0};
    desc_set *s = parse(call, (const void *)in, &g);
    if (!s)
        return;
    size_t n = desc_set_n_vnfd(s);
    if (!n || desc_set_n_nsd(s)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "yaml",
                      n ? "the file holds an NSD too: onboard it with AddNsd"
                        : "the file holds no VNFD");
        desc_set_free(s);
        return;
    }
    char **ids = rpc_call_alloc(call, n * sizeof *ids);
    uint8_t **bufs = calloc(n, sizeof *bufs);
    size_t *lens = calloc(n, sizeof *lens);
    int rc = ids && bufs && lens ? 0 : -ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        const desc_vnfd *v = desc_set_vnfd(s, i);
        ids[i] = rpc_call_strdup(call, v->id);
        rc = desc_vnfd_pack(v, &bufs[i], &lens[i]);
    }
    if (rc)
        rpc_call_fail(call, rc == -ENOMEM ? RPC_RESOURCE_EXHAUSTED : RPC_INVALID_ARGUMENT, "yaml",
                      "cannot encode the VNFD");
    else
        store_all(o, call, out, &g, "vnfd", ids, bufs, lens, n);
    for (size_t i = 0; bufs && i < n; i++)
        free(bufs[i]);
    free(bufs);
    free(lens);
    desc_set_free(s);
}

void orchd_h_add_nsd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    diags g = {0};
    desc_set *s = parse(call, (const void *)in, &g);
    if (!s)
        return;
    size_t n = desc_set_n_nsd(s);
    if (!n || desc_set_n_vnfd(s)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "yaml",
                      n ? "the file holds a VNFD too: onboard it with AddVnfd"
                        : "the file holds no NSD");
        desc_set_free(s);
        return;
    }
    // The NSD is checked against the VNFDs the store holds: each must be onboarded first.
    for (size_t i = 0; i < n; i++) {
        const desc_nsd *d = desc_set_nsd(s, i);
        for (size_t k = 0; k < d->n_vnfd_id; k++) {
            const char *vid = d->vnfd_id[k].id;
            if (!vid || desc_set_find_vnfd(s, vid))
                continue;
            char key[STORE_KEY_MAX];
            snprintf(key, sizeof key, "/vnfd/%s", vid);
            Outrig__V1__KeyValue *kv = NULL;
            rpc_code rc = store_get(o->store, key, &kv, NULL);
            if (rc == RPC_OK) {
                desc_set_add_vnfd_pb(s, key, kv->value.data, kv->value.len);
                store_kv_free(kv);
            } else if (rc != RPC_NOT_FOUND) {
                desc_set_free(s);
                rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "store: %s", rpc_code_name(rc));
                return;
            }
        }
    }
    if (desc_set_check(s, true, report, &g) > 0 || g.errors) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "yaml", "%s", g.first_error);
        desc_set_free(s);
        return;
    }
    char **ids = rpc_call_alloc(call, n * sizeof *ids);
    uint8_t **bufs = calloc(n, sizeof *bufs);
    size_t *lens = calloc(n, sizeof *lens);
    int rc = ids && bufs && lens ? 0 : -ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        const desc_nsd *d = desc_set_nsd(s, i);
        ids[i] = rpc_call_strdup(call, d->id);
        rc = desc_nsd_pack(d, &bufs[i], &lens[i]);
    }
    if (rc)
        rpc_call_fail(call, rc == -ENOMEM ? RPC_RESOURCE_EXHAUSTED : RPC_INVALID_ARGUMENT, "yaml",
                      "cannot encode the NSD");
    else
        store_all(o, call, out, &g, "nsd", ids, bufs, lens, n);
    for (size_t i = 0; bufs && i < n; i++)
        free(bufs[i]);
    free(bufs);
    free(lens);
    desc_set_free(s);
}

static void del_checked(orchd *o, rpc_call *call, const char *cat, const char *id,
                        const char *user_prefix, const ProtobufCMessageDescriptor *user_desc)
{
    if (!id || !*id || strchr(id, '/') || strlen(id) > 200) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "id", "need an id without '/'");
        return;
    }
    // Refuse while something uses it: an NSD naming the VNFD, an NS made from the NSD.
    orchd_msgs l;
    rpc_code rc = orchd_list(o, user_prefix, user_desc, &l);
    if (rc != RPC_OK) {
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "store: %s", rpc_code_name(rc));
        return;
    }
    const char *user = NULL;
    for (size_t i = 0; i < l.n && !user; i++) {
        if (user_desc == &outrig__v1__nsd__descriptor) {
            Outrig__V1__Nsd *n = (void *)l.m[i];
            for (size_t k = 0; k < n->n_vnfd_id; k++)
                if (!strcmp(n->vnfd_id[k], id))
                    user = rpc_call_strdup(call, n->id);
        } else {
            Outrig__V1__NsRecord *n = (void *)l.m[i];
            if (!strcmp(n->nsd_id, id))
                user = rpc_call_strdup(call, n->id);
        }
    }
    orchd_msgs_free(&l);
    if (user) {
        rpc_call_fail(call, RPC_FAILED_PRECONDITION, "id", "%s %s is used by %s", cat, id, user);
        return;
    }
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/%s/%s", cat, id);
    bool deleted = false;
    rc = store_delete(o->store, key, NULL, &deleted, NULL);
    if (rc != RPC_OK)
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "store: %s", rpc_code_name(rc));
    else if (!deleted)
        rpc_call_fail(call, RPC_NOT_FOUND, "id", "%s %s does not exist", cat, id);
    else {
        orchd_event(o, cat, "deleted", id, NULL);
        rpc_call_done(call, RPC_OK);
    }
}

void orchd_h_del_vnfd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    del_checked(o, call, "vnfd", ((const Outrig__V1__IdRequest *)in)->id, "/nsd/",
                &outrig__v1__nsd__descriptor);
}

void orchd_h_del_nsd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    del_checked(o, call, "nsd", ((const Outrig__V1__IdRequest *)in)->id, "/ns/",
                &outrig__v1__ns_record__descriptor);
}

// ---- images --------------------------------------------------------------------------------

static bool executable(const char *path)
{
    struct stat st;
    return path[0] == '/' && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

void orchd_h_add_image(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__Image *img = (const void *)in;
    if (!orch_name_valid(img->name, 128)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "name",
                      "need 1..128 of [A-Za-z0-9_-], first alphanumeric");
        return;
    }
    if (strlen(img->path) > 255 || !executable(img->path)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "path",
                      "need the absolute path of an executable file (at most 255 bytes)");
        return;
    }
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/image/%s", img->name);
    rpc_code rc = orchd_put(o, key, &img->base);
    if (rc != RPC_OK) {
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "store: %s", rpc_code_name(rc));
        return;
    }
    orchd_event(o, "image", "added", img->name, &img->base);
    *(Outrig__V1__Image *)out = *img;
    rpc_call_done(call, RPC_OK);
}

int orchd_catalogue_seed(orchd *o)
{
    const char *dir = microapp_opt(o->app, "catalogue_dir", NULL);
    char def[4096];
    if (!dir) {
        // In a build tree the example VNF programs sit at <build>/examples/vnf, two levels
        // above this binary (<build>/services/orchestrator): the default catalogue there.
        ssize_t n = readlink("/proc/self/exe", def, sizeof def - 32);
        char *slash = n > 0 ? (def[n] = 0, strrchr(def, '/')) : NULL;
        if (!slash)
            return 0;
        snprintf(slash, sizeof def - (size_t)(slash - def), "/../../examples/vnf");
        if (access(def, R_OK | X_OK))
            return 0;
        dir = def;
    }
    if (!*dir)
        return 0;
    DIR *d = opendir(dir);
    if (!d) {
        log_error("catalogue_dir %s: %s", dir, strerror(errno));
        return -errno;
    }
    char real[4096];
    if (!realpath(dir, real)) {
        closedir(d);
        return -errno;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[4096 + 256];
        snprintf(path, sizeof path, "%s/%s", real, e->d_name);
        if (!orch_name_valid(e->d_name, 128) || strlen(path) > 255 || !executable(path))
            continue;
        Outrig__V1__Image img = OUTRIG__V1__IMAGE__INIT;
        img.name = e->d_name;
        img.path = path;
        char key[STORE_KEY_MAX];
        snprintf(key, sizeof key, "/image/%.200s", e->d_name);
        if (orchd_put(o, key, &img.base) == RPC_OK)
            n++;
    }
    closedir(d);
    log_info("image catalogue: %d program(s) from %s", n, real);
    return 0;
}

rpc_code orchd_image_path(orchd *o, const char *image, char *buf, size_t len)
{
    char key[STORE_KEY_MAX];
    if (orch_name_valid(image, 128)) {
        snprintf(key, sizeof key, "/image/%s", image);
        ProtobufCMessage *m = NULL;
        rpc_code rc = orchd_get(o, key, &outrig__v1__image__descriptor, &m, NULL);
        if (rc == RPC_OK) {
            snprintf(buf, len, "%s", ((Outrig__V1__Image *)m)->path);
            protobuf_c_message_free_unpacked(m, NULL);
            return RPC_OK;
        }
        if (rc != RPC_NOT_FOUND)
            return rc;
    }
    if (image[0] == '/' && executable(image)) {
        snprintf(buf, len, "%s", image);
        return RPC_OK;
    }
    snprintf(buf, len, "image '%s' is not in the catalogue (outrig image add NAME PATH)", image);
    return RPC_FAILED_PRECONDITION;
}
