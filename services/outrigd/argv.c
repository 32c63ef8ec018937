// Building a child's argv and environment from the config.
#include "argv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int od_strv_push(od_strv *sv, const char *s)
{
    if (sv->n + 2 > sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 16;
        char **v = realloc(sv->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        sv->v = v;
        sv->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return -ENOMEM;
    sv->v[sv->n++] = copy;
    sv->v[sv->n] = NULL;
    return 0;
}

void od_strv_free(od_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

static int od_push2(od_strv *sv, const char *flag, const char *value)
{
    int rc = od_strv_push(sv, flag);
    return rc ? rc : od_strv_push(sv, value);
}

void od_service_url(const cfg_outrig *c, const char *name, char *buf, size_t len)
{
    const cfg_service *s = cfg_outrig_service(c, name);
    if (s && s->listen[0])
        snprintf(buf, len, "%s", s->listen);
    else
        snprintf(buf, len, "ipc://%s/%s.sock", c->run_dir, name);
}

static const char *od_level_name(int l)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    return l >= 0 && l < 4 ? names[l] : "info";
}

int od_build_argv(const cfg_outrig *c, const cfg_service *s, const char *binary, od_strv *out)
{
    char buf[CFG_PATH_MAX * 2];
    int rc = od_strv_push(out, binary);
    if (!rc)
        rc = od_push2(out, "--listen", s->listen);
    od_service_url(c, "store", buf, sizeof buf);
    if (!rc)
        rc = od_push2(out, "--store", buf);
    od_service_url(c, "hub", buf, sizeof buf);
    if (!rc)
        rc = od_push2(out, "--hub", buf);
    if (!rc)
        rc = od_push2(out, "--run-dir", c->run_dir);
    snprintf(buf, sizeof buf, "%s/%s", c->data_dir, s->name);
    if (!rc)
        rc = od_push2(out, "--data-dir", buf);
    if (!rc)
        rc = od_push2(out, "--log-level", od_level_name(c->log_level));
    size_t idx = (size_t)(s - c->services);
    if (c->metrics)
        snprintf(buf, sizeof buf, "http://127.0.0.1:%u/metrics",
                 (unsigned)(c->metrics_base_port + idx));
    else
        snprintf(buf, sizeof buf, "off");
    if (!rc)
        rc = od_push2(out, "--metrics", buf);
    for (size_t i = 0; i < s->nsets && !rc; i++) {
        snprintf(buf, sizeof buf, "%s=%s", s->sets[i].key, s->sets[i].value);
        rc = od_push2(out, "--set", buf);
    }
    if (rc)
        od_strv_free(out);
    return rc;
}

int od_build_env(const cfg_service *s, char *const *environ_in, od_strv *out)
{
    int rc = 0;
    for (size_t i = 0; environ_in && environ_in[i] && !rc; i++) {
        const char *eq = strchr(environ_in[i], '=');
        size_t klen = eq ? (size_t)(eq - environ_in[i]) : strlen(environ_in[i]);
        bool replaced = false;
        for (size_t j = 0; j < s->nenv && !replaced; j++)
            replaced =
                strlen(s->env[j].key) == klen && strncmp(s->env[j].key, environ_in[i], klen) == 0;
        if (!replaced)
            rc = od_strv_push(out, environ_in[i]);
    }
    char buf[CFG_KEY_MAX + CFG_VAL_MAX + 2];
    for (size_t j = 0; j < s->nenv && !rc; j++) {
        snprintf(buf, sizeof buf, "%s=%s", s->env[j].key, s->env[j].value);
        rc = od_strv_push(out, buf);
    }
    if (!rc && !out->v)
        rc = od_strv_push(out, "OUTRIG_CHILD=1"); // execve wants a vector, even empty
    if (rc)
        od_strv_free(out);
    return rc;
}

int od_binary_candidates(const cfg_outrig *c, const cfg_service *s, const char *self_dir,
                         od_strv *out)
{
    if (s->binary[0])
        return od_strv_push(out, s->binary);
    char buf[CFG_PATH_MAX * 2 + 64];
    int rc = 0;
    if (c->bin_dir[0]) {
        snprintf(buf, sizeof buf, "%s/outrig-%s", c->bin_dir, s->name);
        rc = od_strv_push(out, buf);
    }
    if (!rc && self_dir && self_dir[0]) {
        snprintf(buf, sizeof buf, "%s/outrig-%s", self_dir, s->name);
        rc = od_strv_push(out, buf);
        snprintf(buf, sizeof buf, "%s/../%s/outrig-%s", self_dir, s->name, s->name);
        if (!rc)
            rc = od_strv_push(out, buf);
    }
    snprintf(buf, sizeof buf, "outrig-%s", s->name);
    if (!rc)
        rc = od_strv_push(out, buf);
    if (rc)
        od_strv_free(out);
    return rc;
}
