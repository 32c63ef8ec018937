// common/netlink's checks that need no kernel: interface names and argument validation.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "netlink/netlink.h"

static void test_ifname_rules_match_the_kernel(void **st)
{
    assert_true(nl_ifname_valid("eth0"));
    assert_true(nl_ifname_valid("olb0123456789ab"));   // 15 characters
    assert_false(nl_ifname_valid("olb0123456789abc")); // 16
    assert_false(nl_ifname_valid(""));
    assert_false(nl_ifname_valid(NULL));
    assert_false(nl_ifname_valid("."));
    assert_false(nl_ifname_valid(".."));
    assert_false(nl_ifname_valid("a/b"));
    assert_false(nl_ifname_valid("a:b"));
    assert_false(nl_ifname_valid("a b"));
    assert_false(nl_ifname_valid("a\tb"));
}

static void test_bad_arguments_refused_before_the_kernel(void **st)
{
    // fd -1: a request that reached the kernel would fail with -EBADF instead.
    const uint8_t ip[4] = {10, 213, 0, 1};
    assert_int_equal(nl_vxlan_add(-1, "vx0", 1u << 24, ip, ip, 0, 0), -EINVAL);
    assert_int_equal(nl_vxlan_add(-1, "vx/0", 5, ip, ip, 0, 0), -EINVAL);
    assert_int_equal(nl_vxlan_add(-1, "vx0", 5, ip, NULL, 0, 0), -EINVAL);
    assert_int_equal(nl_bridge_add(-1, "bad name"), -EINVAL);
    assert_int_equal(nl_bridge_add_up(-1, "bad name"), -EINVAL);
    assert_int_equal(nl_netns_open(""), -EINVAL);
    assert_int_equal(nl_netns_open("relative/path"), -EINVAL);
    assert_int_equal(nl_netns_open("outrig-no-such-netns"), -ENOENT);
    assert_int_equal(nl_open_named("outrig-no-such-netns"), -ENOENT);
    assert_int_equal(nl_link_enslave(-1, "eth0", 0), -EINVAL);
    assert_int_equal(nl_link_enslave(-1, "bad name", 3), -EINVAL);
    nl_addr a = {.family = 12345, .prefix = 8};
    assert_int_equal(nl_addr_add(-1, 1, &a), -EINVAL);
    a.family = 2 /* AF_INET */, a.prefix = 33;
    assert_int_equal(nl_addr_add(-1, 1, &a), -EINVAL);
    a.prefix = 24;
    assert_int_equal(nl_addr_add(-1, 0, &a), -EINVAL);
    assert_int_equal(nl_route_add(-1, &a, NULL, 0), -EINVAL);
    assert_int_equal(nl_link_set_netns(-1, "eth0", -1), -EINVAL);
    assert_int_equal(nl_vxlan_add(-1, "vx0", 5, ip, ip, 0, 0), -EBADF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ifname_rules_match_the_kernel),
        cmocka_unit_test(test_bad_arguments_refused_before_the_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
