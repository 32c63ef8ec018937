// peers: which connection points a CP links to, pure.
//
// An NS's topology is its vnf-profiles' virtual-link-connectivity: each entry says that
// ext-cpd `cpd` of every instance of vnf-profile `profile` joins virtual link `vl`. With the
// NS's VNF instances (n per profile when scaled) that gives, for one CP, every other CP on
// its virtual links: the peers it is linked to, one link per pair. Either side may come up
// first: the answer does not depend on which CPs are up.
#ifndef OUTRIG_LNK_PEERS_H
#define OUTRIG_LNK_PEERS_H

#include <stddef.h>

struct desc_nsd;

// One virtual-link-connectivity entry.
typedef struct lnk_member {
    const char *vl;      // virtual-link-desc id
    const char *profile; // constituent-base-element-id (a vnf-profile id)
    const char *cpd;     // constituent-cpd-id (an ext-cpd of the profile's VNFD)
} lnk_member;

typedef struct lnk_instance {
    const char *vnf_id; // instance id
    const char *profile;
} lnk_instance;

typedef struct lnk_topology {
    const lnk_member *members;
    size_t n_members;
    const lnk_instance *instances;
    size_t n_instances;
} lnk_topology;

// A peer of a CP: CP `cp` of instance `vnf_id`, over virtual link `vl`. Strings point into
// the topology.
typedef struct lnk_peer {
    const char *vl;
    const char *vnf_id;
    const char *cp;
} lnk_peer;

// Writes the peers of CP `cp` of instance `vnf_id` to out (room for max) and their number
// to *n (also when it exceeds max). Returns 0 (a CP on no virtual link has no peers),
// -ENOENT (vnf_id is not an instance of the topology), -ENOSPC (more than max peers:
// the first max are written), -EINVAL.
int lnk_peers(const lnk_topology *t, const char *vnf_id, const char *cp, lnk_peer *out, size_t max,
              size_t *n);

// The canonical id of the link between two CPs on virtual link vl of NS ns:
// "<ns>/<vl>/<vnf>.<cp>~<vnf>.<cp>" with the smaller end first, so that both ends name it
// the same. Writes it to out (size n). Returns 1 when (a_vnf, a_cp) is the first end, 0 when
// it is the second, -ENAMETOOLONG or -EINVAL.
int lnk_link_id(const char *ns, const char *vl, const char *a_vnf, const char *a_cp,
                const char *b_vnf, const char *b_cp, char *out, size_t n);

// The members of an NSD's deployment flavour df_id (NULL: its first): one lnk_member per
// constituent-cpd-id, vl resolved through the virtual-link profiles to the
// virtual-link-desc id. *out is malloc'd (caller frees; strings point into nsd). Returns the
// number of members, -ENOENT (no such flavour) or -ENOMEM.
int lnk_members_from_nsd(const struct desc_nsd *nsd, const char *df_id, lnk_member **out);
// The CIDR the NSD gives virtual link vl (its virtual-link-desc, else a virtual-link
// profile of df_id naming it), or NULL.
const char *lnk_vl_cidr(const struct desc_nsd *nsd, const char *df_id, const char *vl);

#endif
