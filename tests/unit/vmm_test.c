// vmm: boots each guest program on /dev/kvm and checks what it did. Exits 77 (skipped) when
// /dev/kvm is unavailable.
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/clock.h"
#include "vmm.h"

static vmm_host *host;

typedef struct guest_img {
    void *buf;
    size_t size;
} guest_img;

static guest_img load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.bin", OUTRIG_GUEST_DIR, name);
    guest_img g = {0};
    int rc = vmm_image_load(path, &g.buf, &g.size);
    if (rc < 0)
        fail_msg("loading %s: %s", path, strerror(-rc));
    return g;
}

static bool cpl3;  // set per test from its prestate: run the guest at CPL 3

static int set_mode(void **state)
{
    cpl3 = *state ? *(bool *)*state : false;
    return 0;
}

static vmm_config config(guest_img *g, unsigned vcpus)
{
    vmm_config c;
    memset(&c, 0, sizeof(c));
    c.cpl3 = cpl3;
    c.mem_size = 4u << 20;
    c.vcpus = vcpus;
    c.image = g->buf;
    c.image_size = g->size;
    return c;
}

static vmm_vm *boot(const vmm_config *c)
{
    vmm_vm *vm = NULL;
    assert_int_equal(vmm_create(host, c, &vm), 0);
    assert_int_equal(vmm_get_state(vm), VMM_CREATED);
    assert_int_equal(vmm_start(vm), 0);
    return vm;
}

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

// Lines of /proc/self/maps naming a KVM object (the vCPU run areas), plus, when addr is not
// NULL, the mapping that contains addr.
static int count_kvm_maps(uintptr_t addr)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    int n = 0;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (strstr(line, "kvm"))
            n++;
        else if (addr && sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi)
            n++;
    }
    fclose(f);
    return n;
}

static void test_hello_prints_and_exits(void **state)
{
    guest_img g = load("hello");
    vmm_config c = config(&g, 1);
    vmm_vm *vm = boot(&c);
    assert_int_equal(vmm_wait(vm, 5000), 0);
    char out[256];
    vmm_console(vm, out, sizeof(out));
    assert_string_equal(out, "hello from outrigger guest, vcpus=1 mmio=ok\n");
    assert_int_equal(vmm_get_state(vm), VMM_EXITED);
    assert_int_equal(vmm_exit_code(vm), 7);
    assert_true(vmm_shared(vm)->boot_tsc[0] != 0);
    vmm_vcpu_stats st;
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_true(st.io_exits >= 2);    // console string + exit port
    assert_int_equal(vmm_shared(vm)->cpl3, cpl3);
    assert_true(st.mmio_exits == 1);  // the magic register
    vmm_destroy(vm);
    free(g.buf);
}

static void test_hello_on_two_pinned_vcpus(void **state)
{
    guest_img g = load("hello");
    vmm_config c = config(&g, 2);
    int cpus[2] = {0, (int)(sysconf(_SC_NPROCESSORS_ONLN) > 1)};
    c.cpus = cpus;
    vmm_vm *vm = boot(&c);
    assert_int_equal(vmm_wait(vm, 5000), 0);
    char out[256];
    vmm_console(vm, out, sizeof(out));
    assert_string_equal(out, "hello from outrigger guest, vcpus=2 mmio=ok\n");
    assert_int_equal(vmm_get_state(vm), VMM_EXITED);
    // vCPU 1 halts forever: vmm_wait returning means the exit on vCPU 0 pulled it out.
    vmm_destroy(vm);
    free(g.buf);
}

static void test_triple_fault_marks_vm_failed(void **state)
{
    guest_img g = load("triple-fault");
    vmm_config c = config(&g, 1);
    vmm_vm *vm = boot(&c);
    assert_int_equal(vmm_wait(vm, 5000), 0);
    assert_int_equal(vmm_get_state(vm), VMM_FAILED);
    assert_non_null(strstr(vmm_fail_reason(vm), "triple fault"));
    char out[64];
    vmm_console(vm, out, sizeof(out));
    assert_string_equal(out, "about to fault\n");
    vmm_destroy(vm);
    free(g.buf);

    // The process carries on: another VM still boots.
    guest_img h = load("hello");
    vmm_config c2 = config(&h, 1);
    vm = boot(&c2);
    assert_int_equal(vmm_wait(vm, 5000), 0);
    assert_int_equal(vmm_get_state(vm), VMM_EXITED);
    vmm_destroy(vm);
    free(h.buf);
}

static void test_bad_mmio_marks_vm_failed(void **state)
{
    guest_img g = load("bad-mmio");
    vmm_config c = config(&g, 1);
    vmm_vm *vm = boot(&c);
    assert_int_equal(vmm_wait(vm, 5000), 0);
    assert_int_equal(vmm_get_state(vm), VMM_FAILED);
    assert_non_null(strstr(vmm_fail_reason(vm), "bad MMIO write at 0x30000000"));
    vmm_destroy(vm);
    free(g.buf);
}

static void test_bad_port_marks_vm_failed(void **state)
{
    guest_img g = load("bad-mmio");
    vmm_config c = config(&g, 1);
    c.params[0] = 1;
    vmm_vm *vm = boot(&c);
    assert_int_equal(vmm_wait(vm, 5000), 0);
    assert_int_equal(vmm_get_state(vm), VMM_FAILED);
    assert_non_null(strstr(vmm_fail_reason(vm), "bad port write 0x99"));
    vmm_destroy(vm);
    free(g.buf);
}

static void test_kick_reenters_a_halted_guest(void **state)
{
    guest_img g = load("idle");
    vmm_config c = config(&g, 1);
    vmm_vm *vm = boot(&c);
    vmm_vcpu_stats st;
    uint64_t until = clock_mono_ms() + 5000;
    do {
        usleep(1000);
        vmm_vcpu_stats_get(vm, 0, &st);
    } while (st.hlt_exits < 1 && clock_mono_ms() < until);
    assert_int_equal(st.hlt_exits, 1);
    vmm_nudge(vm);  // wakes the thread but gives the guest no reason to run
    usleep(5000);
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_int_equal(st.hlt_exits, 1);
    vmm_kick(vm);  // re-enters: the guest loops back to its HLT
    do {
        usleep(1000);
        vmm_vcpu_stats_get(vm, 0, &st);
    } while (st.hlt_exits < 2 && clock_mono_ms() < until);
    assert_int_equal(st.hlt_exits, 2);
    vmm_destroy(vm);
    free(g.buf);
}

static void test_idle_worker_completes_posted_items(void **state)
{
    guest_img g = load("idle-worker");
    vmm_config c = config(&g, 1);
    vmm_vm *vm = boot(&c);
    enum { N = 40, BURST = 8 };
    pv_done done[N];
    size_t got = 0;
    uint64_t until = clock_mono_ms() + 10000;
    for (int i = 0; i < N; i++) {
        pv_work w = {.id = 100 + (uint64_t)i, .cost_us = 200};
        assert_int_equal(vmm_post_work(vm, &w), 0);
        if (i % BURST == BURST - 1) {
            // Drain the burst, then leave the guest idle long enough to halt.
            while (got < (size_t)i + 1 && clock_mono_ms() < until) {
                got += vmm_reap_done(vm, done + got, N - got);
                usleep(500);
            }
            usleep(2000);
        }
    }
    assert_int_equal(got, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(done[i].id, 100 + (uint64_t)i);
        assert_true(done[i].end_tsc > done[i].start_tsc);
        assert_true(done[i].start_tsc >= done[i].post_tsc);
    }
    pv_shared *sh = vmm_shared(vm);
    assert_int_equal(sh->hist_count, N);
    uint64_t *hist = vmm_gpa(vm, PV_HIST_GPA, PV_HIST_BUCKETS * sizeof(uint64_t));
    uint64_t sum = 0, below = 0;
    for (unsigned b = 0; b < PV_HIST_BUCKETS; b++) {
        sum += hist[b];
        if (pv_hist_value(b) < 150)
            below += hist[b];
    }
    assert_int_equal(sum, N);
    assert_int_equal(below, 0);  // each item costs 200 µs of guest CPU
    assert_true(sh->hist_max_us >= 200);
    vmm_vcpu_stats st;
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_true(st.hlt_exits >= 5);  // it halted between bursts

    pv_work stop = {.flags = PV_WORK_STOP};
    assert_int_equal(vmm_post_work(vm, &stop), 0);
    assert_int_equal(vmm_wait(vm, 5000), 0);
    assert_int_equal(vmm_get_state(vm), VMM_EXITED);
    assert_int_equal(vmm_exit_code(vm), 0);
    vmm_destroy(vm);
    free(g.buf);
}

static void count_doorbell(void *arg, vmm_vm *vm, uint32_t value)
{
    __atomic_store_n((uint32_t *)arg, value, __ATOMIC_SEQ_CST);
}

static void test_doorbell_reaches_the_host(void **state)
{
    guest_img g = load("idle-worker");
    vmm_config c = config(&g, 1);
    uint32_t last = 0;
    c.doorbell = count_doorbell;
    c.doorbell_arg = &last;
    vmm_vm *vm = boot(&c);
    pv_work quiet = {.id = 1, .cost_us = 10}, loud = {.id = 2, .cost_us = 10,
                                                      .flags = PV_WORK_DOORBELL};
    assert_int_equal(vmm_post_work(vm, &quiet), 0);
    assert_int_equal(vmm_post_work(vm, &loud), 0);
    uint64_t until = clock_mono_ms() + 5000;
    while (__atomic_load_n(&last, __ATOMIC_SEQ_CST) == 0 && clock_mono_ms() < until)
        usleep(1000);
    assert_int_equal(__atomic_load_n(&last, __ATOMIC_SEQ_CST), 2);  // done_head after item 2
    vmm_vcpu_stats st;
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_int_equal(st.doorbells, 1);
    vmm_destroy(vm);
    free(g.buf);
}

static void test_spinner_halts_for_its_idle_part(void **state)
{
    guest_img g = load("spinner");
    vmm_config c = config(&g, 1);
    c.params[PV_SPIN_BUSY_US] = 200;
    c.params[PV_SPIN_IDLE_US] = 500;
    c.params[PV_SPIN_PERIODS] = 40;
    uint64_t t0 = clock_mono_us();
    vmm_vm *vm = boot(&c);
    assert_int_equal(vmm_wait(vm, 10000), 0);
    uint64_t took = clock_mono_us() - t0;
    assert_int_equal(vmm_get_state(vm), VMM_EXITED);
    assert_int_equal(vmm_shared(vm)->status[0], 40);
    vmm_vcpu_stats st;
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_true(st.hlt_exits >= 40);
    assert_true(st.halted_us >= 40 * 500);
    assert_true(took >= 40 * 700);
    vmm_destroy(vm);
    free(g.buf);
}

static void test_stop_pulls_a_spinning_guest_out(void **state)
{
    guest_img g = load("spinner");
    vmm_config c = config(&g, 2);
    c.params[PV_SPIN_BUSY_US] = 1000000;  // never halts within the test
    vmm_vm *vm = boot(&c);
    usleep(50000);
    assert_int_equal(vmm_wait(vm, 0), -ETIMEDOUT);
    assert_int_equal(vmm_get_state(vm), VMM_RUNNING);
    vmm_stop(vm);
    assert_int_equal(vmm_get_state(vm), VMM_STOPPED);
    assert_int_equal(vmm_wait(vm, 0), 0);
    vmm_destroy(vm);
    free(g.buf);
}

static bool count_idle(void *arg, vmm_vm *vm, unsigned vcpu)
{
    int *n = arg;
    if (__atomic_load_n(n, __ATOMIC_SEQ_CST) >= 5)
        return false;
    assert_false(vmm_guest_wants_cpu(vm, vcpu));
    __atomic_fetch_add(n, 1, __ATOMIC_SEQ_CST);
    return true;
}

static void test_idle_hook_gets_the_halted_cpu(void **state)
{
    guest_img g = load("idle");
    vmm_config c = config(&g, 1);
    int calls = 0;
    c.idle = count_idle;
    c.idle_arg = &calls;
    vmm_vm *vm = boot(&c);
    uint64_t until = clock_mono_ms() + 5000;
    while (__atomic_load_n(&calls, __ATOMIC_SEQ_CST) < 5 && clock_mono_ms() < until)
        usleep(1000);
    vmm_stop(vm);
    assert_int_equal(calls, 5);
    vmm_vcpu_stats st;
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_int_equal(st.idle_calls, 5);
    assert_int_equal(st.hlt_exits, 1);  // nothing re-entered the guest
    vmm_destroy(vm);
    free(g.buf);
}

static void test_destroy_leaves_no_fds_maps_or_threads(void **state)
{
    guest_img g = load("hello");
    // Warm up once so lazily created process state (signal handler, allocator arenas) exists.
    vmm_config c = config(&g, 2);
    vmm_destroy(boot(&c));
    int fds = count_dir("/proc/self/fd");
    int tasks = count_dir("/proc/self/task");
    assert_int_equal(count_kvm_maps(0), 0);
    for (int i = 0; i < 3; i++) {
        vmm_vm *vm = boot(&c);
        vmm_wait(vm, 5000);
        uintptr_t mem = (uintptr_t)vmm_gpa(vm, 0, 1);
        assert_int_equal(count_kvm_maps(mem), 1 + 2);  // guest memory + two run areas
        assert_true(count_dir("/proc/self/fd") >= fds + 3);  // VM + two vCPUs
        vmm_destroy(vm);
        assert_int_equal(count_kvm_maps(mem), 0);
    }
    assert_int_equal(count_dir("/proc/self/fd"), fds);
    assert_int_equal(count_dir("/proc/self/task"), tasks);
    free(g.buf);
}

static void test_recycled_vm_starts_clean(void **state)
{
    guest_img w = load("idle-worker"), f = load("triple-fault");
    vmm_config c = config(&w, 1);
    int fds = count_dir("/proc/self/fd");
    assert_int_equal(vmm_host_set_recycle(host, 2), 0);

    vmm_vm *vm = boot(&c);
    pv_work item = {.id = 1, .cost_us = 50};
    uint64_t until = clock_mono_ms() + 5000;
    for (uint64_t i = 1; i <= 5; i++) {  // five items, one at a time: five halts
        assert_int_equal(vmm_post_work(vm, &item), 0);
        while (vmm_shared(vm)->hist_count < i && clock_mono_ms() < until)
            usleep(1000);
        usleep(2000);
    }
    assert_int_equal(vmm_shared(vm)->hist_count, 5);
    vmm_vcpu_stats st;
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_true(st.hlt_exits >= 5);
    vmm_destroy(vm);
    assert_int_equal(count_dir("/proc/self/fd"), fds + 2);  // parked: VM + vCPU fds kept

    vm = boot(&c);  // takes the parked VM
    assert_int_equal(count_dir("/proc/self/fd"), fds + 2);
    pv_shared *sh = vmm_shared(vm);
    assert_int_equal(sh->magic, PV_MAGIC);
    item.id = 2;
    assert_int_equal(vmm_post_work(vm, &item), 0);
    until = clock_mono_ms() + 5000;
    while (sh->hist_count < 1 && clock_mono_ms() < until)
        usleep(1000);
    // Memory came back zeroed: one item, not two, and ring indices restarted.
    assert_int_equal(sh->hist_count, 1);
    assert_int_equal(sh->work_head, 1);
    pv_done d;
    assert_int_equal(vmm_reap_done(vm, &d, 1), 1);
    assert_int_equal(d.id, 2);
    vmm_vcpu_stats_get(vm, 0, &st);
    assert_true(st.hlt_exits <= 1);  // counters restarted too
    pv_work stop = {.flags = PV_WORK_STOP};
    vmm_post_work(vm, &stop);
    assert_int_equal(vmm_wait(vm, 5000), 0);
    assert_int_equal(vmm_get_state(vm), VMM_EXITED);
    vmm_destroy(vm);

    // A failed VM is never parked (another size, so it does not take the parked shell).
    vmm_config cf = config(&f, 1);
    cf.mem_size = 6u << 20;
    vm = boot(&cf);
    vmm_wait(vm, 5000);
    assert_int_equal(vmm_get_state(vm), VMM_FAILED);
    vmm_destroy(vm);
    assert_int_equal(count_dir("/proc/self/fd"), fds + 2);  // only the idle-worker shell
    assert_int_equal(vmm_host_set_recycle(host, 0), 0);
    assert_int_equal(count_dir("/proc/self/fd"), fds);
    free(w.buf);
    free(f.buf);
}

static void test_histogram_buckets_are_exact_then_coarse(void **state)
{
    assert_int_equal(pv_hist_bucket(0), 0);
    assert_int_equal(pv_hist_bucket(8191), 8191);
    assert_int_equal(pv_hist_bucket(8192), 8192);
    assert_int_equal(pv_hist_bucket(8192 + 63), 8192);
    assert_int_equal(pv_hist_bucket(8192 + 64), 8193);
    assert_int_equal(pv_hist_value(pv_hist_bucket(100000)), 100000 - (100000 - 8192) % 64);
    assert_int_equal(pv_hist_bucket(UINT64_MAX), PV_HIST_BUCKETS - 1);
    assert_true(pv_hist_value(PV_HIST_BUCKETS - 1) > 500000);
}

static void test_bad_config_is_rejected(void **state)
{
    guest_img g = load("hello");
    vmm_vm *vm = NULL;
    vmm_config c = config(&g, 1);
    c.mem_size = (3u << 20);
    assert_int_equal(vmm_create(host, &c, &vm), -EINVAL);
    c = config(&g, 0);
    assert_int_equal(vmm_create(host, &c, &vm), -EINVAL);
    c = config(&g, PV_MAX_VCPUS + 1);
    assert_int_equal(vmm_create(host, &c, &vm), -EINVAL);
    c = config(&g, 1);
    c.mem_size = PV_MIN_MEM;
    c.image_size = PV_MIN_MEM;  // does not fit above the load address
    assert_int_equal(vmm_create(host, &c, &vm), -EINVAL);
    assert_null(vm);
    free(g.buf);
}

int main(void)
{
    int rc = vmm_host_open(&host);
    if (rc < 0) {
        printf("SKIP: /dev/kvm unavailable (%s)\n", strerror(-rc));
        return 77;
    }
    static bool k = false, u = true;
#define BOTH(f) cmocka_unit_test_prestate_setup_teardown(f, set_mode, NULL, &k), \
                cmocka_unit_test_prestate_setup_teardown(f, set_mode, NULL, &u)
    const struct CMUnitTest tests[] = {
        BOTH(test_hello_prints_and_exits),
        BOTH(test_hello_on_two_pinned_vcpus),
        BOTH(test_triple_fault_marks_vm_failed),
        BOTH(test_bad_mmio_marks_vm_failed),
        BOTH(test_bad_port_marks_vm_failed),
        BOTH(test_kick_reenters_a_halted_guest),
        BOTH(test_idle_worker_completes_posted_items),
        BOTH(test_doorbell_reaches_the_host),
        BOTH(test_spinner_halts_for_its_idle_part),
        BOTH(test_stop_pulls_a_spinning_guest_out),
        BOTH(test_idle_hook_gets_the_halted_cpu),
        cmocka_unit_test(test_destroy_leaves_no_fds_maps_or_threads),
        BOTH(test_recycled_vm_starts_clean),
        cmocka_unit_test(test_histogram_buckets_are_exact_then_coarse),
        cmocka_unit_test(test_bad_config_is_rejected),
    };
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    vmm_host_close(host);
    return rc;
}
