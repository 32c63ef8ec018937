// The descriptor parser's shared machinery: diagnostics with positions, field
// paths and typed scalar reads.
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

// ---- diagnostics ---------------------------------------------------------------------

const char *desc_severity_name(desc_severity s)
{
    switch (s) {
    case DESC_ERROR:
        return "error";
    case DESC_WARNING:
        return "warning";
    case DESC_NOTE:
        return "note";
    }
    return "?";
}

char *desc_diag_format(const desc_diag *d, char *buf, size_t len)
{
    if (d->line > 0)
        snprintf(buf, len, "%s:%d:%d: %s: %s", d->file, d->line, d->col, desc_severity_name(d->sev),
                 d->msg);
    else
        snprintf(buf, len, "%s: %s: %s", d->file, desc_severity_name(d->sev), d->msg);
    return buf;
}

void dp_vreport(desc_parser *p, desc_severity sev, int line, int col, const char *fmt, va_list ap)
{
    if (sev == DESC_ERROR)
        p->errors++;
    if (!p->fn)
        return;
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    desc_diag d = {.sev = sev, .file = p->file, .line = line, .col = col, .msg = msg};
    p->fn(p->arg, &d);
}

void dp_report(desc_parser *p, desc_severity sev, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dp_vreport(p, sev, line, col, fmt, ap);
    va_end(ap);
}

void dp_err(desc_parser *p, const cfg_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dp_vreport(p, DESC_ERROR, n ? n->line : 0, n ? n->col : 0, fmt, ap);
    va_end(ap);
}

void dp_err_key(desc_parser *p, const cfg_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool k = n && n->key;
    dp_vreport(p, DESC_ERROR, n ? (k ? n->key_line : n->line) : 0,
               n ? (k ? n->key_col : n->col) : 0, fmt, ap);
    va_end(ap);
}

void dp_cfg_err(desc_parser *p, const cfg_error *e)
{
    const char *m = e->msg;
    char pre[300];
    if (e->line > 0)
        snprintf(pre, sizeof pre, "%s:%d:%d: ", p->file, e->line, e->col);
    else
        snprintf(pre, sizeof pre, "%s: ", p->file);
    if (strncmp(m, pre, strlen(pre)) == 0)
        m += strlen(pre);
    dp_report(p, DESC_ERROR, e->line, e->col, "%s", m);
}

// ---- paths ---------------------------------------------------------------------------

size_t dp_push(desc_parser *p, const char *key)
{
    size_t old = p->plen;
    int w = snprintf(p->path + p->plen, sizeof p->path - p->plen, "%s%s", p->plen ? "." : "", key);
    if (w > 0)
        p->plen += (size_t)w < sizeof p->path - p->plen ? (size_t)w : sizeof p->path - p->plen - 1;
    return old;
}

size_t dp_push_idx(desc_parser *p, size_t i)
{
    size_t old = p->plen;
    int w = snprintf(p->path + p->plen, sizeof p->path - p->plen, "[%zu]", i);
    if (w > 0)
        p->plen += (size_t)w < sizeof p->path - p->plen ? (size_t)w : sizeof p->path - p->plen - 1;
    return old;
}

void dp_pop(desc_parser *p, size_t old)
{
    p->plen = old;
    p->path[old] = '\0';
}

// ---- typed reads ---------------------------------------------------------------------

const char *dp_name(const desc_parser *p)
{
    return p->plen ? p->path : "value";
}

bool dp_expect(desc_parser *p, const cfg_node *n, cfg_kind k)
{
    if (n->kind == k)
        return true;
    dp_err(p, n, "%s: expected %s, got %s", dp_name(p), cfg_kind_name(k), cfg_kind_name(n->kind));
    return false;
}

bool dp_str(desc_parser *p, const cfg_node *n, const char **out)
{
    if (n->kind != CFG_SCALAR) {
        dp_err(p, n, "%s: expected a string, got %s", dp_name(p), cfg_kind_name(n->kind));
        return false;
    }
    if (strlen(n->str) != n->len) {
        dp_err(p, n, "%s: string contains a NUL byte", dp_name(p));
        return false;
    }
    *out = desc_strdup(p->a, n->str);
    return *out != NULL;
}

bool dp_id(desc_parser *p, const cfg_node *n, const char **out)
{
    if (!dp_str(p, n, out))
        return false;
    if (n->len == 0 || cfg_is_null(n)) {
        dp_err(p, n, "%s: empty id", dp_name(p));
        *out = NULL;
        return false;
    }
    if (n->len > DESC_ID_MAX) {
        dp_err(p, n, "%s: id of %zu bytes is longer than %u", dp_name(p), n->len, DESC_ID_MAX);
        *out = NULL;
        return false;
    }
    return true;
}

bool dp_ref(desc_parser *p, const cfg_node *n, desc_ref *out)
{
    if (!dp_id(p, n, &out->id))
        return false;
    out->pos = dp_pos(n);
    return true;
}

bool dp_u32(desc_parser *p, const cfg_node *n, uint32_t min, uint32_t max, uint32_t *out)
{
    uint64_t v;
    cfg_error e;
    if (cfg_get_u64(p->doc, n, min, max, &v, &e)) {
        char pre[300];
        snprintf(pre, sizeof pre, "%s:%d:%d: ", p->file, n->line, n->col);
        const char *m = e.msg;
        if (strncmp(m, pre, strlen(pre)) == 0)
            m += strlen(pre);
        dp_err(p, n, "%s: %s", dp_name(p), m);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

bool dp_bool(desc_parser *p, const cfg_node *n, bool *out)
{
    cfg_error e;
    if (cfg_get_bool(p->doc, n, out, &e)) {
        if (n->kind == CFG_SCALAR)
            dp_err(p, n, "%s: expected true or false, got '%.40s'", dp_name(p), n->str);
        else
            dp_err(p, n, "%s: expected true or false, got %s", dp_name(p), cfg_kind_name(n->kind));
        return false;
    }
    return true;
}

bool dp_gb_mib(desc_parser *p, const cfg_node *n, uint64_t *out)
{
    if (n->kind != CFG_SCALAR) {
        dp_err(p, n, "%s: expected a number of GB, got %s", dp_name(p), cfg_kind_name(n->kind));
        return false;
    }
    // Digits with at most one '.', no sign or exponent: strtod alone accepts too much.
    uint64_t whole = 0, frac_num = 0, frac_den = 1;
    bool dot = false, digit = false, bad = n->len == 0 || n->len > 24;
    for (size_t i = 0; i < n->len && !bad; i++) {
        char c = n->str[i];
        if (c == '.' && !dot) {
            dot = true;
        } else if (c >= '0' && c <= '9') {
            digit = true;
            if (!dot)
                whole = whole * 10 + (uint64_t)(c - '0');
            else if (frac_den < 1000000000u) {
                frac_num = frac_num * 10 + (uint64_t)(c - '0');
                frac_den *= 10;
            }
            if (whole > 1048576u)
                bad = true;
        } else {
            bad = true;
        }
    }
    if (bad || !digit) {
        dp_err(p, n, "%s: expected a number of GB (like 0.5 or 2), got '%.40s'", dp_name(p),
               n->str);
        return false;
    }
    uint64_t mib = whole * 1024 + (frac_num * 1024 + frac_den / 2) / frac_den;
    if (mib == 0 || whole > 65536) {
        dp_err(p, n, "%s: %s GB is out of range (1 MiB to 65536 GB)", dp_name(p), n->str);
        return false;
    }
    *out = mib;
    return true;
}

bool dp_cidr(desc_parser *p, const cfg_node *n, const char **out)
{
    const char *s;
    if (!dp_str(p, n, &s))
        return false;
    const char *slash = strchr(s, '/');
    char addr[64];
    unsigned char bin[16];
    bool ok = slash && (size_t)(slash - s) < sizeof addr && slash[1];
    int maxlen = 0;
    if (ok) {
        memcpy(addr, s, (size_t)(slash - s));
        addr[slash - s] = '\0';
        if (inet_pton(AF_INET, addr, bin) == 1)
            maxlen = 32;
        else if (inet_pton(AF_INET6, addr, bin) == 1)
            maxlen = 128;
        else
            ok = false;
    }
    long plen = -1;
    if (ok) {
        char *end;
        errno = 0;
        plen = strtol(slash + 1, &end, 10);
        ok = *end == '\0' && slash[1] >= '0' && slash[1] <= '9' && errno == 0 && plen >= 0 &&
             plen <= maxlen;
    }
    if (!ok) {
        dp_err(p, n, "%s: expected a CIDR prefix like 10.0.1.0/24, got '%.60s'", dp_name(p), s);
        return false;
    }
    *out = s;
    return true;
}

bool dp_next_word(const char **w, size_t *len)
{
    *w += *len;
    *w += strspn(*w, " ");
    *len = strcspn(*w, " ");
    return *len > 0;
}

// ---- mappings described by tables ----------------------------------------------------

// Fields of nested mappings belong to the same object, so their defaults are set
// with the object's even when the nested mapping is absent.
static void set_defaults(const dp_shape *s, void *obj)
{
    for (const dp_field *fd = s->fields; fd->key; fd++) {
        if (fd->type == DP_MAP || fd->type == DP_EACH)
            set_defaults(fd->sub, obj);
        else if (fd->def && fd->type == DP_U32)
            *(uint32_t *)dp_at(obj, fd->off) = fd->def;
        else if (fd->def && fd->type == DP_GB_MIB)
            *(uint64_t *)dp_at(obj, fd->off) = fd->def;
    }
}

static void map_fields(desc_parser *p, const cfg_node *n, const dp_shape *s, void *obj);

static void str_first(desc_parser *p, const cfg_node *n, const char **out)
{
    if (n->kind != CFG_SEQ) {
        dp_str(p, n, out);
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *rest;
        size_t old = dp_push_idx(p, i);
        dp_str(p, n->items[i], i == 0 ? out : &rest);
        dp_pop(p, old);
    }
}

static void each(desc_parser *p, const cfg_node *n, const dp_shape *s, void *obj)
{
    if (!dp_expect(p, n, CFG_SEQ))
        return;
    for (size_t i = 0; i < n->n; i++) {
        size_t old = dp_push_idx(p, i);
        if (dp_expect(p, n->items[i], CFG_MAP))
            map_fields(p, n->items[i], s, obj);
        dp_pop(p, old);
    }
}

// Reads the value n of field fd into obj (the path already names the field).
static void read_field(desc_parser *p, const cfg_node *n, const dp_field *fd, void *obj)
{
    void *v = dp_at(obj, fd->off);
    const char *unused;
    switch (fd->type) {
    case DP_ID:
        dp_id(p, n, v);
        break;
    case DP_ID_CHECK:
        dp_id(p, n, &unused);
        break;
    case DP_STR:
        dp_str(p, n, v);
        break;
    case DP_STR_FIRST:
        str_first(p, n, v);
        break;
    case DP_REF:
        dp_ref(p, n, v);
        break;
    case DP_U32:
        dp_u32(p, n, fd->min, fd->max, v);
        break;
    case DP_BOOL:
        dp_bool(p, n, v);
        break;
    case DP_GB_MIB:
        dp_gb_mib(p, n, v);
        break;
    case DP_CIDR:
        if (dp_cidr(p, n, v))
            *(desc_pos *)dp_at(obj, fd->aux) = dp_pos(n);
        break;
    case DP_MAP:
        if (dp_expect(p, n, CFG_MAP))
            map_fields(p, n, fd->sub, obj);
        break;
    case DP_EACH:
        each(p, n, fd->sub, obj);
        break;
    case DP_SEQ:
        dp_seq(p, n, fd->sub, v, dp_at(obj, fd->aux));
        break;
    }
}

static bool has_key(const cfg_node *map, const char *k, size_t len)
{
    for (size_t i = 0; i < map->n; i++)
        if (strncmp(map->items[i]->key, k, len) == 0 && map->items[i]->key[len] == '\0')
            return true;
    return false;
}

static void map_fields(desc_parser *p, const cfg_node *n, const dp_shape *s, void *obj)
{
    for (size_t i = 0; i < n->n; i++) {
        const cfg_node *f = n->items[i];
        size_t old = dp_push(p, f->key);
        const dp_field *fd = s->fields;
        while (fd->key && strcmp(fd->key, f->key) != 0)
            fd++;
        if (fd->key)
            read_field(p, f, fd, obj);
        else
            dp_other(p, f, s->ignored);
        dp_pop(p, old);
    }
    size_t len = 0;
    for (const char *k = s->required; k && dp_next_word(&k, &len);)
        if (!has_key(n, k, len))
            dp_err(p, n, "%s: missing required field '%.*s'", dp_name(p), (int)len, k);
    if (s->check)
        s->check(p, n, obj);
}

void dp_map(desc_parser *p, const cfg_node *n, const dp_shape *s, void *obj)
{
    if (!dp_expect(p, n, CFG_MAP))
        return;
    if (s->set_pos)
        *(desc_pos *)dp_at(obj, s->pos_off) = dp_pos(n);
    set_defaults(s, obj);
    map_fields(p, n, s, obj);
}

// Appends n elements of `size` bytes at add to the array *arr of *count.
static void append(desc_arena *a, void **arr, size_t *count, void *add, size_t n, size_t size)
{
    if (*count) {
        unsigned char *all = desc_alloc(a, (*count + n) * size);
        if (!all)
            return;
        memcpy(all, *arr, *count * size);
        memcpy(all + *count * size, add, n * size);
        add = all;
    }
    *arr = add;
    *count += n;
}

void dp_seq(desc_parser *p, const cfg_node *n, const dp_shape *s, void **arr, size_t *count)
{
    if (n->kind != CFG_SEQ) {
        dp_err(p, n, "%s: expected a sequence, got %s", dp_name(p), cfg_kind_name(n->kind));
        return;
    }
    if (n->n == 0)
        return;
    unsigned char *a = desc_alloc(p->a, n->n * s->size);
    if (!a)
        return;
    const dp_field scalar = {.type = s->scalar};
    for (size_t i = 0; i < n->n; i++) {
        size_t old = dp_push_idx(p, i);
        if (s->fields)
            dp_map(p, n->items[i], s, a + i * s->size);
        else
            read_field(p, n->items[i], &scalar, a + i * s->size);
        dp_pop(p, old);
    }
    append(p->a, arr, count, a, n->n, s->size);
    if (s->what)
        dp_dup_ids(p, *arr, *count, s->size, s->id_off, s->pos_off, s->what);
}

void dp_instances(desc_parser *p, const cfg_node *n, uint32_t min, uint32_t *max)
{
    if (*max == 0)
        *max = min > 1 ? min : 1;
    else if (*max < min)
        dp_err(p, cfg_map_get(n, "max-number-of-instances"),
               "%s: max-number-of-instances %u is below min-number-of-instances %u", dp_name(p),
               *max, min);
}

typedef struct dup_ent {
    const char *id;
    const desc_pos *pos;
    size_t idx;
} dup_ent;

static int dup_cmp(const void *a, const void *b)
{
    const dup_ent *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void dp_dup_ids(desc_parser *p, const void *arr, size_t count, size_t size, size_t id_off,
                size_t pos_off, const char *what)
{
    if (count < 2)
        return;
    dup_ent *e = malloc(count * sizeof *e);
    const dup_ent **first_of = calloc(count, sizeof *first_of);
    if (!e || !first_of) {
        free(e);
        free(first_of);
        p->a->oom = true;
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *el = (const unsigned char *)arr + i * size;
        const char *id = *(const char *const *)(el + id_off);
        if (id)
            e[m++] = (dup_ent){id, (const desc_pos *)(el + pos_off), i};
    }
    // Sorting finds the duplicates; they are reported in file order.
    qsort(e, m, sizeof *e, dup_cmp);
    for (size_t i = 1, first = 0; i < m; i++) {
        if (strcmp(e[i].id, e[first].id) != 0)
            first = i;
        else
            first_of[e[i].idx] = &e[first];
    }
    for (size_t i = 0; i < count; i++) {
        if (!first_of[i])
            continue;
        const unsigned char *el = (const unsigned char *)arr + i * size;
        const desc_pos *pos = (const desc_pos *)(el + pos_off);
        dp_report(p, DESC_ERROR, pos->line, pos->col, "duplicate %s id '%s' (first at line %d:%d)",
                  what, first_of[i]->id, first_of[i]->pos->line, first_of[i]->pos->col);
    }
    free(first_of);
    free(e);
}
