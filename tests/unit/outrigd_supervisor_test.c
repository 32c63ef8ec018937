// outrigd supervisor state machine: ordered start, backoff, FAILED, stop, restart.
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "config/outrig.h"
#include "supervisor.h"

#define EXITED(code) ((code) << 8) // a wait status for exit(code)
#define KILLED(sig) (sig)          // a wait status for death by sig

typedef struct fixture {
    cfg_outrig cfg;
    od_sup sup;
    od_action acts[16];
} fixture;

static fixture *setup_yaml(const char *yaml)
{
    fixture *f = calloc(1, sizeof *f);
    cfg_outrig_defaults(&f->cfg);
    cfg_error err = {0};
    if (cfg_outrig_parse(&f->cfg, "o.yaml", yaml, strlen(yaml), &err) ||
        cfg_outrig_finish(&f->cfg, NULL, &err))
        fail_msg("%s", err.msg);
    size_t bad;
    assert_int_equal(od_sup_init(&f->sup, &f->cfg, &bad), 0);
    return f;
}

static const char *const POLICY = "restart:\n"
                                  "  backoff_initial_ms: 100\n"
                                  "  backoff_max_ms: 400\n"
                                  "  max_restarts: 3\n"
                                  "  window_ms: 10000\n"
                                  "  stop_grace_ms: 1000\n"
                                  "  start_timeout_ms: 2000\n";

static fixture *setup_default(void)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "%sservices: {hub: {}, store: {}, policy: {}}\n", POLICY);
    return setup_yaml(yaml);
}

// Runs one step and checks it asks for exactly one action.
static void expect_one(fixture *f, uint64_t now, od_act_kind kind, size_t child)
{
    size_t n = od_sup_step(&f->sup, now, f->acts, 16);
    assert_int_equal(n, 1);
    assert_int_equal(f->acts[0].kind, kind);
    assert_int_equal(f->acts[0].child, child);
}

static void expect_none(fixture *f, uint64_t now)
{
    assert_int_equal(od_sup_step(&f->sup, now, f->acts, 16), 0);
}

// Starts kids[i] as pid and makes it SERVING.
static void bring_up(fixture *f, size_t i, int pid, uint64_t now)
{
    expect_one(f, now, OD_ACT_START, i);
    od_sup_on_spawned(&f->sup, i, pid, now, 1000 + now);
    od_sup_on_serving(&f->sup, i, now);
    assert_int_equal(f->sup.kids[i].state, OD_SERVING);
}

static void test_sup_starts_one_at_a_time_in_order(void **state)
{
    fixture *f = setup_default();
    assert_string_equal(f->sup.kids[0].svc->name, "store");
    assert_string_equal(f->sup.kids[1].svc->name, "hub");
    assert_string_equal(f->sup.kids[2].svc->name, "policy");
    expect_one(f, 0, OD_ACT_START, 0);
    od_sup_on_spawned(&f->sup, 0, 100, 0, 5000);
    assert_int_equal(f->sup.kids[0].state, OD_STARTING);
    assert_int_equal(f->sup.kids[0].started_unix_ms, 5000);
    // hub waits until store answers SERVING.
    expect_none(f, 10);
    od_sup_on_serving(&f->sup, 0, 20);
    expect_one(f, 20, OD_ACT_START, 1);
    od_sup_on_spawned(&f->sup, 1, 101, 20, 5020);
    expect_none(f, 30);
    od_sup_on_serving(&f->sup, 1, 40);
    bring_up(f, 2, 102, 40);
    expect_none(f, 50);
    assert_int_equal(f->sup.kids[0].restarts, 0);
    free(f);
}

static void test_sup_crash_restarts_with_backoff(void **state)
{
    fixture *f = setup_default();
    bring_up(f, 0, 100, 0);
    bring_up(f, 1, 101, 0);
    bring_up(f, 2, 102, 0);
    assert_int_equal(od_sup_on_exit(&f->sup, 101, KILLED(SIGKILL), 1000), 1);
    assert_int_equal(f->sup.kids[1].state, OD_BACKOFF);
    assert_string_equal(f->sup.kids[1].last_exit, "signal 9");
    assert_int_equal(f->sup.kids[1].pid, 0);
    assert_int_equal(od_sup_next_due(&f->sup, 1000), 1100);
    expect_none(f, 1099);
    expect_one(f, 1100, OD_ACT_START, 1);
    od_sup_on_spawned(&f->sup, 1, 201, 1100, 0);
    assert_int_equal(f->sup.kids[1].restarts, 1);
    // Second crash within the window: the delay doubles.
    od_sup_on_exit(&f->sup, 201, EXITED(3), 1200);
    assert_string_equal(f->sup.kids[1].last_exit, "exit 3");
    assert_int_equal(f->sup.kids[1].next_start_ms, 1400);
    // Others are untouched.
    assert_int_equal(f->sup.kids[0].state, OD_SERVING);
    assert_int_equal(f->sup.kids[2].state, OD_SERVING);
    assert_int_equal(od_sup_on_exit(&f->sup, 4242, 0, 1300), -1); // not ours
    free(f);
}

static void test_sup_crash_loop_reaches_failed(void **state)
{
    fixture *f = setup_default();
    bring_up(f, 0, 100, 0);
    uint64_t now = 0;
    int pid = 100;
    // max_restarts is 3: the 4th crash within the window is final.
    for (int crash = 1; crash <= 3; crash++) {
        now += 10;
        od_sup_on_exit(&f->sup, pid, EXITED(1), now);
        assert_int_equal(f->sup.kids[0].state, OD_BACKOFF);
        assert_int_equal(od_sup_crashes(&f->sup, 0, now), (unsigned)crash);
        now = f->sup.kids[0].next_start_ms;
        expect_one(f, now, OD_ACT_START, 0);
        od_sup_on_spawned(&f->sup, 0, ++pid, now, 0);
    }
    od_sup_on_exit(&f->sup, pid, EXITED(1), now + 10);
    assert_int_equal(f->sup.kids[0].state, OD_FAILED);
    assert_int_equal(f->sup.kids[0].restarts, 3);
    assert_int_equal(od_sup_next_due(&f->sup, now), UINT64_MAX);
    // It stays down; FAILED counts as settled, so the boot goes on with hub.
    expect_one(f, now + 100000, OD_ACT_START, 1);
    assert_int_equal(f->sup.kids[0].state, OD_FAILED);
    free(f);
}

static void test_sup_old_crashes_leave_the_window(void **state)
{
    fixture *f = setup_default();
    bring_up(f, 0, 100, 0);
    uint64_t now = 0;
    int pid = 100;
    // A crash every 4 s: never more than 3 inside the 10 s window.
    for (int crash = 1; crash <= 10; crash++) {
        now += 4000;
        od_sup_on_exit(&f->sup, pid, EXITED(1), now);
        assert_int_equal(f->sup.kids[0].state, OD_BACKOFF);
        assert_true(od_sup_crashes(&f->sup, 0, now) <= 3);
        now = f->sup.kids[0].next_start_ms;
        expect_one(f, now, OD_ACT_START, 0);
        od_sup_on_spawned(&f->sup, 0, ++pid, now, 0);
        od_sup_on_serving(&f->sup, 0, now);
    }
    assert_int_equal(f->sup.kids[0].restarts, 10);
    free(f);
}

static void test_sup_start_timeout_kills_and_counts(void **state)
{
    fixture *f = setup_default();
    expect_one(f, 0, OD_ACT_START, 0);
    od_sup_on_spawned(&f->sup, 0, 100, 0, 0);
    assert_int_equal(od_sup_next_due(&f->sup, 0), 2000);
    expect_none(f, 1999);
    expect_one(f, 2000, OD_ACT_KILL, 0);
    assert_int_equal(f->sup.kids[0].state, OD_STOPPING);
    expect_none(f, 2001); // killed once only
    od_sup_on_exit(&f->sup, 100, KILLED(SIGKILL), 2005);
    assert_int_equal(f->sup.kids[0].state, OD_BACKOFF);
    assert_string_equal(f->sup.kids[0].last_exit, "signal 9 (not SERVING within 2000 ms)");
    assert_int_equal(od_sup_crashes(&f->sup, 0, 2005), 1);
    free(f);
}

static void test_sup_spawn_failure_is_a_crash(void **state)
{
    fixture *f = setup_default();
    expect_one(f, 0, OD_ACT_START, 0);
    od_sup_on_spawn_failed(&f->sup, 0, 0, "binary outrig-store not found");
    assert_int_equal(f->sup.kids[0].state, OD_BACKOFF);
    assert_string_equal(f->sup.kids[0].last_exit, "binary outrig-store not found");
    // hub does not start while store is not settled.
    expect_one(f, 100, OD_ACT_START, 0);
    free(f);
}

static void test_sup_failed_dependency_blocks_dependent_only(void **state)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "%s  max_restarts: 0\n"
             "services: {store: {}, hub: {depends_on: [store]}, policy: {}}\n",
             "restart:\n  backoff_initial_ms: 100\n  backoff_max_ms: 400\n  window_ms: 10000\n"
             "  stop_grace_ms: 1000\n  start_timeout_ms: 2000\n");
    fixture *f = setup_yaml(yaml);
    expect_one(f, 0, OD_ACT_START, 0);
    od_sup_on_spawned(&f->sup, 0, 100, 0, 0);
    od_sup_on_exit(&f->sup, 100, EXITED(1), 10);
    assert_int_equal(f->sup.kids[0].state, OD_FAILED);
    // hub can never start on its own; policy (no dependency) goes ahead.
    expect_one(f, 20, OD_ACT_START, 2);
    od_sup_on_spawned(&f->sup, 2, 102, 20, 0);
    od_sup_on_serving(&f->sup, 2, 30);
    expect_none(f, 40);
    assert_int_equal(f->sup.kids[1].state, OD_STOPPED);
    // Once store is restarted by hand and SERVING, hub follows.
    assert_int_equal(od_sup_restart(&f->sup, 0, 50), 0);
    expect_one(f, 50, OD_ACT_START, 0);
    od_sup_on_spawned(&f->sup, 0, 200, 50, 0);
    od_sup_on_serving(&f->sup, 0, 60);
    expect_one(f, 60, OD_ACT_START, 1);
    free(f);
}

static void test_sup_stop_reverse_order_then_kill(void **state)
{
    fixture *f = setup_default();
    bring_up(f, 0, 100, 0);
    bring_up(f, 1, 101, 0);
    bring_up(f, 2, 102, 0);
    od_sup_stop(&f->sup, 1000);
    assert_false(od_sup_done(&f->sup));
    expect_one(f, 1000, OD_ACT_TERM, 2);
    expect_none(f, 1500);                // one at a time, within grace
    expect_one(f, 2000, OD_ACT_KILL, 2); // grace over
    expect_none(f, 2001);
    od_sup_on_exit(&f->sup, 102, KILLED(SIGKILL), 2002);
    assert_int_equal(f->sup.kids[2].state, OD_STOPPED);
    expect_one(f, 2002, OD_ACT_TERM, 1);
    od_sup_on_exit(&f->sup, 101, EXITED(0), 2010);
    expect_one(f, 2010, OD_ACT_TERM, 0);
    assert_false(od_sup_done(&f->sup));
    od_sup_on_exit(&f->sup, 100, EXITED(0), 2020);
    expect_none(f, 2020);
    assert_true(od_sup_done(&f->sup));
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(f->sup.kids[i].state, OD_STOPPED);
    assert_int_equal(od_sup_restart(&f->sup, 0, 3000), -ECANCELED);
    free(f);
}

static void test_sup_stop_during_backoff_does_not_restart(void **state)
{
    fixture *f = setup_default();
    bring_up(f, 0, 100, 0);
    od_sup_on_exit(&f->sup, 100, EXITED(1), 10);
    assert_int_equal(f->sup.kids[0].state, OD_BACKOFF);
    od_sup_stop(&f->sup, 20);
    assert_int_equal(f->sup.kids[0].state, OD_STOPPED);
    expect_none(f, 100000);
    assert_true(od_sup_done(&f->sup));
    free(f);
}

static void test_sup_restart_running_child(void **state)
{
    fixture *f = setup_default();
    bring_up(f, 0, 100, 0);
    bring_up(f, 1, 101, 0);
    assert_int_equal(od_sup_restart(&f->sup, 1, 500), 0);
    expect_one(f, 500, OD_ACT_TERM, 1);
    od_sup_on_exit(&f->sup, 101, EXITED(0), 600);
    assert_string_equal(f->sup.kids[1].last_exit, "exit 0 (restart requested)");
    // Starts again at once and the asked-for exit is not a crash.
    expect_one(f, 600, OD_ACT_START, 1);
    assert_int_equal(od_sup_crashes(&f->sup, 1, 600), 0);
    od_sup_on_spawned(&f->sup, 1, 201, 600, 0);
    assert_int_equal(f->sup.kids[1].restarts, 1);
    // A child that ignores SIGTERM is killed after the grace period.
    assert_int_equal(od_sup_restart(&f->sup, 1, 700), 0);
    expect_one(f, 700, OD_ACT_TERM, 1);
    expect_one(f, 1700, OD_ACT_KILL, 1);
    assert_int_equal(od_sup_find(&f->sup, "hub"), 1);
    assert_int_equal(od_sup_find(&f->sup, "nope"), -1);
    free(f);
}

static void test_sup_disabled_never_starts(void **state)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "%sservices: {store: {enabled: false}, hub: {}}\n", POLICY);
    fixture *f = setup_yaml(yaml);
    expect_one(f, 0, OD_ACT_START, 1);
    assert_int_equal(od_sup_restart(&f->sup, 0, 0), -EPERM);
    assert_string_equal(od_state_name(OD_FAILED), "FAILED");
    free(f);
}

static void test_sup_failed_health_checks_stop_and_count(void **state)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "%s  health_interval_ms: 1000\n  health_failures: 2\nservices: {store: {}}\n", POLICY);
    fixture *f = setup_yaml(yaml);
    assert_true(od_sup_health_due(&f->sup, 0, 0) == false); // STOPPED: nothing to ask
    expect_one(f, 0, OD_ACT_START, 0);
    od_sup_on_spawned(&f->sup, 0, 100, 0, 0);
    assert_true(od_sup_health_due(&f->sup, 0, 0)); // STARTING: asked on every turn
    od_sup_on_health(&f->sup, 0, false, 10);       // not up yet: no effect
    assert_int_equal(f->sup.kids[0].state, OD_STARTING);
    od_sup_on_health(&f->sup, 0, true, 100);
    assert_int_equal(f->sup.kids[0].state, OD_SERVING);
    assert_false(od_sup_health_due(&f->sup, 0, 1099));
    assert_true(od_sup_health_due(&f->sup, 0, 1100));
    assert_int_equal(od_sup_next_due(&f->sup, 200), 1100);
    // One failure, then a success: the count starts again.
    od_sup_on_health(&f->sup, 0, false, 1100);
    od_sup_on_health(&f->sup, 0, true, 2100);
    od_sup_on_health(&f->sup, 0, false, 3100);
    assert_int_equal(f->sup.kids[0].state, OD_SERVING);
    expect_none(f, 3100);
    // Two in a row: SIGTERM, SIGKILL after the grace period, then a counted crash.
    od_sup_on_health(&f->sup, 0, false, 4100);
    assert_int_equal(f->sup.kids[0].state, OD_STOPPING);
    expect_one(f, 4100, OD_ACT_TERM, 0);
    expect_one(f, 5100, OD_ACT_KILL, 0);
    od_sup_on_exit(&f->sup, 100, KILLED(SIGKILL), 5110);
    assert_string_equal(f->sup.kids[0].last_exit, "signal 9 (not SERVING for 2 health checks)");
    assert_int_equal(f->sup.kids[0].state, OD_BACKOFF);
    assert_int_equal(od_sup_crashes(&f->sup, 0, 5110), 1);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sup_starts_one_at_a_time_in_order),
        cmocka_unit_test(test_sup_crash_restarts_with_backoff),
        cmocka_unit_test(test_sup_crash_loop_reaches_failed),
        cmocka_unit_test(test_sup_old_crashes_leave_the_window),
        cmocka_unit_test(test_sup_start_timeout_kills_and_counts),
        cmocka_unit_test(test_sup_spawn_failure_is_a_crash),
        cmocka_unit_test(test_sup_failed_dependency_blocks_dependent_only),
        cmocka_unit_test(test_sup_stop_reverse_order_then_kill),
        cmocka_unit_test(test_sup_stop_during_backoff_does_not_restart),
        cmocka_unit_test(test_sup_restart_running_child),
        cmocka_unit_test(test_sup_disabled_never_starts),
        cmocka_unit_test(test_sup_failed_health_checks_stop_and_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
