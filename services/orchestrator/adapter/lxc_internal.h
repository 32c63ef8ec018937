// The LXC site adapter's internals: pure helpers (names, config items, init script, label,
// image checks; lxc_names.c, lxc_config.c, lxc_label.c) and the file-system steps
// (lxc_rootfs.c). Included only by the adapter's own files and its unit tests.
//
// Layout of a site with data dir D:
//   D/lxc/                         the site's own lxcpath (other sites never look in it)
//   D/lxc/or-<instance>/config     the LXC config the adapter writes
//   D/lxc/or-<instance>/outrig.label   owner, image, CPs with their host veth names
//   D/lxc/or-<instance>/outrig.state   "started" or "stopped": what was last asked
//   D/lxc/or-<instance>/rootfs/    busybox-static, its applet links, the program, the init
//   D/lxc/or-<instance>/log/vnf.log    the program's stdout+stderr (bind-mounted inside)
//   D/lxc/or-<instance>/log/exit   the program's exit status once it ended
//   D/lxc/or-<instance>/lxc.log    liblxc's own warnings and errors
//   D/images/<name>                the image catalogue unless images=DIR says otherwise
#ifndef OUTRIG_ADAPTER_LXC_INTERNAL_H
#define OUTRIG_ADAPTER_LXC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "adapter/adapter.h"

extern const adapter_ops adapter_lxc_ops;

#define ADAPTER_LXC_PREFIX "or-"
#define ADAPTER_LXC_NAME_MAX (ADAPTER_ID_MAX + 3)
#define ADAPTER_LXC_INIT "/sbin/outrig-init"  // the container's PID 1: a generated script
#define ADAPTER_LXC_LOG_DIR "/var/log/outrig" // where <cdir>/log is mounted inside
#define ADAPTER_LXC_CP_DIR "/etc/outrig/cp"   // per-CP peer files the VNF may source
#define ADAPTER_LXC_CONF_MAX 96
#define ADAPTER_LXC_VAL_MAX 600

// The container name of an instance: "or-<instance>". out holds ADAPTER_LXC_NAME_MAX + 1.
void adapter_lxc_container_name(const char *instance, char *out);
// True when `name` is an "or-<valid instance id>" container name.
bool adapter_lxc_is_ours(const char *name);
// The host-side veth name of a CP: "or" + 13 base32 characters of a 64-bit FNV-1a hash of
// "<instance>/<cp>", so it fits IFNAMSIZ, is stable, and anyone (the linker) can derive it.
void adapter_lxc_veth_name(const char *instance, const char *cp, char out[16]);

// What the config generation needs to know about the site and the container.
typedef struct adapter_lxc_paths {
    const char *cdir; // D/lxc/or-<instance>; no whitespace (mount entries are fstab lines)
    bool cgroup2;     // memory and cpu limits through the unified hierarchy
    bool limits;      // apply vcpus and memory_mib at all
} adapter_lxc_paths;

typedef struct adapter_lxc_conf {
    size_t n;
    struct {
        char key[48];
        char val[ADAPTER_LXC_VAL_MAX];
    } item[ADAPTER_LXC_CONF_MAX];
} adapter_lxc_conf;

// Fills conf with the lxc.* items for a validated spec, in the order they are to be set.
// 0, or -ENAMETOOLONG when a path does not fit.
int adapter_lxc_config(const adapter_vnf_spec *spec, const adapter_lxc_paths *paths,
                       adapter_lxc_conf *conf);
// The lxc.net.<i>.ipv4.address or ...ipv6.address key for an address, into key[48].
void adapter_lxc_addr_key(size_t i, const char *address, char *key);

// Appends `s` to buf single-quoted for sh ('\'' for each quote). 0 or -ENOSPC.
int adapter_lxc_shell_quote(const char *s, char *buf, size_t len);
// The container's init script for a validated spec running `program` (a path inside the
// container): exports the env and OUTRIG_INSTANCE_ID/OUTRIG_NS_ID, runs the program with its
// args and output appended to the log, forwards SIGTERM to it and records its exit status.
// Returns a malloc'ed string the caller frees, or NULL (out of memory).
char *adapter_lxc_init_script(const adapter_vnf_spec *spec, const char *program);
// The shell-sourceable per-CP file handed to the VNF by configure_cp, into buf.
// 0 or -ENOSPC. Values are validated by the caller (no quotes or newlines).
int adapter_lxc_cp_file(const char *cp, const char *address, const adapter_cp_peer *peer, char *buf,
                        size_t len);

// 0 when the first `len` bytes of a file show something a busybox rootfs can run: a static
// ELF (no PT_INTERP) or a "#!/bin/sh" script; else -ENOEXEC with *why set.
int adapter_lxc_exec_check(const unsigned char *buf, size_t len, const char **why);

// What the adapter records next to a container so a listing knows it without liblxc.
typedef struct adapter_lxc_label {
    char instance[ADAPTER_ID_MAX + 1];
    char owner[ADAPTER_ID_MAX + 1];
    char image[ADAPTER_IMAGE_MAX + 1];
    size_t n_cps;
    adapter_cp_info cps[ADAPTER_CPS_MAX];
} adapter_lxc_label;

void adapter_lxc_label_from_spec(const adapter_vnf_spec *spec, adapter_lxc_label *out);
// Text form, one "key value" per line. 0 or -ENOSPC.
int adapter_lxc_label_format(const adapter_lxc_label *l, char *buf, size_t len);
// Parses the text form. 0 or -EINVAL for anything else (a foreign or damaged label).
int adapter_lxc_label_parse(const char *text, adapter_lxc_label *out);

// The state a listing reports, from what liblxc and the adapter's files say.
adapter_vnf_state adapter_lxc_state(bool defined, bool running, const char *asked);

// Removes the empty "lxc.monitor.<name>" cgroups (and -1..-suffixes) that liblxc leaves in
// every hierarchy once a container ended, waiting up to wait_ms in all for busy ones to
// empty (lxc_cgroup.c). Best effort.
void adapter_lxc_cgroup_cleanup(const char *name, int suffixes, int wait_ms);

// File-system steps (lxc_rootfs.c).

// Builds rootfs/ with busybox copied from `busybox` and its applet links, `program` (a host
// path, NULL for busybox itself) copied to /vnf/<base name>, the init script and the
// directories LXC mounts over. 0 or -errno with err naming the step.
int adapter_lxc_rootfs_build(const char *rootfs, const char *busybox, const char *program,
                             const char *init_script, adapter_err *err);
// Removes a directory tree without following symlinks or crossing mounts. 0 or -errno;
// a missing tree is 0.
int adapter_lxc_rmtree(const char *path);
// Writes `text` to path atomically (temp file + rename). 0 or -errno.
int adapter_lxc_write_file(const char *path, const char *text, unsigned mode);
// fork() that never runs while a file of a VNF is open for writing (see lxc_rootfs.c); the
// child must not take that lock.
pid_t adapter_lxc_fork(void);
// Reads up to len-1 bytes of path into buf, NUL-terminated. Bytes read or -errno.
ssize_t adapter_lxc_read_file(const char *path, char *buf, size_t len);

#endif
