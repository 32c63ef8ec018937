// Peer resolution from an NSD's virtual-link-connectivity, scaled instances included.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "descriptor.h"
#include "peers.h"

// The example NS (examples/ns/cgw_fw_srv_nsd.yaml), trimmed to what the linker reads.
static const char nsd_yaml[] = "nsd:\n"
                               "  nsd:\n"
                               "    - id: cgw-fw-srv\n"
                               "      vnfd-id: [outrig-cgw, outrig-fw, outrig-srv]\n"
                               "      virtual-link-desc:\n"
                               "        - id: access-net\n"
                               "          cidr: 10.10.1.0/24\n"
                               "        - id: core-net\n"
                               "      df:\n"
                               "        - id: default-df\n"
                               "          virtual-link-profile:\n"
                               "            - id: core-prof\n"
                               "              virtual-link-desc-id: core-net\n"
                               "              virtual-link-protocol-data:\n"
                               "                - l3-protocol-data:\n"
                               "                    cidr: 10.10.2.0/24\n"
                               "          vnf-profile:\n"
                               "            - id: cgw\n"
                               "              vnfd-id: outrig-cgw\n"
                               "              virtual-link-connectivity:\n"
                               "                - virtual-link-profile-id: access-net\n"
                               "                  constituent-cpd-id:\n"
                               "                    - constituent-base-element-id: cgw\n"
                               "                      constituent-cpd-id: cgw-access-ext\n"
                               "            - id: fw\n"
                               "              vnfd-id: outrig-fw\n"
                               "              max-number-of-instances: 3\n"
                               "              virtual-link-connectivity:\n"
                               "                - virtual-link-profile-id: access-net\n"
                               "                  constituent-cpd-id:\n"
                               "                    - constituent-base-element-id: fw\n"
                               "                      constituent-cpd-id: fw-inside-ext\n"
                               "                - virtual-link-profile-id: core-prof\n"
                               "                  constituent-cpd-id:\n"
                               "                    - constituent-base-element-id: fw\n"
                               "                      constituent-cpd-id: fw-outside-ext\n"
                               "            - id: srv\n"
                               "              vnfd-id: outrig-srv\n"
                               "              max-number-of-instances: 2\n"
                               "              virtual-link-connectivity:\n"
                               "                - virtual-link-profile-id: core-prof\n"
                               "                  constituent-cpd-id:\n"
                               "                    - constituent-base-element-id: srv\n"
                               "                      constituent-cpd-id: srv-core-ext\n";

typedef struct fixture {
    desc_set *set;
    const desc_nsd *nsd;
    lnk_member *members;
    int n;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->set = desc_set_new();
    if (desc_set_add_buf(f->set, "nsd.yaml", nsd_yaml, sizeof nsd_yaml - 1, NULL, NULL) != 0)
        return -1;
    f->nsd = desc_set_find_nsd(f->set, "cgw-fw-srv");
    f->n = f->nsd ? lnk_members_from_nsd(f->nsd, NULL, &f->members) : -1;
    *state = f;
    return f->n == 4 ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->members);
    desc_set_free(f->set);
    free(f);
    return 0;
}

static bool has(const lnk_peer *p, size_t n, const char *vl, const char *vnf, const char *cp)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].vl, vl) && !strcmp(p[i].vnf_id, vnf) && !strcmp(p[i].cp, cp))
            return true;
    return false;
}

static const lnk_instance one_each[] = {
    {"ns1.cgw.0", "cgw"}, {"ns1.fw.0", "fw"}, {"ns1.srv.0", "srv"}};

static void test_members_resolve_profiles_to_virtual_links(void **state)
{
    fixture *f = *state;
    assert_string_equal(f->members[0].vl, "access-net");
    assert_string_equal(f->members[0].profile, "cgw");
    assert_string_equal(f->members[0].cpd, "cgw-access-ext");
    // core-prof is a virtual-link-profile: it resolves to its virtual-link-desc.
    assert_string_equal(f->members[2].vl, "core-net");
    assert_string_equal(f->members[2].cpd, "fw-outside-ext");
    assert_string_equal(lnk_vl_cidr(f->nsd, NULL, "access-net"), "10.10.1.0/24");
    assert_string_equal(lnk_vl_cidr(f->nsd, NULL, "core-net"), "10.10.2.0/24");
    assert_null(lnk_vl_cidr(f->nsd, NULL, "nowhere"));
}

static void test_cp_finds_the_cp_it_connects_to(void **state)
{
    fixture *f = *state;
    lnk_topology t = {f->members, (size_t)f->n, one_each, 3};
    lnk_peer p[8];
    size_t n;
    assert_int_equal(lnk_peers(&t, "ns1.cgw.0", "cgw-access-ext", p, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_true(has(p, n, "access-net", "ns1.fw.0", "fw-inside-ext"));
    // Either side first: the firewall's inside CP finds the gateway.
    assert_int_equal(lnk_peers(&t, "ns1.fw.0", "fw-inside-ext", p, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_true(has(p, n, "access-net", "ns1.cgw.0", "cgw-access-ext"));
    assert_int_equal(lnk_peers(&t, "ns1.fw.0", "fw-outside-ext", p, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_true(has(p, n, "core-net", "ns1.srv.0", "srv-core-ext"));
}

static void test_scaled_instances_all_linked(void **state)
{
    fixture *f = *state;
    const lnk_instance inst[] = {{"ns1.cgw.0", "cgw"},
                                 {"ns1.fw.0", "fw"},
                                 {"ns1.fw.1", "fw"},
                                 {"ns1.srv.0", "srv"},
                                 {"ns1.srv.1", "srv"}};
    lnk_topology t = {f->members, (size_t)f->n, inst, 5};
    lnk_peer p[8];
    size_t n;
    assert_int_equal(lnk_peers(&t, "ns1.srv.0", "srv-core-ext", p, 8, &n), 0);
    assert_int_equal(n, 3);
    assert_true(has(p, n, "core-net", "ns1.fw.0", "fw-outside-ext"));
    assert_true(has(p, n, "core-net", "ns1.fw.1", "fw-outside-ext"));
    assert_true(has(p, n, "core-net", "ns1.srv.1", "srv-core-ext"));
    assert_false(has(p, n, "core-net", "ns1.srv.0", "srv-core-ext"));
    assert_int_equal(lnk_peers(&t, "ns1.cgw.0", "cgw-access-ext", p, 8, &n), 0);
    assert_int_equal(n, 2);
    assert_true(has(p, n, "access-net", "ns1.fw.1", "fw-inside-ext"));
    // Too little room: the count is still right.
    assert_int_equal(lnk_peers(&t, "ns1.srv.0", "srv-core-ext", p, 2, &n), -ENOSPC);
    assert_int_equal(n, 3);
}

static void test_unknown_instance_and_unlinked_cp(void **state)
{
    fixture *f = *state;
    lnk_topology t = {f->members, (size_t)f->n, one_each, 3};
    lnk_peer p[4];
    size_t n;
    assert_int_equal(lnk_peers(&t, "ns1.nope.0", "x", p, 4, &n), -ENOENT);
    assert_int_equal(lnk_peers(&t, "ns1.fw.0", "fw-mgmt", p, 4, &n), 0);
    assert_int_equal(n, 0);
}

static void test_link_id_is_the_same_from_both_ends(void **state)
{
    char a[256], b[256];
    assert_int_equal(lnk_link_id("ns1", "core-net", "ns1.srv.0", "s", "ns1.fw.0", "f", a, 256), 0);
    assert_int_equal(lnk_link_id("ns1", "core-net", "ns1.fw.0", "f", "ns1.srv.0", "s", b, 256), 1);
    assert_string_equal(a, b);
    assert_string_equal(a, "ns1/core-net/ns1.fw.0.f~ns1.srv.0.s");
    assert_int_equal(lnk_link_id("n", "v", "x", "c", "x", "c", a, 256), -EINVAL);
    assert_int_equal(lnk_link_id("n", "v", "x", "c", "y", "c", a, 8), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_resolve_profiles_to_virtual_links),
        cmocka_unit_test(test_cp_finds_the_cp_it_connects_to),
        cmocka_unit_test(test_scaled_instances_all_linked),
        cmocka_unit_test(test_unknown_instance_and_unlinked_cp),
        cmocka_unit_test(test_link_id_is_the_same_from_both_ends),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
