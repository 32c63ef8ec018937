// adapter: the generic commands the orchestrator core sends to a site (create, start, stop,
// delete a VNF; configure a connection point; list and status for the reconcile loop), and the
// registry of site kinds that translate them into each site's own manager. Nothing in this
// header knows any site's formats.
//
// Ownership: every VNF an adapter creates is recognisably Outrigger's and carries the id of
// the NS that owns it, so adapter_list_vnfs also reports what no NS owns (orphans) and what a
// crash left half made (ADAPTER_VNF_INCOMPLETE); adapter_delete_vnf removes both.
//
// Threads: a site handle may be used from several threads at once; operations on one
// instance must come one at a time (the orchestrator runs one operation per NS).
// Processes: a kind may fork helpers and wait for them by pid, so a process using adapters
// must neither ignore SIGCHLD nor reap children it did not start (waitpid(-1)).
//
// Errors: every operation returns 0 or a negative errno and, when `err` is not NULL, fills
// it with a sentence naming the field or step that failed (empty on success).
#ifndef OUTRIG_ADAPTER_H
#define OUTRIG_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ADAPTER_ID_MAX 64     // instance and owner ids, without the NUL
#define ADAPTER_IMAGE_MAX 255 // image name or path
#define ADAPTER_CP_ID_MAX 15  // a CP id is an interface name inside the VNF (IFNAMSIZ - 1)
#define ADAPTER_ADDR_MAX 49   // "address/prefix", IPv4 or IPv6
#define ADAPTER_CPS_MAX 8     // CPs per VNF
#define ADAPTER_ARGS_MAX 64   // program arguments
#define ADAPTER_ENV_MAX 64    // environment entries
#define ADAPTER_STR_MAX 4096  // any one argument or environment entry
#define ADAPTER_VCPUS_MAX 1024
#define ADAPTER_MEMORY_MIB_MAX (1024u * 1024u)

typedef struct adapter_err {
    char msg[256];
} adapter_err;

// How to reach a site. Strings are borrowed for the call; the adapter copies what it keeps.
typedef struct adapter_site_config {
    const char *name;           // the site's name (for messages)
    const char *endpoint;       // kind-specific, e.g. lxc: "lxc:///srv/outrig/site1?netns=site1"
    const char *const *options; // NULL or a NULL-terminated list of "key=value"; these
                                // override the same keys given in the endpoint's query
} adapter_site_config;

// One connection point of a VNF.
typedef struct adapter_cp {
    const char *id;      // interface name inside the VNF: [A-Za-z0-9_-], 1..15 chars, not "lo"
    const char *address; // NULL/"" for none, else "a.b.c.d/len" or "v6addr/len"
    const char *mac;     // NULL/"" to let the site choose, else "xx:xx:xx:xx:xx:xx" unicast
} adapter_cp;

// What to create. Borrowed for the call.
typedef struct adapter_vnf_spec {
    const char *instance_id; // unique across sites, "<ns>.<profile>.<n>": [A-Za-z0-9._-]
    const char *owner;       // the owning NS id, same alphabet
    const char *image;       // a name in the site's image catalogue, or an absolute path
    const char *const *args; // program arguments after argv[0]
    size_t n_args;
    const char *const *env; // "KEY=VALUE"
    size_t n_env;
    unsigned vcpus;      // 0: no CPU limit
    unsigned memory_mib; // 0: no memory limit
    const adapter_cp *cps;
    size_t n_cps;
} adapter_vnf_spec;

// Where the peer of a CP is, as the linker found it (see configure_cp).
typedef struct adapter_cp_peer {
    const char *address; // the peer CP's IP address (no prefix), NULL/"" if unknown yet
    const char *cp;      // the peer CP's identity, e.g. "<instance>/<cp id>", may be NULL
} adapter_cp_peer;

typedef enum adapter_vnf_state {
    ADAPTER_VNF_UNKNOWN = 0,
    ADAPTER_VNF_INCOMPLETE, // a crash interrupted its creation: only delete applies
    ADAPTER_VNF_CREATED,    // defined, never started
    ADAPTER_VNF_RUNNING,
    ADAPTER_VNF_STOPPED, // stopped on request
    ADAPTER_VNF_FAILED,  // ended without a stop request (exit, crash): heal candidate
} adapter_vnf_state;

typedef struct adapter_cp_info {
    char id[ADAPTER_CP_ID_MAX + 1];
    char host_ifname[16]; // the site-side end the linker attaches ("" if the kind has none)
    char address[ADAPTER_ADDR_MAX + 1];
} adapter_cp_info;

// What a site reports about one VNF.
typedef struct adapter_vnf_info {
    char instance_id[ADAPTER_ID_MAX + 1];
    char owner[ADAPTER_ID_MAX + 1]; // "" when unknown (an orphan whatever the store says)
    char image[ADAPTER_IMAGE_MAX + 1];
    adapter_vnf_state state;
    pid_t pid;     // RUNNING: the VNF's init as seen from the site's host, else 0
    int exit_code; // the program's exit status when it ended, else -1
    size_t n_cps;
    adapter_cp_info cps[ADAPTER_CPS_MAX];
    char log_path[512]; // the program's captured stdout+stderr on the site ("" if none)
} adapter_vnf_info;

typedef struct adapter_site {
    const struct adapter_ops *ops; // every kind embeds this first
} adapter_site;

// Called once per VNF by list_vnfs, on the caller's thread and in its namespaces; a non-zero
// return stops the listing and is returned.
typedef int (*adapter_list_cb)(const adapter_vnf_info *info, void *arg);

// A site kind. Implementations need not validate specs: the adapter_* wrappers do.
typedef struct adapter_ops {
    const char *kind;
    int (*open)(const adapter_site_config *cfg, adapter_site **out, adapter_err *err);
    void (*close)(adapter_site *site);
    int (*create_vnf)(adapter_site *site, const adapter_vnf_spec *spec, adapter_err *err);
    int (*start_vnf)(adapter_site *site, const char *id, adapter_err *err);
    int (*stop_vnf)(adapter_site *site, const char *id, adapter_err *err);
    int (*delete_vnf)(adapter_site *site, const char *id, adapter_err *err);
    int (*configure_cp)(adapter_site *site, const char *id, const char *cp_id, const char *address,
                        const adapter_cp_peer *peer, adapter_err *err);
    int (*list_vnfs)(adapter_site *site, adapter_list_cb cb, void *arg, adapter_err *err);
    int (*vnf_status)(adapter_site *site, const char *id, adapter_vnf_info *out, adapter_err *err);
} adapter_ops;

// The kind named `kind` ("lxc"; "agent" once its adapter exists), or NULL.
const adapter_ops *adapter_find(const char *kind);

// Opens a site of `kind`. -ENOTSUP for an unknown kind, -EINVAL for a bad endpoint or option,
// else the kind's error. Free with adapter_close.
int adapter_open(const char *kind, const adapter_site_config *cfg, adapter_site **out,
                 adapter_err *err);
// Closes the handle; the site's VNFs keep running. NULL is a no-op.
void adapter_close(adapter_site *site);

// Creates the VNF stopped (CREATED). -EINVAL for a bad spec (err names the field, e.g.
// "cps[1].address"), -EEXIST when the instance exists on the site, -ENOENT for an unknown
// image, -ENOEXEC for an image the site cannot run; nothing is left behind on failure.
int adapter_create_vnf(adapter_site *site, const adapter_vnf_spec *spec, adapter_err *err);
// Starts it. -ENOENT when it does not exist, -EALREADY when it is running.
int adapter_start_vnf(adapter_site *site, const char *id, adapter_err *err);
// Stops it: asks the program to end (SIGTERM), then kills it after the site's grace time.
// Stopping a VNF that is not running is 0. -ENOENT when it does not exist.
int adapter_stop_vnf(adapter_site *site, const char *id, adapter_err *err);
// Stops it if needed and removes every trace of it from the site (processes, interfaces,
// files), including an INCOMPLETE one. -ENOENT when there is nothing of that id.
int adapter_delete_vnf(adapter_site *site, const char *id, adapter_err *err);
// Sets the address of CP `cp_id` (NULL/"" keeps the current one), now if it runs and on every
// later start, and hands the VNF its peer's address and identity. -ENOENT for an unknown VNF
// or CP, -EINVAL for a bad address.
int adapter_configure_cp(adapter_site *site, const char *id, const char *cp_id, const char *address,
                         const adapter_cp_peer *peer, adapter_err *err);
// Calls cb for every Outrigger VNF on the site, owned or not. Returns 0, cb's non-zero value,
// or the site's error.
int adapter_list_vnfs(adapter_site *site, adapter_list_cb cb, void *arg, adapter_err *err);
// Fills *out for one VNF. -ENOENT when it does not exist.
int adapter_vnf_status(adapter_site *site, const char *id, adapter_vnf_info *out, adapter_err *err);

// Pure helpers shared by the kinds (no I/O).

// Checks a spec against the limits above. 0 or -EINVAL with err naming the field.
int adapter_spec_validate(const adapter_vnf_spec *spec, adapter_err *err);
// True for a valid instance or owner id: 1..ADAPTER_ID_MAX of [A-Za-z0-9._-], first
// alphanumeric.
bool adapter_id_valid(const char *id);
// True for a valid CP id (see adapter_cp.id).
bool adapter_cp_id_valid(const char *id);
// Checks "address/prefix" (IPv4 or IPv6). 0 or -EINVAL with err naming `field`.
int adapter_addr_check(const char *field, const char *addr, adapter_err *err);
// The value of `key` in cfg: from cfg->options if given there, else from the endpoint's
// "?k=v&k=v" query. Copies it into buf; returns 1 if found, 0 if absent, -ENAMETOOLONG if it
// does not fit.
int adapter_option(const adapter_site_config *cfg, const char *key, char *buf, size_t len);
// The endpoint without its scheme "<kind>://" and query, into buf. 0 or -ENAMETOOLONG.
int adapter_endpoint_path(const adapter_site_config *cfg, const char *kind, char *buf, size_t len);
// Formats err (NULL is allowed) and returns `rc` so callers can `return adapter_fail(...)`.
int adapter_fail(adapter_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *adapter_state_name(adapter_vnf_state s);

#endif
