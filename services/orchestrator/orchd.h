// outrig-orchestrator internals: the service state shared by the front end (front.c), the
// store and hub edges (state.c, events.c), the site connections (siteconn.c), the
// descriptor and image catalogue (catalogue.c), the operation runner (lifecycle.c), the
// reconcile loop (reconcile_loop.c) and the agent role for LXC sites' links (lxclink.h). The
// decisions live in domain.h.
//
// Options (--set KEY=VALUE):
//   workers=N          RPC worker threads (default 8)
//   parallel=N         site commands in flight per operation (default 16)
//   reconcile_ms=N     period of the reconcile loop (default 3000, 0 = off)
//   catalogue_dir=DIR  seeds /image/<name> with every executable file of DIR at start
//                      (default: <build>/examples/vnf when run from a build tree; "" = none)
//   crash_after=STEP   test hook: SIGKILL itself after STEP (op_recorded, planned,
//                      vnf_created, before_complete, rollback_started)
#ifndef OUTRIG_ORCHD_H
#define OUTRIG_ORCHD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "adapter/adapter.h"
#include "domain.h"
#include "hub/hub.h"
#include "microapp/microapp.h"
#include "store/store.h"

typedef struct orchd_busy {
    char ns[ORCH_NS_ID_MAX + 1];
    int state;      // 0 free, 1 an operation runs, 2 the reconcile loop acts
    uint64_t epoch; // last change
} orchd_busy;

typedef struct orchd_conn {
    char name[ORCH_SITE_NAME_MAX + 1];
    uint64_t mod_revision; // of the /site record it was opened from
    adapter_site *site;
} orchd_conn;

typedef struct orchd_job orchd_job;
struct orchd_lxclink;

typedef struct orchd {
    microapp *app;
    store_client *store;
    hub_client *hub;
    hub_publisher *pub;

    pthread_mutex_t mu; // guards everything below
    pthread_cond_t cv;
    orchd_busy *busy;
    size_t n_busy, cap_busy;
    uint64_t epoch;
    orchd_conn *conns;
    size_t n_conns, cap_conns;
    int ops_running;
    bool stopping;
    orchd_job *jobs_head, *jobs_tail; // RPC calls waiting for a worker
    pthread_t *workers;
    int n_workers;

    pthread_t reconcile_thr;
    bool reconcile_started;
    pthread_mutex_t rec_mu; // one reconcile pass at a time
    uint64_t reconcile_ms;
    uint32_t parallel;
    char crash_after[32];

    struct orchd_lxclink *lxl; // the agent role for LXC sites' VNFs (lxclink.h)
} orchd;

// ---- state.c: the store -------------------------------------------------------------------

// Reads key as a message of desc: RPC_OK with *out (free with protobuf_c_message_free_unpacked)
// and *mod_rev (may be NULL), RPC_NOT_FOUND, or another code (RPC_DATA_LOSS if undecodable).
rpc_code orchd_get(orchd *o, const char *key, const ProtobufCMessageDescriptor *desc,
                   ProtobufCMessage **out, uint64_t *mod_rev);
rpc_code orchd_put(orchd *o, const char *key, const ProtobufCMessage *m);
rpc_code orchd_del(orchd *o, const char *key);

// Every message under prefix, decoded (undecodable values are skipped with a warning).
// *out is a malloc'd array the caller frees with orchd_msgs_free.
typedef struct orchd_msgs {
    ProtobufCMessage **m;
    uint64_t *mod_rev;
    size_t n;
} orchd_msgs;
rpc_code orchd_list(orchd *o, const char *prefix, const ProtobufCMessageDescriptor *desc,
                    orchd_msgs *out);
void orchd_msgs_free(orchd_msgs *l);

// A transaction being built: compares and success ops; values are packed copies.
typedef struct orchd_txn {
    Outrig__V1__TxnRequest req;
    Outrig__V1__Compare **cmp;
    Outrig__V1__TxnOp **ops;
    size_t cap_cmp, cap_ops;
    int err;
} orchd_txn;
void orchd_txn_init(orchd_txn *t);
void orchd_txn_absent(orchd_txn *t, const char *key);            // compare: key does not exist
void orchd_txn_rev(orchd_txn *t, const char *key, uint64_t rev); // compare: mod_revision
void orchd_txn_put(orchd_txn *t, const char *key, const ProtobufCMessage *m);
void orchd_txn_del(orchd_txn *t, const char *key);
// Runs it and frees what it holds. *ok = the compares held.
rpc_code orchd_txn_run(orchd *o, orchd_txn *t, bool *ok, rpc_status *st);
void orchd_txn_free(orchd_txn *t);

// Record helpers: the strings of a decoded or malloc'd record replaced with malloc'd copies.
void orchd_set_str(char **field, const char *v);
Outrig__V1__Operation *orchd_op_get(orchd *o, const char *id, uint64_t *rev);
Outrig__V1__NsRecord *orchd_ns_get(orchd *o, const char *id, uint64_t *rev);
// VNF records of one NS ("" = all).
rpc_code orchd_vnfs_of(orchd *o, const char *ns_id, orchd_msgs *out);

// ---- events.c: the hub --------------------------------------------------------------------

int orchd_events_open(orchd *o);
void orchd_events_close(orchd *o);
// Queues category.type about id with m encoded as payload (m may be NULL). Never blocks on
// the hub; a failed publish is logged.
void orchd_event(orchd *o, const char *category, const char *type, const char *id,
                 const ProtobufCMessage *m);
// The same with the payload already encoded.
void orchd_event_raw(orchd *o, const char *category, const char *type, const char *id,
                     const uint8_t *payload, size_t len);

// ---- siteconn.c: adapters -----------------------------------------------------------------

// The open adapter of site `name` (opened from its /site record on first use). 0 and *out
// (owned by o, valid until o is freed or the site deleted), -ENOENT (no such site), -ENOTSUP
// (kind without an adapter), or the adapter's error with err filled.
int orchd_site(orchd *o, const char *name, adapter_site **out, adapter_err *err);
// Opens a site record to check it; on success the handle is cached under its name.
int orchd_site_try(orchd *o, const Outrig__V1__Site *s, uint64_t rev, adapter_err *err);
void orchd_site_forget(orchd *o, const char *name);
void orchd_sites_close(orchd *o);

// ---- catalogue.c: descriptors and images --------------------------------------------------

// Seeds /image/ from the catalogue_dir option. 0 or -errno.
int orchd_catalogue_seed(orchd *o);
// The absolute program path of an image name (the catalogue) or path. RPC_OK,
// RPC_FAILED_PRECONDITION (unknown image, msg filled).
rpc_code orchd_image_path(orchd *o, const char *image, char *buf, size_t len);

// ---- lifecycle.c: operations ---------------------------------------------------------------

// Runs operation op_id on a thread of its own (detached); the NS is marked busy until it ends.
int orchd_op_launch(orchd *o, const char *op_id, const char *ns_id);
// Finds unfinished operations in the store and launches them (resume or roll back).
int orchd_recover(orchd *o);
// The test hook: SIGKILL now when step is the crash_after option.
void orchd_crash_point(orchd *o, const char *step);
// Marks ns busy for an operation (true) or fails when an operation holds it; waits while
// the reconcile loop holds it.
bool orchd_busy_claim(orchd *o, const char *ns, int state);
void orchd_busy_release(orchd *o, const char *ns);
// For an operation the store says may start: waits up to wait_ms for the thread of the
// NS's previous operation to let go (it records the end before it ends).
bool orchd_busy_claim_wait(orchd *o, const char *ns, uint32_t wait_ms);
// For the reconcile loop: holds ns only if it is free and unchanged since epoch.
bool orchd_busy_claim_since(orchd *o, const char *ns, uint64_t epoch);
// True when ns is held, or changed after epoch.
bool orchd_busy_since(orchd *o, const char *ns, uint64_t epoch);

// ---- reconcile_loop.c ----------------------------------------------------------------------

int orchd_reconcile_start(orchd *o);
void orchd_reconcile_stop(orchd *o);
// One pass now. Returns the number of actions taken, or -errno.
int orchd_reconcile_pass(orchd *o);
// Makes sure rec exists and runs on its site (create and start as needed). 0 or -errno.
int orchd_vnf_ensure(orchd *o, Outrig__V1__VnfRecord *rec, adapter_err *err);
// Removes instance id from site (nothing there is success). 0 or -errno.
int orchd_vnf_remove(orchd *o, const char *site, const char *id, adapter_err *err);

// ---- front.c and the handlers it dispatches to ---------------------------------------------

// Registers the Orchestrator service and starts the workers that run its calls (handlers do
// blocking store and site calls, so they never run on nng's callback threads).
int orchd_front_start(orchd *o);
void orchd_front_stop(orchd *o);

// A handler run on a worker thread; it finishes the call exactly once.
typedef void (*orchd_handler)(orchd *o, rpc_call *call, const ProtobufCMessage *in,
                              ProtobufCMessage *out);
// Queues fn(call, in, out) for a worker. 0, or -ENOMEM after failing the call (RESOURCE_
// EXHAUSTED); `in` stays the caller's either way unless fn takes it.
int orchd_front_enqueue(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                        orchd_handler fn);
// Finishes call with the stored value of key as the reply (NOT_FOUND names `what`).
void orchd_reply_stored(orchd *o, rpc_call *call, const char *key, const char *what);

// catalogue.c
void orchd_h_add_vnfd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);
void orchd_h_add_nsd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);
void orchd_h_del_vnfd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);
void orchd_h_del_nsd(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);
void orchd_h_add_image(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);
// lifecycle.c
void orchd_h_create_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);
void orchd_h_delete_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);
void orchd_h_scale_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);
void orchd_h_heal_ns(orchd *o, rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out);

#endif
