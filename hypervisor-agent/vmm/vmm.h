// vmm: micro-VMs on /dev/kvm with no in-kernel irqchip, so that a guest's HLT comes back to
// the vCPU thread. One thread per vCPU; long mode from the first instruction; a paravirtual
// device set (console, doorbell, exit, one-shot timer, work/completion rings) described in
// pv_abi.h. A guest fault marks the VM FAILED; it never takes the process down.
#ifndef OUTRIG_VMM_H
#define OUTRIG_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pv_abi.h"

typedef struct vmm_host vmm_host;
typedef struct vmm_vm vmm_vm;

typedef enum {
    VMM_CREATED = 0,
    VMM_RUNNING,
    VMM_EXITED,   // the guest wrote PV_PORT_EXIT
    VMM_FAILED,   // triple fault, bad MMIO/port, entry failure, internal error
    VMM_STOPPED,  // vmm_stop from the host
} vmm_state;

// Host work offered the CPU a halted guest released. Called on the vCPU thread after a HLT
// while the guest has nothing to do; runs at most one bounded portion and returns true, or
// returns false when it has nothing. Must not allocate or block.
typedef bool (*vmm_idle_fn)(void *arg, vmm_vm *vm, unsigned vcpu);

// Called on a vCPU thread when its guest rings the doorbell (value = the guest's done_head).
// Must not block or allocate.
typedef void (*vmm_doorbell_fn)(void *arg, vmm_vm *vm, uint32_t value);

typedef struct vmm_config {
    size_t mem_size;     // multiple of 2 MiB in [PV_MIN_MEM, PV_MAX_MEM]
    unsigned vcpus;      // 1..PV_MAX_VCPUS
    const void *image;   // flat binary, copied to PV_LOAD_GPA
    size_t image_size;
    const int *cpus;     // host CPU per vCPU (-1 = any); NULL = none pinned
    uint64_t params[PV_NPARAMS];
    vmm_idle_fn idle;    // optional
    void *idle_arg;
    vmm_doorbell_fn doorbell;  // optional
    void *doorbell_arg;
    size_t console_cap;  // console bytes kept (0 = 4096)
    bool cpl3;           // run the guest at CPL 3 / IOPL 3 (see pv_abi.h)
} vmm_config;

typedef struct vmm_vcpu_stats {
    uint64_t exits;
    uint64_t hlt_exits;
    uint64_t io_exits;
    uint64_t mmio_exits;
    uint64_t idle_calls;  // vmm_idle_fn portions that did work
    uint64_t halted_us;   // time between a HLT exit and the next entry
    uint64_t doorbells;
} vmm_vcpu_stats;

// Opens /dev/kvm and checks the API. Returns 0, -ENOENT/-EACCES when KVM is unavailable,
// -ENOTSUP on an unusable KVM, -ENOMEM. Free with vmm_host_close.
int vmm_host_open(vmm_host **out);
void vmm_host_close(vmm_host *h);
// Keeps up to max torn-down VMs (EXITED, STOPPED or never started; never FAILED) for reuse by
// a vmm_create with the same memory size, vCPU count, CPL and console size: the KVM VM, its
// memory slot and vCPUs stay, guest memory is dropped (it reads back as zeros) and every
// vCPU's entry state is loaded again. 0 (the default) disables. 0 or -ENOMEM.
int vmm_host_set_recycle(vmm_host *h, size_t max);
// TSC frequency the guests see, in kHz (0 when KVM does not say).
uint64_t vmm_host_tsc_khz(const vmm_host *h);

// Builds a VM from cfg (memory, page tables, vCPUs, image) without running it. The host must
// outlive the VM. Returns 0, -EINVAL (bad config, names the field in the log), -ENOMEM or the
// failing ioctl's -errno.
int vmm_create(vmm_host *h, const vmm_config *cfg, vmm_vm **out);
// Starts one thread per vCPU. Returns 0, -EALREADY, or -errno from thread creation.
int vmm_start(vmm_vm *vm);
// Waits until the VM is no longer RUNNING. timeout_ms < 0 waits forever. 0 or -ETIMEDOUT.
int vmm_wait(vmm_vm *vm, int timeout_ms);
// Forces every vCPU out of the guest and joins the threads; state becomes STOPPED unless the
// VM had already exited or failed. Safe to call twice.
void vmm_stop(vmm_vm *vm);
// Stops the VM if needed and releases its fds, mappings and threads (or parks them for reuse,
// see vmm_host_set_recycle). NULL is a no-op.
void vmm_destroy(vmm_vm *vm);

vmm_state vmm_get_state(const vmm_vm *vm);
const char *vmm_state_name(vmm_state s);
// Exit code written by the guest (valid in EXITED).
uint32_t vmm_exit_code(const vmm_vm *vm);
// Why the VM failed ("" unless FAILED). Owned by the VM.
const char *vmm_fail_reason(const vmm_vm *vm);
// Copies up to cap-1 bytes of console output (NUL-terminated); returns the length copied.
size_t vmm_console(vmm_vm *vm, char *buf, size_t cap);
void vmm_vcpu_stats_get(const vmm_vm *vm, unsigned vcpu, vmm_vcpu_stats *out);
unsigned vmm_vcpu_count(const vmm_vm *vm);

// Host view of guest memory [gpa, gpa+len), or NULL when it is not all RAM.
void *vmm_gpa(vmm_vm *vm, uint64_t gpa, size_t len);
size_t vmm_mem_size(const vmm_vm *vm);
pv_shared *vmm_shared(vmm_vm *vm);
// Host TSC now, translated into the guests' TSC domain.
uint64_t vmm_guest_tsc(const vmm_vm *vm);
// Converts a host TSC reading into the guest domain.
uint64_t vmm_guest_tsc_from(const vmm_vm *vm, uint64_t host_tsc);

// Posts a work item (post_tsc is stamped here) and kicks vCPU 0 if it is halted. One producer
// thread at a time. Returns 0 or -EAGAIN when the ring is full. Does not allocate.
int vmm_post_work(vmm_vm *vm, const pv_work *w);
// Moves up to max completions out of the ring; returns how many. One consumer thread.
size_t vmm_reap_done(vmm_vm *vm, pv_done *out, size_t max);
// Makes every halted vCPU re-enter its guest.
void vmm_kick(vmm_vm *vm);
// Wakes halted vCPU threads so they offer their CPU to the idle hook again (new host work),
// without re-entering the guest unless it has work.
void vmm_nudge(vmm_vm *vm);
// True when vCPU vcpu has a reason to re-enter the guest (kick, work, timer, stop). Idle hooks
// poll it to cut a portion short.
bool vmm_guest_wants_cpu(vmm_vm *vm, unsigned vcpu);

// Reads a whole file (a guest image) into a malloc'd buffer the caller frees. 0 or -errno.
int vmm_image_load(const char *path, void **buf, size_t *size);

#endif
