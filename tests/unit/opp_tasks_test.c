// opp_tasks: the real management task steps stop and resume without losing or redoing work.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "opp_tasks.h"

// A clock that advances 1 µs per reading, so a portion of budget N stops after ~N checks.
static uint64_t tick_ns;
static uint64_t ticking(void *arg)
{
    return tick_ns += 1000;
}

static opp_portion portion(uint64_t budget_us)
{
    opp_portion p = {.clock_ns = ticking};
    p.end_ns = tick_ns + budget_us * 1000;
    return p;
}

static uint8_t *pages(size_t n)
{
    uint8_t *m = malloc(n * OPP_PAGE);
    assert_non_null(m);
    for (size_t i = 0; i < n * OPP_PAGE; i++)
        m[i] = (uint8_t)(i * 2654435761u >> 13);
    return m;
}

static void test_page_hash_tells_pages_apart(void **state)
{
    uint8_t *m = pages(3);
    memcpy(m + 2 * OPP_PAGE, m, OPP_PAGE);  // page 2 duplicates page 0
    assert_int_equal(opp_page_hash(m), opp_page_hash(m + 2 * OPP_PAGE));
    assert_int_not_equal(opp_page_hash(m), opp_page_hash(m + OPP_PAGE));
    uint64_t h = opp_page_hash(m);
    m[4095] ^= 1;  // last bit of the page
    assert_int_not_equal(opp_page_hash(m), h);
    m[4095] ^= 1;
    m[0] ^= 0x80;
    assert_int_not_equal(opp_page_hash(m), h);
    free(m);
}

static void test_hash_resumes_where_it_stopped(void **state)
{
    enum { N = 64 };
    uint8_t *m = pages(N);
    uint64_t one[N], parts[N];
    memset(parts, 0, sizeof(parts));
    opp_hash_job whole = {m, N * OPP_PAGE, one};
    uint64_t cur = 0, bytes = 0;
    opp_portion p = portion(1000000);
    assert_true(opp_hash_step(&whole, &cur, &p, &bytes));
    assert_int_equal(bytes, N * OPP_PAGE);

    opp_hash_job split = {m, N * OPP_PAGE, parts};
    cur = 0;
    bytes = 0;
    int portions = 0;
    for (;;) {
        opp_portion q = portion(5);  // about five pages a portion
        portions++;
        if (opp_hash_step(&split, &cur, &q, &bytes))
            break;
    }
    assert_true(portions >= N / 6);
    assert_int_equal(bytes, N * OPP_PAGE);
    assert_memory_equal(one, parts, sizeof(one));
    free(m);
}

static void test_zero_clears_the_range_in_portions(void **state)
{
    size_t len = 1u << 20;
    uint8_t *m = malloc(len);
    memset(m, 0xab, len);
    opp_zero_job j = {m + 4096, len - 8192};
    uint64_t cur = 0, bytes = 0;
    int portions = 0;
    for (;;) {
        opp_portion q = portion(4);
        portions++;
        if (opp_zero_step(&j, &cur, &q, &bytes))
            break;
    }
    assert_true(portions > 1);
    assert_int_equal(bytes, len - 8192);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(m[i], i < 4096 || i >= len - 4096 ? 0xab : 0);
    free(m);
}

static int fetched[32];
static int fetch(void *ctx, uint64_t chunk, uint64_t *bytes)
{
    fetched[chunk]++;
    if (chunk == 7)
        return -EIO;
    *bytes = 1000 + chunk;
    return 0;
}

static void test_prefetch_calls_the_hook_once_per_chunk(void **state)
{
    memset(fetched, 0, sizeof(fetched));
    opp_prefetch_job j = {.fetch = fetch, .nchunks = 32};
    uint64_t cur = 0, bytes = 0;
    for (;;) {
        opp_portion q = portion(3);
        if (opp_prefetch_step(&j, &cur, &q, &bytes))
            break;
    }
    for (int i = 0; i < 32; i++)
        assert_int_equal(fetched[i], 1);
    assert_int_equal(j.failures, 1);
    assert_int_equal(bytes, 31 * 1000 + (31 * 32 / 2) - 7);
}

static void test_proc_stat_line_is_parsed(void **state)
{
    const char *line = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 "
                       "123 45 0 0 20 0 7 0 1000 123456789 3210 18446744073709551615";
    opp_sample s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(opp_parse_proc_stat(line, &s), 0);
    assert_int_equal(s.utime_ticks, 123);
    assert_int_equal(s.stime_ticks, 45);
    assert_int_equal(s.threads, 7);
    assert_int_equal(s.rss_pages, 3210);
    assert_int_equal(opp_parse_proc_stat("12 (x) S 1 2", &s), -EINVAL);
    assert_int_equal(opp_parse_proc_stat("garbage", &s), -EINVAL);
}

static uint64_t fixed_now(void)
{
    return 777;
}

static void test_metrics_sample_reads_this_process_and_the_guest(void **state)
{
    opp_sample ring[2];
    volatile uint64_t count = 10, sum = 2000, max = 400;
    opp_metrics_job j = {.samples = ring, .cap = 2, .guest_count = &count, .guest_sum = &sum,
                         .guest_max = &max, .now_us = fixed_now};
    uint64_t cur = 0, bytes = 0;
    opp_portion q = portion(100);
    for (int i = 0; i < 3; i++)
        assert_true(opp_metrics_step(&j, &cur, &q, &bytes));
    assert_int_equal(j.count, 3);
    opp_sample *s = &ring[(j.count - 1) % 2];
    assert_int_equal(s->at_us, 777);
    assert_true(s->rss_pages > 0);
    assert_true(s->threads >= 1);
    assert_int_equal(s->guest_items, 10);
    assert_int_equal(s->guest_max_us, 400);
    assert_true(bytes > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_hash_tells_pages_apart),
        cmocka_unit_test(test_hash_resumes_where_it_stopped),
        cmocka_unit_test(test_zero_clears_the_range_in_portions),
        cmocka_unit_test(test_prefetch_calls_the_hook_once_per_chunk),
        cmocka_unit_test(test_proc_stat_line_is_parsed),
        cmocka_unit_test(test_metrics_sample_reads_this_process_and_the_guest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
