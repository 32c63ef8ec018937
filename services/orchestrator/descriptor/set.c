// Descriptor sets: the `nsd:`/`vnfd:` roots of each file, the set's storage,
// lookups by id, and desc_validate_files.
#include <errno.h>
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
    free(s->vnfd);
    free(s->nsd);
    free(s);
}

size_t desc_set_n_vnfd(const desc_set *s)
{
    return s->n_vnfd;
}

const desc_vnfd *desc_set_vnfd(const desc_set *s, size_t i)
{
    return i < s->n_vnfd ? s->vnfd[i] : NULL;
}

size_t desc_set_n_nsd(const desc_set *s)
{
    return s->n_nsd;
}

const desc_nsd *desc_set_nsd(const desc_set *s, size_t i)
{
    return i < s->n_nsd ? s->nsd[i] : NULL;
}

const desc_vnfd *desc_set_find_vnfd(const desc_set *s, const char *id)
{
    for (size_t i = 0; i < s->n_vnfd; i++)
        if (strcmp(s->vnfd[i]->id, id) == 0)
            return s->vnfd[i];
    return NULL;
}

const desc_nsd *desc_set_find_nsd(const desc_set *s, const char *id)
{
    for (size_t i = 0; i < s->n_nsd; i++)
        if (strcmp(s->nsd[i]->id, id) == 0)
            return s->nsd[i];
    return NULL;
}

static int push_ptr(void ***arr, size_t *n, size_t *cap, void *e)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        void **na = realloc(*arr, nc * sizeof *na);
        if (!na)
            return -ENOMEM;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = e;
    return 0;
}

int desc_set_push_vnfd(desc_set *s, desc_vnfd *v)
{
    return push_ptr((void ***)&s->vnfd, &s->n_vnfd, &s->cap_vnfd, v);
}

static void add_vnfd(desc_set *s, desc_parser *p, const cfg_node *n)
{
    desc_vnfd *v = desc_alloc(p->a, sizeof *v);
    if (!v)
        return;
    p->ign = &v->ignored;
    p->n_ign = &v->n_ignored;
    p->ign_cap = 0;
    int before = p->errors;
    desc_parse_vnfd(p, n, v);
    p->ign = NULL;
    v->has_errors = p->errors != before;
    if (!v->has_errors)
        desc_check_vnfd(p, v);
    if (!v->id)
        return;
    const desc_vnfd *dup = desc_set_find_vnfd(s, v->id);
    if (dup) {
        dp_report(p, DESC_ERROR, v->pos.line, v->pos.col,
                  "duplicate vnfd id '%s' (first in %s:%d:%d)", v->id, dup->file, dup->pos.line,
                  dup->pos.col);
        return;
    }
    if (desc_set_push_vnfd(s, v))
        p->a->oom = true;
}

static void add_nsd(desc_set *s, desc_parser *p, const cfg_node *n)
{
    desc_nsd *d = desc_alloc(p->a, sizeof *d);
    if (!d)
        return;
    p->ign = &d->ignored;
    p->n_ign = &d->n_ignored;
    p->ign_cap = 0;
    int before = p->errors;
    desc_parse_nsd(p, n, d);
    p->ign = NULL;
    d->has_errors = p->errors != before;
    if (!d->has_errors)
        desc_check_nsd(p, d);
    if (!d->id)
        return;
    const desc_nsd *dup = desc_set_find_nsd(s, d->id);
    if (dup) {
        dp_report(p, DESC_ERROR, d->pos.line, d->pos.col,
                  "duplicate nsd id '%s' (first in %s:%d:%d)", d->id, dup->file, dup->pos.line,
                  dup->pos.col);
        return;
    }
    if (push_ptr((void ***)&s->nsd, &s->n_nsd, &s->cap_nsd, d))
        p->a->oom = true;
}

typedef void (*add_fn)(desc_set *s, desc_parser *p, const cfg_node *n);

// A root value: a list of descriptors, a mapping wrapping such a list under the
// same key (`nsd: {nsd: [...]}` as OSM writes it), or one descriptor.
static void add_root(desc_set *s, desc_parser *p, const cfg_node *n, const char *key, add_fn add)
{
    if (n->kind == CFG_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            size_t old = dp_push_idx(p, i);
            add(s, p, n->items[i]);
            dp_pop(p, old);
        }
        return;
    }
    const cfg_node *inner = cfg_map_get(n, key);
    if (n->kind == CFG_MAP && inner && !cfg_map_get(n, "id")) {
        for (size_t i = 0; i < n->n; i++) {
            const cfg_node *f = n->items[i];
            size_t old = dp_push(p, f->key);
            if (f == inner)
                add_root(s, p, f, key, add);
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
    add(s, p, n);
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
        const char *k = f->key;
        size_t old = dp_push(&p, k);
        if (strcmp(k, "vnfd") == 0 || strcmp(k, "etsi-nfv-vnfd:vnfd") == 0) {
            add_root(s, &p, f, "vnfd", add_vnfd);
            any = true;
        } else if (strcmp(k, "nsd") == 0 || strcmp(k, "etsi-nfv-nsd:nsd") == 0) {
            add_root(s, &p, f, "nsd", add_nsd);
            any = true;
        } else {
            dp_ignore(&p, f, false);
        }
        dp_pop(&p, old);
    }
    if (!any)
        dp_err(&p, root, "no nsd or vnfd key at the top level");
    if (s->arena.oom)
        return -ENOMEM;
    return p.errors;
}

static const cfg_limits desc_limits = {.max_bytes = DESC_MAX_FILE_BYTES};

int desc_set_add_buf(desc_set *s, const char *name, const void *buf, size_t len, desc_report_fn fn,
                     void *arg)
{
    const char *file = desc_strdup(&s->arena, name);
    if (!file)
        return -ENOMEM;
    cfg_doc *doc = NULL;
    cfg_error e;
    int rc = cfg_parse(file, buf, len, &desc_limits, &doc, &e);
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

int desc_set_add_file(desc_set *s, const char *path, desc_report_fn fn, void *arg)
{
    const char *file = desc_strdup(&s->arena, path);
    if (!file)
        return -ENOMEM;
    cfg_doc *doc = NULL;
    cfg_error e;
    int rc = cfg_parse_file(file, &desc_limits, &doc, &e);
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
