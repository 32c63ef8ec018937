// Typed accessors over the cfg tree: kind, key, range and choice checks.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/tree.h"

const char *cfg_kind_name(cfg_kind k)
{
    switch (k) {
    case CFG_SCALAR:
        return "a scalar";
    case CFG_MAP:
        return "a mapping";
    case CFG_SEQ:
        return "a sequence";
    }
    return "a node";
}

int cfg_expect(const cfg_doc *d, const cfg_node *n, cfg_kind k, cfg_error *err)
{
    if (n && n->kind == k)
        return 0;
    return cfg_fail(err, d, n, "expected %s, got %s", cfg_kind_name(k),
                    n ? cfg_kind_name(n->kind) : "nothing");
}

const cfg_node *cfg_map_get(const cfg_node *n, const char *key)
{
    if (!n || n->kind != CFG_MAP)
        return NULL;
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->items[i]->key, key) == 0)
            return n->items[i];
    return NULL;
}

// Edit distance, capped: only near misses are worth suggesting.
static size_t cfg_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

int cfg_check_keys(const cfg_doc *d, const cfg_node *n, const char *const *allowed, cfg_error *err)
{
    int rc = cfg_expect(d, n, CFG_MAP, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        const char *key = n->items[i]->key;
        const char *best = NULL;
        size_t best_d = 3;
        bool ok = false;
        for (const char *const *a = allowed; *a; a++) {
            if (strcmp(*a, key) == 0) {
                ok = true;
                break;
            }
            size_t dist = cfg_distance(key, *a);
            if (dist < best_d) {
                best_d = dist;
                best = *a;
            }
        }
        if (ok)
            continue;
        if (best)
            return cfg_fail_key(err, d, n->items[i], "unknown key '%s' (did you mean '%s'?)", key,
                                best);
        return cfg_fail_key(err, d, n->items[i], "unknown key '%s'", key);
    }
    return 0;
}

bool cfg_is_null(const cfg_node *n)
{
    return n && n->kind == CFG_SCALAR && !n->quoted &&
           (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
            strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

int cfg_get_str(const cfg_doc *d, const cfg_node *n, size_t max_len, const char **out,
                cfg_error *err)
{
    if (!n || n->kind != CFG_SCALAR)
        return cfg_fail(err, d, n, "expected a string, got %s",
                        n ? cfg_kind_name(n->kind) : "nothing");
    if (strlen(n->str) != n->len)
        return cfg_fail(err, d, n, "string contains a NUL byte");
    if (max_len && n->len > max_len)
        return cfg_fail(err, d, n, "string of %zu bytes is longer than %zu", n->len, max_len);
    *out = n->str;
    return 0;
}

int cfg_get_u64(const cfg_doc *d, const cfg_node *n, uint64_t min, uint64_t max, uint64_t *out,
                cfg_error *err)
{
    if (!n || n->kind != CFG_SCALAR)
        return cfg_fail(err, d, n, "expected an integer, got %s",
                        n ? cfg_kind_name(n->kind) : "nothing");
    uint64_t v = 0;
    bool big = false;
    if (n->len == 0 || n->len > 40)
        return cfg_fail(err, d, n, "expected an integer, got '%.40s'", n->str);
    for (size_t i = 0; i < n->len; i++) {
        char c = n->str[i];
        if (c < '0' || c > '9')
            return cfg_fail(err, d, n, "expected an integer, got '%.40s'", n->str);
        if (v > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
            big = true;
        else
            v = v * 10 + (uint64_t)(c - '0');
    }
    if (big || v < min || v > max)
        return cfg_fail(err, d, n, "%s is out of range [%llu, %llu]", n->str,
                        (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
}

int cfg_get_bool(const cfg_doc *d, const cfg_node *n, bool *out, cfg_error *err)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    if (n && n->kind == CFG_SCALAR) {
        for (int i = 0; i < 3; i++) {
            if (strcasecmp(n->str, yes[i]) == 0) {
                *out = true;
                return 0;
            }
            if (strcasecmp(n->str, no[i]) == 0) {
                *out = false;
                return 0;
            }
        }
        return cfg_fail(err, d, n, "expected true or false, got '%.40s'", n->str);
    }
    return cfg_fail(err, d, n, "expected true or false, got %s",
                    n ? cfg_kind_name(n->kind) : "nothing");
}

int cfg_get_enum(const cfg_doc *d, const cfg_node *n, const char *const *choices, int *out,
                 cfg_error *err)
{
    char list[256];
    size_t off = 0;
    list[0] = '\0';
    for (int i = 0; choices[i]; i++) {
        if (n && n->kind == CFG_SCALAR && strcmp(n->str, choices[i]) == 0) {
            *out = i;
            return 0;
        }
        int w = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", choices[i]);
        if (w > 0 && off + (size_t)w < sizeof list)
            off += (size_t)w;
    }
    if (n && n->kind == CFG_SCALAR)
        return cfg_fail(err, d, n, "expected one of: %s; got '%.40s'", list, n->str);
    return cfg_fail(err, d, n, "expected one of: %s; got %s", list,
                    n ? cfg_kind_name(n->kind) : "nothing");
}
