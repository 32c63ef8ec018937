// The link state machine: PENDING -> ESTABLISHING -> UP | FAILED, retries with backoff.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "linkstate.h"

static const lnk_policy pol = {
    .backoff_base_ms = 100, .backoff_max_ms = 1000, .max_attempts = 4, .verify_ms = 500};

static lnk_step step(lnk_fsm *f, lnk_event ev, int side, const char *why, uint64_t now)
{
    lnk_step s;
    assert_int_equal(lnk_fsm_step(f, &pol, ev, side, why, now, &s), 0);
    return s;
}

static void test_pending_until_both_sides_ready_either_first(void **st)
{
    for (int first = 0; first < 2; first++) {
        lnk_fsm f;
        lnk_fsm_init(&f, 0);
        lnk_step s = step(&f, LNK_EV_READY, first, NULL, 1);
        assert_int_equal(f.state, LNK_PENDING);
        assert_false(s.configure);
        s = step(&f, LNK_EV_READY, !first, NULL, 2);
        assert_int_equal(f.state, LNK_ESTABLISHING);
        assert_true(s.changed);
        assert_true(s.configure);
        assert_int_equal(f.attempts, 1);
    }
}

static void test_up_only_after_verified_traffic(void **st)
{
    lnk_fsm f;
    lnk_fsm_init(&f, 0);
    step(&f, LNK_EV_READY, 0, NULL, 0);
    step(&f, LNK_EV_READY, 1, NULL, 0);
    lnk_step s = step(&f, LNK_EV_TICK, 0, NULL, 100);
    assert_int_equal(f.state, LNK_ESTABLISHING);
    assert_false(s.changed);
    s = step(&f, LNK_EV_VERIFIED, 0, NULL, 120);
    assert_int_equal(f.state, LNK_UP);
    assert_true(s.changed);
    assert_false(s.configure);
    assert_string_equal(f.reason, "");
}

static void test_verified_outside_establishing_is_ignored(void **st)
{
    lnk_fsm f;
    lnk_fsm_init(&f, 0);
    lnk_step s = step(&f, LNK_EV_VERIFIED, 0, NULL, 1);
    assert_int_equal(f.state, LNK_PENDING);
    assert_false(s.changed);
}

static void test_failure_records_reason_and_backs_off(void **st)
{
    lnk_fsm f;
    lnk_fsm_init(&f, 0);
    step(&f, LNK_EV_READY, 0, NULL, 0);
    step(&f, LNK_EV_READY, 1, NULL, 0);
    lnk_step s = step(&f, LNK_EV_FAIL, 0, "ConfigurePeer: UNAVAILABLE", 10);
    assert_int_equal(f.state, LNK_FAILED);
    assert_true(s.changed);
    assert_string_equal(f.reason, "ConfigurePeer: UNAVAILABLE");
    assert_int_equal(f.retry_at_ms, 110);
    // Not before the backoff has passed.
    s = step(&f, LNK_EV_TICK, 0, NULL, 109);
    assert_int_equal(f.state, LNK_FAILED);
    assert_false(s.configure);
    s = step(&f, LNK_EV_TICK, 0, NULL, 110);
    assert_int_equal(f.state, LNK_ESTABLISHING);
    assert_true(s.configure);
    assert_int_equal(f.attempts, 2);
    // The second failure waits twice as long.
    step(&f, LNK_EV_FAIL, 0, "again", 200);
    assert_int_equal(f.retry_at_ms, 400);
}

static void test_backoff_doubles_and_caps(void **st)
{
    assert_int_equal(lnk_backoff_ms(&pol, 1), 100);
    assert_int_equal(lnk_backoff_ms(&pol, 2), 200);
    assert_int_equal(lnk_backoff_ms(&pol, 3), 400);
    assert_int_equal(lnk_backoff_ms(&pol, 4), 800);
    assert_int_equal(lnk_backoff_ms(&pol, 5), 1000);
    assert_int_equal(lnk_backoff_ms(&pol, 40), 1000);
}

static void test_gives_up_after_max_attempts(void **st)
{
    lnk_fsm f;
    lnk_fsm_init(&f, 0);
    step(&f, LNK_EV_READY, 0, NULL, 0);
    step(&f, LNK_EV_READY, 1, NULL, 0);
    uint64_t now = 0;
    for (uint32_t i = 1; i < pol.max_attempts; i++) {
        step(&f, LNK_EV_FAIL, 0, "x", now);
        now = f.retry_at_ms;
        lnk_step s = step(&f, LNK_EV_TICK, 0, NULL, now);
        assert_true(s.configure);
    }
    assert_int_equal(f.attempts, pol.max_attempts);
    step(&f, LNK_EV_FAIL, 0, "x", now);
    assert_int_equal(f.state, LNK_FAILED);
    assert_int_equal(f.retry_at_ms, 0);
    assert_non_null(strstr(f.reason, "no attempts left"));
    lnk_step s = step(&f, LNK_EV_TICK, 0, NULL, now + 100000);
    assert_int_equal(f.state, LNK_FAILED);
    assert_false(s.configure);
}

static void test_no_traffic_within_deadline_fails(void **st)
{
    lnk_fsm f;
    lnk_fsm_init(&f, 0);
    step(&f, LNK_EV_READY, 0, NULL, 0);
    step(&f, LNK_EV_READY, 1, NULL, 0);
    step(&f, LNK_EV_TICK, 0, NULL, 499);
    assert_int_equal(f.state, LNK_ESTABLISHING);
    lnk_step s = step(&f, LNK_EV_TICK, 0, NULL, 500);
    assert_true(s.changed);
    assert_int_equal(f.state, LNK_FAILED);
    assert_non_null(strstr(f.reason, "no traffic"));
}

static void test_cp_down_returns_to_pending_and_restart_comes_back(void **st)
{
    lnk_fsm f;
    lnk_fsm_init(&f, 0);
    step(&f, LNK_EV_READY, 0, NULL, 0);
    step(&f, LNK_EV_READY, 1, NULL, 0);
    step(&f, LNK_EV_VERIFIED, 0, NULL, 1);
    lnk_step s = step(&f, LNK_EV_DOWN, 1, NULL, 5);
    assert_true(s.changed);
    assert_int_equal(f.state, LNK_PENDING);
    assert_non_null(strstr(f.reason, "second end went down"));
    // The restarted VNF's CP comes up again: a new attempt.
    s = step(&f, LNK_EV_READY, 1, NULL, 6);
    assert_true(s.configure);
    assert_int_equal(f.state, LNK_ESTABLISHING);
    step(&f, LNK_EV_VERIFIED, 0, NULL, 7);
    assert_int_equal(f.state, LNK_UP);
}

static void test_ready_again_while_up_reconfigures(void **st)
{
    lnk_fsm f;
    lnk_fsm_init(&f, 0);
    step(&f, LNK_EV_READY, 0, NULL, 0);
    step(&f, LNK_EV_READY, 1, NULL, 0);
    step(&f, LNK_EV_VERIFIED, 0, NULL, 1);
    lnk_step s = step(&f, LNK_EV_READY, 0, NULL, 2);
    assert_true(s.configure);
    assert_int_equal(f.state, LNK_ESTABLISHING);
}

static void test_bad_side_refused(void **st)
{
    lnk_fsm f;
    lnk_fsm_init(&f, 0);
    lnk_step s;
    assert_int_equal(lnk_fsm_step(&f, &pol, LNK_EV_READY, 2, NULL, 0, &s), -EINVAL);
    assert_int_equal(lnk_fsm_step(&f, &pol, (lnk_event)99, 0, NULL, 0, &s), -EINVAL);
    assert_string_equal(lnk_state_name(LNK_ESTABLISHING), "ESTABLISHING");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pending_until_both_sides_ready_either_first),
        cmocka_unit_test(test_up_only_after_verified_traffic),
        cmocka_unit_test(test_verified_outside_establishing_is_ignored),
        cmocka_unit_test(test_failure_records_reason_and_backs_off),
        cmocka_unit_test(test_backoff_doubles_and_caps),
        cmocka_unit_test(test_gives_up_after_max_attempts),
        cmocka_unit_test(test_no_traffic_within_deadline_fails),
        cmocka_unit_test(test_cp_down_returns_to_pending_and_restart_comes_back),
        cmocka_unit_test(test_ready_again_while_up_reconfigures),
        cmocka_unit_test(test_bad_side_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
