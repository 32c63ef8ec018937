// Guest memory, the long-mode environment (GDT, identity page tables, control registers,
// segments) and vCPU creation.
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "util/log.h"
#include "vmm_int.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull
#define PTE_PS 0x80ull

#define CR0_PE 0x1ull
#define CR0_MP 0x2ull
#define CR0_ET 0x10ull
#define CR0_NE 0x20ull
#define CR0_WP 0x10000ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define CR4_OSFXSR 0x200ull
#define CR4_OSXMMEXCPT 0x400ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

#define MSR_IA32_TSC 0x10u

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_UCODE 0x1b
#define SEL_UDATA 0x23
#define RFLAGS_IOPL3 0x3000ull

int vmm_setup_memory(vmm_vm *vm, const vmm_config *cfg)
{
    // NORESERVE: a VM only costs the pages its guest touches.
    void *m = mmap(NULL, cfg->mem_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return -errno;
    vm->mem = m;
    vm->mem_size = cfg->mem_size;
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = cfg->mem_size,
        .userspace_addr = (uint64_t)(uintptr_t)m,
    };
    if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return -errno;
    vmm_fill_memory(vm, cfg);
    return 0;
}

void vmm_fill_memory(vmm_vm *vm, const vmm_config *cfg)
{
    uint64_t *gdt = (uint64_t *)(vm->mem + PV_GDT_GPA);
    gdt[0] = 0;
    gdt[1] = 0x00af9b000000ffffull;  // 64-bit code, DPL 0
    gdt[2] = 0x00cf93000000ffffull;  // data, DPL 0
    gdt[3] = 0x00affb000000ffffull;  // 64-bit code, DPL 3
    gdt[4] = 0x00cff3000000ffffull;  // data, DPL 3

    uint64_t *pml4 = (uint64_t *)(vm->mem + PV_PML4_GPA);
    uint64_t *pdpt = (uint64_t *)(vm->mem + PV_PDPT_GPA);
    uint64_t *pd = (uint64_t *)(vm->mem + PV_PD_GPA);
    uint64_t us = cfg->cpl3 ? PTE_US : 0;
    pml4[0] = PV_PDPT_GPA | PTE_P | PTE_RW | us;
    pdpt[0] = PV_PD_GPA | PTE_P | PTE_RW | us;
    for (uint64_t i = 0; i < 512; i++)
        pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS | us;

    pv_shared *sh = (pv_shared *)(vm->mem + PV_SHARED_GPA);
    sh->magic = PV_MAGIC;
    sh->tsc_khz = vmm_host_tsc_khz(vm->host);
    sh->mem_size = cfg->mem_size;
    sh->vcpus = cfg->vcpus;
    sh->cpl3 = cfg->cpl3;
    memcpy(sh->params, cfg->params, sizeof(sh->params));
    memcpy(vm->mem + PV_LOAD_GPA, cfg->image, cfg->image_size);
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
    uint8_t dpl = sel & 3;
    memset(s, 0, sizeof(*s));
    s->base = 0;
    s->limit = 0xffffffff;
    s->selector = sel;
    s->type = type;
    s->present = 1;
    s->dpl = dpl;
    s->s = 1;
    s->g = 1;
    s->l = code ? 1 : 0;
    s->db = code ? 0 : 1;
}

int vmm_setup_vcpu(vmm_vm *vm, vmm_vcpu *vc)
{
    vmm_host *h = vm->host;
    vc->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)vc->index);
    if (vc->fd < 0) {
        vc->fd = -1;
        return -errno;
    }
    void *run = mmap(NULL, (size_t)h->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vc->fd, 0);
    if (run == MAP_FAILED)
        return -errno;
    vc->run = run;
    if (h->cpuid && ioctl(vc->fd, KVM_SET_CPUID2, h->cpuid) < 0)
        return -errno;
    return vmm_reset_vcpu(vm, vc);
}

int vmm_reset_vcpu(vmm_vm *vm, vmm_vcpu *vc)
{
    struct kvm_sregs sr;
    if (ioctl(vc->fd, KVM_GET_SREGS, &sr) < 0)
        return -errno;
    set_seg(&sr.cs, vm->cpl3 ? SEL_UCODE : SEL_CODE, 0xb, true);
    set_seg(&sr.ds, vm->cpl3 ? SEL_UDATA : SEL_DATA, 0x3, false);
    sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
    sr.gdt.base = PV_GDT_GPA;
    sr.gdt.limit = 5 * 8 - 1;
    sr.idt.base = 0;
    sr.idt.limit = 0;  // no IDT: any exception becomes a triple fault (KVM_EXIT_SHUTDOWN)
    sr.cr3 = PV_PML4_GPA;
    sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
    sr.efer = EFER_LME | EFER_LMA;
    if (ioctl(vc->fd, KVM_SET_SREGS, &sr) < 0)
        return -errno;

    struct kvm_regs regs;
    memset(&regs, 0, sizeof(regs));
    regs.rflags = 0x2 | (vm->cpl3 ? RFLAGS_IOPL3 : 0);
    regs.rip = PV_LOAD_GPA;
    regs.rsp = PV_STACK_TOP - (uint64_t)vc->index * PV_STACK_SIZE;
    regs.rdi = vc->index;
    regs.rsi = vm->nvcpus;
    if (ioctl(vc->fd, KVM_SET_REGS, &regs) < 0)
        return -errno;
    return 0;
}

// Guest TSC minus host TSC, from one KVM_GET_MSRS bracketed by two host reads: the error is
// half the ioctl's duration, far below the latencies measured with it.
int vmm_measure_tsc_offset(vmm_vm *vm)
{
    // struct kvm_msrs ends in a flexible array: give it room for one entry.
    union {
        struct kvm_msrs hdr;
        char room[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
    } m;
    int64_t best = 0;
    uint64_t best_width = UINT64_MAX;
    for (int i = 0; i < 3; i++) {
        memset(&m, 0, sizeof(m));
        m.hdr.nmsrs = 1;
        m.hdr.entries[0].index = MSR_IA32_TSC;
        uint64_t t0 = vmm_rdtsc();
        if (ioctl(vm->vcpu[0].fd, KVM_GET_MSRS, &m) != 1)
            return -errno ? -errno : -EIO;
        uint64_t t1 = vmm_rdtsc();
        if (t1 - t0 < best_width) {
            best_width = t1 - t0;
            best = (int64_t)(m.hdr.entries[0].data - (t0 + (t1 - t0) / 2));
        }
    }
    vm->tsc_offset = best;
    return 0;
}
