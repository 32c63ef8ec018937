// orch domain: the orchestrator's decisions as pure functions over plain structs and the
// decoded store records (no sockets, clocks or globals), unit tested directly.
//   ops.c       the operation state machine, idempotency and admission, rollback planning
//   plan.c      which VNF instances an NS needs: ids, images, resources, CP addresses; scaling
//   reconcile.c what to delete or recreate given the store's records and what sites report
//   sites.c     site validation and the capacity already used on each site
//   cplink.c    the linker's requests to the agent role the orchestrator plays for LXC sites
#ifndef OUTRIG_ORCH_DOMAIN_H
#define OUTRIG_ORCH_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outrig/v1/agent.pb-c.h"
#include "outrig/v1/orchestrator.pb-c.h"

#define ORCH_NS_ID_MAX 32
#define ORCH_SITE_NAME_MAX 32
#define ORCH_OP_ID_MAX 64
// CP subnets of virtual links without a cidr: ORCH_DEFAULT_POOL_PREFIX.<k>.0/24 for the NSD's
// k-th link (the linker's default pool, 10.213.0.0/16).
#define ORCH_DEFAULT_POOL_PREFIX "10.213"

// ---- operations (ops.c) -----------------------------------------------------------------

typedef Outrig__V1__Operation__State orch_op_state;
typedef Outrig__V1__Operation__Type orch_op_type;

// True when an operation may go from `from` to `to`: PROCESSING -> COMPLETED | FAILED,
// FAILED -> ROLLED_BACK. Staying in a state is not a transition.
bool orch_op_transition_valid(orch_op_state from, orch_op_state to);
// True when nothing more will happen to the operation: COMPLETED, ROLLED_BACK, or FAILED
// when the caller kept the failure (or the type has nothing to roll back).
bool orch_op_finished(const Outrig__V1__Operation *op);
// True when a FAILED operation's VNFs are to be removed (it created them, and the caller
// did not ask to keep them).
bool orch_op_needs_rollback(const Outrig__V1__Operation *op);
const char *orch_op_state_name(orch_op_state s);
const char *orch_op_type_name(orch_op_type t);

typedef enum {
    ORCH_IDEM_NEW = 0,      // no operation with that id: run it
    ORCH_IDEM_EXISTING = 1, // the same request retried: return the recorded operation
    ORCH_IDEM_CONFLICT = 2, // the id names a different operation: ALREADY_EXISTS
} orch_idem;

// What a request (type on ns_id) with an op id that may already be recorded (existing,
// NULL when absent) means.
orch_idem orch_op_idempotency(const Outrig__V1__Operation *existing, orch_op_type type,
                              const char *ns_id);

// Whether a new operation may start on an NS: the NS record (NULL: none) and its current
// operation (NULL when unknown). Returns 0, or an rpc_code-compatible number:
// 5 (NOT_FOUND) when the type needs an NS and there is none, 6 (ALREADY_EXISTS) when
// instantiating an existing NS, 9 (FAILED_PRECONDITION) when one is in progress.
int orch_ns_admit(const Outrig__V1__NsRecord *ns, const Outrig__V1__Operation *current,
                  orch_op_type type);

// The instances a rollback of op deletes: its targets that were recorded as made by it.
// Fills out[] with indexes into vnfs; returns how many.
size_t orch_rollback_plan(const Outrig__V1__Operation *op, Outrig__V1__VnfRecord *const *vnfs,
                          size_t n, size_t *out);

// True for an id of [A-Za-z0-9_-], 1..max chars, first alphanumeric.
bool orch_name_valid(const char *s, size_t max);
// True for an op id: 1..ORCH_OP_ID_MAX of [A-Za-z0-9._-], first alphanumeric.
bool orch_op_id_valid(const char *s);

// ---- plans (plan.c) ---------------------------------------------------------------------

// One VNF instance to make. Strings point into the descriptors or into `instance_id`.
typedef struct orch_plan_vnf {
    char instance_id[80];
    const char *profile;
    uint32_t index;
    const Outrig__V1__Vnfd *vnfd;
    const Outrig__V1__Vnfd__Vdu *vdu;
} orch_plan_vnf;

typedef struct orch_plan_err {
    char field[128];
    char msg[256];
} orch_plan_err;

// "<ns>.<profile>.<index>" into buf. 0 or -ENAMETOOLONG.
int orch_instance_id(const char *ns, const char *profile, uint32_t index, char *buf, size_t len);

// The df to use (df_id "" = the first). NULL when absent.
const Outrig__V1__Nsd__Df *orch_plan_df(const Outrig__V1__Nsd *nsd, const char *df_id);
// The vnf-profile `id` of df, or NULL.
const Outrig__V1__Nsd__VnfProfile *orch_plan_profile(const Outrig__V1__Nsd__Df *df, const char *id);

// The instances of a new NS: every vnf-profile of df with its minimum count (at least 1),
// each VDU of its VNFD... the first VDU of each VNFD (Outrigger runs one program per VNF).
// vnfds[] are the VNFDs the NSD names. Returns the count (written to out[0..max)), or
// -EINVAL with err (a profile whose VNFD is missing or has no VDU), -ENOSPC past max.
int orch_plan_instantiate(const char *ns, const Outrig__V1__Nsd__Df *df,
                          Outrig__V1__Vnfd *const *vnfds, size_t n_vnfds, orch_plan_vnf *out,
                          size_t max, orch_plan_err *err);

// Fills rec->cps for a planned instance: one CP per ext-cpd of the VNFD (interface name =
// its int-cpd id), joined to the virtual link the NSD connects it to, with an address from
// the link's IPv4 CIDR — the NSD's, else 10.213.<k>.0/24 for the NSD's k-th link, the linker's
// default pool — (host number 1 + the slots of the profiles before it on that link +
// index, so scaling never renumbers) and the address of the first CP of another profile on
// the link as its peer. Allocates with malloc (freed with the record). 0, -EINVAL with err,
// -ENOMEM.
int orch_plan_cps(const Outrig__V1__Nsd *nsd, const Outrig__V1__Nsd__Df *df,
                  Outrig__V1__Vnfd *const *vnfds, size_t n_vnfds, const orch_plan_vnf *pv,
                  Outrig__V1__VnfRecord *rec, orch_plan_err *err);

// Scaling a profile that has `n` instances with indexes have[0..n): the wanted count is
// count (when delta is 0) or n + delta; it must be within [min, max]. On success
// *add (indexes to create, the lowest unused, in add[]) or *remove (indexes to delete, the
// highest, in rm[]) is set; both arrays need room for max entries. 0, -ERANGE (outside the
// bounds, err says which), -EINVAL (no change asked).
int orch_plan_scale(const uint32_t *have, size_t n, uint32_t min, uint32_t max, int32_t delta,
                    uint32_t count, uint32_t *add, size_t *n_add, uint32_t *rm, size_t *n_rm,
                    orch_plan_err *err);

// ---- reconcile (reconcile.c) ------------------------------------------------------------

// What the store says about one instance. settled: its NS is instantiated with no
// operation in progress and no change since the sites were listed.
typedef struct orch_rec_want {
    const char *instance_id;
    const char *ns_id;
    const char *site;
    bool settled;
    bool ns_known; // an NS record exists for ns_id
} orch_rec_want;

// What a site reports about one VNF.
typedef enum { ORCH_SEEN_RUNNING, ORCH_SEEN_STOPPED, ORCH_SEEN_INCOMPLETE } orch_seen_state;
typedef struct orch_rec_seen {
    const char *site;
    const char *instance_id;
    const char *owner;
    orch_seen_state state;
} orch_rec_seen;

typedef enum { ORCH_REC_DELETE, ORCH_REC_RECREATE } orch_rec_kind;
typedef struct orch_rec_action {
    orch_rec_kind kind;
    const char *site;
    const char *instance_id;
    const char *ns_id; // the owning NS (DELETE: the reported owner)
} orch_rec_action;

// The actions that bring the sites in line with the store. listed[] names the sites that
// answered (nothing is decided about the others). busy(ns_id, arg) says an NS must not be
// touched (an operation runs or ran since the listing). A reported VNF with no record, or
// recorded on another site, is deleted unless its owner is busy; a settled record whose
// site answered without it, or reported it INCOMPLETE, is recreated. Returns the number
// of actions written to out (at most max).
size_t orch_reconcile_diff(const orch_rec_want *want, size_t n_want, const orch_rec_seen *seen,
                           size_t n_seen, const char *const *listed, size_t n_listed,
                           bool (*busy)(const char *ns_id, void *arg), void *arg,
                           orch_rec_action *out, size_t max);

// ---- sites (sites.c) --------------------------------------------------------------------

// Checks a site to add: name, kind (known or not is the caller's business), endpoint,
// options "k=v". 0 or -EINVAL with err->field naming the field.
int orch_site_check(const Outrig__V1__Site *s, orch_plan_err *err);
// Parses "vcpus=N,memory=MiB" (either part may be absent). 0 or -EINVAL.
int orch_capacity_parse(const char *s, uint32_t *vcpus, uint64_t *memory_mib);

typedef struct orch_site_usage {
    uint32_t instances;
    uint32_t vcpus;
    uint64_t memory_mib;
} orch_site_usage;
// Adds up the VNF records on site `name`.
void orch_site_usage_of(const char *name, Outrig__V1__VnfRecord *const *vnfs, size_t n,
                        orch_site_usage *out);

// ---- links of LXC-site VNFs (cplink.c) ------------------------------------------------------

// Checks a ConfigurePeer request from the linker: vnf_id an instance id, cp_id an id without
// spaces, '/' or '~' (1..128), peer_address an IP address or "", address "a.b.c.d/len" (or
// IPv6) or "", virtual_link a vl key "<ns>/<vl>" without spaces or "", link_id and peer_id
// printable, host and peer_host IPv4 or "", vni 1..16777215 with a peer_host (0 without). 0 or -EINVAL
// with err->field naming the field.
int orch_peer_check(const Outrig__V1__ConfigurePeerRequest *r, orch_plan_err *err);
// The CP of rec that the linker calls cp_id: its interface name (what cp.ready reports), else
// its ext-cpd id. NULL when rec has no such CP.
const Outrig__V1__CpRecord *orch_cp_find(const Outrig__V1__VnfRecord *rec, const char *cp_id);
// The id a CP is reported under in cp.ready/cp.down: its interface name (the record id), as
// outrig-agent reports its CPs; the linker's topology names CPs by record id too.
const char *orch_cp_report_id(const Outrig__V1__CpRecord *cp);

#endif
