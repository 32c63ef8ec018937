// /dev/kvm handle shared by all VMs of a process, and guest image loading.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "vmm_int.h"

#define CPUID_MAX_ENTRIES 256

// KVM_GET_TSC_KHZ is a vCPU ioctl: ask a throwaway VM once, so every guest sees the value
// from its first instruction.
static uint64_t probe_tsc_khz(int kvm_fd)
{
    if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ) <= 0)
        return 0;
    int vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    if (vm < 0)
        return 0;
    int khz = 0;
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
    if (vcpu >= 0) {
        khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
        close(vcpu);
    }
    close(vm);
    return khz > 0 ? (uint64_t)khz : 0;
}

int vmm_host_open(vmm_host **out)
{
    *out = NULL;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    vmm_host *h = calloc(1, sizeof(*h));
    if (!h) {
        close(fd);
        return -ENOMEM;
    }
    h->kvm_fd = fd;
    pthread_mutex_init(&h->pool_lock, NULL);
    int rc = -ENOTSUP;
    if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        log_error("vmm: /dev/kvm API version is not %d", KVM_API_VERSION);
        goto fail;
    }
    // immediate_exit is how vmm_stop gets a vCPU out of KVM_RUN without a race.
    if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0) {
        log_error("vmm: KVM lacks KVM_CAP_IMMEDIATE_EXIT");
        goto fail;
    }
    h->run_size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (h->run_size < (int)sizeof(struct kvm_run)) {
        log_error("vmm: bad KVM_GET_VCPU_MMAP_SIZE %d", h->run_size);
        goto fail;
    }
    h->cpuid = calloc(1, sizeof(*h->cpuid) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
    if (!h->cpuid) {
        rc = -ENOMEM;
        goto fail;
    }
    h->cpuid->nent = CPUID_MAX_ENTRIES;
    if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, h->cpuid) < 0) {
        // Not fatal: the guests here use no CPUID-gated feature beyond long mode.
        log_warn("vmm: KVM_GET_SUPPORTED_CPUID failed (errno %d); guests get no CPUID", errno);
        free(h->cpuid);
        h->cpuid = NULL;
    }
    h->tsc_khz = probe_tsc_khz(fd);
    *out = h;
    return 0;
fail:
    vmm_host_close(h);
    return rc;
}

void vmm_host_close(vmm_host *h)
{
    if (!h)
        return;
    vmm_host_set_recycle(h, 0);
    free(h->pool);
    pthread_mutex_destroy(&h->pool_lock);
    if (h->kvm_fd >= 0)
        close(h->kvm_fd);
    free(h->cpuid);
    free(h);
}

uint64_t vmm_host_tsc_khz(const vmm_host *h)
{
    return h->tsc_khz;
}

int vmm_image_load(const char *path, void **buf, size_t *size)
{
    *buf = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (off_t)(PV_MAX_MEM - PV_LOAD_GPA)) {
        close(fd);
        return -EINVAL;
    }
    char *b = malloc((size_t)st.st_size);
    if (!b) {
        close(fd);
        return -ENOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
        if (n <= 0) {
            int e = n < 0 ? -errno : -EIO;
            free(b);
            close(fd);
            return e;
        }
        got += (size_t)n;
    }
    close(fd);
    *buf = b;
    *size = got;
    return 0;
}
