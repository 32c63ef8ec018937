// datapath: the links' data path on a site host, over rtnetlink (common/netlink).
//
// Within a site, one Linux bridge per virtual link with the VNFs' host-side veths enslaved
// to it; across sites, a VXLAN device (VNI per virtual link) to the other site host,
// enslaved to the same bridge, so that the link's CPs share one L2 segment whatever site
// they run on. Names derive from the vl key, so a reconciler finds leftovers and every call
// is idempotent. Each call acts in the netns its netlink socket was made in.
#ifndef OUTRIG_LNK_DATAPATH_H
#define OUTRIG_LNK_DATAPATH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "cpreport.h"

#define LNK_IFNAMSIZ 16
#define LNK_PING_MS 5000 // the traffic check's default deadline

// The bridge ("olb" + 12 hex digits) and VXLAN ("olx" + 12 hex digits) names of vl_key.
void lnk_dp_names(const char *vl_key, char bridge[LNK_IFNAMSIZ], char vxlan[LNK_IFNAMSIZ]);
// The VNI of vl_key: a 24-bit hash, never 0. Two virtual links colliding in it would share
// a segment between the same two hosts; nothing detects that yet (a VNI allocator kept in
// the store would).
uint32_t lnk_vni(const char *vl_key);

// Creates vl_key's bridge if missing and sets it up. 0 or -errno.
int lnk_dp_bridge(int nl, const char *vl_key);
// Enslaves host-side interface ifname to vl_key's bridge (created if missing) and sets it
// up. 0, -ENODEV (no such interface) or -errno.
int lnk_dp_attach(int nl, const char *vl_key, const char *ifname);
// Creates vl_key's VXLAN device to the site host `remote` from `local` (dotted IPv4) over
// underlay interface `underlay` (NULL: any), enslaved to the bridge and up. An existing
// device is kept. 0, -EINVAL or -errno.
int lnk_dp_tunnel(int nl, const char *vl_key, const char *local, const char *remote,
                  const char *underlay);
// Removes vl_key's VXLAN device and bridge (what is missing is skipped); enslaved veths
// are released, not deleted: they belong to their VNFs. 0 or -errno.
int lnk_dp_remove(int nl, const char *vl_key);
// Removes vl_key's VXLAN device and bridge only when no interface but that VXLAN device is
// enslaved to the bridge any more (the last CP of the link on this host is gone). 1 when
// removed (or there was no bridge), 0 when kept because a port remains, or -errno.
int lnk_dp_remove_unused(int nl, const char *vl_key);

// The traffic check: ICMP echo to IPv4 address `peer` from a raw socket made inside the
// network namespace open as netns_fd (-1: the caller's), until a reply or timeout_ms (0:
// LNK_PING_MS). The first echo goes at once, the next after 2 ms, the gap doubling up to
// 100 ms, so that a peer whose end is attached a moment later answers without delay.
// Returns 0 with *rtt_us (of the echo answered), or -errno with why (size n) filled:
// -EAFNOSUPPORT (not IPv4), -ETIMEDOUT (no reply), or the socket's error. Blocks; thread-safe.
int lnk_dp_ping(int netns_fd, const char *peer, uint32_t timeout_ms, uint64_t *rtt_us, char *why,
                size_t n);

// A finished traffic check: the verdict and its CpVerified encoding (the payload of the
// cp.verified event that reports it). Called on the check's own thread.
typedef void (*lnk_dp_verdict_fn)(void *arg, const lnk_verdict *v, const uint8_t *payload,
                                  size_t len);
// The traffic check of link link_id as an agent runs it (check.c): lnk_dp_ping to peer from
// inside netns_fd (duplicated: the caller keeps its own; -1: ours) for up to timeout_ms, on
// a detached thread of its own, then done(arg, ...). *running (NULL: not counted) goes up
// now and down as that thread's last act, so whoever owns what done uses waits for 0 before
// freeing it. 0, or -errno (done is not called).
int lnk_dp_check_start(int netns_fd, const char *peer, uint32_t timeout_ms, const char *link_id,
                       lnk_dp_verdict_fn done, void *arg, atomic_int *running);

#endif
