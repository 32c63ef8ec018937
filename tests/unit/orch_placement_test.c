// orch_place (services/orchestrator/placement): pins, capacity, instance
// limits, anti-affinity, down sites, the policy veto hook, determinism.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "placement.h"

#define SITE(n, cpu, mem, maxi)                                                                    \
    {                                                                                              \
        .name = (n), .kind = "agent", .cap_vcpus = (cpu), .cap_memory_mib = (mem),                 \
        .max_instances = (maxi), .up = true                                                        \
    }
#define VNF(p, i, cpu, mem)                                                                        \
    {                                                                                              \
        .profile = (p), .index = (i), .vcpus = (cpu), .memory_mib = (mem)                          \
    }

static int place(const orch_place_vnf *v, size_t nv, const orch_place_site *s, size_t ns,
                 size_t *out, orch_place_error *err)
{
    orch_place_req r = {.vnfs = v, .n_vnfs = nv, .sites = s, .n_sites = ns};
    return orch_place(&r, out, err);
}

static void test_place_picks_site_with_most_headroom(void **state)
{
    orch_place_site s[] = {SITE("a", 4, 4096, 0), SITE("b", 16, 16384, 0)};
    s[1].used_vcpus = 2;
    orch_place_vnf v[] = {VNF("fw", 0, 1, 512)};
    size_t out[1];
    assert_int_equal(place(v, 1, s, 2, out, NULL), 0);
    assert_int_equal(out[0], 1);
    // Memory counts too: b nearly out of memory loses to a.
    s[1].used_memory_mib = 16000;
    assert_int_equal(place(v, 1, s, 2, out, NULL), 0);
    assert_int_equal(out[0], 0);
}

static void test_place_pinned_site_wins_over_headroom(void **state)
{
    orch_place_site s[] = {SITE("big", 64, 65536, 0), SITE("edge", 2, 1024, 0)};
    orch_place_vnf v[] = {VNF("cgw", 0, 1, 256), VNF("srv", 0, 1, 256)};
    v[0].pinned_site = "edge";
    size_t out[2];
    assert_int_equal(place(v, 2, s, 2, out, NULL), 0);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 0);
}

static void test_place_pinned_to_full_or_unknown_site_fails(void **state)
{
    orch_place_site s[] = {SITE("big", 64, 65536, 0), SITE("edge", 1, 1024, 0)};
    orch_place_vnf v[] = {VNF("cgw", 3, 2, 256)};
    v[0].pinned_site = "edge";
    size_t out[1];
    orch_place_error err;
    assert_int_equal(place(v, 1, s, 2, out, &err), -ENOSPC);
    assert_int_equal(err.vnf, 0);
    assert_string_equal(err.msg, "vnf-profile 'cgw' instance 3: cannot go to its pinned site: "
                                 "site 'edge' lacks capacity: needs 2 vCPU and 256 MiB, has "
                                 "1 vCPU and 1024 MiB free");
    v[0].pinned_site = "nowhere";
    assert_int_equal(place(v, 1, s, 2, out, &err), -EINVAL);
    assert_string_equal(err.msg, "vnf-profile 'cgw' instance 3: pinned to unknown site "
                                 "'nowhere'");
}

static void test_place_capacity_exhaustion_names_instance(void **state)
{
    orch_place_site s[] = {SITE("a", 2, 2048, 0), SITE("b", 2, 2048, 0)};
    orch_place_vnf v[] = {VNF("fw", 0, 1, 1024), VNF("fw", 1, 1, 1024), VNF("fw", 2, 1, 1024),
                          VNF("fw", 3, 1, 1024), VNF("fw", 4, 1, 1024)};
    size_t out[5];
    orch_place_error err;
    assert_int_equal(place(v, 4, s, 2, out, &err), 0);
    assert_int_equal(place(v, 5, s, 2, out, &err), -ENOSPC);
    assert_int_equal(err.vnf, 4);
    assert_string_equal(err.msg,
                        "vnf-profile 'fw' instance 4: no site can take it: site 'a' lacks "
                        "capacity: needs 1 vCPU and 1024 MiB, has 0 vCPU and 0 MiB free; site "
                        "'b' lacks capacity: needs 1 vCPU and 1024 MiB, has 0 vCPU and 0 MiB "
                        "free");
}

static void test_place_respects_max_instances(void **state)
{
    orch_place_site s[] = {SITE("a", 0, 0, 2), SITE("b", 0, 0, 1)};
    s[0].instances = 1;
    orch_place_vnf v[] = {VNF("x", 0, 1, 1), VNF("x", 1, 1, 1), VNF("x", 2, 1, 1)};
    size_t out[3];
    orch_place_error err;
    assert_int_equal(place(v, 2, s, 2, out, &err), 0);
    // One slot left on each: both used, one instance each.
    assert_int_not_equal(out[0], out[1]);
    assert_int_equal(place(v, 3, s, 2, out, &err), -ENOSPC);
    assert_non_null(strstr(err.msg, "site 'a' is at its instance limit (2 of 2)"));
    assert_non_null(strstr(err.msg, "site 'b' is at its instance limit (1 of 1)"));
}

static void test_place_anti_affinity_spreads_profile(void **state)
{
    // Without anti-affinity all three go to the roomiest site.
    orch_place_site s[] = {SITE("a", 100, 100000, 0), SITE("b", 10, 10000, 0),
                           SITE("c", 10, 10000, 0)};
    orch_place_vnf v[] = {VNF("fw", 0, 1, 100), VNF("fw", 1, 1, 100), VNF("fw", 2, 1, 100),
                          VNF("fw", 3, 1, 100)};
    size_t out[4];
    assert_int_equal(place(v, 3, s, 3, out, NULL), 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 0);
    for (int i = 0; i < 4; i++)
        v[i].anti_affinity = ORCH_AFF_SPREAD;
    assert_int_equal(place(v, 3, s, 3, out, NULL), 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 1); // b and c tie on headroom: name order
    assert_int_equal(out[2], 2);
    // A fourth goes back to the roomiest site (soft), and strict refuses it.
    assert_int_equal(place(v, 4, s, 3, out, NULL), 0);
    assert_int_equal(out[3], 0);
    for (int i = 0; i < 4; i++)
        v[i].anti_affinity = ORCH_AFF_STRICT;
    orch_place_error err;
    assert_int_equal(place(v, 4, s, 3, out, &err), -ENOSPC);
    assert_int_equal(err.vnf, 3);
    assert_non_null(strstr(err.msg, "site 'a' already runs an instance of vnf-profile 'fw' "
                                    "(strict anti-affinity)"));
}

static void test_place_anti_affinity_counts_existing_instances(void **state)
{
    orch_place_site s[] = {SITE("a", 100, 100000, 0), SITE("b", 10, 10000, 0)};
    orch_place_vnf v[] = {VNF("fw", 1, 1, 100)};
    v[0].anti_affinity = ORCH_AFF_SPREAD;
    orch_place_existing ex[] = {{"fw", "a"}, {"srv", "b"}};
    orch_place_req r = {
        .vnfs = v, .n_vnfs = 1, .sites = s, .n_sites = 2, .existing = ex, .n_existing = 2};
    size_t out[1];
    assert_int_equal(orch_place(&r, out, NULL), 0);
    assert_int_equal(out[0], 1);
}

static void test_place_skips_down_site(void **state)
{
    orch_place_site s[] = {SITE("a", 100, 100000, 0), SITE("b", 2, 2048, 0)};
    s[0].up = false;
    orch_place_vnf v[] = {VNF("srv", 0, 1, 256)};
    size_t out[1];
    orch_place_error err;
    assert_int_equal(place(v, 1, s, 2, out, &err), 0);
    assert_int_equal(out[0], 1);
    s[1].up = false;
    assert_int_equal(place(v, 1, s, 2, out, &err), -ENOSPC);
    assert_string_equal(err.msg, "vnf-profile 'srv' instance 0: no site can take it: site 'a' "
                                 "is down; site 'b' is down");
}

static int veto_lxc_for_fw(void *arg, const orch_place_vnf *v, const orch_place_site *s,
                           char *reason, size_t len)
{
    int *calls = arg;
    (*calls)++;
    if (strcmp(v->profile, "fw") == 0 && strcmp(s->kind, "lxc") == 0) {
        snprintf(reason, len, "fw must not run in containers");
        return 1;
    }
    return 0;
}

static void test_place_veto_hook_excludes_pairs(void **state)
{
    orch_place_site s[] = {SITE("lxc1", 100, 100000, 0), SITE("agent1", 4, 4096, 0)};
    s[0].kind = "lxc";
    orch_place_vnf v[] = {VNF("fw", 0, 1, 256), VNF("srv", 0, 1, 256)};
    int calls = 0;
    orch_place_req r = {.vnfs = v,
                        .n_vnfs = 2,
                        .sites = s,
                        .n_sites = 2,
                        .veto = veto_lxc_for_fw,
                        .veto_arg = &calls};
    size_t out[2];
    orch_place_error err;
    assert_int_equal(orch_place(&r, out, &err), 0);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 0);
    assert_true(calls >= 4);
    s[1].up = false;
    assert_int_equal(orch_place(&r, out, &err), -ENOSPC);
    assert_int_equal(err.vnf, 0);
    assert_string_equal(err.msg, "vnf-profile 'fw' instance 0: no site can take it: site "
                                 "'lxc1' vetoed by policy: fw must not run in containers; "
                                 "site 'agent1' is down");
}

static void test_place_is_independent_of_site_order(void **state)
{
    orch_place_site s1[] = {SITE("east", 8, 8192, 0), SITE("west", 8, 8192, 0)};
    orch_place_site s2[] = {SITE("west", 8, 8192, 0), SITE("east", 8, 8192, 0)};
    orch_place_vnf v[] = {VNF("a", 0, 2, 512), VNF("b", 0, 4, 512), VNF("c", 0, 1, 512)};
    size_t o1[3], o2[3];
    assert_int_equal(place(v, 3, s1, 2, o1, NULL), 0);
    assert_int_equal(place(v, 3, s2, 2, o2, NULL), 0);
    for (int i = 0; i < 3; i++)
        assert_string_equal(s1[o1[i]].name, s2[o2[i]].name);
    // Largest first: b (4 vCPU) takes east (name order on a tie), then a goes west.
    assert_string_equal(s1[o1[1]].name, "east");
    assert_string_equal(s1[o1[0]].name, "west");
}

static void test_place_with_no_sites_fails_cleanly(void **state)
{
    orch_place_vnf v[] = {VNF("a", 0, 1, 1)};
    size_t out[1];
    orch_place_error err;
    assert_int_equal(place(v, 1, NULL, 0, out, &err), -ENOSPC);
    assert_string_equal(err.msg, "vnf-profile 'a' instance 0: no site can take it: there are "
                                 "no sites");
    assert_int_equal(place(NULL, 0, NULL, 0, out, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_place_picks_site_with_most_headroom),
        cmocka_unit_test(test_place_pinned_site_wins_over_headroom),
        cmocka_unit_test(test_place_pinned_to_full_or_unknown_site_fails),
        cmocka_unit_test(test_place_capacity_exhaustion_names_instance),
        cmocka_unit_test(test_place_respects_max_instances),
        cmocka_unit_test(test_place_anti_affinity_spreads_profile),
        cmocka_unit_test(test_place_anti_affinity_counts_existing_instances),
        cmocka_unit_test(test_place_skips_down_site),
        cmocka_unit_test(test_place_veto_hook_excludes_pairs),
        cmocka_unit_test(test_place_is_independent_of_site_order),
        cmocka_unit_test(test_place_with_no_sites_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
