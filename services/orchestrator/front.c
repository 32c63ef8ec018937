// front: the Orchestrator RPCs. nng hands each call to a handler on its callback threads;
// here it is queued to a small pool of workers, because handlers make blocking store and
// site calls. Queries and site/image management are answered here; onboarding is in
// catalogue.c and the lifecycle operations in lifecycle.c.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchd.h"
#include "util/clock.h"
#include "util/log.h"

struct orchd_job {
    orchd_job *next;
    rpc_call *call;
    const ProtobufCMessage *in;
    ProtobufCMessage *out;
    orchd_handler fn;
};

static void *worker_main(void *arg)
{
    orchd *o = arg;
    pthread_mutex_lock(&o->mu);
    for (;;) {
        while (!o->jobs_head && !o->stopping)
            pthread_cond_wait(&o->cv, &o->mu);
        orchd_job *j = o->jobs_head;
        if (!j)
            break; // stopping and drained
        o->jobs_head = j->next;
        if (!o->jobs_head)
            o->jobs_tail = NULL;
        pthread_mutex_unlock(&o->mu);
        j->fn(o, j->call, j->in, j->out);
        free(j);
        pthread_mutex_lock(&o->mu);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

int orchd_front_enqueue(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                        orchd_handler fn)
{
    orchd_job *j = malloc(sizeof *j);
    if (!j) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return -ENOMEM;
    }
    *j = (orchd_job){.call = call, .in = in, .out = out, .fn = fn};
    pthread_mutex_lock(&o->mu);
    if (o->jobs_tail)
        o->jobs_tail->next = j;
    else
        o->jobs_head = j;
    o->jobs_tail = j;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    return 0;
}

void orchd_reply_stored(orchd *o, rpc_call *call, const char *key, const char *what)
{
    Outrig__V1__KeyValue *kv = NULL;
    rpc_status st;
    rpc_code rc = store_get(o->store, key, &kv, &st);
    if (rc == RPC_NOT_FOUND) {
        rpc_call_fail(call, RPC_NOT_FOUND, "id", "%s %s does not exist", what,
                      strchr(key + 1, '/') + 1);
        return;
    }
    if (rc != RPC_OK) {
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "store: %s", st.message);
        return;
    }
    rpc_call_done_raw(call, kv->value.data, kv->value.len);
    store_kv_free(kv);
}

static bool id_ok(rpc_call *call, const char *id)
{
    if (!id || !*id || strlen(id) > 200 || strchr(id, '/')) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "id", "need an id without '/'");
        return false;
    }
    return true;
}

static void store_fail(rpc_call *call, rpc_code rc)
{
    rpc_call_fail(call, rc == RPC_RESOURCE_EXHAUSTED ? rc : RPC_UNAVAILABLE, NULL, "store: %s",
                  rpc_code_name(rc));
}

// ---- descriptors (reads) --------------------------------------------------------------------

#define KEY(buf, fmt, id) snprintf(buf, sizeof buf, fmt, id)

static void h_get_vnfd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__IdRequest *r = (const void *)in;
    char key[STORE_KEY_MAX];
    if (!id_ok(call, r->id))
        return;
    KEY(key, "/vnfd/%s", r->id);
    orchd_reply_stored(o, call, key, "vnfd");
}

static void h_get_nsd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__IdRequest *r = (const void *)in;
    char key[STORE_KEY_MAX];
    if (!id_ok(call, r->id))
        return;
    KEY(key, "/nsd/%s", r->id);
    orchd_reply_stored(o, call, key, "nsd");
}

static void h_list_vnfd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    orchd_msgs l;
    rpc_code rc = orchd_list(o, "/vnfd/", &outrig__v1__vnfd__descriptor, &l);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    Outrig__V1__ListVnfdResponse *r = (void *)out;
    r->vnfd = (Outrig__V1__Vnfd **)l.m;
    r->n_vnfd = l.n;
    rpc_call_done(call, RPC_OK);
    orchd_msgs_free(&l);
}

static void h_list_nsd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    orchd_msgs l;
    rpc_code rc = orchd_list(o, "/nsd/", &outrig__v1__nsd__descriptor, &l);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    Outrig__V1__ListNsdResponse *r = (void *)out;
    r->nsd = (Outrig__V1__Nsd **)l.m;
    r->n_nsd = l.n;
    rpc_call_done(call, RPC_OK);
    orchd_msgs_free(&l);
}

// ---- sites ---------------------------------------------------------------------------------

static void h_add_site(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    Outrig__V1__Site s = *(const Outrig__V1__Site *)in;
    orch_plan_err perr;
    if (orch_site_check(&s, &perr)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, perr.field, "%s", perr.msg);
        return;
    }
    if (!adapter_find(s.kind)) {
        if (!strcmp(s.kind, "agent"))
            rpc_call_fail(call, RPC_FAILED_PRECONDITION, "kind",
                          "no agent adapter yet: site kind 'agent' is not available");
        else
            rpc_call_fail(call, RPC_INVALID_ARGUMENT, "kind", "unknown site kind '%s'", s.kind);
        return;
    }
    char key[STORE_KEY_MAX];
    KEY(key, "/site/%s", s.name);
    s.created_unix_ms = clock_unix_ms();
    // Opening checks the endpoint and options the way the adapter reads them.
    adapter_err aerr;
    int rc = orchd_site_try(o, &s, 0, &aerr);
    if (rc) {
        rpc_call_fail(call, rc == -EINVAL ? RPC_INVALID_ARGUMENT : RPC_FAILED_PRECONDITION,
                      "endpoint", "%s", aerr.msg);
        return;
    }
    orchd_txn t;
    orchd_txn_init(&t);
    orchd_txn_absent(&t, key);
    orchd_txn_put(&t, key, &s.base);
    bool ok;
    rpc_status st;
    rpc_code c = orchd_txn_run(o, &t, &ok, &st);
    if (c != RPC_OK)
        return store_fail(call, c);
    if (!ok) {
        rpc_call_fail(call, RPC_ALREADY_EXISTS, "name", "site %s exists", s.name);
        return;
    }
    orchd_event(o, "site", "added", s.name, &s.base);
    *(Outrig__V1__Site *)out = s;
    rpc_call_done(call, RPC_OK);
}

static void h_get_site(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__IdRequest *r = (const void *)in;
    char key[STORE_KEY_MAX];
    if (!id_ok(call, r->id))
        return;
    KEY(key, "/site/%s", r->id);
    orchd_reply_stored(o, call, key, "site");
}

static void h_list_sites(orchd *o, rpc_call *call, const ProtobufCMessage *in,
                         ProtobufCMessage *out)
{
    orchd_msgs l, v;
    rpc_code rc = orchd_list(o, "/site/", &outrig__v1__site__descriptor, &l);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    if ((rc = orchd_vnfs_of(o, "", &v)) != RPC_OK) {
        orchd_msgs_free(&l);
        return store_fail(call, rc);
    }
    Outrig__V1__ListSitesResponse *r = (void *)out;
    r->sites = (Outrig__V1__Site **)l.m;
    r->n_sites = l.n;
    r->usage = rpc_call_alloc(call, (l.n + 1) * sizeof *r->usage);
    Outrig__V1__ListSitesResponse__Usage *u = rpc_call_alloc(call, (l.n + 1) * sizeof *u);
    if (!r->usage || !u) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    } else {
        for (size_t i = 0; i < l.n; i++) {
            orch_site_usage su;
            orch_site_usage_of(r->sites[i]->name, (Outrig__V1__VnfRecord **)v.m, v.n, &su);
            outrig__v1__list_sites_response__usage__init(&u[i]);
            u[i].site = r->sites[i]->name;
            u[i].instances = su.instances;
            u[i].used_vcpus = su.vcpus;
            u[i].used_memory_mib = su.memory_mib;
            r->usage[i] = &u[i];
        }
        r->n_usage = l.n;
        rpc_call_done(call, RPC_OK);
    }
    orchd_msgs_free(&l);
    orchd_msgs_free(&v);
}

static void h_del_site(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__IdRequest *r = (const void *)in;
    if (!id_ok(call, r->id))
        return;
    orchd_msgs v;
    rpc_code rc = orchd_vnfs_of(o, "", &v);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    orch_site_usage su;
    orch_site_usage_of(r->id, (Outrig__V1__VnfRecord **)v.m, v.n, &su);
    orchd_msgs_free(&v);
    if (su.instances) {
        rpc_call_fail(call, RPC_FAILED_PRECONDITION, "id", "site %s still runs %u VNF(s)", r->id,
                      su.instances);
        return;
    }
    char key[STORE_KEY_MAX];
    KEY(key, "/site/%s", r->id);
    bool deleted = false;
    rc = store_delete(o->store, key, NULL, &deleted, NULL);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    if (!deleted) {
        rpc_call_fail(call, RPC_NOT_FOUND, "id", "site %s does not exist", r->id);
        return;
    }
    orchd_site_forget(o, r->id);
    orchd_event(o, "site", "deleted", r->id, NULL);
    rpc_call_done(call, RPC_OK);
}

// ---- images --------------------------------------------------------------------------------

static void h_list_images(orchd *o, rpc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage *out)
{
    orchd_msgs l;
    rpc_code rc = orchd_list(o, "/image/", &outrig__v1__image__descriptor, &l);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    Outrig__V1__ListImagesResponse *r = (void *)out;
    r->images = (Outrig__V1__Image **)l.m;
    r->n_images = l.n;
    rpc_call_done(call, RPC_OK);
    orchd_msgs_free(&l);
}

static void del_key(orchd *o, rpc_call *call, const char *fmt, const char *id, const char *what)
{
    char key[STORE_KEY_MAX];
    if (!id_ok(call, id))
        return;
    snprintf(key, sizeof key, fmt, id);
    bool deleted = false;
    rpc_code rc = store_delete(o->store, key, NULL, &deleted, NULL);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    if (!deleted)
        rpc_call_fail(call, RPC_NOT_FOUND, "id", "%s %s does not exist", what, id);
    else
        rpc_call_done(call, RPC_OK);
}

static void h_del_image(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    del_key(o, call, "/image/%s", ((const Outrig__V1__IdRequest *)in)->id, "image");
}

// ---- network services and operations --------------------------------------------------------

// NsInfo of ns with its VNFs taken from all[] (pointers borrowed; arrays in the call's arena).
static Outrig__V1__NsInfo *ns_info(rpc_call *call, Outrig__V1__NsRecord *ns, orchd_msgs *all)
{
    Outrig__V1__NsInfo *i = rpc_call_alloc(call, sizeof *i);
    Outrig__V1__VnfRecord **v = rpc_call_alloc(call, (all->n + 1) * sizeof *v);
    if (!i || !v)
        return NULL;
    outrig__v1__ns_info__init(i);
    i->ns = ns;
    i->vnfs = v;
    for (size_t k = 0; k < all->n; k++) {
        Outrig__V1__VnfRecord *r = (Outrig__V1__VnfRecord *)all->m[k];
        if (!strcmp(r->ns_id, ns->id))
            v[i->n_vnfs++] = r;
    }
    return i;
}

static void h_get_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__IdRequest *r = (const void *)in;
    if (!id_ok(call, r->id))
        return;
    Outrig__V1__NsRecord *ns = orchd_ns_get(o, r->id, NULL);
    if (!ns) {
        rpc_call_fail(call, RPC_NOT_FOUND, "id", "ns %s does not exist", r->id);
        return;
    }
    orchd_msgs v;
    rpc_code rc = orchd_vnfs_of(o, r->id, &v);
    if (rc != RPC_OK) {
        protobuf_c_message_free_unpacked(&ns->base, NULL);
        return store_fail(call, rc);
    }
    Outrig__V1__NsInfo *i = ns_info(call, ns, &v);
    if (i) {
        *(Outrig__V1__NsInfo *)out = *i;
        rpc_call_done(call, RPC_OK);
    } else {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    }
    orchd_msgs_free(&v);
    protobuf_c_message_free_unpacked(&ns->base, NULL);
}

static void h_list_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__ListRequest *r = (const void *)in;
    orchd_msgs l, v;
    rpc_code rc = orchd_list(o, "/ns/", &outrig__v1__ns_record__descriptor, &l);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    if ((rc = orchd_vnfs_of(o, "", &v)) != RPC_OK) {
        orchd_msgs_free(&l);
        return store_fail(call, rc);
    }
    Outrig__V1__ListNsResponse *res = (void *)out;
    res->ns = rpc_call_alloc(call, (l.n + 1) * sizeof *res->ns);
    bool oom = !res->ns;
    for (size_t k = 0; !oom && k < l.n; k++) {
        Outrig__V1__NsRecord *ns = (Outrig__V1__NsRecord *)l.m[k];
        if (*r->filter && strcmp(r->filter, ns->nsd_id))
            continue;
        Outrig__V1__NsInfo *i = ns_info(call, ns, &v);
        if (!i)
            oom = true;
        else
            res->ns[res->n_ns++] = i;
    }
    if (oom)
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    else
        rpc_call_done(call, RPC_OK);
    orchd_msgs_free(&l);
    orchd_msgs_free(&v);
}

static void h_get_op(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__IdRequest *r = (const void *)in;
    if (!id_ok(call, r->id))
        return;
    Outrig__V1__Operation *op = orchd_op_get(o, r->id, NULL);
    if (!op) {
        rpc_call_fail(call, RPC_NOT_FOUND, "id", "operation %s does not exist", r->id);
        return;
    }
    orchd_msgs v = {0};
    rpc_code rc = orchd_vnfs_of(o, op->ns_id, &v);
    if (rc != RPC_OK) {
        protobuf_c_message_free_unpacked(&op->base, NULL);
        return store_fail(call, rc);
    }
    Outrig__V1__OpInfo *i = (void *)out;
    i->op = op;
    i->vnfs = (Outrig__V1__VnfRecord **)v.m;
    i->n_vnfs = v.n;
    rpc_call_done(call, RPC_OK);
    orchd_msgs_free(&v);
    protobuf_c_message_free_unpacked(&op->base, NULL);
}

static void h_list_ops(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__ListRequest *r = (const void *)in;
    orchd_msgs l;
    rpc_code rc = orchd_list(o, "/op/", &outrig__v1__operation__descriptor, &l);
    if (rc != RPC_OK)
        return store_fail(call, rc);
    Outrig__V1__ListOpsResponse *res = (void *)out;
    res->ops = rpc_call_alloc(call, (l.n + 1) * sizeof *res->ops);
    if (!res->ops) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    } else {
        for (size_t k = 0; k < l.n; k++) {
            Outrig__V1__Operation *op = (Outrig__V1__Operation *)l.m[k];
            if (!*r->filter || !strcmp(r->filter, op->ns_id))
                res->ops[res->n_ops++] = op;
        }
        rpc_call_done(call, RPC_OK);
    }
    orchd_msgs_free(&l);
}

// ---- registration ---------------------------------------------------------------------------

#define H(name, fn)                                                                                \
    static void rpc_##fn(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,        \
                         void *arg)                                                                \
    {                                                                                              \
        orchd_front_enqueue(arg, call, in, out, fn);                                               \
    }
H(AddVnfd, orchd_h_add_vnfd)
H(GetVnfd, h_get_vnfd)
H(ListVnfd, h_list_vnfd)
H(DeleteVnfd, orchd_h_del_vnfd)
H(AddNsd, orchd_h_add_nsd)
H(GetNsd, h_get_nsd)
H(ListNsd, h_list_nsd)
H(DeleteNsd, orchd_h_del_nsd)
H(AddSite, h_add_site)
H(GetSite, h_get_site)
H(ListSites, h_list_sites)
H(DeleteSite, h_del_site)
H(AddImage, orchd_h_add_image)
H(ListImages, h_list_images)
H(DeleteImage, h_del_image)
H(CreateNs, orchd_h_create_ns)
H(DeleteNs, orchd_h_delete_ns)
H(ScaleNs, orchd_h_scale_ns)
H(HealNs, orchd_h_heal_ns)
H(GetNs, h_get_ns)
H(ListNs, h_list_ns)
H(GetOp, h_get_op)
H(ListOps, h_list_ops)

int orchd_front_start(orchd *o)
{
    static const rpc_method_impl impls[] = {
        {"AddVnfd", rpc_orchd_h_add_vnfd},   {"GetVnfd", rpc_h_get_vnfd},
        {"ListVnfd", rpc_h_list_vnfd},       {"DeleteVnfd", rpc_orchd_h_del_vnfd},
        {"AddNsd", rpc_orchd_h_add_nsd},     {"GetNsd", rpc_h_get_nsd},
        {"ListNsd", rpc_h_list_nsd},         {"DeleteNsd", rpc_orchd_h_del_nsd},
        {"AddSite", rpc_h_add_site},         {"GetSite", rpc_h_get_site},
        {"ListSites", rpc_h_list_sites},     {"DeleteSite", rpc_h_del_site},
        {"AddImage", rpc_orchd_h_add_image}, {"ListImages", rpc_h_list_images},
        {"DeleteImage", rpc_h_del_image},    {"CreateNs", rpc_orchd_h_create_ns},
        {"DeleteNs", rpc_orchd_h_delete_ns}, {"ScaleNs", rpc_orchd_h_scale_ns},
        {"HealNs", rpc_orchd_h_heal_ns},     {"GetNs", rpc_h_get_ns},
        {"ListNs", rpc_h_list_ns},           {"GetOp", rpc_h_get_op},
        {"ListOps", rpc_h_list_ops},
    };
    uint64_t n = 8;
    if (microapp_opt_u64(o->app, "workers", 8, &n) || n == 0 || n > 256)
        return -EINVAL;
    o->workers = calloc(n, sizeof *o->workers);
    if (!o->workers)
        return -ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        if (pthread_create(&o->workers[i], NULL, worker_main, o))
            return -EAGAIN;
        o->n_workers++;
    }
    return microapp_add_service(o->app, &outrig__v1__orchestrator__descriptor, impls,
                                sizeof impls / sizeof impls[0], o);
}

void orchd_front_stop(orchd *o)
{
    pthread_mutex_lock(&o->mu);
    o->stopping = true;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    for (int i = 0; i < o->n_workers; i++)
        pthread_join(o->workers[i], NULL);
    free(o->workers);
    o->workers = NULL;
    o->n_workers = 0;
}
