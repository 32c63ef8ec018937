// opp_runner: the three modes on real threads — fallback worker, preemptive timer thread,
// and portions on a vCPU thread while its guest halts (needs /dev/kvm, skipped without).
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "opp_runner.h"
#include "opp_tasks.h"
#include "util/clock.h"

enum { MEM = 8u << 20, PAGES = MEM / OPP_PAGE };

static uint8_t *mem;
static uint64_t *hashes;

static int setup(void **state)
{
    mem = malloc(MEM);
    hashes = calloc(PAGES, sizeof(uint64_t));
    for (size_t i = 0; i < MEM; i += 64)
        mem[i] = (uint8_t)(i >> 12);
    return mem && hashes ? 0 : -1;
}

static int teardown(void **state)
{
    free(mem);
    free(hashes);
    return 0;
}

static void wait_done(opp_runner *r, int ms)
{
    uint64_t until = clock_mono_ms() + (uint64_t)ms;
    while (opp_runner_backlog(r) && clock_mono_ms() < until)
        usleep(1000);
    assert_int_equal(opp_runner_backlog(r), 0);
}

static void check_hashes(void)
{
    for (size_t i = 0; i < PAGES; i += 97)
        assert_int_equal(hashes[i], opp_page_hash(mem + i * OPP_PAGE));
}

static void test_mode_none_refuses_work(void **state)
{
    opp_runner_config c = {.mode = OPP_MODE_NONE};
    opp_runner *r;
    assert_int_equal(opp_runner_create(&c, &r), 0);
    int cls = opp_runner_class(r, "hash");
    opp_hash_job j = {mem, MEM, hashes};
    assert_int_equal(opp_runner_submit(r, (unsigned)cls, opp_hash_step, &j, 1000), -EPERM);
    opp_runner_destroy(r);
    opp_mode m;
    assert_int_equal(opp_mode_parse("opportunistic", &m), 0);
    assert_int_equal(m, OPP_MODE_OPPORTUNISTIC);
    assert_int_equal(opp_mode_parse("sometimes", &m), -EINVAL);
}

static void test_task_without_idle_time_falls_back(void **state)
{
    // Opportunistic, but no VM ever halts: only the fallback worker can run it.
    opp_runner_config c = {.mode = OPP_MODE_OPPORTUNISTIC, .budget_us = 50, .fallback_cpu = -1};
    opp_runner *r;
    assert_int_equal(opp_runner_create(&c, &r), 0);
    int cls = opp_runner_class(r, "hash");
    opp_hash_job j = {mem, MEM, hashes};
    int64_t id = opp_runner_submit(r, (unsigned)cls, opp_hash_step, &j, 20000);
    assert_true(id > 0);
    opp_task_info info[4];
    assert_int_equal(opp_runner_tasks(r, info, 4), 1);
    assert_int_equal(info[0].id, (uint64_t)id);
    assert_int_equal(info[0].state, OPP_PENDING);
    assert_int_equal(info[0].deadline_us - info[0].submitted_us, 20000);
    usleep(10000);
    opp_counters k;
    opp_runner_counters(r, (unsigned)cls, &k);
    assert_int_equal(k.bytes_done, 0);  // nothing before the deadline
    wait_done(r, 10000);
    opp_runner_counters(r, (unsigned)cls, &k);
    assert_int_equal(k.fallbacks, 1);
    assert_int_equal(k.completed, 1);
    assert_int_equal(k.fallback_bytes, MEM);
    check_hashes();
    opp_runner_destroy(r);
}

static void test_preemptive_thread_works_on_timer_ticks(void **state)
{
    opp_runner_config c = {.mode = OPP_MODE_PREEMPTIVE, .budget_us = 300, .tick_us = 1000,
                           .cpu = 0, .fallback_cpu = -1};
    opp_runner *r;
    assert_int_equal(opp_runner_create(&c, &r), 0);
    int cls = opp_runner_class(r, "hash");
    opp_hash_job j = {mem, MEM, hashes};
    uint64_t t0 = clock_mono_us();
    assert_true(opp_runner_submit(r, (unsigned)cls, opp_hash_step, &j, 30000000) > 0);
    wait_done(r, 30000);
    uint64_t took = clock_mono_us() - t0;
    opp_counters k;
    opp_runner_counters(r, (unsigned)cls, &k);
    assert_int_equal(k.fallbacks, 0);
    assert_int_equal(k.bytes_done, MEM);
    assert_true(k.runs >= 2);
    // About a tick's budget per tick: the job took at least its cost stretched by
    // tick/budget, halved for ticks a late thread runs back to back.
    assert_true(took + 2000 >= k.us_spent * 1000 / 300 / 2);
    check_hashes();
    opp_runner_destroy(r);
}

static void test_opportunistic_runs_while_the_guest_halts(void **state)
{
    vmm_host *h;
    if (vmm_host_open(&h) < 0)
        skip();
    void *img;
    size_t n;
    assert_int_equal(vmm_image_load(OUTRIG_GUEST_DIR "/idle.bin", &img, &n), 0);
    opp_runner_config c = {.mode = OPP_MODE_OPPORTUNISTIC, .budget_us = 100, .fallback_cpu = -1};
    opp_runner *r;
    assert_int_equal(opp_runner_create(&c, &r), 0);
    vmm_config vc = {.mem_size = 4u << 20, .vcpus = 1, .image = img, .image_size = n,
                     .idle = opp_runner_idle, .idle_arg = r, .cpl3 = true};
    vmm_vm *vm;
    assert_int_equal(vmm_create(h, &vc, &vm), 0);
    opp_runner_attach(r, vm);
    assert_int_equal(vmm_start(vm), 0);
    usleep(20000);  // the guest halts and the vCPU thread goes to sleep
    int cls = opp_runner_class(r, "hash");
    opp_hash_job j = {mem, MEM, hashes};
    assert_true(opp_runner_submit(r, (unsigned)cls, opp_hash_step, &j, 30000000) > 0);
    wait_done(r, 30000);
    opp_counters k;
    opp_runner_counters(r, (unsigned)cls, &k);
    assert_int_equal(k.fallbacks, 0);
    assert_int_equal(k.fallback_bytes, 0);
    assert_int_equal(k.bytes_done, MEM);
    vmm_vcpu_stats st;
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_int_equal(st.idle_calls, k.runs);  // every portion ran on the vCPU thread
    assert_int_equal(st.hlt_exits, 1);        // without re-entering the guest in between
    check_hashes();
    vmm_destroy(vm);
    opp_runner_destroy(r);
    vmm_host_close(h);
    free(img);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_mode_none_refuses_work),
        T(test_task_without_idle_time_falls_back),
        T(test_preemptive_thread_works_on_timer_ticks),
        T(test_opportunistic_runs_while_the_guest_halts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
