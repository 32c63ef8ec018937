// VM lifecycle (create, start, wait, stop, destroy), the host side of the rings, accessors.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "vmm_int.h"

#define VCPU_STACK_SIZE (64u << 10)  // the vCPU loop is shallow; keeps RSS per VM small

static int check_config(const vmm_config *c)
{
    if (c->mem_size < PV_MIN_MEM || c->mem_size > PV_MAX_MEM || c->mem_size % (2u << 20)) {
        log_error("vmm: config.mem_size %zu: want a multiple of 2 MiB in [2 MiB, 1022 MiB]",
                  c->mem_size);
        return -EINVAL;
    }
    if (c->vcpus < 1 || c->vcpus > PV_MAX_VCPUS) {
        log_error("vmm: config.vcpus %u: want 1..%u", c->vcpus, PV_MAX_VCPUS);
        return -EINVAL;
    }
    if (!c->image || c->image_size == 0 || c->image_size > c->mem_size - PV_LOAD_GPA) {
        log_error("vmm: config.image: %zu bytes does not fit above 1 MiB", c->image_size);
        return -EINVAL;
    }
    return 0;
}

int vmm_create(vmm_host *h, const vmm_config *cfg, vmm_vm **out)
{
    *out = NULL;
    int rc = check_config(cfg);
    if (rc < 0)
        return rc;
    vmm_signal_init();
    vmm_vm *vm = vmm_pool_take(h, cfg);
    if (vm) {
        *out = vm;
        return 0;
    }
    vm = calloc(1, sizeof(*vm));
    if (!vm)
        return -ENOMEM;
    vm->host = h;
    vm->fd = -1;
    vm->nvcpus = cfg->vcpus;
    vm->idle = cfg->idle;
    vm->idle_arg = cfg->idle_arg;
    vm->doorbell = cfg->doorbell;
    vm->doorbell_arg = cfg->doorbell_arg;
    vm->cpl3 = cfg->cpl3;
    vm->console_cap_cfg = cfg->console_cap;
    vm->state = VMM_CREATED;
    pthread_mutex_init(&vm->lock, NULL);
    pthread_mutex_init(&vm->console_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&vm->done, &ca);
    pthread_condattr_destroy(&ca);
    for (unsigned i = 0; i < PV_MAX_VCPUS; i++) {
        vm->vcpu[i].vm = vm;
        vm->vcpu[i].index = i;
        vm->vcpu[i].fd = -1;
        vm->vcpu[i].cpu = cfg->cpus && i < cfg->vcpus ? cfg->cpus[i] : -1;
    }
    vm->console_cap = cfg->console_cap ? cfg->console_cap : 4096;
    vm->console = malloc(vm->console_cap);
    if (!vm->console) {
        rc = -ENOMEM;
        goto fail;
    }
    vm->fd = ioctl(h->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->fd < 0) {
        rc = -errno;
        vm->fd = -1;
        log_error("vmm: KVM_CREATE_VM: %s", strerror(-rc));
        goto fail;
    }
    rc = vmm_setup_memory(vm, cfg);
    if (rc < 0) {
        log_error("vmm: guest memory: %s", strerror(-rc));
        goto fail;
    }
    for (unsigned i = 0; i < cfg->vcpus; i++) {
        rc = vmm_setup_vcpu(vm, &vm->vcpu[i]);
        if (rc < 0) {
            log_error("vmm: vcpu %u setup: %s", i, strerror(-rc));
            goto fail;
        }
    }
    rc = vmm_measure_tsc_offset(vm);
    if (rc < 0) {
        log_error("vmm: reading the guest TSC: %s", strerror(-rc));
        goto fail;
    }
    *out = vm;
    return 0;
fail:
    vmm_free(vm);
    return rc;
}

int vmm_start(vmm_vm *vm)
{
    pthread_mutex_lock(&vm->lock);
    if (vm->started) {
        pthread_mutex_unlock(&vm->lock);
        return -EALREADY;
    }
    vm->started = true;
    vm->state = VMM_RUNNING;
    pthread_mutex_unlock(&vm->lock);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, VCPU_STACK_SIZE);
    int rc = 0;
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        vmm_vcpu *vc = &vm->vcpu[i];
        pthread_mutex_lock(&vm->lock);
        vm->live_threads++;
        pthread_mutex_unlock(&vm->lock);
        int e = pthread_create(&vc->thread, &attr, vmm_vcpu_main, vc);
        if (e) {
            pthread_mutex_lock(&vm->lock);
            vm->live_threads--;
            pthread_mutex_unlock(&vm->lock);
            vmm_end(vm, VMM_FAILED, 0, "vcpu %u: thread: %s", i, strerror(e));
            rc = -e;
            break;
        }
        vc->thread_started = true;
    }
    pthread_attr_destroy(&attr);
    if (rc < 0) {
        pthread_mutex_lock(&vm->lock);
        if (vm->live_threads == 0)
            pthread_cond_broadcast(&vm->done);
        pthread_mutex_unlock(&vm->lock);
    }
    return rc;
}

int vmm_wait(vmm_vm *vm, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    if (timeout_ms > 0) {
        dl.tv_sec += timeout_ms / 1000;
        dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
    }
    int rc = 0;
    pthread_mutex_lock(&vm->lock);
    while (vm->started && vm->live_threads > 0) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&vm->done, &vm->lock);
        } else if (timeout_ms == 0 || pthread_cond_timedwait(&vm->done, &vm->lock, &dl)) {
            rc = vm->live_threads > 0 ? -ETIMEDOUT : 0;
            break;
        }
    }
    pthread_mutex_unlock(&vm->lock);
    return rc;
}

void vmm_stop(vmm_vm *vm)
{
    atomic_store(&vm->stop, 1);
    vmm_force_out(vm, NULL);
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        vmm_vcpu *vc = &vm->vcpu[i];
        if (vc->thread_started) {
            pthread_join(vc->thread, NULL);
            vc->thread_started = false;
            atomic_store(&vc->in_thread, 0);
        }
    }
    pthread_mutex_lock(&vm->lock);
    if (vm->state == VMM_RUNNING)
        vm->state = VMM_STOPPED;
    pthread_mutex_unlock(&vm->lock);
}

void vmm_destroy(vmm_vm *vm)
{
    if (!vm)
        return;
    vmm_stop(vm);
    if (!vmm_pool_put(vm))
        vmm_free(vm);
}

void vmm_free(vmm_vm *vm)
{
    vmm_stop(vm);
    for (unsigned i = 0; i < PV_MAX_VCPUS; i++) {
        vmm_vcpu *vc = &vm->vcpu[i];
        if (vc->run)
            munmap(vc->run, (size_t)vm->host->run_size);
        if (vc->fd >= 0)
            close(vc->fd);
    }
    if (vm->fd >= 0)
        close(vm->fd);
    if (vm->mem)
        munmap(vm->mem, vm->mem_size);
    pthread_cond_destroy(&vm->done);
    pthread_mutex_destroy(&vm->lock);
    pthread_mutex_destroy(&vm->console_lock);
    free(vm->console);
    free(vm);
}

vmm_state vmm_get_state(const vmm_vm *vm)
{
    vmm_vm *m = (vmm_vm *)vm;
    pthread_mutex_lock(&m->lock);
    vmm_state s = m->state;
    pthread_mutex_unlock(&m->lock);
    return s;
}

const char *vmm_state_name(vmm_state s)
{
    static const char *const names[] = {"CREATED", "RUNNING", "EXITED", "FAILED", "STOPPED"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

uint32_t vmm_exit_code(const vmm_vm *vm)
{
    return vm->exit_code;
}

const char *vmm_fail_reason(const vmm_vm *vm)
{
    return vm->fail_reason;
}

size_t vmm_console(vmm_vm *vm, char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    pthread_mutex_lock(&vm->console_lock);
    size_t n = vm->console_len < cap - 1 ? vm->console_len : cap - 1;
    memcpy(buf, vm->console, n);
    pthread_mutex_unlock(&vm->console_lock);
    buf[n] = '\0';
    return n;
}

void vmm_vcpu_stats_get(const vmm_vm *vm, unsigned vcpu, vmm_vcpu_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (vcpu >= vm->nvcpus)
        return;
    vmm_vcpu *vc = (vmm_vcpu *)&vm->vcpu[vcpu];
    uint64_t v[ST_COUNT];
    for (int i = 0; i < ST_COUNT; i++)
        v[i] = atomic_load_explicit(&vc->stats[i], memory_order_relaxed);
    out->exits = v[ST_EXITS];
    out->hlt_exits = v[ST_HLT];
    out->io_exits = v[ST_IO];
    out->mmio_exits = v[ST_MMIO];
    out->idle_calls = v[ST_IDLE];
    out->halted_us = v[ST_HALTED_US];
    out->doorbells = v[ST_DOORBELL];
}

unsigned vmm_vcpu_count(const vmm_vm *vm)
{
    return vm->nvcpus;
}

void *vmm_gpa(vmm_vm *vm, uint64_t gpa, size_t len)
{
    if (gpa > vm->mem_size || len > vm->mem_size - gpa)
        return NULL;
    return vm->mem + gpa;
}

size_t vmm_mem_size(const vmm_vm *vm)
{
    return vm->mem_size;
}

pv_shared *vmm_shared(vmm_vm *vm)
{
    return (pv_shared *)(vm->mem + PV_SHARED_GPA);
}

uint64_t vmm_guest_tsc_from(const vmm_vm *vm, uint64_t host_tsc)
{
    return host_tsc + (uint64_t)vm->tsc_offset;
}

uint64_t vmm_guest_tsc(const vmm_vm *vm)
{
    return vmm_guest_tsc_from(vm, vmm_rdtsc());
}

int vmm_post_work(vmm_vm *vm, const pv_work *w)
{
    pv_shared *sh = vmm_shared(vm);
    uint32_t head = sh->work_head;
    uint32_t tail = __atomic_load_n(&sh->work_tail, __ATOMIC_ACQUIRE);
    if (head - tail >= PV_RING_ENTRIES)
        return -EAGAIN;
    pv_work *slot = &PV_WORK_RING(vm->mem + PV_RING_GPA)[head % PV_RING_ENTRIES];
    *slot = *w;
    slot->post_tsc = vmm_guest_tsc(vm);
    __atomic_store_n(&sh->work_head, head + 1, __ATOMIC_RELEASE);
    vmm_wake(vm);  // vCPU 0 sees the ring moved; the other vCPUs stay halted
    return 0;
}

size_t vmm_reap_done(vmm_vm *vm, pv_done *out, size_t max)
{
    pv_shared *sh = vmm_shared(vm);
    uint32_t tail = sh->done_tail;
    uint32_t head = __atomic_load_n(&sh->done_head, __ATOMIC_ACQUIRE);
    if (head - tail > PV_RING_ENTRIES)  // a guest that corrupts its index gets nothing reaped
        return 0;
    size_t n = 0;
    const pv_done *ring = PV_DONE_RING(vm->mem + PV_RING_GPA);
    while (tail != head && n < max)
        out[n++] = ring[tail++ % PV_RING_ENTRIES];
    __atomic_store_n(&sh->done_tail, tail, __ATOMIC_RELEASE);
    return n;
}

void vmm_kick(vmm_vm *vm)
{
    atomic_fetch_add_explicit(&vm->kick_seq, 1, memory_order_release);
    vmm_wake(vm);
}

void vmm_nudge(vmm_vm *vm)
{
    vmm_wake(vm);
}
