// cfg tree: a bounded YAML document tree on libyaml, with line/column marks.
//
// cfg_parse() turns one YAML document into a tree of mapping, sequence and
// scalar nodes, each carrying the 1-based line and column where it starts, so
// that any later check can say `file:line:col: what is wrong`. Parsing is
// bounded (input size, nesting depth, node count, scalar length); duplicate
// keys, non-scalar keys, aliases and multiple documents are errors. The typed
// accessors below check a node's kind, range and keys and fill a cfg_error.
// Every parser of YAML in Outrigger (outrig.yaml, NSD/VNFD descriptors) sits
// on this tree.
#ifndef OUTRIG_CFG_TREE_H
#define OUTRIG_CFG_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CFG_SCALAR = 0, CFG_MAP = 1, CFG_SEQ = 2 } cfg_kind;

typedef struct cfg_node cfg_node;
struct cfg_node {
    cfg_kind kind;
    int line, col; // 1-based start of the node
    // Set when the node is the value of a mapping entry: its key and the key's mark.
    const char *key;
    int key_line, key_col;
    // CFG_SCALAR: the text (NUL-terminated, len bytes, may contain NUL) and
    // whether it was quoted or a block scalar ("null" vs null).
    const char *str;
    size_t len;
    bool quoted;
    // CFG_MAP: n values (each with ->key), in file order; CFG_SEQ: n items.
    size_t n;
    cfg_node **items;
};

typedef struct cfg_limits {
    size_t max_bytes;   // input size; 0 = CFG_MAX_BYTES
    unsigned max_depth; // nesting of mappings/sequences; 0 = CFG_MAX_DEPTH
    size_t max_nodes;   // total nodes; 0 = CFG_MAX_NODES
    size_t max_scalar;  // bytes of one scalar; 0 = CFG_MAX_SCALAR
} cfg_limits;

#define CFG_MAX_BYTES (1u << 20)
#define CFG_MAX_DEPTH 32u
#define CFG_MAX_NODES 65536u
#define CFG_MAX_SCALAR 16384u

// One error, already formatted as "file:line:col: message" (or "file: message"
// when there is no position). line/col are 0 when unknown.
typedef struct cfg_error {
    char msg[512];
    int line, col;
} cfg_error;

typedef struct cfg_doc cfg_doc;

// Parses buf[0..len) (need not be NUL-terminated) named `name` in messages.
// Returns 0 and *out (free with cfg_doc_free), or -EINVAL (bad YAML, limits;
// err filled), -ENOMEM. An empty document gives a doc whose root is NULL.
int cfg_parse(const char *name, const void *buf, size_t len, const cfg_limits *lim, cfg_doc **out,
              cfg_error *err);
// Reads and parses a file; -errno on I/O failure (err says which), -EFBIG
// beyond max_bytes, else as cfg_parse. The doc is named after path.
int cfg_parse_file(const char *path, const cfg_limits *lim, cfg_doc **out, cfg_error *err);
void cfg_doc_free(cfg_doc *d); // NULL is a no-op

const cfg_node *cfg_doc_root(const cfg_doc *d); // NULL for an empty document
const char *cfg_doc_name(const cfg_doc *d);
size_t cfg_doc_nodes(const cfg_doc *d);

// Fills err with "name:line:col: <fmt>" at node n (n may be NULL: no position)
// and returns -EINVAL, so that checks can `return cfg_fail(...)`.
int cfg_fail(cfg_error *err, const cfg_doc *d, const cfg_node *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
// The same at an explicit position (line 0 = none), for checks made after parsing.
int cfg_fail_at(cfg_error *err, const char *name, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
// The same at the key of a mapping entry (duplicate or unknown keys).
int cfg_fail_key(cfg_error *err, const cfg_doc *d, const cfg_node *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

// "a mapping", "a sequence", "a scalar".
const char *cfg_kind_name(cfg_kind k);
// Checks n's kind: "expected a mapping, got a sequence". 0 or -EINVAL.
int cfg_expect(const cfg_doc *d, const cfg_node *n, cfg_kind k, cfg_error *err);
// The value for key in map n, or NULL (also when n is not a mapping).
const cfg_node *cfg_map_get(const cfg_node *n, const char *key);
// Checks that every key of map n is in the NULL-terminated list `allowed`:
// "unknown key 'lisen' (did you mean 'listen'?)". 0 or -EINVAL.
int cfg_check_keys(const cfg_doc *d, const cfg_node *n, const char *const *allowed, cfg_error *err);
// True for a plain scalar null, ~ or empty (no quotes).
bool cfg_is_null(const cfg_node *n);

// Typed scalar reads; each checks the kind and fills err on failure.
// A string: any scalar, without NUL bytes and at most max_len bytes (0 = no limit).
int cfg_get_str(const cfg_doc *d, const cfg_node *n, size_t max_len, const char **out,
                cfg_error *err);
// A decimal integer in [min, max]: "expected an integer", "out of range [1, 65535]".
int cfg_get_u64(const cfg_doc *d, const cfg_node *n, uint64_t min, uint64_t max, uint64_t *out,
                cfg_error *err);
// true/false (also yes/no/on/off, case-insensitive, unquoted or quoted).
int cfg_get_bool(const cfg_doc *d, const cfg_node *n, bool *out, cfg_error *err);
// One of the NULL-terminated choices; *out is its index: "expected one of: a, b".
int cfg_get_enum(const cfg_doc *d, const cfg_node *n, const char *const *choices, int *out,
                 cfg_error *err);

#endif
