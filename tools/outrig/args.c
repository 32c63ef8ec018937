// args: argv iterator and number parsing for the outrig CLI.
#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void args_init(args_iter *it, int argc, char **argv, int from, const args_opt *global,
               const args_opt *local)
{
    memset(it, 0, sizeof(*it));
    it->argc = argc;
    it->argv = argv;
    it->i = from;
    it->tables[0] = global;
    it->tables[1] = local;
}

static const args_opt *find_long(const args_iter *it, const char *name, size_t n)
{
    for (int t = 0; t < 2; t++)
        for (const args_opt *o = it->tables[t]; o && o->name; o++)
            if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
                return o;
    return NULL;
}

static const args_opt *find_short(const args_iter *it, char c)
{
    for (int t = 0; t < 2; t++)
        for (const args_opt *o = it->tables[t]; o && o->name; o++)
            if (o->short_name && o->short_name == c)
                return o;
    return NULL;
}

int args_next(args_iter *it, const char **value)
{
    *value = NULL;
    if (it->i >= it->argc)
        return ARGS_END;
    char *a = it->argv[it->i];
    if (it->only_positionals || a[0] != '-' || a[1] == '\0') {
        *value = a;
        if (!it->stop_at_positional)
            it->i++;
        return ARGS_POSITIONAL;
    }
    if (strcmp(a, "--") == 0) {
        it->only_positionals = true;
        it->i++;
        return args_next(it, value);
    }
    const args_opt *o;
    const char *inline_val = NULL;
    if (a[1] == '-') {
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        o = find_long(it, name, n);
        if (!o) {
            snprintf(it->err, sizeof(it->err), "unknown option --%.*s", (int)(n > 64 ? 64 : n),
                     name);
            return ARGS_ERROR;
        }
        if (eq)
            inline_val = eq + 1;
    } else {
        o = find_short(it, a[1]);
        if (!o) {
            snprintf(it->err, sizeof(it->err), "unknown option -%c", a[1]);
            return ARGS_ERROR;
        }
        if (a[2] != '\0')
            inline_val = a + 2; // -ojson
    }
    it->i++;
    if (!o->has_value) {
        if (inline_val) {
            snprintf(it->err, sizeof(it->err), "option --%s takes no value", o->name);
            return ARGS_ERROR;
        }
        return o->id;
    }
    if (inline_val) {
        *value = inline_val;
        return o->id;
    }
    if (it->i >= it->argc) {
        snprintf(it->err, sizeof(it->err), "option --%s needs a value", o->name);
        return ARGS_ERROR;
    }
    *value = it->argv[it->i++];
    return o->id;
}

int args_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -EINVAL;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int args_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    uint64_t v;
    int rc = args_parse_u64(s, &v);
    if (rc)
        return rc;
    if (v > max)
        return -ERANGE;
    *out = (uint32_t)v;
    return 0;
}
