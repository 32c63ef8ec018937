// The linker's data path for real, in network namespaces (root): two "site hosts" joined by
// an underlay veth, a bridge per virtual link in each, a VXLAN tunnel between them, "VNF"
// namespaces attached by veth. TCP flows within a site and across sites; after removal no
// interface, tunnel, route or address of the links is left. Addresses are 10.213.x.y,
// inside these namespaces only.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "datapath.h"
#include "ipam.h"
#include "linker_net.h"
#include "netlink/netlink.h"

#define VL_SITE "t/access"
#define VL_CROSS "t/core"

typedef struct world {
    int h1, h2;     // site hosts
    int a, c, d, b; // VNFs: a, c in h1 on VL_SITE; d in h1 and b in h2 on VL_CROSS
    char a_ip[24], c_ip[24], d_ip[24], b_ip[24];
} world;

static int setup(void **state)
{
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: needs root\n");
        return -1;
    }
    static world w;
    int *fds[] = {&w.h1, &w.h2, &w.a, &w.b, &w.c, &w.d};
    for (size_t i = 0; i < 6; i++)
        if ((*fds[i] = ln_netns_new()) < 0)
            return -1;
    if (ln_underlay(w.h1, "10.213.250.1/24", w.h2, "10.213.250.2/24") < 0)
        return -1;
    *state = &w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    int fds[] = {w->h1, w->h2, w->a, w->b, w->c, w->d};
    for (size_t i = 0; i < 6; i++)
        close(fds[i]);
    return 0;
}

static void test_links_carry_traffic_and_leave_nothing(void **state)
{
    world *w = *state;
    // Addresses from the per-virtual-link IPAM, as the linker hands them out.
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, VL_SITE, "10.213.1.0/24"), 0);
    assert_int_equal(lnk_ipam_add_from_pool(ip, VL_CROSS, "10.213.0.0/16", 24, NULL), 0);
    assert_int_equal(lnk_ipam_alloc(ip, VL_SITE, "a/eth0", w->a_ip), 0);
    assert_int_equal(lnk_ipam_alloc(ip, VL_SITE, "c/eth0", w->c_ip), 0);
    assert_int_equal(lnk_ipam_alloc(ip, VL_CROSS, "d/eth0", w->d_ip), 0);
    assert_int_equal(lnk_ipam_alloc(ip, VL_CROSS, "b/eth0", w->b_ip), 0);

    // The CPs come up: veths with addresses, as the agent runtime makes them.
    assert_int_equal(ln_vnf_cp(w->h1, "lva", w->a, "eth0", w->a_ip), 0);
    assert_int_equal(ln_vnf_cp(w->h1, "lvc", w->c, "eth0", w->c_ip), 0);
    assert_int_equal(ln_vnf_cp(w->h1, "lvd", w->d, "eth0", w->d_ip), 0);
    assert_int_equal(ln_vnf_cp(w->h2, "lvb", w->b, "eth0", w->b_ip), 0);
    *strchr(w->c_ip, '/') = 0;
    *strchr(w->b_ip, '/') = 0;

    // (No probe before linking: a failed ARP resolution would hold the next one back by
    // the kernel's 1 s retransmit time and distort the figure.)
    int n1 = nl_open_in(w->h1), n2 = nl_open_in(w->h2);
    assert_true(n1 >= 0 && n2 >= 0);

    // Within a site: one bridge, both veths on it.
    uint64_t t0 = ln_now_us();
    assert_int_equal(lnk_dp_attach(n1, VL_SITE, "lva"), 0);
    assert_int_equal(lnk_dp_attach(n1, VL_SITE, "lvc"), 0);
    long rtt = ln_tcp_exchange(w->a, w->c, w->c_ip, 7001, 3000);
    assert_true(rtt > 0);
    printf("same site: CPs ready -> traffic verified %.2f ms\n", (ln_now_us() - t0) / 1000.0);
    // Idempotent: attaching again changes nothing.
    assert_int_equal(lnk_dp_attach(n1, VL_SITE, "lva"), 0);

    // Across sites: bridges on both hosts, joined by a VXLAN tunnel over the underlay.
    t0 = ln_now_us();
    assert_int_equal(lnk_dp_attach(n1, VL_CROSS, "lvd"), 0);
    assert_int_equal(lnk_dp_attach(n2, VL_CROSS, "lvb"), 0);
    assert_int_equal(lnk_dp_tunnel(n1, VL_CROSS, "10.213.250.1", "10.213.250.2", "ul0"), 0);
    assert_int_equal(lnk_dp_tunnel(n2, VL_CROSS, "10.213.250.2", "10.213.250.1", "ul0"), 0);
    assert_int_equal(lnk_dp_tunnel(n2, VL_CROSS, "10.213.250.2", "10.213.250.1", "ul0"), 0);
    rtt = ln_tcp_exchange(w->d, w->b, w->b_ip, 7002, 3000);
    assert_true(rtt > 0);
    printf("across sites: CPs ready -> traffic verified %.2f ms (VNI %u)\n",
           (ln_now_us() - t0) / 1000.0, lnk_vni(VL_CROSS));
    // The only way between the two hosts' bridges is the tunnel: without it, no traffic.
    char vx[LNK_IFNAMSIZ];
    lnk_dp_names(VL_CROSS, NULL, vx);
    assert_int_equal(nl_link_set_up(n1, vx, false), 0);
    assert_true(ln_tcp_exchange(w->d, w->b, w->b_ip, 7005, 300) < 0);
    assert_int_equal(nl_link_set_up(n1, vx, true), 0);
    // The two links are apart: a on VL_SITE does not reach b.
    assert_true(ln_tcp_exchange(w->a, w->b, w->b_ip, 7003, 100) < 0);

    char buf[8192];
    assert_int_equal(ln_ip_list(w->h1, "-d link show type vxlan", buf, sizeof buf), 0);
    assert_non_null(strstr(buf, "vxlan id"));

    // Delete: the linker removes bridges and tunnels; the VNFs' veths go with the VNFs.
    assert_int_equal(lnk_dp_remove(n1, VL_SITE), 0);
    assert_int_equal(lnk_dp_remove(n1, VL_CROSS), 0);
    assert_int_equal(lnk_dp_remove(n2, VL_CROSS), 0);
    assert_int_equal(lnk_dp_remove(n2, VL_CROSS), 0); // twice: nothing left to remove
    assert_true(ln_tcp_exchange(w->d, w->b, w->b_ip, 7004, 100) < 0);
    const char *veths[] = {"lva", "lvc", "lvd"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(nl_link_del(n1, veths[i]), 0);
    assert_int_equal(nl_link_del(n2, "lvb"), 0);

    // Nothing of the links remains on either host: only lo and the underlay, only the
    // underlay's address and its connected route.
    int hosts[] = {w->h1, w->h2};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(ln_ip_list(hosts[i], "link show", buf, sizeof buf), 0);
        int lines = 0;
        for (char *p = buf; *p; p++)
            lines += *p == '\n';
        assert_int_equal(lines, 2);
        assert_non_null(strstr(buf, ": lo:"));
        assert_non_null(strstr(buf, ": ul0@"));
        assert_null(strstr(buf, "olb"));
        assert_null(strstr(buf, "olx"));
        assert_int_equal(ln_ip_list(hosts[i], "-4 addr show", buf, sizeof buf), 0);
        assert_null(strstr(buf, "10.213.1."));
        assert_null(strstr(buf, "10.213.0."));
        assert_int_equal(ln_ip_list(hosts[i], "-4 route show table all", buf, sizeof buf), 0);
        assert_null(strstr(buf, "10.213.1."));
        assert_null(strstr(buf, "10.213.0."));
        assert_null(strstr(buf, "olb"));
        assert_int_equal(ln_ip_list(hosts[i], "-d link show type bridge", buf, sizeof buf), 0);
        assert_string_equal(buf, "");
    }
    close(n1);
    close(n2);
    // The addresses go back to the IPAM with the CPs.
    assert_int_equal(lnk_ipam_release(ip, VL_SITE, "a/eth0"), 0);
    assert_int_equal(lnk_ipam_release(ip, VL_SITE, "c/eth0"), 0);
    assert_int_equal(lnk_ipam_used(ip, VL_SITE), 0);
    lnk_ipam_free(ip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_carry_traffic_and_leave_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
