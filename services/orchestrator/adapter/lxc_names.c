// Pure naming and classification rules of the LXC adapter: container and veth names, the
// state a listing reports, and whether an image can run in a busybox rootfs.
#include "adapter/lxc_internal.h"

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void adapter_lxc_container_name(const char *instance, char *out)
{
    snprintf(out, ADAPTER_LXC_NAME_MAX + 1, "%s%s", ADAPTER_LXC_PREFIX, instance);
}

bool adapter_lxc_is_ours(const char *name)
{
    size_t n = strlen(ADAPTER_LXC_PREFIX);
    return !strncmp(name, ADAPTER_LXC_PREFIX, n) && adapter_id_valid(name + n);
}

void adapter_lxc_veth_name(const char *instance, const char *cp, char out[16])
{
    // Hashed rather than spelled out: "or-<instance>-<cp>" rarely fits 15 characters.
    uint64_t h = 0xcbf29ce484222325ull;
    const char *parts[3] = {instance, "/", cp};
    for (int i = 0; i < 3; i++)
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
            h ^= *p;
            h *= 0x100000001b3ull;
        }
    static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
    out[0] = 'o';
    out[1] = 'r';
    for (int i = 0; i < 13; i++)
        out[2 + i] = b32[(h >> (i * 5)) & 31];
    out[15] = 0;
}

adapter_vnf_state adapter_lxc_state(bool defined, bool running, const char *asked)
{
    if (running)
        return ADAPTER_VNF_RUNNING;
    if (!defined)
        return ADAPTER_VNF_INCOMPLETE;
    if (asked && !strcmp(asked, "started"))
        return ADAPTER_VNF_FAILED; // asked to run and not running: it ended on its own
    if (asked && !strcmp(asked, "stopped"))
        return ADAPTER_VNF_STOPPED;
    return ADAPTER_VNF_CREATED;
}

static uint64_t get(const unsigned char *p, size_t n, bool le)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[le ? i : n - 1 - i] << (8 * i);
    return v;
}

int adapter_lxc_exec_check(const unsigned char *buf, size_t len, const char **why)
{
    static const char sh[] = "#!/bin/sh";
    if (len >= sizeof sh - 1 && !memcmp(buf, sh, sizeof sh - 1) &&
        (len == sizeof sh - 1 || buf[sizeof sh - 1] == '\n' || buf[sizeof sh - 1] == ' '))
        return 0;
    if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG)) {
        *why = "neither an ELF executable nor a #!/bin/sh script";
        return -ENOEXEC;
    }
    bool is64 = buf[EI_CLASS] == ELFCLASS64, le = buf[EI_DATA] == ELFDATA2LSB;
    if ((!is64 && buf[EI_CLASS] != ELFCLASS32) || (!le && buf[EI_DATA] != ELFDATA2MSB)) {
        *why = "unknown ELF class or byte order";
        return -ENOEXEC;
    }
    size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (len < ehsize) {
        *why = "truncated ELF header";
        return -ENOEXEC;
    }
    uint64_t type = get(buf + 16, 2, le);
    uint64_t phoff = is64 ? get(buf + 32, 8, le) : get(buf + 28, 4, le);
    uint64_t phentsize = get(buf + (is64 ? 54 : 42), 2, le);
    uint64_t phnum = get(buf + (is64 ? 56 : 44), 2, le);
    if (type != ET_EXEC && type != ET_DYN) {
        *why = "an ELF file that is not an executable";
        return -ENOEXEC;
    }
    size_t minent = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (phnum == 0 || phentsize < minent || phoff > len || phnum * phentsize > len - phoff) {
        *why = "ELF program headers missing or beyond the bytes read";
        return -ENOEXEC;
    }
    for (uint64_t i = 0; i < phnum; i++)
        if (get(buf + phoff + i * phentsize, 4, le) == PT_INTERP) {
            *why = "dynamically linked (has an ELF interpreter); the rootfs has no libc";
            return -ENOEXEC;
        }
    return 0;
}
