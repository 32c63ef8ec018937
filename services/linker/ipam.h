// ipam: per-virtual-link IPv4 address management, pure (no I/O, no clock).
//
// Each virtual link ("vl key", "<ns>/<virtual link>") gets one subnet: the CIDR of the NSD's
// virtual-link description, or one carved from a default pool. Subnets of different links
// of one NS (the text of the vl key before its '/') never overlap: a VNF may have CPs on
// both. Links of different NSs are separate segments and may use the same subnet. Within a subnet an owner ("<vnf instance>/<cp>") holds at most one address;
// asking again gives the same one. The network and broadcast addresses are never handed
// out (except in /31 and /32, which have none). The state of a link exports to an IpamState
// protobuf so that a restarted linker keeps its allocations.
#ifndef OUTRIG_LNK_IPAM_H
#define OUTRIG_LNK_IPAM_H

#include <stddef.h>
#include <stdint.h>

#define LNK_IPAM_MIN_PREFIX 16 // the largest subnet a link may have (/16)
#define LNK_ADDR_MAX 20        // "255.255.255.255/32" and the NUL
#define LNK_KEY_MAX 200        // longest vl key or owner

typedef struct lnk_ipam lnk_ipam;

// Parses "a.b.c.d/len" (IPv4, host bits zero) into network (host byte order) and prefix.
// Returns 0 or -EINVAL.
int lnk_cidr_parse(const char *s, uint32_t *net, unsigned *prefix);

// The subnet an interface address "a.b.c.d/len" lies in, as "net/len" into cidr_out
// (LNK_ADDR_MAX bytes). 0 or -EINVAL.
int lnk_cidr_of(const char *addr, char *cidr_out);

// An empty IPAM, or NULL on allocation failure. Free with lnk_ipam_free (NULL: no-op).
lnk_ipam *lnk_ipam_new(void);
void lnk_ipam_free(lnk_ipam *ip);

// Gives link vl_key the subnet cidr. 0 (also when the link already has exactly that subnet),
// -EINVAL (bad key or cidr, or wider than /LNK_IPAM_MIN_PREFIX), -EEXIST (the link has
// another subnet, or cidr overlaps the subnet of another link of its NS), -ENOMEM.
int lnk_ipam_add(lnk_ipam *ip, const char *vl_key, const char *cidr);
// Gives link vl_key the first free /prefix of pool that overlaps no subnet of its NS, and
// writes it to cidr_out (LNK_ADDR_MAX bytes) when not NULL. A link that has a subnet keeps
// it. 0, -EINVAL, -ENOSPC (the pool is full), -ENOMEM.
int lnk_ipam_add_from_pool(lnk_ipam *ip, const char *vl_key, const char *pool, unsigned prefix,
                           char *cidr_out);
// Forgets link vl_key and every address of it. 0 or -ENOENT.
int lnk_ipam_remove(lnk_ipam *ip, const char *vl_key);
// The subnet of vl_key into cidr_out (LNK_ADDR_MAX bytes). 0 or -ENOENT.
int lnk_ipam_subnet(const lnk_ipam *ip, const char *vl_key, char *cidr_out);

// Allocates an address of vl_key's subnet for owner and writes "a.b.c.d/len" to out
// (LNK_ADDR_MAX bytes); the same owner gets the address it holds. 0, -ENOENT (no such
// link), -ENOSPC (the subnet is exhausted), -EINVAL, -ENOMEM.
int lnk_ipam_alloc(lnk_ipam *ip, const char *vl_key, const char *owner, char *out);
// Claims address addr ("a.b.c.d" or "a.b.c.d/len") of vl_key for owner: a CP that came up
// with its own address, or a lease read back from the store. 0 (also when owner already
// holds it), -ENOENT, -ERANGE (outside the subnet, or its network/broadcast address),
// -EEXIST (another owner holds it, or owner holds another one), -EINVAL, -ENOMEM.
int lnk_ipam_reserve(lnk_ipam *ip, const char *vl_key, const char *owner, const char *addr);
// Releases owner's address on vl_key. 0 or -ENOENT.
int lnk_ipam_release(lnk_ipam *ip, const char *vl_key, const char *owner);
// Addresses held on vl_key (0 for an unknown link).
size_t lnk_ipam_used(const lnk_ipam *ip, const char *vl_key);

// Encodes vl_key's subnet and leases as an IpamState protobuf into *buf (malloc'd, caller
// frees) and *len. 0, -ENOENT or -ENOMEM.
int lnk_ipam_export(const lnk_ipam *ip, const char *vl_key, uint8_t **buf, size_t *len);
// Restores one link from an IpamState protobuf (as lnk_ipam_add then lnk_ipam_reserve for
// each lease). 0, -EINVAL (undecodable or inconsistent state), -EEXIST, -ENOMEM.
int lnk_ipam_import(lnk_ipam *ip, const uint8_t *buf, size_t len);

#endif
