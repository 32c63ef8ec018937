// Descriptor sets: the `nsd:`/`vnfd:` roots of each file, the set's storage,
// lookups by id, and desc_validate_files.
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

desc_set *desc_set_new(void)
{
    return calloc(1, sizeof(desc_set));
}

void desc_set_free(desc_set *s)
{
    if (!s)
        return;
    desc_arena_clear(&s->arena);
    free(s->vnfd.item);
    free(s->nsd.item);
    free(s);
}

size_t desc_set_n_vnfd(const desc_set *s)
{
    return s->vnfd.n;
}

const desc_vnfd *desc_set_vnfd(const desc_set *s, size_t i)
{
    return i < s->vnfd.n ? s->vnfd.item[i] : NULL;
}

size_t desc_set_n_nsd(const desc_set *s)
{
    return s->nsd.n;
}

const desc_nsd *desc_set_nsd(const desc_set *s, size_t i)
{
    return i < s->nsd.n ? s->nsd.item[i] : NULL;
}

// The descriptor of l whose id (a const char * at id_off) is id, or NULL.
static void *list_find(const desc_list *l, size_t id_off, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(*(const char **)dp_at(l->item[i], id_off), id) == 0)
            return l->item[i];
    return NULL;
}

const desc_vnfd *desc_set_find_vnfd(const desc_set *s, const char *id)
{
    return list_find(&s->vnfd, offsetof(desc_vnfd, id), id);
}

const desc_nsd *desc_set_find_nsd(const desc_set *s, const char *id)
{
    return list_find(&s->nsd, offsetof(desc_nsd, id), id);
}

static int list_push(desc_list *l, void *e)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        void **na = realloc(l->item, nc * sizeof *na);
        if (!na)
            return -ENOMEM;
        l->item = na;
        l->cap = nc;
    }
    l->item[l->n++] = e;
    return 0;
}

int desc_set_push_vnfd(desc_set *s, desc_vnfd *v)
{
    return list_push(&s->vnfd, v);
}

static void check_vnfd(desc_parser *p, const void *v)
{
    desc_check_vnfd(p, v);
}

static void check_nsd(desc_parser *p, const void *d)
{
    desc_check_nsd(p, d);
}

// A kind of descriptor: the keys of its roots, its table, where its list is in a set,
// and the members that desc_vnfd and desc_nsd both have, by offset.
typedef struct desc_kind {
    const char *key, *yang_key; // "vnfd", "etsi-nfv-vnfd:vnfd"
    const dp_shape *shape;
    size_t list;
    void (*check)(desc_parser *p, const void *d);
    size_t size, file, id, pos, ignored, n_ignored, has_errors;
} desc_kind;

#define KIND_MEMBERS(type)                                                                         \
    .size = sizeof(type), .file = offsetof(type, file), .id = offsetof(type, id),                  \
    .pos = offsetof(type, pos), .ignored = offsetof(type, ignored),                                \
    .n_ignored = offsetof(type, n_ignored), .has_errors = offsetof(type, has_errors)

static const desc_kind kinds[] = {
    {"vnfd", "etsi-nfv-vnfd:vnfd", &desc_vnfd_shape, offsetof(desc_set, vnfd), check_vnfd,
     KIND_MEMBERS(desc_vnfd)},
    {"nsd", "etsi-nfv-nsd:nsd", &desc_nsd_shape, offsetof(desc_set, nsd), check_nsd,
     KIND_MEMBERS(desc_nsd)},
};

// Parses one descriptor, checks it when it parsed cleanly and adds it unless its id
// is already in the set.
static void add_one(desc_set *s, desc_parser *p, const cfg_node *n, const desc_kind *k)
{
    void *d = desc_alloc(p->a, k->size);
    if (!d)
        return;
    *(const char **)dp_at(d, k->file) = p->file;
    *(desc_pos *)dp_at(d, k->pos) = dp_pos(n);
    p->ign = dp_at(d, k->ignored);
    p->n_ign = dp_at(d, k->n_ignored);
    p->ign_cap = 0;
    int before = p->errors;
    dp_map(p, n, k->shape, d);
    p->ign = NULL;
    bool *has_errors = dp_at(d, k->has_errors);
    *has_errors = p->errors != before;
    if (!*has_errors)
        k->check(p, d);
    const char *id = *(const char **)dp_at(d, k->id);
    if (!id)
        return;
    desc_list *list = dp_at(s, k->list);
    const void *dup = list_find(list, k->id, id);
    if (dup) {
        const desc_pos *pos = dp_at(d, k->pos), *first = dp_at(dup, k->pos);
        dp_report(p, DESC_ERROR, pos->line, pos->col, "duplicate %s id '%s' (first in %s:%d:%d)",
                  k->key, id, *(const char **)dp_at(dup, k->file), first->line, first->col);
        return;
    }
    if (list_push(list, d))
        p->a->oom = true;
}

// A root value: a list of descriptors, a mapping wrapping such a list under the
// same key (`nsd: {nsd: [...]}` as OSM writes it), or one descriptor.
static void add_root(desc_set *s, desc_parser *p, const cfg_node *n, const desc_kind *k)
{
    if (n->kind == CFG_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            size_t old = dp_push_idx(p, i);
            add_one(s, p, n->items[i], k);
            dp_pop(p, old);
        }
        return;
    }
    const cfg_node *inner = cfg_map_get(n, k->key);
    if (n->kind == CFG_MAP && inner && !cfg_map_get(n, "id")) {
        for (size_t i = 0; i < n->n; i++) {
            const cfg_node *f = n->items[i];
            size_t old = dp_push(p, f->key);
            if (f == inner)
                add_root(s, p, f, k);
            else
                dp_ignore(p, f, false);
            dp_pop(p, old);
        }
        return;
    }
    if (n->kind != CFG_MAP) {
        dp_err(p, n, "%s: expected a mapping or a sequence, got %s", dp_name(p),
               cfg_kind_name(n->kind));
        return;
    }
    add_one(s, p, n, k);
}

static const desc_kind *root_kind(const char *key)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(key, kinds[i].key) == 0 || strcmp(key, kinds[i].yang_key) == 0)
            return &kinds[i];
    return NULL;
}

static int add_doc(desc_set *s, const cfg_doc *doc, const char *file, desc_report_fn fn, void *arg)
{
    desc_parser p = {.a = &s->arena, .doc = doc, .file = file, .fn = fn, .arg = arg};
    const cfg_node *root = cfg_doc_root(doc);
    if (!root) {
        dp_report(&p, DESC_ERROR, 0, 0, "empty document: expected an nsd or vnfd");
        return p.errors;
    }
    if (root->kind != CFG_MAP) {
        dp_err(&p, root, "expected a mapping with an nsd or vnfd key, got %s",
               cfg_kind_name(root->kind));
        return p.errors;
    }
    bool any = false;
    for (size_t i = 0; i < root->n; i++) {
        const cfg_node *f = root->items[i];
        const desc_kind *k = root_kind(f->key);
        size_t old = dp_push(&p, f->key);
        if (k)
            add_root(s, &p, f, k);
        else
            dp_ignore(&p, f, false);
        any = any || k;
        dp_pop(&p, old);
    }
    if (!any)
        dp_err(&p, root, "no nsd or vnfd key at the top level");
    if (s->arena.oom)
        return -ENOMEM;
    return p.errors;
}

static const cfg_limits desc_limits = {.max_bytes = DESC_MAX_FILE_BYTES};

// Parses the buffer (or, without one, the file) named `name` and adds what it holds.
static int add_source(desc_set *s, const char *name, const void *buf, size_t len, bool is_file,
                      desc_report_fn fn, void *arg)
{
    const char *file = desc_strdup(&s->arena, name);
    if (!file)
        return -ENOMEM;
    cfg_doc *doc = NULL;
    cfg_error e;
    int rc = is_file ? cfg_parse_file(file, &desc_limits, &doc, &e)
                     : cfg_parse(file, buf, len, &desc_limits, &doc, &e);
    if (rc == -ENOMEM)
        return rc;
    if (rc) {
        desc_parser p = {.a = &s->arena, .file = file, .fn = fn, .arg = arg};
        dp_cfg_err(&p, &e);
        return p.errors;
    }
    rc = add_doc(s, doc, file, fn, arg);
    cfg_doc_free(doc);
    return rc;
}

int desc_set_add_buf(desc_set *s, const char *name, const void *buf, size_t len, desc_report_fn fn,
                     void *arg)
{
    return add_source(s, name, buf, len, false, fn, arg);
}

int desc_set_add_file(desc_set *s, const char *path, desc_report_fn fn, void *arg)
{
    return add_source(s, path, NULL, 0, true, fn, arg);
}

int desc_validate_files(const char *const *paths, size_t n, bool strict, desc_report_fn fn,
                        void *arg)
{
    desc_set *s = desc_set_new();
    if (!s)
        return -ENOMEM;
    int errors = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = desc_set_add_file(s, paths[i], fn, arg);
        if (rc < 0) {
            desc_set_free(s);
            return rc;
        }
        errors += rc;
    }
    errors += desc_set_check(s, strict, fn, arg);
    desc_set_free(s);
    return errors;
}
