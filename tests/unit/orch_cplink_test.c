// orch cplink (services/orchestrator/cplink.c): ConfigurePeer validation and CP lookup.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "domain.h"

static Outrig__V1__ConfigurePeerRequest good(void)
{
    Outrig__V1__ConfigurePeerRequest r = OUTRIG__V1__CONFIGURE_PEER_REQUEST__INIT;
    r.vnf_id = "demo.cgw.0";
    r.cp_id = "cgw-access";
    r.peer_address = "10.10.1.2";
    r.peer_id = "demo.fw.0/fw-inside";
    r.virtual_link = "demo/access-net";
    r.link_id = "demo/access-net/demo.cgw.0.cgw-access~demo.fw.0.fw-inside";
    r.host = "192.168.1.1";
    r.peer_host = "192.168.1.2";
    r.vni = 77;
    return r;
}

// Each case breaks one field of a good request; the error must name that field.
static void test_peer_check_names_the_bad_field(void **st)
{
    orch_plan_err e;
    Outrig__V1__ConfigurePeerRequest r = good();
    assert_int_equal(orch_peer_check(&r, &e), 0);
#define BAD(name, stmt)                                                                            \
    do {                                                                                           \
        r = good();                                                                                \
        stmt;                                                                                      \
        memset(&e, 0, sizeof e);                                                                   \
        assert_int_equal(orch_peer_check(&r, &e), -EINVAL);                                        \
        assert_string_equal(e.field, name);                                                        \
    } while (0)
    BAD("vnf_id", r.vnf_id = "");
    BAD("vnf_id", r.vnf_id = "-bad");
    BAD("vnf_id", r.vnf_id = "a/b");
    BAD("cp_id", r.cp_id = "");
    BAD("cp_id", r.cp_id = "a b");
    BAD("cp_id", r.cp_id = "a~b");
    BAD("address", r.address = "10.0.0.1");
    BAD("address", r.address = "10.0.0.1/33");
    BAD("peer_address", r.peer_address = "10.0.0.256");
    BAD("peer_id", r.peer_id = "bad\nid");
    BAD("virtual_link", r.virtual_link = "no-slash");
    BAD("virtual_link", r.virtual_link = "ns/with space");
    BAD("link_id", r.link_id = "a\tb");
    BAD("host", r.host = "host.example");
    BAD("peer_host", r.peer_host = "::1");
    BAD("vni", r.vni = 0);
    BAD("vni", r.vni = 1u << 24);
    BAD("vni", r.peer_host = ""); // a VNI names a tunnel: only with a peer host
#undef BAD
}

static void test_peer_check_allows_the_empty_optional_fields(void **st)
{
    orch_plan_err e;
    Outrig__V1__ConfigurePeerRequest r = good();
    r.peer_address = r.peer_id = r.virtual_link = r.link_id = r.host = r.peer_host = "";
    r.vni = 0;
    assert_int_equal(orch_peer_check(&r, &e), 0);
    r.address = "fd00::1/64";
    r.peer_address = "fd00::2";
    assert_int_equal(orch_peer_check(&r, &e), 0);
}

static void test_cp_find_takes_the_interface_or_the_ext_cpd(void **st)
{
    Outrig__V1__CpRecord a = OUTRIG__V1__CP_RECORD__INIT, b = OUTRIG__V1__CP_RECORD__INIT;
    a.id = "eth0";
    a.ext_cpd = "eth1"; // an ext-cpd id that is another CP's interface name
    b.id = "eth1";
    b.ext_cpd = "b-ext";
    Outrig__V1__CpRecord *cps[] = {&a, &b};
    Outrig__V1__VnfRecord rec = OUTRIG__V1__VNF_RECORD__INIT;
    rec.cps = cps;
    rec.n_cps = 2;
    assert_ptr_equal(orch_cp_find(&rec, "eth1"), &b);
    assert_ptr_equal(orch_cp_find(&rec, "eth0"), &a);
    assert_ptr_equal(orch_cp_find(&rec, "b-ext"), &b);
    assert_null(orch_cp_find(&rec, "eth2"));
    assert_string_equal(orch_cp_report_id(&a), "eth0");
    assert_string_equal(orch_cp_report_id(&b), "eth1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_check_names_the_bad_field),
        cmocka_unit_test(test_peer_check_allows_the_empty_optional_fields),
        cmocka_unit_test(test_cp_find_takes_the_interface_or_the_ext_cpd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
