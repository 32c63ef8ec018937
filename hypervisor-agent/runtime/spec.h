// runtime spec: the pure part of process VNFs — names, connection-point specs, addresses,
// cgroup limit values and the VNF state machine. No I/O, no globals; unit tested directly.
#ifndef OUTRIG_RT_SPEC_H
#define OUTRIG_RT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_IFNAMSIZ 16        // IFNAMSIZ: 15 characters and the NUL
#define RT_ID_MAX 63          // longest VNF id
#define RT_MAX_CPS 16         // connection points per VNF
#define RT_MAX_ARGS 256       // argv and envp entries each
#define RT_NETNS_NAME_MAX 80  // "<prefix><id>" and the NUL

// An address with its prefix length, as parsed from "10.213.0.1/24" or "fd00::1/64".
struct rt_addr {
    int family;  // AF_INET or AF_INET6
    uint8_t bytes[16];
    unsigned prefix;
};

// A connection point: one veth pair, its inner end named `ifname` inside the VNF's netns.
struct rt_cp_spec {
    const char *ifname;   // inner interface name, e.g. "eth0"
    const char *address;  // "A.B.C.D/P" or IPv6 "X::Y/P"; NULL for no address
    unsigned mtu;         // 0: kernel default
};

// Resource limits; 0 means unlimited.
struct rt_limits {
    unsigned cpu_millis;    // 1000 = one CPU
    uint64_t memory_bytes;  // hard limit
};

struct rt_vnf_spec {
    const char *id;               // [A-Za-z0-9_.-], 1..RT_ID_MAX, not starting with '.' or '-'
    const char *path;             // absolute path of the program
    const char *const *argv;      // NULL-terminated; NULL means { path }
    const char *const *envp;      // NULL-terminated "K=V" entries; NULL means an empty env
    const struct rt_cp_spec *cps;
    size_t n_cps;
    struct rt_limits limits;
};

// Returns true when `id` is a valid VNF id (see rt_vnf_spec.id).
bool rt_id_valid(const char *id);
// Returns true when `name` is a valid Linux interface name (1..15 chars, no '/', ':', space).
bool rt_ifname_valid(const char *name);

// Writes the host-side veth name of connection point `cp` of VNF `id` into out[RT_IFNAMSIZ]:
// "ov" + 10 hex digits of a 64-bit FNV-1a hash of the id + "-" + cp index. The same inputs
// always give the same name, so a reconciler can find a leaked veth. Returns 0 or -EINVAL
// (cp >= RT_MAX_CPS).
int rt_host_ifname(const char *id, unsigned cp, char out[RT_IFNAMSIZ]);
// Writes "<prefix><id>" into out (size n). Returns 0, -EINVAL (bad id or prefix) or
// -ENAMETOOLONG.
int rt_netns_name(const char *prefix, const char *id, char *out, size_t n);

// Parses "addr/prefix" (IPv4 or IPv6) into *out. The prefix is required and must fit the
// family; host bits may be set (it is an interface address). Returns 0 or -EINVAL.
int rt_addr_parse(const char *s, struct rt_addr *out);

// Validates a whole spec. On error returns -EINVAL and writes the offending field path
// ("cps[1].address") into field (size n) when field is not NULL.
int rt_spec_validate(const struct rt_vnf_spec *spec, char *field, size_t n);

// cgroup limit values. cpu.max (v2): "<quota> <period>" or "max <period>"; the period is
// 100000 µs. v1 uses the same quota in cpu.cfs_quota_us (-1 for none).
int rt_cpu_max_format(unsigned cpu_millis, char *out, size_t n);
// Returns the CFS quota in µs for a 100 ms period, or -1 for unlimited.
long rt_cpu_quota_us(unsigned cpu_millis);
#define RT_CPU_PERIOD_US 100000
// memory.max (v2): the byte count, or "max" for 0.
int rt_memory_max_format(uint64_t bytes, char *out, size_t n);
// True when comma-separated mount options `opts` contain `name` as a whole token
// ("rw,cpu,cpuacct" has "cpu"; "rw,cpuacct" does not).
bool rt_opts_has(const char *opts, const char *name);
// True when the space-separated controller list (cgroup.controllers) contains `name`.
bool rt_controllers_have(const char *list, const char *name);

// VNF lifecycle. CREATED: netns, veths and cgroup exist, no process. RUNNING: the process
// runs. EXITED: it ended (code or signal) on its own with code 0..255 or after a stop.
// FAILED: it could not start, or died of a signal nobody asked for. DELETED: all removed.
enum rt_state { RT_CREATED, RT_RUNNING, RT_EXITED, RT_FAILED, RT_DELETED };

enum rt_event {
    RT_EV_START,       // a start was requested
    RT_EV_START_FAIL,  // setup or exec failed
    RT_EV_EXIT,        // the process ended (see rt_exit_classify for which state)
    RT_EV_CRASH,       // the process died of a signal that no stop sent
    RT_EV_STOP,        // a stop was requested
    RT_EV_DELETE,
};

// Computes the state after `ev` in state `s` into *out. Returns 0, or -EINVAL when the event
// is not allowed in that state (start while RUNNING, anything after DELETED), or -EALREADY
// when it changes nothing (stop when not RUNNING; *out is then s).
int rt_state_next(enum rt_state s, enum rt_event ev, enum rt_state *out);
const char *rt_state_name(enum rt_state s);

// Classifies a waitpid() status: RT_EV_EXIT for a normal exit or a signal after a requested
// stop, RT_EV_CRASH for any other signal. *code gets the exit code, *sig the signal (or 0).
enum rt_event rt_exit_classify(int wstatus, bool stop_requested, int *code, int *sig);

#endif
