// Recycling torn-down VMs: KVM_CREATE_VM, the memory slot and KVM_CREATE_VCPU dominate VM
// creation (and their release dominates teardown), so a host that starts and stops many
// micro-VMs keeps the KVM objects and reloads only memory contents and registers.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm_int.h"

int vmm_host_set_recycle(vmm_host *h, size_t max)
{
    pthread_mutex_lock(&h->pool_lock);
    if (max > h->pool_cap) {
        vmm_vm **p = realloc(h->pool, max * sizeof(*p));
        if (!p) {
            pthread_mutex_unlock(&h->pool_lock);
            return -ENOMEM;
        }
        h->pool = p;
    }
    h->pool_cap = max;
    vmm_vm *drop[64];
    size_t n = 0;
    while (h->pool_len > max && n < 64)
        drop[n++] = h->pool[--h->pool_len];
    pthread_mutex_unlock(&h->pool_lock);
    for (size_t i = 0; i < n; i++)
        vmm_free(drop[i]);
    return n == 64 ? vmm_host_set_recycle(h, max) : 0;
}

bool vmm_pool_put(vmm_vm *vm)
{
    vmm_host *h = vm->host;
    if (!h->pool_cap || (vm->state != VMM_EXITED && vm->state != VMM_STOPPED &&
                         vm->state != VMM_CREATED))
        return false;
    // Let KVM finish any I/O the last exit left pending, without entering the guest.
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        vmm_vcpu *vc = &vm->vcpu[i];
        vc->run->immediate_exit = 1;
        if (ioctl(vc->fd, KVM_RUN, 0) == 0 || errno != EINTR)
            return false;
        vc->run->immediate_exit = 0;
    }
    if (madvise(vm->mem, vm->mem_size, MADV_DONTNEED) < 0)
        return false;
    pthread_mutex_lock(&h->pool_lock);
    bool ok = h->pool_len < h->pool_cap;
    if (ok)
        h->pool[h->pool_len++] = vm;
    pthread_mutex_unlock(&h->pool_lock);
    return ok;
}

vmm_vm *vmm_pool_take(vmm_host *h, const vmm_config *cfg)
{
    vmm_vm *vm = NULL;
    pthread_mutex_lock(&h->pool_lock);
    for (size_t i = h->pool_len; i-- > 0;) {
        vmm_vm *c = h->pool[i];
        if (c->mem_size == cfg->mem_size && c->nvcpus == cfg->vcpus && c->cpl3 == cfg->cpl3 &&
            c->console_cap_cfg == cfg->console_cap) {
            vm = c;
            h->pool[i] = h->pool[--h->pool_len];
            break;
        }
    }
    pthread_mutex_unlock(&h->pool_lock);
    if (!vm)
        return NULL;
    vm->state = VMM_CREATED;
    vm->started = false;
    vm->live_threads = 0;
    vm->exit_code = 0;
    vm->fail_reason[0] = '\0';
    atomic_store(&vm->stop, 0);
    atomic_store(&vm->sleepers, 0);
    vm->console_len = 0;
    vm->idle = cfg->idle;
    vm->idle_arg = cfg->idle_arg;
    vm->doorbell = cfg->doorbell;
    vm->doorbell_arg = cfg->doorbell_arg;
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        vmm_vcpu *vc = &vm->vcpu[i];
        vc->cpu = cfg->cpus ? cfg->cpus[i] : -1;
        vc->thread_started = false;
        vc->timer_deadline_us = 0;
        for (int k = 0; k < ST_COUNT; k++)
            atomic_store(&vc->stats[k], 0);
        struct kvm_vcpu_events ev;
        memset(&ev, 0, sizeof(ev));  // drop any exception or interrupt state left behind
        if (ioctl(vc->fd, KVM_SET_VCPU_EVENTS, &ev) < 0 || vmm_reset_vcpu(vm, vc) < 0) {
            vmm_free(vm);
            return NULL;
        }
    }
    vmm_fill_memory(vm, cfg);
    return vm;
}
