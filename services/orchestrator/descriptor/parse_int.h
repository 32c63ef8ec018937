// Internals shared by the descriptor parser files: the arena that owns a set's
// memory and the parse context (position path, diagnostics, typed reads).
#ifndef OUTRIG_DESC_PARSE_INT_H
#define OUTRIG_DESC_PARSE_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "config/tree.h"
#include "descriptor.h"

typedef struct desc_chunk desc_chunk;
typedef struct desc_arena {
    desc_chunk *head;
    bool oom;
} desc_arena;

// Zeroed memory that lives until desc_arena_clear; NULL (and a->oom) on failure.
void *desc_alloc(desc_arena *a, size_t size);
char *desc_strdup(desc_arena *a, const char *s);
void desc_arena_clear(desc_arena *a);

// A growable array of descriptors (desc_vnfd * or desc_nsd *), malloc'd.
typedef struct desc_list {
    void **item;
    size_t n, cap;
} desc_list;

struct desc_set {
    desc_arena arena;
    desc_list vnfd, nsd;
};

typedef struct desc_parser {
    desc_arena *a;
    const cfg_doc *doc;
    const char *file;
    desc_report_fn fn;
    void *arg;
    int errors;
    char path[1024];
    size_t plen;
    // The ignored list of the descriptor being parsed.
    desc_ignored **ign;
    size_t *n_ign;
    size_t ign_cap;
} desc_parser;

void dp_vreport(desc_parser *p, desc_severity sev, int line, int col, const char *fmt, va_list ap);
void dp_report(desc_parser *p, desc_severity sev, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
// An error at node n (its value) or at its key.
void dp_err(desc_parser *p, const cfg_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dp_err_key(desc_parser *p, const cfg_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
// Reports a cfg_error (its "file:line:col: " prefix removed).
void dp_cfg_err(desc_parser *p, const cfg_error *e);

size_t dp_push(desc_parser *p, const char *key); // appends ".key" (or "key" at the root)
size_t dp_push_idx(desc_parser *p, size_t i);    // appends "[i]"
void dp_pop(desc_parser *p, size_t old);

// Keeps the current field (path already pushed) in the ignored list and reports it:
// a note when known, a warning when not.
void dp_ignore(desc_parser *p, const cfg_node *n, bool known);
// The field `n` (a value of a mapping, its key already pushed): known when its key is
// one of the space-separated words of known_ignored (may be NULL), else unknown.
void dp_other(desc_parser *p, const cfg_node *n, const char *known_ignored);

// The current path, or "value" at the root.
const char *dp_name(const desc_parser *p);
bool dp_expect(desc_parser *p, const cfg_node *n, cfg_kind k);
// Reads a scalar string into the arena. false on error (reported).
bool dp_str(desc_parser *p, const cfg_node *n, const char **out);
bool dp_id(desc_parser *p, const cfg_node *n, const char **out);
bool dp_ref(desc_parser *p, const cfg_node *n, desc_ref *out);
bool dp_u32(desc_parser *p, const cfg_node *n, uint32_t min, uint32_t max, uint32_t *out);
bool dp_bool(desc_parser *p, const cfg_node *n, bool *out);
// virtual-memory.size in GB (a decimal, fraction allowed) to MiB, at least 1 MiB.
bool dp_gb_mib(desc_parser *p, const cfg_node *n, uint64_t *out);
// A prefix "a.b.c.d/n" or an IPv6 prefix.
bool dp_cidr(desc_parser *p, const cfg_node *n, const char **out);
// Walks a space-separated word list: the next word starts at *w and is *len bytes long
// (start with *len = 0); false at the end.
bool dp_next_word(const char **w, size_t *len);

// ---- mappings described by tables ----------------------------------------------------
// A SOL006 mapping is read by a table of its fields (dp_field) in a dp_shape: each
// known key is read into the object at an offset, the other keys go to dp_other as
// known-ignored or unknown, then missing required keys and a shape's own check are
// reported, in that order.

// How a field's value is read; off is where it goes in the object.
typedef enum dp_type {
    DP_ID,        // const char *, dp_id
    DP_ID_CHECK,  // an id that is checked but not kept (off unused)
    DP_STR,       // const char *, dp_str
    DP_STR_FIRST, // const char *: one string or a list of them; the first is kept
    DP_REF,       // desc_ref, dp_ref
    DP_U32,       // uint32_t in [min, max], dp_u32
    DP_BOOL,      // bool, dp_bool
    DP_GB_MIB,    // uint64_t, dp_gb_mib
    DP_CIDR,      // const char *, dp_cidr; its desc_pos at aux
    DP_MAP,       // a mapping whose fields (sub) belong to the same object (off unused)
    DP_EACH,      // a sequence of such mappings, all filling the same object (off unused)
    DP_SEQ,       // an array of sub elements at off, its size_t count at aux (appended to)
} dp_type;

typedef struct dp_shape dp_shape;

typedef struct dp_field {
    const char *key;
    dp_type type;
    size_t off, aux;
    uint32_t min, max; // DP_U32 bounds
    uint32_t def;      // DP_U32, DP_GB_MIB: the value before the field is read (0: none)
    const dp_shape *sub;
} dp_field;

struct dp_shape {
    size_t size;            // bytes of one element in a DP_SEQ array
    const dp_field *fields; // ends at a NULL key; NULL: an element is one `scalar`
    dp_type scalar;         // with fields NULL: how an element is read
    const char *ignored;    // keys known and deliberately not acted on (dp_other)
    const char *required;   // keys that must be there, reported in this order
    bool set_pos;           // keep where the mapping starts at pos_off
    const char *what;       // non-NULL: ids unique in the array ("duplicate <what> id")
    size_t id_off, pos_off; // an element's id and position
    // Checks across fields, after the required ones (may be NULL).
    void (*check)(desc_parser *p, const cfg_node *n, void *obj);
};

// Table rows: a field read as `how` into member m of struct st, and the kinds that
// need more than that.
// clang-format off
#define DP_FIELD(k, how, st, m) {.key = (k), .type = (how), .off = offsetof(st, m)}
#define DP_U32_FIELD(k, st, m, lo, hi, dflt)                                                       \
    {.key = (k), .type = DP_U32, .off = offsetof(st, m), .min = (lo), .max = (hi), .def = (dflt)}
#define DP_CIDR_FIELD(k, st, m, pos_m)                                                             \
    {.key = (k), .type = DP_CIDR, .off = offsetof(st, m), .aux = offsetof(st, pos_m)}
#define DP_SEQ_FIELD(k, st, m, n_m, shape)                                                         \
    {.key = (k), .type = DP_SEQ, .off = offsetof(st, m), .aux = offsetof(st, n_m), .sub = (shape)}
#define DP_SUB_FIELD(k, how, shape) {.key = (k), .type = (how), .sub = (shape)}
// A shape's element with its own id and position (where its mapping starts), whose
// ids are unique in its array.
#define DP_NAMED(st, what_)                                                                        \
    .size = sizeof(st), .set_pos = true, .what = (what_), .id_off = offsetof(st, id),              \
    .pos_off = offsetof(st, pos)
// clang-format on

// Reads mapping n (an error if it is not one) into obj as shape s says: defaults,
// position, fields, required keys, check.
void dp_map(desc_parser *p, const cfg_node *n, const dp_shape *s, void *obj);
// Parses sequence n into new elements of shape s appended to *arr (arena memory),
// each with the path extended by "[i]"; then reports duplicate ids if s->what.
void dp_seq(desc_parser *p, const cfg_node *n, const dp_shape *s, void **arr, size_t *count);
// Reports ids that occur twice in arr (id and pos at the given offsets).
void dp_dup_ids(desc_parser *p, const void *arr, size_t count, size_t size, size_t id_off,
                size_t pos_off, const char *what);
// The check of a mapping with min- and max-number-of-instances (max read as 0 when
// absent): max defaults to min, and may not be below it.
void dp_instances(desc_parser *p, const cfg_node *n, uint32_t min, uint32_t *max);

static inline desc_pos dp_pos(const cfg_node *n)
{
    return (desc_pos){n->line, n->col};
}

// The member at byte offset off of the struct at obj (offsets come from tables).
static inline void *dp_at(const void *obj, size_t off)
{
    return (unsigned char *)obj + off;
}

// Appends v (arena memory) to the set's VNFDs: 0 or -ENOMEM.
int desc_set_push_vnfd(desc_set *s, desc_vnfd *v);

// The tables of a whole VNFD and NSD (file and pos are not set by dp_map).
extern const dp_shape desc_vnfd_shape, desc_nsd_shape;
// Checks references inside one descriptor (run when it parsed without errors).
void desc_check_vnfd(desc_parser *p, const desc_vnfd *v);
void desc_check_nsd(desc_parser *p, const desc_nsd *d);

#endif
