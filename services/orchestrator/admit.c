// admit: the lifecycle requests (CreateNs, DeleteNs, ScaleNs, HealNs). Each is checked,
// recorded as /op/<id> together with its NS record in one transaction - a retried request
// with the same op id gets the recorded operation back, a second operation on a busy NS gets
// FAILED_PRECONDITION - and then handed to lifecycle.c to run. The reply is the operation,
// PROCESSING; callers follow it with GetOp.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "orchd.h"
#include "util/clock.h"
#include "util/log.h"

#define TY(x) OUTRIG__V1__OPERATION__TYPE__##x

static void reply_op(rpc_call *call, ProtobufCMessage *out, Outrig__V1__Operation *op)
{
    // Packed now by rpc_call_done, so op may be freed after.
    *(Outrig__V1__Operation *)out = *op;
    rpc_call_done(call, RPC_OK);
}

static void new_op_id(char *buf, size_t len)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r)
        r = (uint32_t)clock_mono_us();
    snprintf(buf, len, "op-%llx-%08x", (unsigned long long)clock_unix_ms(), r);
}

// Handles a given op id that is already recorded. Returns true when the call was finished.
static bool idempotent(orchd *o, rpc_call *call, ProtobufCMessage *out, const char *op_id,
                       orch_op_type type, const char *ns_id)
{
    if (!*op_id)
        return false;
    Outrig__V1__Operation *ex = orchd_op_get(o, op_id, NULL);
    switch (orch_op_idempotency(ex, type, ns_id)) {
    case ORCH_IDEM_NEW:
        return false;
    case ORCH_IDEM_EXISTING:
        reply_op(call, out, ex);
        break;
    case ORCH_IDEM_CONFLICT:
        rpc_call_fail(call, RPC_ALREADY_EXISTS, "op_id", "operation %s exists and is a %s of ns %s",
                      op_id, orch_op_type_name(ex->type), ex->ns_id);
        break;
    }
    protobuf_c_message_free_unpacked(&ex->base, NULL);
    return true;
}

static bool check_ids(rpc_call *call, const char *ns, const char *op_id)
{
    if (!orch_name_valid(ns, ORCH_NS_ID_MAX)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "name",
                      "need 1..%d of [A-Za-z0-9_-], first alphanumeric", ORCH_NS_ID_MAX);
        return false;
    }
    if (*op_id && !orch_op_id_valid(op_id)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "op_id",
                      "need 1..%d of [A-Za-z0-9._-], first alphanumeric", ORCH_OP_ID_MAX);
        return false;
    }
    return true;
}

// Explains why the NS cannot take the operation.
static void refuse(orchd *o, rpc_call *call, const char *ns_id, orch_op_type type)
{
    Outrig__V1__NsRecord *ns = orchd_ns_get(o, ns_id, NULL);
    Outrig__V1__Operation *cur =
        ns && *ns->current_op ? orchd_op_get(o, ns->current_op, NULL) : NULL;
    int code = orch_ns_admit(ns, cur, type);
    if (code == 9 || code == 0)
        rpc_call_fail(call, RPC_FAILED_PRECONDITION, "ns_id",
                      "ns %s has an operation in progress (%s)", ns_id,
                      ns && *ns->current_op ? ns->current_op : "starting");
    else if (code == 6)
        rpc_call_fail(call, RPC_ALREADY_EXISTS, "name", "ns %s exists", ns_id);
    else
        rpc_call_fail(call, RPC_NOT_FOUND, "ns_id", "ns %s does not exist", ns_id);
    if (cur)
        protobuf_c_message_free_unpacked(&cur->base, NULL);
    if (ns)
        protobuf_c_message_free_unpacked(&ns->base, NULL);
}

static Outrig__V1__Operation op_new(const char *id, const char *ns, orch_op_type type, bool keep)
{
    Outrig__V1__Operation op = OUTRIG__V1__OPERATION__INIT;
    op.id = (char *)id;
    op.ns_id = (char *)ns;
    op.type = type;
    op.state = OUTRIG__V1__OPERATION__STATE__PROCESSING;
    op.keep_on_failure = keep;
    op.created_unix_ms = op.updated_unix_ms = clock_unix_ms();
    return op;
}

// Checks the site map against the NSD's profiles and the sites.
static bool check_site_map(orchd *o, rpc_call *call, const Outrig__V1__CreateNsRequest *r,
                           const Outrig__V1__Nsd__Df *df)
{
    for (size_t i = 0; i < r->n_site_map; i++) {
        const char *prof = r->site_map[i]->key, *site = r->site_map[i]->value;
        if (!orch_plan_profile(df, prof)) {
            rpc_call_fail(call, RPC_INVALID_ARGUMENT, "site_map",
                          "no vnf-profile '%.64s' in the nsd", prof);
            return false;
        }
        char key[STORE_KEY_MAX];
        snprintf(key, sizeof key, "/site/%.200s", site);
        ProtobufCMessage *m = NULL;
        rpc_code rc = orchd_get(o, key, &outrig__v1__site__descriptor, &m, NULL);
        if (rc != RPC_OK) {
            rpc_call_fail(call, rc == RPC_NOT_FOUND ? RPC_INVALID_ARGUMENT : RPC_UNAVAILABLE,
                          "site_map", "site '%.64s' (for %.64s) does not exist", site, prof);
            return false;
        }
        Outrig__V1__Site *s = (void *)m;
        bool usable = adapter_find(s->kind) != NULL;
        if (!usable)
            rpc_call_fail(call, RPC_FAILED_PRECONDITION, "site_map",
                          "site '%.64s' is of kind '%s': no %s adapter yet", site, s->kind,
                          s->kind);
        protobuf_c_message_free_unpacked(m, NULL);
        if (!usable)
            return false;
    }
    return true;
}

void orchd_h_create_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const Outrig__V1__CreateNsRequest *r = (const void *)in;
    if (!check_ids(call, r->name, r->op_id))
        return;
    if (idempotent(o, call, out, r->op_id, TY(INSTANTIATE), r->name))
        return;
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "/nsd/%.200s", r->nsd_id);
    ProtobufCMessage *m = NULL;
    if (!*r->nsd_id || strchr(r->nsd_id, '/') ||
        orchd_get(o, key, &outrig__v1__nsd__descriptor, &m, NULL) != RPC_OK) {
        rpc_call_fail(call, RPC_NOT_FOUND, "nsd_id", "nsd '%.64s' is not onboarded", r->nsd_id);
        return;
    }
    Outrig__V1__Nsd *nsd = (void *)m;
    const Outrig__V1__Nsd__Df *df = orch_plan_df(nsd, r->df_id);
    bool ok = df != NULL;
    if (!ok)
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "df_id", "nsd %s has no df '%.64s'", nsd->id,
                      r->df_id);
    else
        ok = check_site_map(o, call, r, df);
    char df_id[256];
    snprintf(df_id, sizeof df_id, "%s", df ? df->id : "");
    protobuf_c_message_free_unpacked(m, NULL);
    if (!ok)
        return;

    char op_id[ORCH_OP_ID_MAX + 1];
    if (*r->op_id)
        snprintf(op_id, sizeof op_id, "%s", r->op_id);
    else
        new_op_id(op_id, sizeof op_id);
    // An NS of that name is refused at once; otherwise the thread of a just-finished
    // operation on the name (a rolled back instantiate) may still be letting go of it.
    // A refusal is checked against the op id once more: the same request sent twice at once
    // finds the NS made by its twin, and gets the twin's operation.
    Outrig__V1__NsRecord *exist = orchd_ns_get(o, r->name, NULL);
    if (exist) {
        protobuf_c_message_free_unpacked(&exist->base, NULL);
        if (!idempotent(o, call, out, r->op_id, TY(INSTANTIATE), r->name))
            refuse(o, call, r->name, TY(INSTANTIATE));
        return;
    }
    if (!orchd_busy_claim_wait(o, r->name, 2000)) {
        if (!idempotent(o, call, out, r->op_id, TY(INSTANTIATE), r->name))
            refuse(o, call, r->name, TY(INSTANTIATE));
        return;
    }
    Outrig__V1__NsRecord ns = OUTRIG__V1__NS_RECORD__INIT;
    ns.id = r->name;
    ns.name = r->name;
    ns.nsd_id = r->nsd_id;
    ns.df_id = df_id;
    ns.state = "INSTANTIATING";
    ns.site_map = (Outrig__V1__NsRecord__SiteMapEntry **)r->site_map;
    ns.n_site_map = r->n_site_map;
    ns.anti_affinity = r->anti_affinity;
    ns.current_op = op_id;
    ns.created_unix_ms = ns.updated_unix_ms = clock_unix_ms();
    Outrig__V1__Operation op = op_new(op_id, r->name, TY(INSTANTIATE), r->keep_on_failure);

    char nskey[STORE_KEY_MAX], opkey[STORE_KEY_MAX];
    snprintf(nskey, sizeof nskey, "/ns/%s", r->name);
    snprintf(opkey, sizeof opkey, "/op/%s", op_id);
    orchd_txn t;
    orchd_txn_init(&t);
    orchd_txn_absent(&t, nskey);
    orchd_txn_absent(&t, opkey);
    orchd_txn_put(&t, nskey, &ns.base);
    orchd_txn_put(&t, opkey, &op.base);
    bool done = false;
    rpc_status st;
    rpc_code rc = orchd_txn_run(o, &t, &done, &st);
    if (rc != RPC_OK || !done) {
        orchd_busy_release(o, r->name);
        if (rc != RPC_OK)
            rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "store: %s", st.message);
        else if (!idempotent(o, call, out, op_id, TY(INSTANTIATE), r->name))
            refuse(o, call, r->name, TY(INSTANTIATE));
        return;
    }
    orchd_event(o, "op", "started", op_id, &op.base);
    orchd_event(o, "ns", "instantiating", r->name, &ns.base);
    if (orchd_op_launch(o, op_id, r->name)) {
        // Recorded: the next start resumes it.
        orchd_busy_release(o, r->name);
        log_error("op %s: no thread; left for recovery", op_id);
    }
    reply_op(call, out, &op);
}

// DeleteNs, ScaleNs and HealNs: an operation on an existing NS.
static void ns_op(orchd *o, rpc_call *call, ProtobufCMessage *out, const Outrig__V1__NsOpRequest *r,
                  orch_op_type type)
{
    if (!check_ids(call, r->ns_id, r->op_id))
        return;
    if (idempotent(o, call, out, r->op_id, type, r->ns_id))
        return;
    uint64_t rev = 0;
    Outrig__V1__NsRecord *ns = orchd_ns_get(o, r->ns_id, &rev);
    Outrig__V1__Operation *cur =
        ns && *ns->current_op ? orchd_op_get(o, ns->current_op, NULL) : NULL;
    int adm = orch_ns_admit(ns, cur, type);
    if (cur)
        protobuf_c_message_free_unpacked(&cur->base, NULL);
    if (adm) {
        if (ns)
            protobuf_c_message_free_unpacked(&ns->base, NULL);
        if (!idempotent(o, call, out, r->op_id, type, r->ns_id))
            refuse(o, call, r->ns_id, type);
        return;
    }
    Outrig__V1__Operation op = op_new("", r->ns_id, type, r->keep_on_failure);
    char op_id[ORCH_OP_ID_MAX + 1];
    if (*r->op_id)
        snprintf(op_id, sizeof op_id, "%s", r->op_id);
    else
        new_op_id(op_id, sizeof op_id);
    op.id = op_id;
    // Scaling is checked now against the profile's bounds, so a bad request changes nothing.
    if (type == TY(SCALE)) {
        bool ok = false;
        ProtobufCMessage *m = NULL;
        char key[STORE_KEY_MAX];
        snprintf(key, sizeof key, "/nsd/%s", ns->nsd_id);
        const Outrig__V1__Nsd__VnfProfile *vp = NULL;
        if (orchd_get(o, key, &outrig__v1__nsd__descriptor, &m, NULL) == RPC_OK)
            vp = orch_plan_profile(orch_plan_df((void *)m, ns->df_id), r->profile);
        orchd_msgs v = {0};
        if (!vp) {
            rpc_call_fail(call, RPC_INVALID_ARGUMENT, "profile", "no vnf-profile '%.64s' in ns %s",
                          r->profile, r->ns_id);
        } else if (orchd_vnfs_of(o, r->ns_id, &v) != RPC_OK) {
            rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "store unavailable");
        } else {
            uint32_t n = 0;
            for (size_t i = 0; i < v.n; i++)
                n += !strcmp(((Outrig__V1__VnfRecord *)v.m[i])->profile, vp->id);
            int64_t want = r->delta ? (int64_t)n + r->delta : (int64_t)r->count;
            if (!r->delta && !r->count)
                rpc_call_fail(call, RPC_INVALID_ARGUMENT, "delta", "give a delta or a count");
            else if (want < vp->min || want > vp->max)
                rpc_call_fail(call, RPC_OUT_OF_RANGE, r->delta ? "delta" : "count",
                              "%lld instances of %s is outside %u..%u", (long long)want, vp->id,
                              vp->min, vp->max);
            else if (want == n)
                rpc_call_fail(call, RPC_INVALID_ARGUMENT, r->delta ? "delta" : "count",
                              "%s already has %u instances", vp->id, n);
            else {
                op.scale_delta = (int32_t)(want - n);
                ok = true;
            }
        }
        orchd_msgs_free(&v);
        if (m)
            protobuf_c_message_free_unpacked(m, NULL);
        if (!ok) {
            protobuf_c_message_free_unpacked(&ns->base, NULL);
            return;
        }
        op.scale_profile = r->profile;
    }
    if (type == TY(HEAL))
        op.heal_instance = r->instance_id;
    if (!orchd_busy_claim_wait(o, r->ns_id, 2000)) {
        protobuf_c_message_free_unpacked(&ns->base, NULL);
        if (!idempotent(o, call, out, r->op_id, type, r->ns_id))
            refuse(o, call, r->ns_id, type);
        return;
    }
    orchd_set_str(&ns->current_op, op_id);
    if (type == TY(TERMINATE))
        orchd_set_str(&ns->state, "TERMINATING");
    ns->updated_unix_ms = clock_unix_ms();
    char nskey[STORE_KEY_MAX], opkey[STORE_KEY_MAX];
    snprintf(nskey, sizeof nskey, "/ns/%s", r->ns_id);
    snprintf(opkey, sizeof opkey, "/op/%s", op_id);
    orchd_txn t;
    orchd_txn_init(&t);
    orchd_txn_rev(&t, nskey, rev);
    orchd_txn_absent(&t, opkey);
    orchd_txn_put(&t, nskey, &ns->base);
    orchd_txn_put(&t, opkey, &op.base);
    bool done = false;
    rpc_status st;
    rpc_code rc = orchd_txn_run(o, &t, &done, &st);
    if (rc != RPC_OK || !done) {
        orchd_busy_release(o, r->ns_id);
        if (rc != RPC_OK)
            rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "store: %s", st.message);
        else if (!idempotent(o, call, out, op_id, type, r->ns_id))
            rpc_call_fail(call, RPC_ABORTED, "ns_id", "ns %s changed meanwhile; retry", r->ns_id);
        protobuf_c_message_free_unpacked(&ns->base, NULL);
        return;
    }
    orchd_event(o, "op", "started", op_id, &op.base);
    if (type == TY(TERMINATE))
        orchd_event(o, "ns", "terminating", r->ns_id, &ns->base);
    if (orchd_op_launch(o, op_id, r->ns_id)) {
        orchd_busy_release(o, r->ns_id);
        log_error("op %s: no thread; left for recovery", op_id);
    }
    reply_op(call, out, &op);
    protobuf_c_message_free_unpacked(&ns->base, NULL);
}

void orchd_h_delete_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    ns_op(o, call, out, (const void *)in, TY(TERMINATE));
}

void orchd_h_scale_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    ns_op(o, call, out, (const void *)in, TY(SCALE));
}

void orchd_h_heal_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
    ns_op(o, call, out, (const void *)in, TY(HEAL));
}
