// The vCPU thread: KVM_RUN, exit handling, and the HLT protocol. With no in-kernel irqchip a
// guest HLT returns here; the thread offers the released CPU to the idle hook, sleeps on a
// futex until the guest has a reason to run (a kick, posted work, its timer, a stop), and
// re-enters. Nothing on this path allocates.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/clock.h"
#include "vmm_int.h"

static int kick_signal(void)
{
    return SIGRTMIN + 1;
}

static void on_kick_signal(int sig)
{
    (void)sig;  // only there to make KVM_RUN return -EINTR
}

static pthread_once_t signal_once = PTHREAD_ONCE_INIT;

static void install_signal(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_kick_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(kick_signal(), &sa, NULL);
}

void vmm_signal_init(void)
{
    pthread_once(&signal_once, install_signal);
}

static void stat_add(vmm_vcpu *vc, int i, uint64_t v)
{
    atomic_fetch_add_explicit(&vc->stats[i], v, memory_order_relaxed);
}

void vmm_force_out(vmm_vm *vm, const vmm_vcpu *except)
{
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        vmm_vcpu *vc = &vm->vcpu[i];
        if (vc == except || !vc->run)
            continue;
        // immediate_exit covers a signal that lands before the thread is inside KVM_RUN; a
        // thread not yet in_thread sees vm->stop (set before this) before its first KVM_RUN.
        __atomic_store_n(&vc->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
        if (atomic_load(&vc->in_thread))
            pthread_kill(vc->self, kick_signal());
    }
    vmm_wake(vm);
}

void vmm_wake(vmm_vm *vm)
{
    atomic_fetch_add(&vm->wake_seq, 1);
    if (atomic_load(&vm->sleepers) > 0)
        syscall(SYS_futex, &vm->wake_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void vmm_end(vmm_vm *vm, vmm_state s, uint32_t code, const char *fmt, ...)
{
    pthread_mutex_lock(&vm->lock);
    if (vm->state == VMM_RUNNING) {
        vm->state = s;
        vm->exit_code = code;
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(vm->fail_reason, sizeof(vm->fail_reason), fmt, ap);
            va_end(ap);
        }
    }
    pthread_mutex_unlock(&vm->lock);
    atomic_store(&vm->stop, 1);
    vmm_force_out(vm, NULL);
}

bool vmm_guest_wants_cpu(vmm_vm *vm, unsigned vcpu)
{
    vmm_vcpu *vc = &vm->vcpu[vcpu];
    if (atomic_load_explicit(&vm->stop, memory_order_relaxed))
        return true;
    if (atomic_load_explicit(&vm->kick_seq, memory_order_acquire) != vc->kick_seen)
        return true;
    if (vcpu == 0) {
        pv_shared *sh = (pv_shared *)(vm->mem + PV_SHARED_GPA);
        if (__atomic_load_n(&sh->work_head, __ATOMIC_ACQUIRE) !=
            __atomic_load_n(&sh->work_tail, __ATOMIC_ACQUIRE))
            return true;
    }
    return vc->timer_deadline_us && clock_mono_us() >= vc->timer_deadline_us;
}

static void vcpu_halt(vmm_vcpu *vc)
{
    vmm_vm *vm = vc->vm;
    uint64_t t0 = clock_mono_us();
    for (;;) {
        uint32_t seq = atomic_load(&vm->wake_seq);
        if (vmm_guest_wants_cpu(vm, vc->index))
            break;
        if (vm->idle && vm->idle(vm->idle_arg, vm, vc->index)) {
            stat_add(vc, ST_IDLE, 1);
            continue;
        }
        struct timespec ts, *tp = NULL;
        if (vc->timer_deadline_us) {
            uint64_t now = clock_mono_us();
            uint64_t left = vc->timer_deadline_us > now ? vc->timer_deadline_us - now : 0;
            ts.tv_sec = (time_t)(left / 1000000u);
            ts.tv_nsec = (long)(left % 1000000u) * 1000;
            tp = &ts;
        }
        atomic_fetch_add(&vm->sleepers, 1);
        syscall(SYS_futex, &vm->wake_seq, FUTEX_WAIT_PRIVATE, seq, tp, NULL, 0);
        atomic_fetch_sub(&vm->sleepers, 1);
    }
    vc->timer_deadline_us = 0;
    stat_add(vc, ST_HALTED_US, clock_mono_us() - t0);
}

// Returns false when the VM has ended because of this exit.
static bool handle_io(vmm_vcpu *vc)
{
    vmm_vm *vm = vc->vm;
    struct kvm_run *run = vc->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    uint16_t port = run->io.port;
    uint32_t v = 0;
    if (run->io.direction == KVM_EXIT_IO_OUT && run->io.count == 1 && run->io.size <= 4)
        memcpy(&v, data, run->io.size);
    if (run->io.direction == KVM_EXIT_IO_OUT) {
        if (port == PV_PORT_CONSOLE && run->io.size == 1) {
            pthread_mutex_lock(&vm->console_lock);
            for (uint32_t i = 0; i < run->io.count; i++)
                if (vm->console_len < vm->console_cap - 1)
                    vm->console[vm->console_len++] = (char)data[i];
            pthread_mutex_unlock(&vm->console_lock);
            return true;
        }
        if (port == PV_PORT_DOORBELL && run->io.size == 4) {
            stat_add(vc, ST_DOORBELL, 1);
            if (vm->doorbell)
                vm->doorbell(vm->doorbell_arg, vm, v);
            return true;
        }
        if (port == PV_PORT_HALT && run->io.size == 4) {
            stat_add(vc, ST_HLT, 1);
            vcpu_halt(vc);
            return true;
        }
        if (port == PV_PORT_TIMER && run->io.size == 4) {
            vc->timer_deadline_us = clock_mono_us() + v;
            return true;
        }
        if (port == PV_PORT_EXIT && run->io.size == 4) {
            vmm_end(vm, VMM_EXITED, v, NULL);
            return false;
        }
    }
    vmm_end(vm, VMM_FAILED, 0, "vcpu %u: bad port %s 0x%x size %u", vc->index,
            run->io.direction == KVM_EXIT_IO_OUT ? "write" : "read", port, run->io.size);
    return false;
}

static bool handle_mmio(vmm_vcpu *vc)
{
    struct kvm_run *run = vc->run;
    uint64_t a = run->mmio.phys_addr;
    if (!run->mmio.is_write && run->mmio.len == 8 && a >= PV_MMIO_GPA &&
        a <= PV_MMIO_GPA + PV_MMIO_TSC_KHZ) {
        uint64_t v = 0;
        if (a == PV_MMIO_GPA + PV_MMIO_MAGIC)
            v = PV_MAGIC;
        else if (a == PV_MMIO_GPA + PV_MMIO_TSC_KHZ)
            v = vmm_host_tsc_khz(vc->vm->host);
        else
            goto bad;
        memcpy(run->mmio.data, &v, 8);
        return true;
    }
bad:
    vmm_end(vc->vm, VMM_FAILED, 0, "vcpu %u: bad MMIO %s at 0x%llx len %u", vc->index,
            run->mmio.is_write ? "write" : "read", (unsigned long long)a, run->mmio.len);
    return false;
}

static bool handle_exit(vmm_vcpu *vc)
{
    vmm_vm *vm = vc->vm;
    struct kvm_run *run = vc->run;
    stat_add(vc, ST_EXITS, 1);
    switch (run->exit_reason) {
    case KVM_EXIT_HLT:
        stat_add(vc, ST_HLT, 1);
        vcpu_halt(vc);
        return true;
    case KVM_EXIT_IO:
        stat_add(vc, ST_IO, 1);
        return handle_io(vc);
    case KVM_EXIT_MMIO:
        stat_add(vc, ST_MMIO, 1);
        return handle_mmio(vc);
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_SHUTDOWN:
        vmm_end(vm, VMM_FAILED, 0, "vcpu %u: triple fault (shutdown)", vc->index);
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        vmm_end(vm, VMM_FAILED, 0, "vcpu %u: entry failed, hardware reason 0x%llx", vc->index,
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        vmm_end(vm, VMM_FAILED, 0, "vcpu %u: KVM internal error, suberror %u", vc->index,
                run->internal.suberror);
        return false;
    default:
        vmm_end(vm, VMM_FAILED, 0, "vcpu %u: unhandled exit reason %u", vc->index,
                run->exit_reason);
        return false;
    }
}

void *vmm_vcpu_main(void *arg)
{
    vmm_vcpu *vc = arg;
    vmm_vm *vm = vc->vm;
    vc->self = pthread_self();
    atomic_store(&vc->in_thread, 1);
    if (vc->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(vc->cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    }
    while (!atomic_load(&vm->stop)) {
        vc->kick_seen = atomic_load_explicit(&vm->kick_seq, memory_order_acquire);
        if (ioctl(vc->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            vmm_end(vm, VMM_FAILED, 0, "vcpu %u: KVM_RUN: %s", vc->index, strerror(errno));
            break;
        }
        if (!handle_exit(vc))
            break;
    }
    pthread_mutex_lock(&vm->lock);
    if (--vm->live_threads == 0) {
        if (vm->state == VMM_RUNNING)
            vm->state = VMM_STOPPED;
        pthread_cond_broadcast(&vm->done);
    }
    pthread_mutex_unlock(&vm->lock);
    return NULL;
}
