// Per-virtual-link IPAM: subnets, allocation, release, exhaustion, overlap, persistence.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipam.h"

static void test_cidr_parse_accepts_subnets_refuses_host_bits(void **st)
{
    uint32_t net;
    unsigned p;
    assert_int_equal(lnk_cidr_parse("10.213.1.0/24", &net, &p), 0);
    assert_int_equal(net, 0x0ad50100);
    assert_int_equal(p, 24);
    assert_int_equal(lnk_cidr_parse("10.213.1.5/24", &net, &p), -EINVAL);
    assert_int_equal(lnk_cidr_parse("10.213.1.0/33", &net, &p), -EINVAL);
    assert_int_equal(lnk_cidr_parse("10.213.1.0", &net, &p), -EINVAL);
    assert_int_equal(lnk_cidr_parse("10.213.1.0/2x", &net, &p), -EINVAL);
    assert_int_equal(lnk_cidr_parse("/24", &net, &p), -EINVAL);
    assert_int_equal(lnk_cidr_parse(NULL, &net, &p), -EINVAL);
}

static void test_cidr_of_an_interface_address(void **st)
{
    char c[LNK_ADDR_MAX];
    assert_int_equal(lnk_cidr_of("10.213.11.7/24", c), 0);
    assert_string_equal(c, "10.213.11.0/24");
    assert_int_equal(lnk_cidr_of("10.213.11.7/31", c), 0);
    assert_string_equal(c, "10.213.11.6/31");
    assert_int_equal(lnk_cidr_of("10.213.11.7", c), -EINVAL);
    assert_int_equal(lnk_cidr_of("10.213.11.7/99", c), -EINVAL);
}

static void test_alloc_skips_network_and_broadcast(void **st)
{
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, "ns1/vl1", "10.213.1.0/30"), 0);
    char a[LNK_ADDR_MAX], b[LNK_ADDR_MAX], c[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "v1/eth0", a), 0);
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "v2/eth0", b), 0);
    assert_string_equal(a, "10.213.1.1/30");
    assert_string_equal(b, "10.213.1.2/30");
    // Only .1 and .2 are hosts of a /30: .0 and .3 are never handed out.
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "v3/eth0", c), -ENOSPC);
    assert_int_equal(lnk_ipam_reserve(ip, "ns1/vl1", "v3/eth0", "10.213.1.0"), -ERANGE);
    assert_int_equal(lnk_ipam_reserve(ip, "ns1/vl1", "v3/eth0", "10.213.1.3"), -ERANGE);
    lnk_ipam_free(ip);
}

static void test_alloc_same_owner_same_address_no_duplicates(void **st)
{
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, "ns1/vl1", "10.213.2.0/24"), 0);
    char seen[254][LNK_ADDR_MAX];
    char owner[32];
    for (int i = 0; i < 254; i++) {
        snprintf(owner, sizeof owner, "v%d/eth0", i);
        assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", owner, seen[i]), 0);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    char again[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "v7/eth0", again), 0);
    assert_string_equal(again, seen[7]);
    assert_int_equal(lnk_ipam_used(ip, "ns1/vl1"), 254);
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "one-more/eth0", again), -ENOSPC);
    lnk_ipam_free(ip);
}

static void test_release_frees_the_address_for_reuse(void **st)
{
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, "ns1/vl1", "10.213.3.0/30"), 0);
    char a[LNK_ADDR_MAX], b[LNK_ADDR_MAX], c[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "a/e", a), 0);
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "b/e", b), 0);
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "c/e", c), -ENOSPC);
    assert_int_equal(lnk_ipam_release(ip, "ns1/vl1", "a/e"), 0);
    assert_int_equal(lnk_ipam_release(ip, "ns1/vl1", "a/e"), -ENOENT);
    assert_int_equal(lnk_ipam_used(ip, "ns1/vl1"), 1);
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/vl1", "c/e", c), 0);
    assert_string_equal(c, a);
    lnk_ipam_free(ip);
}

static void test_overlapping_subnets_refused(void **st)
{
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, "ns1/a", "10.213.0.0/24"), 0);
    assert_int_equal(lnk_ipam_add(ip, "ns1/b", "10.213.0.128/25"), -EEXIST);
    assert_int_equal(lnk_ipam_add(ip, "ns1/b", "10.213.0.0/16"), -EEXIST);
    assert_int_equal(lnk_ipam_add(ip, "ns1/b", "10.213.1.0/24"), 0);
    // Another NS's links are other segments: the same subnets are theirs to use.
    assert_int_equal(lnk_ipam_add(ip, "ns2/a", "10.213.0.0/24"), 0);
    assert_int_equal(lnk_ipam_add(ip, "ns2/b", "10.213.0.128/25"), -EEXIST);
    char c[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_add_from_pool(ip, "ns2/c", "10.213.0.0/16", 24, c), 0);
    assert_string_equal(c, "10.213.1.0/24");
    // The same link asking for the subnet it has is fine; for another one it is not.
    assert_int_equal(lnk_ipam_add(ip, "ns1/a", "10.213.0.0/24"), 0);
    assert_int_equal(lnk_ipam_add(ip, "ns1/a", "10.213.9.0/24"), -EEXIST);
    // Wider than /16 is refused (the allocation bitmap is bounded).
    assert_int_equal(lnk_ipam_add(ip, "ns1/c", "10.0.0.0/8"), -EINVAL);
    char a[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_alloc(ip, "ns1/none", "x/e", a), -ENOENT);
    lnk_ipam_free(ip);
}

static void test_default_pool_carves_disjoint_subnets(void **st)
{
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, "ns1/fixed", "10.213.1.0/24"), 0);
    char c1[LNK_ADDR_MAX], c2[LNK_ADDR_MAX], c3[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_add_from_pool(ip, "ns1/x", "10.213.0.0/22", 24, c1), 0);
    assert_int_equal(lnk_ipam_add_from_pool(ip, "ns1/y", "10.213.0.0/22", 24, c2), 0);
    assert_string_equal(c1, "10.213.0.0/24");
    assert_string_equal(c2, "10.213.2.0/24"); // .1.0/24 is taken by ns1/fixed
    assert_int_equal(lnk_ipam_add_from_pool(ip, "ns1/x", "10.213.0.0/22", 24, c3), 0);
    assert_string_equal(c3, c1);
    assert_int_equal(lnk_ipam_add_from_pool(ip, "ns1/z", "10.213.0.0/22", 24, c3), 0);
    assert_string_equal(c3, "10.213.3.0/24");
    assert_int_equal(lnk_ipam_add_from_pool(ip, "ns1/w", "10.213.0.0/22", 24, c3), -ENOSPC);
    // Removing a link gives its subnet back to the pool.
    assert_int_equal(lnk_ipam_remove(ip, "ns1/y"), 0);
    assert_int_equal(lnk_ipam_remove(ip, "ns1/y"), -ENOENT);
    assert_int_equal(lnk_ipam_add_from_pool(ip, "ns1/w", "10.213.0.0/22", 24, c3), 0);
    assert_string_equal(c3, "10.213.2.0/24");
    lnk_ipam_free(ip);
}

static void test_reserve_claims_a_given_address(void **st)
{
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, "n/v", "10.213.4.0/29"), 0);
    assert_int_equal(lnk_ipam_reserve(ip, "n/v", "a/e", "10.213.4.1/29"), 0);
    assert_int_equal(lnk_ipam_reserve(ip, "n/v", "a/e", "10.213.4.1"), 0);
    assert_int_equal(lnk_ipam_reserve(ip, "n/v", "b/e", "10.213.4.1"), -EEXIST);
    assert_int_equal(lnk_ipam_reserve(ip, "n/v", "a/e", "10.213.4.2"), -EEXIST);
    assert_int_equal(lnk_ipam_reserve(ip, "n/v", "b/e", "10.213.5.1"), -ERANGE);
    assert_int_equal(lnk_ipam_reserve(ip, "n/v", "b/e", "nonsense"), -EINVAL);
    char a[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_alloc(ip, "n/v", "b/e", a), 0);
    assert_string_equal(a, "10.213.4.2/29");
    lnk_ipam_free(ip);
}

static void test_export_import_keeps_allocations(void **st)
{
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, "n/v", "10.213.6.0/24"), 0);
    char a[LNK_ADDR_MAX], b[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_alloc(ip, "n/v", "a/e", a), 0);
    assert_int_equal(lnk_ipam_alloc(ip, "n/v", "b/e", b), 0);
    assert_int_equal(lnk_ipam_release(ip, "n/v", "a/e"), 0);
    uint8_t *buf;
    size_t len;
    assert_int_equal(lnk_ipam_export(ip, "n/v", &buf, &len), 0);
    assert_int_equal(lnk_ipam_export(ip, "n/none", &buf, &len), -ENOENT);
    lnk_ipam_free(ip);

    // A restarted linker reads the state back: b keeps its address, nobody else gets it.
    lnk_ipam *again = lnk_ipam_new();
    assert_int_equal(lnk_ipam_import(again, buf, len), 0);
    free(buf);
    char cidr[LNK_ADDR_MAX], x[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_subnet(again, "n/v", cidr), 0);
    assert_string_equal(cidr, "10.213.6.0/24");
    assert_int_equal(lnk_ipam_used(again, "n/v"), 1);
    assert_int_equal(lnk_ipam_alloc(again, "n/v", "b/e", x), 0);
    assert_string_equal(x, b);
    for (int i = 0; i < 253; i++) {
        char owner[16];
        snprintf(owner, sizeof owner, "o%d/e", i);
        assert_int_equal(lnk_ipam_alloc(again, "n/v", owner, x), 0);
        assert_string_not_equal(x, b);
    }
    assert_int_equal(lnk_ipam_import(again, (const uint8_t *)"\xff\xff", 2), -EINVAL);
    lnk_ipam_free(again);
}

static void test_import_refuses_inconsistent_state(void **st)
{
    // Two leases of one address: nothing of it is restored.
    lnk_ipam *ip = lnk_ipam_new();
    assert_int_equal(lnk_ipam_add(ip, "n/v", "10.213.7.0/24"), 0);
    assert_int_equal(lnk_ipam_reserve(ip, "n/v", "a/e", "10.213.7.9"), 0);
    uint8_t *buf;
    size_t len;
    assert_int_equal(lnk_ipam_export(ip, "n/v", &buf, &len), 0);
    lnk_ipam_free(ip);
    // Append a second lease with the same address (field 3, length-delimited).
    uint8_t lease[32];
    size_t n = 0;
    lease[n++] = 0x1a;
    lease[n++] = 2 + 3 + 2 + 10;
    lease[n++] = 0x0a, lease[n++] = 3;
    memcpy(lease + n, "b/e", 3), n += 3;
    lease[n++] = 0x12, lease[n++] = 10;
    memcpy(lease + n, "10.213.7.9", 10), n += 10;
    uint8_t *bad = malloc(len + n);
    memcpy(bad, buf, len);
    memcpy(bad + len, lease, n);
    lnk_ipam *again = lnk_ipam_new();
    assert_int_equal(lnk_ipam_import(again, bad, len + n), -EEXIST);
    char cidr[LNK_ADDR_MAX];
    assert_int_equal(lnk_ipam_subnet(again, "n/v", cidr), -ENOENT);
    lnk_ipam_free(again);
    free(bad);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr_parse_accepts_subnets_refuses_host_bits),
        cmocka_unit_test(test_cidr_of_an_interface_address),
        cmocka_unit_test(test_alloc_skips_network_and_broadcast),
        cmocka_unit_test(test_alloc_same_owner_same_address_no_duplicates),
        cmocka_unit_test(test_release_frees_the_address_for_reuse),
        cmocka_unit_test(test_overlapping_subnets_refused),
        cmocka_unit_test(test_default_pool_carves_disjoint_subnets),
        cmocka_unit_test(test_reserve_claims_a_given_address),
        cmocka_unit_test(test_export_import_keeps_allocations),
        cmocka_unit_test(test_import_refuses_inconsistent_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
