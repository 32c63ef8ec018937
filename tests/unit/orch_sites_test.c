// orch sites (services/orchestrator/sites.c): site checks, capacity strings, usage.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "domain.h"

static void test_site_check_names_the_bad_field(void **st)
{
    Outrig__V1__Site s = OUTRIG__V1__SITE__INIT;
    s.name = "edge-1";
    s.kind = "lxc";
    s.endpoint = "lxc:///srv/site";
    orch_plan_err e;
    assert_int_equal(orch_site_check(&s, &e), 0);
    s.name = "bad name";
    assert_int_equal(orch_site_check(&s, &e), -EINVAL);
    assert_string_equal(e.field, "name");
    s.name = "edge-1";
    s.endpoint = "";
    assert_int_equal(orch_site_check(&s, &e), -EINVAL);
    assert_string_equal(e.field, "endpoint");
    s.endpoint = "lxc:///x";
    char *opts[] = {"netns=a", "novalue"};
    s.options = opts;
    s.n_options = 2;
    assert_int_equal(orch_site_check(&s, &e), -EINVAL);
    assert_string_equal(e.field, "options");
    s.n_options = 1;
    s.kind = "";
    assert_int_equal(orch_site_check(&s, &e), -EINVAL);
    assert_string_equal(e.field, "kind");
}

static void test_capacity_parses_both_parts(void **st)
{
    uint32_t c;
    uint64_t m;
    assert_int_equal(orch_capacity_parse("vcpus=8,memory=16384", &c, &m), 0);
    assert_int_equal(c, 8);
    assert_int_equal(m, 16384);
    assert_int_equal(orch_capacity_parse("memory=512", &c, &m), 0);
    assert_int_equal(c, 0);
    assert_int_equal(m, 512);
    assert_int_equal(orch_capacity_parse("vcpus=x", &c, &m), -EINVAL);
    assert_int_equal(orch_capacity_parse("cpus=1", &c, &m), -EINVAL);
    assert_int_equal(orch_capacity_parse("vcpus=1,", &c, &m), 0);
    assert_int_equal(orch_capacity_parse("vcpus=", &c, &m), -EINVAL);
    assert_int_equal(orch_capacity_parse("vcpus=-1", &c, &m), -EINVAL);
}

static void test_usage_adds_up_the_site_vnfs(void **st)
{
    Outrig__V1__VnfRecord r[3];
    Outrig__V1__VnfRecord *p[3];
    const char *sites[] = {"a", "b", "a"};
    for (int i = 0; i < 3; i++) {
        outrig__v1__vnf_record__init(&r[i]);
        r[i].site = (char *)sites[i];
        r[i].vcpus = 1 + (uint32_t)i;
        r[i].memory_mib = 100;
        p[i] = &r[i];
    }
    orch_site_usage u;
    orch_site_usage_of("a", p, 3, &u);
    assert_int_equal(u.instances, 2);
    assert_int_equal(u.vcpus, 4);
    assert_int_equal(u.memory_mib, 200);
    orch_site_usage_of("c", p, 3, &u);
    assert_int_equal(u.instances, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_check_names_the_bad_field),
        cmocka_unit_test(test_capacity_parses_both_parts),
        cmocka_unit_test(test_usage_adds_up_the_site_vnfs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
