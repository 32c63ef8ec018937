// bench-vm-lifecycle: how fast a micro-VM starts and goes away, and what an idle one costs.
//  - create_to_first_instruction: vmm_create + vmm_start until the guest's first instruction
//    (its TSC, written by crt0, translated to the host's domain), p50/p99 over N VMs;
//  - teardown: vmm_destroy of an exited VM, p50/p99;
//  - rss_per_idle_vm: agent RSS growth per halted VM, minus the guest pages resident.
// Knobs: OUTRIG_BENCH_VMS (200), OUTRIG_BENCH_IDLE_VMS (50), OUTRIG_BENCH_CPL0=1.
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hypervisor_common.h"
#include "util/clock.h"
#include "vmm.h"

#define BENCH "vm-lifecycle"

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static long rss_pages(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res;
}

static size_t resident_guest_pages(vmm_vm *vm)
{
    size_t len = vmm_mem_size(vm), pg = (size_t)sysconf(_SC_PAGESIZE), n = 0;
    unsigned char *vec = malloc(len / pg);
    if (vec && mincore(vmm_gpa(vm, 0, len), len, vec) == 0)
        for (size_t i = 0; i < len / pg; i++)
            n += vec[i] & 1;
    free(vec);
    return n;
}

static const char *const metric[7] = {
    "create_to_first_instruction_p50", "create_to_first_instruction_p99",
    "create_only_p50", "create_only_p99", "teardown_p50", "teardown_p99", "vms",
};

// Creates, runs to exit and destroys nvms VMs; out gets the µs of each metric[] (p50, p99 of
// create-to-first-instruction, create alone, teardown) and the VM count.
static int measure(vmm_host *h, const vmm_config *c, int nvms, double khz, double out[7])
{
    int e = 0;
    uint64_t *first = calloc((size_t)nvms, sizeof(uint64_t));
    uint64_t *create = calloc((size_t)nvms, sizeof(uint64_t));
    uint64_t *down = calloc((size_t)nvms, sizeof(uint64_t));
    int ok = 0;
    for (int i = 0; i < nvms; i++) {
        vmm_vm *vm;
        uint64_t t0 = rdtsc();
        if ((e = vmm_create(h, c, &vm)) < 0) {
            fprintf(stderr, "bench-vm-lifecycle: create: %s\n", strerror(-e));
            break;
        }
        uint64_t t1 = rdtsc();
        vmm_start(vm);
        vmm_wait(vm, 5000);
        uint64_t boot = vmm_shared(vm)->boot_tsc[0];
        if (vmm_get_state(vm) != VMM_EXITED || !boot) {
            fprintf(stderr, "bench-vm-lifecycle: VM %d ended %s\n", i,
                    vmm_state_name(vmm_get_state(vm)));
            vmm_destroy(vm);
            continue;
        }
        uint64_t boot_host = boot - (vmm_guest_tsc_from(vm, 0));
        uint64_t t2 = rdtsc();
        vmm_destroy(vm);
        uint64_t t3 = rdtsc();
        first[ok] = (uint64_t)((double)(boot_host - t0) * 1e6 / khz);  // ns
        create[ok] = (uint64_t)((double)(t1 - t0) * 1e6 / khz);
        down[ok] = (uint64_t)((double)(t3 - t2) * 1e6 / khz);
        ok++;
    }
    uint64_t *phase[3] = {first, create, down};
    for (int i = 0; i < 3; i++) {
        out[2 * i] = bench_pct(phase[i], (size_t)ok, 0.5) / 1000;
        out[2 * i + 1] = bench_pct(phase[i], (size_t)ok, 0.99) / 1000;
    }
    out[6] = ok;
    free(first);
    free(create);
    free(down);
    return ok ? 0 : -EIO;
}

int main(void)
{
    int nvms = (int)bench_env("OUTRIG_BENCH_VMS", 200);
    int nidle = (int)bench_env("OUTRIG_BENCH_IDLE_VMS", 50);
    bool cpl3 = bench_env("OUTRIG_BENCH_CPL0", 0) == 0;
    vmm_host *h;
    int e = vmm_host_open(&h);
    if (e < 0) {
        fprintf(stderr, "bench-vm-lifecycle: /dev/kvm unavailable (%s)\n", strerror(-e));
        return 0;
    }
    double khz = (double)vmm_host_tsc_khz(h);
    void *img;
    size_t n;
    if ((e = vmm_image_load(OUTRIG_GUEST_DIR "/idle.bin", &img, &n)) < 0) {
        fprintf(stderr, "bench-vm-lifecycle: idle.bin: %s\n", strerror(-e));
        return 1;
    }
    vmm_config c = {.mem_size = PV_MIN_MEM, .vcpus = 1, .image = img, .image_size = n,
                    .cpl3 = cpl3};
    c.params[0] = 1;  // exit at once
    const char *cas = cpl3 ? "cpl3" : "cpl0";
    char cold_name[32], rec_name[32];
    snprintf(cold_name, sizeof(cold_name), "%s-cold", cas);
    snprintf(rec_name, sizeof(rec_name), "%s-recycled", cas);
    double cold[7], rec[7];
    if (measure(h, &c, nvms, khz, cold) < 0)
        return 1;
    // The same with torn-down VMs parked and reused (KVM objects kept, memory dropped).
    vmm_host_set_recycle(h, 4);
    if (measure(h, &c, nvms, khz, rec) < 0)
        return 1;
    vmm_host_set_recycle(h, 0);
    for (int i = 0; i < 7; i++) {
        const char *unit = i == 6 ? "count" : "us";
        bench_emit(BENCH, cold_name, metric[i], cold[i], unit, NULL, NAN);
        bench_emit(BENCH, rec_name, metric[i], rec[i], unit, cold_name, cold[i]);
    }

    // Idle VMs: boot them, let each halt, and measure what they add to this process.
    c.params[0] = 0;
    vmm_vm **vms = calloc((size_t)nidle, sizeof(*vms));
    long rss0 = rss_pages();
    int up = 0;
    for (int i = 0; i < nidle; i++) {
        if (vmm_create(h, &c, &vms[i]) < 0 || vmm_start(vms[i]) < 0)
            break;
        up++;
    }
    uint64_t until = clock_mono_ms() + 10000;
    for (int i = 0; i < up; i++) {
        vmm_vcpu_stats st;
        do {
            vmm_vcpu_stats_get(vms[i], 0, &st);
            if (st.hlt_exits == 0)
                usleep(1000);
        } while (st.hlt_exits == 0 && clock_mono_ms() < until);
    }
    long rss1 = rss_pages();
    size_t guest = 0;
    for (int i = 0; i < up; i++)
        guest += resident_guest_pages(vms[i]);
    double pg = (double)sysconf(_SC_PAGESIZE);
    double per_vm = up ? ((double)(rss1 - rss0) - (double)guest) * pg / up / 1024.0 : NAN;
    double guest_per_vm = up ? (double)guest * pg / up / 1024.0 : NAN;
    bench_emit(BENCH, cas, "rss_per_idle_vm_beyond_guest", per_vm, "KiB", NULL, NAN);
    bench_emit(BENCH, cas, "guest_resident_per_idle_vm", guest_per_vm, "KiB", NULL, NAN);
    bench_emit(BENCH, cas, "idle_vms", up, "count", NULL, NAN);
    for (int i = 0; i < up; i++)
        vmm_destroy(vms[i]);
    free(vms);
    free(img);
    vmm_host_close(h);
    return 0;
}
