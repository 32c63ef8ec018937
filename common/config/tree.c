// Builds the cfg tree from libyaml's event stream, bounded by cfg_limits.
#include "config/tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

// Nodes, keys and item arrays live in one arena freed with the document.
typedef struct cfg_chunk {
    struct cfg_chunk *next;
    size_t used, cap;
    max_align_t data[];
} cfg_chunk;

struct cfg_doc {
    char *name;
    cfg_node *root;
    size_t nodes;
    cfg_chunk *chunks;
};

// A node while its container is open: children are chained, then flattened.
typedef struct cfg_inode {
    cfg_node pub;
    struct cfg_inode *next;
} cfg_inode;

typedef struct cfg_frame {
    cfg_inode *node;
    cfg_inode *head, *tail;
    size_t count;
    // Mapping frames: the key waiting for its value.
    bool have_key;
    const char *key;
    int key_line, key_col;
} cfg_frame;

#define CFG_CHUNK_SIZE 16384u

static void *cfg_alloc(cfg_doc *d, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    cfg_chunk *c = d->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CFG_CHUNK_SIZE ? n : CFG_CHUNK_SIZE;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = d->chunks;
        d->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static char *cfg_memdup(cfg_doc *d, const void *s, size_t len)
{
    char *p = cfg_alloc(d, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void cfg_doc_free(cfg_doc *d)
{
    if (!d)
        return;
    cfg_chunk *c = d->chunks;
    while (c) {
        cfg_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(d->name);
    free(d);
}

const cfg_node *cfg_doc_root(const cfg_doc *d)
{
    return d ? d->root : NULL;
}
const char *cfg_doc_name(const cfg_doc *d)
{
    return d ? d->name : "";
}
size_t cfg_doc_nodes(const cfg_doc *d)
{
    return d ? d->nodes : 0;
}

static int cfg_vfail_at(cfg_error *err, const char *name, int line, int col, const char *fmt,
                        va_list ap)
{
    if (!err)
        return -EINVAL;
    int n;
    if (line > 0)
        n = snprintf(err->msg, sizeof err->msg, "%s:%d:%d: ", name, line, col);
    else
        n = snprintf(err->msg, sizeof err->msg, "%s: ", name);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof err->msg)
        vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
    err->line = line;
    err->col = col;
    return -EINVAL;
}

int cfg_fail_at(cfg_error *err, const char *name, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_vfail_at(err, name, line, col, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

int cfg_fail(cfg_error *err, const cfg_doc *d, const cfg_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_vfail_at(err, cfg_doc_name(d), n ? n->line : 0, n ? n->col : 0, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

int cfg_fail_key(cfg_error *err, const cfg_doc *d, const cfg_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool k = n && n->key;
    cfg_vfail_at(err, cfg_doc_name(d), n ? (k ? n->key_line : n->line) : 0,
                 n ? (k ? n->key_col : n->col) : 0, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

// ---- building ---------------------------------------------------------------

typedef struct cfg_builder {
    cfg_doc *doc;
    cfg_limits lim;
    cfg_frame *stack;
    unsigned depth;
    int docs;
    cfg_error *err;
} cfg_builder;

static int cfg_key_cmp(const void *a, const void *b)
{
    const cfg_node *x = *(cfg_node *const *)a, *y = *(cfg_node *const *)b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->key_line != y->key_line)
        return x->key_line < y->key_line ? -1 : 1;
    return x->key_col < y->key_col ? -1 : (x->key_col > y->key_col);
}

// Reports the first (in file order) key that repeats an earlier one.
static int cfg_check_dups(cfg_builder *b, cfg_node *map)
{
    if (map->n < 2)
        return 0;
    cfg_node **sorted = malloc(map->n * sizeof *sorted);
    if (!sorted)
        return -ENOMEM;
    memcpy(sorted, map->items, map->n * sizeof *sorted);
    qsort(sorted, map->n, sizeof *sorted, cfg_key_cmp);
    const cfg_node *dup = NULL, *first = NULL;
    for (size_t i = 1; i < map->n; i++) {
        if (strcmp(sorted[i - 1]->key, sorted[i]->key) != 0)
            continue;
        if (!dup || sorted[i]->key_line < dup->key_line ||
            (sorted[i]->key_line == dup->key_line && sorted[i]->key_col < dup->key_col)) {
            dup = sorted[i];
            // The earliest occurrence of this key sits first in its run.
            size_t j = i - 1;
            while (j > 0 && strcmp(sorted[j - 1]->key, dup->key) == 0)
                j--;
            first = sorted[j];
        }
    }
    int rc = 0;
    if (dup)
        rc = cfg_fail_at(b->err, b->doc->name, dup->key_line, dup->key_col,
                         "duplicate key '%s' (first at line %d)", dup->key, first->key_line);
    free(sorted);
    return rc;
}

static cfg_inode *cfg_new_node(cfg_builder *b, cfg_kind kind, const yaml_mark_t *m)
{
    if (b->doc->nodes >= b->lim.max_nodes) {
        cfg_fail_at(b->err, b->doc->name, (int)m->line + 1, (int)m->column + 1,
                    "document has more than %zu nodes", b->lim.max_nodes);
        return NULL;
    }
    cfg_inode *n = cfg_alloc(b->doc, sizeof *n);
    if (!n)
        return NULL;
    memset(n, 0, sizeof *n);
    n->pub.kind = kind;
    n->pub.line = (int)m->line + 1;
    n->pub.col = (int)m->column + 1;
    b->doc->nodes++;
    return n;
}

// Attaches a finished node to the open container (or makes it the root).
static int cfg_attach(cfg_builder *b, cfg_inode *n)
{
    if (b->depth == 0) {
        b->doc->root = &n->pub;
        return 0;
    }
    cfg_frame *f = &b->stack[b->depth - 1];
    if (f->node->pub.kind == CFG_MAP) {
        n->pub.key = f->key;
        n->pub.key_line = f->key_line;
        n->pub.key_col = f->key_col;
        f->have_key = false;
    }
    if (f->tail)
        f->tail->next = n;
    else
        f->head = n;
    f->tail = n;
    f->count++;
    return 0;
}

// In a mapping waiting for a key, a scalar event is that key.
static bool cfg_wants_key(const cfg_builder *b)
{
    if (b->depth == 0)
        return false;
    const cfg_frame *f = &b->stack[b->depth - 1];
    return f->node->pub.kind == CFG_MAP && !f->have_key;
}

static int cfg_on_scalar(cfg_builder *b, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    size_t len = ev->data.scalar.length;
    if (len > b->lim.max_scalar)
        return cfg_fail_at(b->err, b->doc->name, (int)m->line + 1, (int)m->column + 1,
                           "scalar of %zu bytes is longer than the limit of %zu", len,
                           b->lim.max_scalar);
    if (cfg_wants_key(b)) {
        cfg_frame *f = &b->stack[b->depth - 1];
        if (memchr(ev->data.scalar.value, '\0', len))
            return cfg_fail_at(b->err, b->doc->name, (int)m->line + 1, (int)m->column + 1,
                               "key contains a NUL byte");
        if (b->doc->nodes >= b->lim.max_nodes)
            return cfg_fail_at(b->err, b->doc->name, (int)m->line + 1, (int)m->column + 1,
                               "document has more than %zu nodes", b->lim.max_nodes);
        b->doc->nodes++;
        f->key = cfg_memdup(b->doc, ev->data.scalar.value, len);
        if (!f->key)
            return -ENOMEM;
        f->key_line = (int)m->line + 1;
        f->key_col = (int)m->column + 1;
        f->have_key = true;
        return 0;
    }
    cfg_inode *n = cfg_new_node(b, CFG_SCALAR, m);
    if (!n)
        return b->doc->nodes >= b->lim.max_nodes ? -EINVAL : -ENOMEM;
    n->pub.str = cfg_memdup(b->doc, ev->data.scalar.value, len);
    if (!n->pub.str)
        return -ENOMEM;
    n->pub.len = len;
    n->pub.quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    return cfg_attach(b, n);
}

static int cfg_on_start(cfg_builder *b, const yaml_event_t *ev, cfg_kind kind)
{
    const yaml_mark_t *m = &ev->start_mark;
    if (cfg_wants_key(b))
        return cfg_fail_at(b->err, b->doc->name, (int)m->line + 1, (int)m->column + 1,
                           "mapping keys must be scalars");
    if (b->depth >= b->lim.max_depth)
        return cfg_fail_at(b->err, b->doc->name, (int)m->line + 1, (int)m->column + 1,
                           "nesting deeper than %u levels", b->lim.max_depth);
    cfg_inode *n = cfg_new_node(b, kind, m);
    if (!n)
        return b->doc->nodes >= b->lim.max_nodes ? -EINVAL : -ENOMEM;
    cfg_frame *f = &b->stack[b->depth++];
    memset(f, 0, sizeof *f);
    f->node = n;
    return 0;
}

static int cfg_on_end(cfg_builder *b)
{
    cfg_frame *f = &b->stack[b->depth - 1];
    cfg_node *n = &f->node->pub;
    n->n = f->count;
    if (f->count) {
        n->items = cfg_alloc(b->doc, f->count * sizeof *n->items);
        if (!n->items)
            return -ENOMEM;
        size_t i = 0;
        for (cfg_inode *c = f->head; c; c = c->next)
            n->items[i++] = &c->pub;
    }
    if (n->kind == CFG_MAP) {
        int rc = cfg_check_dups(b, n);
        if (rc)
            return rc;
    }
    cfg_inode *done = f->node;
    b->depth--;
    return cfg_attach(b, done);
}

static int cfg_on_event(cfg_builder *b, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->docs > 1)
            return cfg_fail_at(b->err, b->doc->name, (int)m->line + 1, (int)m->column + 1,
                               "only one YAML document is allowed");
        return 0;
    case YAML_SCALAR_EVENT:
        return cfg_on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return cfg_on_start(b, ev, CFG_SEQ);
    case YAML_MAPPING_START_EVENT:
        return cfg_on_start(b, ev, CFG_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return cfg_on_end(b);
    case YAML_ALIAS_EVENT:
        // Aliases would turn the bounded tree into a DAG that expands on walk.
        return cfg_fail_at(b->err, b->doc->name, (int)m->line + 1, (int)m->column + 1,
                           "aliases (*%s) are not supported", ev->data.alias.anchor);
    default:
        return 0;
    }
}

static int cfg_syntax_error(cfg_builder *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_MEMORY_ERROR)
        return -ENOMEM;
    if (p->error == YAML_READER_ERROR)
        return cfg_fail_at(b->err, b->doc->name, 0, 0, "%s at byte %zu", problem,
                           p->problem_offset);
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    if (p->context)
        return cfg_fail_at(b->err, b->doc->name, line, col, "%s (%s at line %d column %d)", problem,
                           p->context, (int)p->context_mark.line + 1,
                           (int)p->context_mark.column + 1);
    return cfg_fail_at(b->err, b->doc->name, line, col, "%s", problem);
}

int cfg_parse(const char *name, const void *buf, size_t len, const cfg_limits *lim, cfg_doc **out,
              cfg_error *err)
{
    *out = NULL;
    cfg_builder b = {.err = err};
    b.lim.max_bytes = lim && lim->max_bytes ? lim->max_bytes : CFG_MAX_BYTES;
    b.lim.max_depth = lim && lim->max_depth ? lim->max_depth : CFG_MAX_DEPTH;
    b.lim.max_nodes = lim && lim->max_nodes ? lim->max_nodes : CFG_MAX_NODES;
    b.lim.max_scalar = lim && lim->max_scalar ? lim->max_scalar : CFG_MAX_SCALAR;
    if (!name)
        name = "<input>";
    if (len > b.lim.max_bytes)
        return cfg_fail_at(err, name, 0, 0, "input of %zu bytes is larger than the limit of %zu",
                           len, b.lim.max_bytes);
    b.doc = calloc(1, sizeof *b.doc);
    b.stack = calloc(b.lim.max_depth, sizeof *b.stack);
    if (!b.doc || !b.stack || !(b.doc->name = strdup(name))) {
        free(b.stack);
        cfg_doc_free(b.doc);
        return -ENOMEM;
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        free(b.stack);
        cfg_doc_free(b.doc);
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&p, buf ? buf : (const void *)"", len);
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = cfg_syntax_error(&b, &p);
            break;
        }
        rc = cfg_on_event(&b, &ev);
        bool end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (rc || end)
            break;
    }
    yaml_parser_delete(&p);
    free(b.stack);
    if (rc) {
        cfg_doc_free(b.doc);
        return rc;
    }
    *out = b.doc;
    return 0;
}

int cfg_parse_file(const char *path, const cfg_limits *lim, cfg_doc **out, cfg_error *err)
{
    *out = NULL;
    size_t max = lim && lim->max_bytes ? lim->max_bytes : CFG_MAX_BYTES;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        cfg_fail_at(err, path, 0, 0, "cannot open: %s", strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        cfg_fail_at(err, path, 0, 0, "cannot stat: %s", strerror(e));
        return -e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        cfg_fail_at(err, path, 0, 0, "not a regular file");
        return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        cfg_fail_at(err, path, 0, 0, "file of %lld bytes is larger than the limit of %zu",
                    (long long)st.st_size, max);
        return -EFBIG;
    }
    // Read one byte past the limit so that a file that grew since fstat is caught.
    char *buf = malloc(max + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    size_t len = 0;
    while (len <= max) {
        ssize_t r = read(fd, buf + len, max + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            cfg_fail_at(err, path, 0, 0, "read failed: %s", strerror(e));
            return -e;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (len > max) {
        free(buf);
        cfg_fail_at(err, path, 0, 0, "file is larger than the limit of %zu bytes", max);
        return -EFBIG;
    }
    int rc = cfg_parse(path, buf, len, lim, out, err);
    free(buf);
    return rc;
}
