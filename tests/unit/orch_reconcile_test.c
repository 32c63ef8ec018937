// orch reconcile diff (services/orchestrator/reconcile.c): orphans are deleted, missing and
// half-made instances of settled NSs recreated, busy NSs and unlisted sites left alone.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "domain.h"

static bool busy_ns(const char *ns, void *arg)
{
    const char *b = arg;
    return b && !strcmp(ns, b);
}

static const char *const both[] = {"s1", "s2"};

static void test_unrecorded_vnf_is_deleted(void **st)
{
    orch_rec_want w[] = {{"a.x.0", "a", "s1", true, true}};
    orch_rec_seen s[] = {{"s1", "a.x.0", "a", ORCH_SEEN_RUNNING},
                         {"s2", "gone.x.0", "gone", ORCH_SEEN_RUNNING},
                         {"s2", "anon", "", ORCH_SEEN_STOPPED}};
    orch_rec_action a[8];
    size_t n = orch_reconcile_diff(w, 1, s, 3, both, 2, busy_ns, NULL, a, 8);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].kind, ORCH_REC_DELETE);
    assert_string_equal(a[0].instance_id, "gone.x.0");
    assert_string_equal(a[0].site, "s2");
    assert_int_equal(a[1].kind, ORCH_REC_DELETE);
    assert_string_equal(a[1].instance_id, "anon");
}

static void test_duplicate_on_another_site_is_deleted(void **st)
{
    // Exactly one VNF per instance: the copy on the site the record does not name goes.
    orch_rec_want w[] = {{"a.x.0", "a", "s1", true, true}};
    orch_rec_seen s[] = {{"s1", "a.x.0", "a", ORCH_SEEN_RUNNING},
                         {"s2", "a.x.0", "a", ORCH_SEEN_RUNNING}};
    orch_rec_action a[8];
    size_t n = orch_reconcile_diff(w, 1, s, 2, both, 2, busy_ns, NULL, a, 8);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].kind, ORCH_REC_DELETE);
    assert_string_equal(a[0].site, "s2");
}

static void test_missing_or_incomplete_instance_is_recreated(void **st)
{
    orch_rec_want w[] = {{"a.x.0", "a", "s1", true, true}, {"a.y.0", "a", "s2", true, true}};
    orch_rec_seen s[] = {{"s2", "a.y.0", "a", ORCH_SEEN_INCOMPLETE}};
    orch_rec_action a[8];
    size_t n = orch_reconcile_diff(w, 2, s, 1, both, 2, busy_ns, NULL, a, 8);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].kind, ORCH_REC_RECREATE);
    assert_string_equal(a[0].instance_id, "a.x.0");
    assert_int_equal(a[1].kind, ORCH_REC_RECREATE);
    assert_string_equal(a[1].instance_id, "a.y.0");
}

static void test_busy_ns_is_left_alone(void **st)
{
    orch_rec_want w[] = {{"a.x.0", "a", "s1", true, true}};
    orch_rec_seen s[] = {{"s2", "a.z.0", "a", ORCH_SEEN_RUNNING}};
    orch_rec_action a[8];
    assert_int_equal(orch_reconcile_diff(w, 1, s, 1, both, 2, busy_ns, "a", a, 8), 0);
    assert_int_equal(orch_reconcile_diff(w, 1, s, 1, both, 2, busy_ns, NULL, a, 8), 2);
}

static void test_unsettled_ns_and_unlisted_site_are_not_recreated(void **st)
{
    orch_rec_want w[] = {{"a.x.0", "a", "s1", false, true}, {"b.x.0", "b", "s3", true, true}};
    orch_rec_action a[8];
    // a is instantiating (not settled); s3 did not answer the listing.
    assert_int_equal(orch_reconcile_diff(w, 2, NULL, 0, both, 2, busy_ns, NULL, a, 8), 0);
}

static void test_actions_are_bounded(void **st)
{
    orch_rec_seen s[] = {{"s1", "o1", "", ORCH_SEEN_RUNNING},
                         {"s1", "o2", "", ORCH_SEEN_RUNNING},
                         {"s1", "o3", "", ORCH_SEEN_RUNNING}};
    orch_rec_action a[2];
    assert_int_equal(orch_reconcile_diff(NULL, 0, s, 3, both, 2, busy_ns, NULL, a, 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unrecorded_vnf_is_deleted),
        cmocka_unit_test(test_duplicate_on_another_site_is_deleted),
        cmocka_unit_test(test_missing_or_incomplete_instance_is_recreated),
        cmocka_unit_test(test_busy_ns_is_left_alone),
        cmocka_unit_test(test_unsettled_ns_and_unlisted_site_are_not_recreated),
        cmocka_unit_test(test_actions_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
