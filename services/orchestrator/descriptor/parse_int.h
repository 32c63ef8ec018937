// Internals shared by the descriptor parser files: the arena that owns a set's
// memory and the parse context (position path, diagnostics, typed reads).
#ifndef OUTRIG_DESC_PARSE_INT_H
#define OUTRIG_DESC_PARSE_INT_H

#include <stdarg.h>

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

struct desc_set {
    desc_arena arena;
    desc_vnfd **vnfd;
    size_t n_vnfd, cap_vnfd;
    desc_nsd **nsd;
    size_t n_nsd, cap_nsd;
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
// An error for a mapping n that lacks `key` (required).
void dp_missing(desc_parser *p, const cfg_node *n, const char *key);

typedef void (*dp_item_fn)(desc_parser *p, const cfg_node *n, void *elem);
// Parses a sequence into a new array of n->n elements of `size` bytes, calling fn on
// each with the path extended by "[i]". On a type error *arr is NULL and *count 0.
void dp_seq(desc_parser *p, const cfg_node *n, size_t size, void **arr, size_t *count,
            dp_item_fn fn);
// Reports ids that occur twice in arr (id and pos at the given offsets).
void dp_dup_ids(desc_parser *p, const void *arr, size_t count, size_t size, size_t id_off,
                size_t pos_off, const char *what);

static inline desc_pos dp_pos(const cfg_node *n)
{
    return (desc_pos){n->line, n->col};
}

// Appends v (arena memory) to the set's VNFDs: 0 or -ENOMEM.
int desc_set_push_vnfd(desc_set *s, desc_vnfd *v);

void desc_parse_vnfd(desc_parser *p, const cfg_node *n, desc_vnfd *v);
void desc_parse_nsd(desc_parser *p, const cfg_node *n, desc_nsd *d);
// Checks references inside one descriptor (run when it parsed without errors).
void desc_check_vnfd(desc_parser *p, const desc_vnfd *v);
void desc_check_nsd(desc_parser *p, const desc_nsd *d);

#endif
