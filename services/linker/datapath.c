// datapath: bridges and VXLAN tunnels per virtual link. See datapath.h.
#include "datapath.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "netlink/netlink.h"

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

void lnk_dp_names(const char *vl_key, char bridge[LNK_IFNAMSIZ], char vxlan[LNK_IFNAMSIZ])
{
    unsigned long long h = fnv1a64(vl_key) & 0xffffffffffffull;
    if (bridge)
        snprintf(bridge, LNK_IFNAMSIZ, "olb%012llx", h);
    if (vxlan)
        snprintf(vxlan, LNK_IFNAMSIZ, "olx%012llx", h);
}

uint32_t lnk_vni(const char *vl_key)
{
    uint64_t h = fnv1a64(vl_key);
    uint32_t v = (uint32_t)((h >> 40) ^ h) & 0xffffff;
    return v ? v : 1;
}

int lnk_dp_bridge(int nl, const char *vl_key)
{
    char br[LNK_IFNAMSIZ];
    lnk_dp_names(vl_key, br, NULL);
    int e = nl_bridge_add(nl, br);
    if (e < 0 && e != -EEXIST)
        return e;
    return nl_link_set_up(nl, br, true);
}

int lnk_dp_attach(int nl, const char *vl_key, const char *ifname)
{
    char br[LNK_IFNAMSIZ];
    lnk_dp_names(vl_key, br, NULL);
    int e = lnk_dp_bridge(nl, vl_key);
    if (e == 0)
        e = nl_link_set_master(nl, ifname, br);
    if (e == 0)
        e = nl_link_set_up(nl, ifname, true);
    return e;
}

int lnk_dp_tunnel(int nl, const char *vl_key, const char *local, const char *remote,
                  const char *underlay)
{
    struct in_addr l, r;
    if (!local || !remote || inet_pton(AF_INET, local, &l) != 1 ||
        inet_pton(AF_INET, remote, &r) != 1)
        return -EINVAL;
    int dev = 0;
    int e = underlay ? nl_link_index(nl, underlay, &dev) : 0;
    if (e < 0)
        return e;
    if ((e = lnk_dp_bridge(nl, vl_key)) < 0)
        return e;
    char br[LNK_IFNAMSIZ], vx[LNK_IFNAMSIZ];
    lnk_dp_names(vl_key, br, vx);
    e = nl_vxlan_add(nl, vx, lnk_vni(vl_key), (const uint8_t *)&l.s_addr,
                     (const uint8_t *)&r.s_addr, dev, 0);
    if (e < 0 && e != -EEXIST)
        return e;
    if ((e = nl_link_set_master(nl, vx, br)) < 0)
        return e;
    return nl_link_set_up(nl, vx, true);
}

int lnk_dp_remove(int nl, const char *vl_key)
{
    char br[LNK_IFNAMSIZ], vx[LNK_IFNAMSIZ];
    lnk_dp_names(vl_key, br, vx);
    int e = nl_link_del(nl, vx);
    if (e < 0 && e != -ENODEV)
        return e;
    // Deleting a bridge releases its ports; the VNFs' veths stay with their VNFs.
    e = nl_link_del(nl, br);
    return e == -ENODEV ? 0 : e;
}
