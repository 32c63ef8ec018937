// orch_place: where each VNF instance of an operation runs. A pure function
// over plain structs (no I/O): the sites as the store describes them, the
// instances to place, the instances already running, and a policy hook.
//
// Rules, in order: a site that is down, vetoed by the policy hook, at its
// instance upper limit, or without the free vCPUs and memory an instance needs
// is never chosen. An instance pinned to a site (`--site-map vnf-profile=site`)
// goes there or fails. With anti-affinity, instances of one profile go to the
// sites holding the fewest of that profile (SPREAD: co-located only when every
// candidate already holds one; STRICT: never co-located). Among what is left,
// the site with the most headroom after the placement wins: the largest of
// min(free vCPU share, free memory share, free instance-slot share). Ties go to
// the site name that sorts first, so the result does not depend on input order.
// Pinned instances are placed first, then the others largest first (vCPUs,
// then memory), then in input order.
#ifndef OUTRIG_ORCH_PLACEMENT_H
#define OUTRIG_ORCH_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct orch_place_site {
    const char *name;
    const char *kind;        // "agent", "lxc", ... (informational)
    uint32_t cap_vcpus;      // 0 = not declared (no vCPU limit)
    uint64_t cap_memory_mib; // 0 = not declared
    uint32_t used_vcpus;
    uint64_t used_memory_mib;
    uint32_t max_instances; // 0 = no instance upper limit
    uint32_t instances;     // VNF instances it runs now
    bool up;
} orch_place_site;

typedef enum {
    ORCH_AFF_NONE = 0,
    ORCH_AFF_SPREAD = 1, // soft anti-affinity: spread as evenly as the sites allow
    ORCH_AFF_STRICT = 2, // hard anti-affinity: at most one per site
} orch_place_affinity;

typedef struct orch_place_vnf {
    const char *profile; // vnf-profile id
    uint32_t index;      // instance number within the profile (messages only)
    uint32_t vcpus;
    uint64_t memory_mib;
    const char *pinned_site; // from --site-map, or NULL
    orch_place_affinity anti_affinity;
} orch_place_vnf;

// An instance already running (scale-out spreads relative to these).
typedef struct orch_place_existing {
    const char *profile;
    const char *site;
} orch_place_existing;

// Policy hook: return 0 to allow the pair, non-zero to veto it with a reason
// (written into reason, at most len bytes). Called only for otherwise eligible
// sites. The policy service fills it; NULL allows everything.
typedef int (*orch_place_veto_fn)(void *arg, const orch_place_vnf *vnf, const orch_place_site *site,
                                  char *reason, size_t len);

typedef struct orch_place_req {
    const orch_place_vnf *vnfs;
    size_t n_vnfs;
    const orch_place_site *sites;
    size_t n_sites;
    const orch_place_existing *existing;
    size_t n_existing;
    orch_place_veto_fn veto;
    void *veto_arg;
} orch_place_req;

typedef struct orch_place_error {
    size_t vnf;     // index in req->vnfs of the instance that failed
    char msg[1024]; // "vnf-profile 'fw' instance 2: no site can take it: ..."
} orch_place_error;

// Fills site_of[i] (an index into req->sites) for every req->vnfs[i]. Returns 0;
// -ENOSPC when an instance cannot be placed, or -EINVAL for a bad request (a pin
// to an unknown site, a missing name), with err saying which instance and why
// (err may be NULL); -ENOMEM. The request is not modified.
int orch_place(const orch_place_req *req, size_t *site_of, orch_place_error *err);

#endif
