// desc: ETSI SOL006 network-service and VNF descriptors (the YAML OSM uses).
//
// A desc_set holds the NSDs and VNFDs parsed from one or more YAML files.
// Each file may hold an `nsd:` root (`nsd: {nsd: [...]}` as OSM writes it, a
// list, or a single mapping; the YANG-prefixed `etsi-nfv-nsd:nsd` too) and/or
// a `vnfd:` root (`vnfd: {id: ...}`, `vnfd: [...]` or `vnfd: {vnfd: [...]}`).
// Every problem is reported through a desc_report_fn as a diagnostic with the
// file, line and column it is about; parsing goes on after an error so that
// one run lists them all. Fields the orchestrator does not act on (charms,
// day-1/2 primitives, cloud-init, kdu, ...) are kept in each descriptor's
// `ignored` list with their path and position and reported as notes; unknown
// fields are kept and reported the same way as warnings. Nothing is dropped
// silently.
//
// Outrigger extension: `nsd.virtual-link-desc[].cidr` (an IPv4 or IPv6 prefix)
// gives the subnet of a virtual link. The SOL006 place for it is accepted as
// well: `nsd.df[].virtual-link-profile[].virtual-link-protocol-data[]
// .l3-protocol-data.cidr`, which applies to the profile's virtual-link-desc.
//
// All strings and arrays of a descriptor belong to it and are freed with the
// set; the structs are plain data the orchestrator reads directly.
#ifndef OUTRIG_DESC_DESCRIPTOR_H
#define OUTRIG_DESC_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DESC_MAX_FILE_BYTES (1u << 20)
#define DESC_ID_MAX 255u          // bytes of an id or reference
#define DESC_MAX_INSTANCES 10000u // upper bound of any instance count

typedef enum { DESC_ERROR = 0, DESC_WARNING = 1, DESC_NOTE = 2 } desc_severity;

// One diagnostic. line/col are 1-based, 0 when the message is about a whole file.
typedef struct desc_diag {
    desc_severity sev;
    const char *file;
    int line, col;
    const char *msg; // without position or severity
} desc_diag;

typedef void (*desc_report_fn)(void *arg, const desc_diag *d);

// "error", "warning", "note".
const char *desc_severity_name(desc_severity s);
// "file:line:col: error: msg" (or "file: error: msg") into buf; returns buf.
char *desc_diag_format(const desc_diag *d, char *buf, size_t len);

typedef struct desc_pos {
    int line, col;
} desc_pos;

// A reference to an id elsewhere; id is NULL when the field is absent.
typedef struct desc_ref {
    const char *id;
    desc_pos pos;
} desc_ref;

// A field kept but not acted on. path is like "vnfd.df[0].lcm-operations-configuration";
// known is true for SOL006/OSM fields the orchestrator deliberately ignores,
// false for fields it does not know. value_json is the field's value as JSON
// (scalars as strings) so that nothing of it is lost.
typedef struct desc_ignored {
    const char *path;
    desc_pos pos;
    bool known;
    const char *value_json;
} desc_ignored;

// ---- VNFD ----------------------------------------------------------------------------

typedef struct desc_int_cpd {
    const char *id;
    desc_pos pos;
    const char *layer_protocol; // first of `layer-protocol`, or NULL
    desc_ref int_vld;           // `int-virtual-link-desc` it attaches to
} desc_int_cpd;

typedef struct desc_vdu {
    const char *id;
    desc_pos pos;
    const char *name, *description;
    desc_ref sw_image; // `sw-image-desc` id
    desc_ref compute;  // `virtual-compute-desc` id
    desc_int_cpd *int_cpd;
    size_t n_int_cpd;
} desc_vdu;

typedef struct desc_compute {
    const char *id;
    desc_pos pos;
    uint32_t vcpus;      // virtual-cpu.num-virtual-cpu (default 1)
    uint64_t memory_mib; // virtual-memory.size, given in GB (float), as MiB
} desc_compute;

typedef struct desc_sw_image {
    const char *id;
    desc_pos pos;
    const char *name, *image, *version;
} desc_sw_image;

typedef struct desc_ext_cpd {
    const char *id;
    desc_pos pos;
    desc_ref vdu, cpd; // int-cpd.vdu-id and int-cpd.cpd
    desc_ref int_vld;  // or int-virtual-link-desc
    const char *layer_protocol;
} desc_ext_cpd;

typedef struct desc_int_vld {
    const char *id;
    desc_pos pos;
} desc_int_vld;

typedef struct desc_vdu_profile {
    desc_ref vdu;      // `id`: the vdu it is about
    uint32_t min, max; // default 1, and max >= min
} desc_vdu_profile;

typedef struct desc_vdu_count {
    desc_ref vdu;
    uint32_t count; // number-of-instances
} desc_vdu_count;

typedef struct desc_inst_level {
    const char *id;
    desc_pos pos;
    desc_vdu_count *vdu_level;
    size_t n_vdu_level;
} desc_inst_level;

typedef struct desc_scaling_aspect {
    const char *id;
    desc_pos pos;
    const char *name;
    uint32_t max_scale_level;
    desc_vdu_count *vdu_delta; // every aspect-delta-details.deltas[].vdu-delta[]
    size_t n_vdu_delta;
} desc_scaling_aspect;

typedef struct desc_vnf_df {
    const char *id;
    desc_pos pos;
    desc_vdu_profile *vdu_profile;
    size_t n_vdu_profile;
    desc_inst_level *inst_level;
    size_t n_inst_level;
    desc_ref default_inst_level;
    desc_scaling_aspect *aspect;
    size_t n_aspect;
} desc_vnf_df;

typedef struct desc_vnfd {
    const char *file;
    const char *id;
    desc_pos pos;
    const char *version, *product_name, *provider, *description;
    desc_vdu *vdu;
    size_t n_vdu;
    desc_compute *compute;
    size_t n_compute;
    desc_sw_image *sw_image;
    size_t n_sw_image;
    desc_ext_cpd *ext_cpd;
    size_t n_ext_cpd;
    desc_int_vld *int_vld;
    size_t n_int_vld;
    desc_ref mgmt_cp;
    desc_vnf_df *df;
    size_t n_df;
    desc_ignored *ignored;
    size_t n_ignored;
    bool has_errors; // parse errors: internal references were not checked
} desc_vnfd;

// ---- NSD -----------------------------------------------------------------------------

typedef struct desc_vld {
    const char *id;
    desc_pos pos;
    bool mgmt_network;
    const char *vim_network_name;
    const char *cidr; // "10.0.1.0/24" or NULL (see the header comment)
    desc_pos cidr_pos;
} desc_vld;

typedef struct desc_cpd_ref {
    desc_ref element; // constituent-base-element-id: a vnf-profile id
    desc_ref cpd;     // constituent-cpd-id: an ext-cpd of its vnfd
} desc_cpd_ref;

typedef struct desc_vl_conn {
    desc_ref vl_profile; // virtual-link-profile-id
    desc_cpd_ref *cpd;
    size_t n_cpd;
} desc_vl_conn;

typedef struct desc_vnf_profile {
    const char *id;
    desc_pos pos;
    desc_ref vnfd;
    desc_ref flavour;    // flavour-id: a df of the vnfd (NULL: its first)
    desc_ref inst_level; // instantiation-level
    uint32_t min, max;   // default 1, and max >= min
    desc_vl_conn *conn;
    size_t n_conn;
} desc_vnf_profile;

typedef struct desc_vl_profile {
    const char *id;
    desc_pos pos;
    desc_ref vld;     // virtual-link-desc-id
    const char *cidr; // l3-protocol-data.cidr, or NULL
    desc_pos cidr_pos;
} desc_vl_profile;

typedef struct desc_ns_df {
    const char *id;
    desc_pos pos;
    desc_vnf_profile *vnf_profile;
    size_t n_vnf_profile;
    desc_vl_profile *vl_profile;
    size_t n_vl_profile;
} desc_ns_df;

typedef struct desc_nsd {
    const char *file;
    const char *id;
    desc_pos pos;
    const char *name, *version, *designer, *description;
    desc_ref *vnfd_id;
    size_t n_vnfd_id;
    desc_vld *vld;
    size_t n_vld;
    desc_ns_df *df;
    size_t n_df;
    desc_ignored *ignored;
    size_t n_ignored;
    bool has_errors;
} desc_nsd;

// ---- sets ----------------------------------------------------------------------------

typedef struct desc_set desc_set;

// An empty set, or NULL on allocation failure. Free with desc_set_free.
desc_set *desc_set_new(void);
void desc_set_free(desc_set *s); // NULL is a no-op

// Parses buf[0..len) named `name` and adds its descriptors to the set, reporting
// errors, warnings and ignored fields through fn (fn may be NULL). A descriptor
// whose id is already in the set is an error and is not added. Checks what lies
// within one descriptor (types, required fields, duplicate ids, references
// inside a VNFD or NSD). Returns the number of errors (0 = clean), or -ENOMEM.
int desc_set_add_buf(desc_set *s, const char *name, const void *buf, size_t len, desc_report_fn fn,
                     void *arg);
// The same for a file (at most DESC_MAX_FILE_BYTES); an unreadable file is one error.
int desc_set_add_file(desc_set *s, const char *path, desc_report_fn fn, void *arg);

// Checks references between descriptors of the set: NSD vnfd-id, vnf-profile
// vnfd-id/flavour-id/instantiation-level and constituent-cpd-id against the
// VNFDs. A VNFD missing from the set is a warning, an error when strict.
// Returns the number of errors.
int desc_set_check(const desc_set *s, bool strict, desc_report_fn fn, void *arg);

size_t desc_set_n_vnfd(const desc_set *s);
const desc_vnfd *desc_set_vnfd(const desc_set *s, size_t i);
size_t desc_set_n_nsd(const desc_set *s);
const desc_nsd *desc_set_nsd(const desc_set *s, size_t i);
const desc_vnfd *desc_set_find_vnfd(const desc_set *s, const char *id); // NULL if absent
const desc_nsd *desc_set_find_nsd(const desc_set *s, const char *id);

// Lookups inside one descriptor (NULL if absent).
const desc_vdu *desc_vnfd_vdu(const desc_vnfd *v, const char *id);
const desc_compute *desc_vnfd_compute(const desc_vnfd *v, const char *id);
const desc_sw_image *desc_vnfd_sw_image(const desc_vnfd *v, const char *id);
const desc_ext_cpd *desc_vnfd_ext_cpd(const desc_vnfd *v, const char *id);
const desc_vnf_df *desc_vnfd_df(const desc_vnfd *v, const char *id); // id NULL: first
const desc_vld *desc_nsd_vld(const desc_nsd *n, const char *id);
// The virtual-link-desc a virtual-link-profile-id names: a virtual-link-profile of
// df (its virtual-link-desc-id), else a virtual-link-desc of that id (as OSM writes).
const desc_vld *desc_nsd_resolve_vl(const desc_nsd *n, const desc_ns_df *df,
                                    const char *vl_profile_id);

// Parses the files, checks references among them, and reports every problem
// through fn. Returns the number of errors (a missing file is one), or -ENOMEM.
int desc_validate_files(const char *const *paths, size_t n, bool strict, desc_report_fn fn,
                        void *arg);

// ---- store encoding (proto/outrig/v1/descriptor.proto) -------------------------------

// Encodes a descriptor as an outrig.v1.Vnfd / outrig.v1.Nsd message into a
// malloc'd buffer the caller frees. VDUs carry their image and compute resolved.
// 0, -EINVAL (the descriptor has errors), -ENOMEM.
int desc_vnfd_pack(const desc_vnfd *v, uint8_t **buf, size_t *len);
int desc_nsd_pack(const desc_nsd *n, uint8_t **buf, size_t *len);

// Adds a VNFD read back from its outrig.v1.Vnfd encoding (as stored), named `name`
// in diagnostics (e.g. "store:/vnfd/x"; positions are 0), so that an NSD being
// onboarded is checked against what the store holds. 0; -EINVAL (not a Vnfd, no id,
// or its id is already in the set); -ENOMEM.
int desc_set_add_vnfd_pb(desc_set *s, const char *name, const void *buf, size_t len);

#endif
