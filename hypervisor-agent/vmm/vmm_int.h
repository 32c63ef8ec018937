// vmm internals shared by the vmm's own files; not a public header.
#ifndef OUTRIG_VMM_INT_H
#define OUTRIG_VMM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>

#include "vmm.h"

struct vmm_host {
    int kvm_fd;
    int run_size;
    struct kvm_cpuid2 *cpuid;  // supported CPUID, given to every vCPU
    uint64_t tsc_khz;
    pthread_mutex_t pool_lock;  // recycled VMs (vmm_host_set_recycle)
    vmm_vm **pool;
    size_t pool_len, pool_cap;
};

enum { ST_EXITS, ST_HLT, ST_IO, ST_MMIO, ST_IDLE, ST_HALTED_US, ST_DOORBELL, ST_COUNT };

typedef struct vmm_vcpu {
    vmm_vm *vm;
    unsigned index;
    int fd;
    int cpu;
    struct kvm_run *run;
    pthread_t thread;      // the starter's handle, for join (starter's thread only)
    bool thread_started;
    pthread_t self;        // written by the vCPU thread before it sets in_thread
    atomic_int in_thread;  // the vCPU thread runs and can take the kick signal
    uint32_t kick_seen;          // vm->kick_seq at the last entry
    uint64_t timer_deadline_us;  // PV_PORT_TIMER, 0 = none
    _Atomic uint64_t stats[ST_COUNT];   // vmm_vcpu_stats fields, in order
} vmm_vcpu;

struct vmm_vm {
    vmm_host *host;
    int fd;
    uint8_t *mem;
    size_t mem_size;
    unsigned nvcpus;
    vmm_vcpu vcpu[PV_MAX_VCPUS];
    int64_t tsc_offset;  // guest TSC - host TSC

    pthread_mutex_t lock;  // state, exit_code, fail_reason, live_threads
    pthread_cond_t done;
    vmm_state state;
    unsigned live_threads;
    bool started;
    bool joined;
    uint32_t exit_code;
    char fail_reason[192];

    atomic_int stop;
    _Atomic uint32_t wake_seq;  // futex word halted vCPU threads sleep on
    _Atomic uint32_t kick_seq;  // bumped by vmm_kick: re-enter the guest
    atomic_int sleepers;

    pthread_mutex_t console_lock;
    char *console;
    size_t console_cap;
    size_t console_len;

    vmm_idle_fn idle;
    void *idle_arg;
    vmm_doorbell_fn doorbell;
    void *doorbell_arg;
    bool cpl3;
    size_t console_cap_cfg;  // as configured (pool key)
};

// vmm_setup.c
int vmm_setup_memory(vmm_vm *vm, const vmm_config *cfg);
int vmm_setup_vcpu(vmm_vm *vm, vmm_vcpu *vc);
// Writes page tables, GDT, the shared page and the image into (zeroed) guest memory.
void vmm_fill_memory(vmm_vm *vm, const vmm_config *cfg);
// Loads the entry state (segments, control registers, RIP/RSP/RDI/RSI) into a vCPU.
int vmm_reset_vcpu(vmm_vm *vm, vmm_vcpu *vc);
int vmm_measure_tsc_offset(vmm_vm *vm);

// vmm_pool.c
// Parks a stopped VM for reuse; false when it cannot be (caller frees it).
bool vmm_pool_put(vmm_vm *vm);
// A parked VM matching cfg, reset and loaded with cfg's image, or NULL.
vmm_vm *vmm_pool_take(vmm_host *h, const vmm_config *cfg);
// vmm.c: releases everything of a stopped VM.
void vmm_free(vmm_vm *vm);

// vmm_vcpu.c
void *vmm_vcpu_main(void *arg);
void vmm_signal_init(void);
void vmm_force_out(vmm_vm *vm, const vmm_vcpu *except);
// Ends the VM with state s (EXITED or FAILED) unless it already ended; formats the reason.
void vmm_end(vmm_vm *vm, vmm_state s, uint32_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vmm_wake(vmm_vm *vm);

static inline uint64_t vmm_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#endif
