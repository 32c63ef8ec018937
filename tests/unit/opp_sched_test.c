// opp_sched: oldest-first choice, budgets, progress across portions, deadlines and fallbacks,
// driven by a fake clock.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "opp_sched.h"

typedef struct fake_clock {
    uint64_t ns;
} fake_clock;

static uint64_t fake_now(void *arg)
{
    return ((fake_clock *)arg)->ns;
}

// A task of `units` units; each costs unit_ns on the fake clock and unit_bytes of work.
typedef struct fake_job {
    fake_clock *clk;
    uint64_t units;
    uint64_t unit_ns;
    uint64_t unit_bytes;
    uint64_t done_units;  // proof of work actually done (not just cursor moves)
    int order;            // when it first ran, from a shared counter
    int *order_counter;
} fake_job;

static bool fake_step(void *arg, uint64_t *cursor, const opp_portion *p, uint64_t *bytes)
{
    fake_job *j = arg;
    if (j->order == 0)
        j->order = ++*j->order_counter;
    while (*cursor < j->units) {
        j->clk->ns += j->unit_ns;
        j->done_units++;
        (*cursor)++;
        *bytes += j->unit_bytes;
        if (*cursor < j->units && opp_portion_over(p))
            return false;
    }
    return true;
}

static fake_clock clk;
static int order;
static opp_sched s;
static int cls;

static int setup(void **state)
{
    memset(&clk, 0, sizeof(clk));
    order = 0;
    assert_int_equal(opp_sched_init(&s, 8), 0);
    cls = opp_sched_class(&s, "hash");
    assert_int_equal(cls, 0);
    return 0;
}

static int teardown(void **state)
{
    opp_sched_fini(&s);
    return 0;
}

static fake_job job(uint64_t units, uint64_t unit_us)
{
    return (fake_job){.clk = &clk, .units = units, .unit_ns = unit_us * 1000, .unit_bytes = 4096,
                      .order_counter = &order};
}

static opp_portion portion(void)
{
    return (opp_portion){.clock_ns = fake_now, .clock_arg = &clk};
}

static void test_oldest_task_runs_first(void **state)
{
    fake_job a = job(1, 1), b = job(1, 1), c = job(1, 1);
    int64_t ia = opp_sched_submit(&s, (unsigned)cls, fake_step, &a, 0, 1000000);
    int64_t ib = opp_sched_submit(&s, (unsigned)cls, fake_step, &b, 5, 10);  // earlier deadline
    int64_t ic = opp_sched_submit(&s, (unsigned)cls, fake_step, &c, 9, 1000000);
    assert_true(ia > 0 && ib > ia && ic > ib);
    opp_portion p = portion();
    for (int i = 0; i < 3; i++)
        assert_true(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 100, 0));
    assert_int_equal(a.order, 1);
    assert_int_equal(b.order, 2);  // age decides, not deadline
    assert_int_equal(c.order, 3);
    assert_false(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 100, 0));
    assert_int_equal(s.cls[cls].completed, 3);
}

static void test_portion_respects_budget(void **state)
{
    fake_job a = job(1000, 7);  // 7 µs units, 50 µs budget: 8 units, 56 µs (one unit over)
    assert_true(opp_sched_submit(&s, (unsigned)cls, fake_step, &a, 0, 1000000) > 0);
    opp_portion p = portion();
    assert_true(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 50, 0));
    assert_int_equal(a.done_units, 8);
    assert_int_equal(s.cls[cls].us_spent, 56);
    assert_true(s.cls[cls].us_spent < 50 + 7);
    assert_int_equal(s.cls[cls].runs, 1);
    assert_int_equal(s.cls[cls].completed, 0);
}

static void test_progress_is_kept_across_portions(void **state)
{
    fake_job a = job(100, 10);  // 1000 µs of work in 100 µs portions
    int64_t id = opp_sched_submit(&s, (unsigned)cls, fake_step, &a, 0, 1000000);
    opp_portion p = portion();
    int portions = 0;
    while (opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 100, clk.ns / 1000))
        portions++;
    assert_int_equal(portions, 10);
    assert_int_equal(a.done_units, 100);  // nothing redone, nothing skipped
    assert_int_equal(s.cls[cls].bytes_done, 100 * 4096);
    assert_int_equal(s.cls[cls].us_spent, 1000);
    assert_int_equal(s.cls[cls].runs, 10);
    assert_int_equal(s.cls[cls].completed, 1);
    assert_null(opp_sched_find(&s, (uint64_t)id));
    assert_int_equal(s.live, 0);
}

static void test_missed_deadline_falls_back(void **state)
{
    fake_job a = job(10, 10), b = job(10, 10);
    int64_t ia = opp_sched_submit(&s, (unsigned)cls, fake_step, &a, 0, 100);
    assert_true(opp_sched_submit(&s, (unsigned)cls, fake_step, &b, 0, 1000) > 0);
    assert_int_equal(opp_sched_next_deadline(&s), 100);
    assert_int_equal(opp_sched_expire(&s, 99), 0);
    assert_int_equal(opp_sched_expire(&s, 100), 1);
    assert_int_equal(opp_sched_find(&s, (uint64_t)ia)->state, OPP_FALLBACK);
    assert_int_equal(s.cls[cls].fallbacks, 1);
    assert_int_equal(opp_sched_expire(&s, 200), 0);  // counted once

    // The idle path now only sees b; the fallback worker only a.
    opp_portion p = portion();
    assert_int_equal(opp_sched_runnable(&s, OPP_BY_IDLE), 1);
    assert_true(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 1000, 200));
    assert_int_equal(b.done_units, 10);
    assert_int_equal(a.done_units, 0);
    assert_false(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 1000, 200));
    assert_true(opp_sched_run_portion(&s, OPP_BY_FALLBACK, &p, 1000, 200));
    assert_int_equal(a.done_units, 10);
    assert_int_equal(s.cls[cls].completed, 2);
    assert_int_equal(s.cls[cls].fallback_bytes, 10 * 4096);
    assert_int_equal(s.cls[cls].fallback_us, 100);
    assert_int_equal(s.cls[cls].fallbacks, 1);
}

static void test_task_running_past_its_deadline_falls_back_on_release(void **state)
{
    fake_job a = job(100, 10);
    int64_t id = opp_sched_submit(&s, (unsigned)cls, fake_step, &a, 0, 150);
    opp_portion p = portion();
    assert_true(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 100, 0));  // ends at 100 µs
    assert_int_equal(opp_sched_find(&s, (uint64_t)id)->state, OPP_PENDING);
    assert_true(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 100, 100));  // ends at 200 µs
    assert_int_equal(opp_sched_find(&s, (uint64_t)id)->state, OPP_FALLBACK);
    assert_int_equal(s.cls[cls].fallbacks, 1);
    assert_false(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 100, 200));
    // Progress made before the fallback is kept.
    assert_true(opp_sched_run_portion(&s, OPP_BY_FALLBACK, &p, 100000, 200));
    assert_int_equal(a.done_units, 100);
    assert_int_equal(s.cls[cls].fallback_bytes, 80 * 4096);
}

static void test_completed_task_is_not_a_fallback(void **state)
{
    fake_job a = job(5, 10);
    assert_true(opp_sched_submit(&s, (unsigned)cls, fake_step, &a, 0, 50) > 0);
    opp_portion p = portion();
    assert_true(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 1000, 0));
    assert_int_equal(opp_sched_expire(&s, 1000), 0);
    assert_int_equal(s.cls[cls].fallbacks, 0);
    assert_int_equal(s.cls[cls].completed, 1);
}

static bool yes(void *arg)
{
    (*(int *)arg)++;
    return true;
}

static void test_yield_cuts_a_portion_to_one_unit(void **state)
{
    fake_job a = job(100, 1);
    assert_true(opp_sched_submit(&s, (unsigned)cls, fake_step, &a, 0, 1000000) > 0);
    int asked = 0;
    opp_portion p = portion();
    p.yield = yes;
    p.yield_arg = &asked;
    assert_true(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 1000, 0));
    assert_int_equal(a.done_units, 1);
    assert_int_equal(asked, 1);
}

static void test_full_queue_refuses_and_bad_input_is_rejected(void **state)
{
    fake_job j[9];
    for (int i = 0; i < 8; i++) {
        j[i] = job(1, 1);
        assert_true(opp_sched_submit(&s, (unsigned)cls, fake_step, &j[i], 0, 10) > 0);
    }
    j[8] = job(1, 1);
    assert_int_equal(opp_sched_submit(&s, (unsigned)cls, fake_step, &j[8], 0, 10), -ENOSPC);
    assert_int_equal(opp_sched_submit(&s, 5, fake_step, &j[8], 0, 10), -EINVAL);
    opp_portion p = portion();
    assert_true(opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 10, 0));
    assert_true(opp_sched_submit(&s, (unsigned)cls, fake_step, &j[8], 0, 10) > 0);
}

static void test_classes_are_counted_apart(void **state)
{
    int zero = opp_sched_class(&s, "zero");
    assert_int_equal(zero, 1);
    assert_int_equal(opp_sched_class(&s, "hash"), 0);
    fake_job a = job(2, 1), b = job(3, 1);
    assert_true(opp_sched_submit(&s, (unsigned)cls, fake_step, &a, 0, 100) > 0);
    assert_true(opp_sched_submit(&s, (unsigned)zero, fake_step, &b, 0, 100) > 0);
    opp_portion p = portion();
    while (opp_sched_run_portion(&s, OPP_BY_IDLE, &p, 1000, 0))
        ;
    assert_int_equal(s.cls[cls].bytes_done, 2 * 4096);
    assert_int_equal(s.cls[zero].bytes_done, 3 * 4096);
    assert_int_equal(s.cls[zero].completed, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_oldest_task_runs_first),
        T(test_portion_respects_budget),
        T(test_progress_is_kept_across_portions),
        T(test_missed_deadline_falls_back),
        T(test_task_running_past_its_deadline_falls_back_on_release),
        T(test_completed_task_is_not_a_fallback),
        T(test_yield_cuts_a_portion_to_one_unit),
        T(test_full_queue_refuses_and_bad_input_is_rejected),
        T(test_classes_are_counted_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
