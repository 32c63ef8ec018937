// sites: checks of a site to add, capacity strings, and what the recorded VNFs use of a
// site. Pure.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

static int site_fail(orch_plan_err *err, const char *field, const char *msg)
{
    if (err) {
        snprintf(err->field, sizeof err->field, "%s", field);
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    return -EINVAL;
}

int orch_site_check(const Outrig__V1__Site *s, orch_plan_err *err)
{
    if (!orch_name_valid(s->name, ORCH_SITE_NAME_MAX))
        return site_fail(err, "name", "need 1..32 of [A-Za-z0-9_-], first alphanumeric");
    if (!orch_name_valid(s->kind, 16))
        return site_fail(err, "kind", "need a site kind such as lxc or agent");
    if (!s->endpoint || !*s->endpoint || strlen(s->endpoint) > 512 ||
        strpbrk(s->endpoint, " \t\r\n"))
        return site_fail(err, "endpoint", "need a URL of at most 512 bytes without spaces");
    if (s->n_options > 32)
        return site_fail(err, "options", "at most 32 options");
    for (size_t i = 0; i < s->n_options; i++) {
        const char *o = s->options[i];
        const char *eq = strchr(o, '=');
        if (!eq || eq == o || strlen(o) > 512 || strpbrk(o, "\r\n"))
            return site_fail(err, "options", "each option is key=value");
    }
    return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19)
        return -EINVAL;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int orch_capacity_parse(const char *s, uint32_t *vcpus, uint64_t *memory_mib)
{
    *vcpus = 0;
    *memory_mib = 0;
    while (s && *s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        if (!eq)
            return -EINVAL;
        size_t kl = (size_t)(eq - s);
        uint64_t v;
        if (parse_u64(eq + 1, n - kl - 1, &v))
            return -EINVAL;
        if (kl == 5 && !strncmp(s, "vcpus", 5) && v <= 1u << 20)
            *vcpus = (uint32_t)v;
        else if (kl == 6 && !strncmp(s, "memory", 6))
            *memory_mib = v;
        else
            return -EINVAL;
        s = comma ? comma + 1 : s + n;
    }
    return 0;
}

void orch_site_usage_of(const char *name, Outrig__V1__VnfRecord *const *vnfs, size_t n,
                        orch_site_usage *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(vnfs[i]->site, name))
            continue;
        out->instances++;
        out->vcpus += vnfs[i]->vcpus;
        out->memory_mib += vnfs[i]->memory_mib;
    }
}
