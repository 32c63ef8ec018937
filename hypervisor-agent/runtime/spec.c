// Pure helpers for process VNFs: see spec.h.
#include "runtime/spec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

bool rt_id_valid(const char *id)
{
    if (!id || !id[0] || id[0] == '.' || id[0] == '-')
        return false;
    size_t n = 0;
    for (const char *p = id; *p; p++, n++) {
        if (n >= RT_ID_MAX || !id_char(*p))
            return false;
    }
    return true;
}

bool rt_ifname_valid(const char *name)
{
    if (!name || !name[0] || strlen(name) >= RT_IFNAMSIZ)
        return false;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return false;
    for (const char *p = name; *p; p++) {
        // The kernel's dev_valid_name() refuses '/', ':' and whitespace.
        if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n' ||
            (unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            return false;
    }
    return true;
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

int rt_host_ifname(const char *id, unsigned cp, char out[RT_IFNAMSIZ])
{
    if (!id || cp >= RT_MAX_CPS)
        return -EINVAL;
    // 40 bits of hash keep collisions between VNFs on one host negligible and leave room for
    // the cp index within IFNAMSIZ: 2 + 10 + 1 + 2 = 15.
    uint64_t h = fnv1a64(id) >> 24;
    snprintf(out, RT_IFNAMSIZ, "ov%010" PRIx64 "-%u", h, cp);
    return 0;
}

int rt_netns_name(const char *prefix, const char *id, char *out, size_t n)
{
    if (!prefix || strchr(prefix, '/') || !rt_id_valid(id))
        return -EINVAL;
    int w = snprintf(out, n, "%s%s", prefix, id);
    if (w < 0 || (size_t)w >= n)
        return -ENAMETOOLONG;
    return 0;
}

int rt_addr_parse(const char *s, struct rt_addr *out)
{
    if (!s || !out)
        return -EINVAL;
    const char *slash = strchr(s, '/');
    if (!slash || slash == s)
        return -EINVAL;
    char host[INET6_ADDRSTRLEN];
    size_t hl = (size_t)(slash - s);
    if (hl >= sizeof host)
        return -EINVAL;
    memcpy(host, s, hl);
    host[hl] = 0;

    const char *p = slash + 1;
    if (!*p || strlen(p) > 3)
        return -EINVAL;
    unsigned prefix = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        prefix = prefix * 10 + (unsigned)(*p - '0');
    }
    // A leading zero ("/024") is not a canonical prefix; refuse rather than guess.
    if (slash[1] == '0' && slash[2])
        return -EINVAL;

    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, host, out->bytes) == 1) {
        out->family = AF_INET;
        if (prefix > 32)
            return -EINVAL;
    } else if (inet_pton(AF_INET6, host, out->bytes) == 1) {
        out->family = AF_INET6;
        if (prefix > 128)
            return -EINVAL;
    } else {
        return -EINVAL;
    }
    out->prefix = prefix;
    return 0;
}

static int field_err(char *field, size_t n, const char *fmt, size_t i)
{
    if (field && n)
        snprintf(field, n, fmt, i);
    return -EINVAL;
}

// Returns the index of the first bad entry of a NULL-terminated vector, RT_MAX_ARGS when it is
// too long, or -1 when it is fine. Environment entries must be "K=V" with a non-empty K.
static long strv_bad(const char *const *v, bool env)
{
    for (size_t i = 0; v[i]; i++) {
        if (i >= RT_MAX_ARGS)
            return RT_MAX_ARGS;
        if (env && (!strchr(v[i], '=') || v[i][0] == '='))
            return (long)i;
    }
    return -1;
}

int rt_spec_validate(const struct rt_vnf_spec *spec, char *field, size_t n)
{
    if (!spec)
        return field_err(field, n, "spec", 0);
    if (!rt_id_valid(spec->id))
        return field_err(field, n, "id", 0);
    if (!spec->path || spec->path[0] != '/')
        return field_err(field, n, "path", 0);
    if (spec->argv && (!spec->argv[0] || strv_bad(spec->argv, false) >= 0))
        return field_err(field, n, "argv", 0);
    if (spec->envp) {
        long bad = strv_bad(spec->envp, true);
        if (bad == RT_MAX_ARGS)
            return field_err(field, n, "envp", 0);
        if (bad >= 0)
            return field_err(field, n, "envp[%zu]", (size_t)bad);
    }
    if (spec->n_cps > RT_MAX_CPS || (spec->n_cps && !spec->cps))
        return field_err(field, n, "cps", 0);
    for (size_t i = 0; i < spec->n_cps; i++) {
        const struct rt_cp_spec *cp = &spec->cps[i];
        if (!rt_ifname_valid(cp->ifname) || !strcmp(cp->ifname, "lo"))
            return field_err(field, n, "cps[%zu].ifname", i);
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(spec->cps[j].ifname, cp->ifname))
                return field_err(field, n, "cps[%zu].ifname", i);
        }
        struct rt_addr a;
        if (cp->address && rt_addr_parse(cp->address, &a) < 0)
            return field_err(field, n, "cps[%zu].address", i);
        if (cp->mtu && (cp->mtu < 68 || cp->mtu > 65535))
            return field_err(field, n, "cps[%zu].mtu", i);
    }
    // Below a few MiB a process cannot even exec; such a limit is a typo, not a policy.
    if (spec->limits.memory_bytes && spec->limits.memory_bytes < (1u << 20))
        return field_err(field, n, "limits.memory_bytes", 0);
    if (spec->limits.cpu_millis && spec->limits.cpu_millis < 10)
        return field_err(field, n, "limits.cpu_millis", 0);
    return 0;
}

long rt_cpu_quota_us(unsigned cpu_millis)
{
    if (!cpu_millis)
        return -1;
    // The kernel refuses quotas below 1 ms; 10 millis of a 100 ms period is exactly that.
    return (long)cpu_millis * (RT_CPU_PERIOD_US / 1000);
}

int rt_cpu_max_format(unsigned cpu_millis, char *out, size_t n)
{
    long q = rt_cpu_quota_us(cpu_millis);
    int w = q < 0 ? snprintf(out, n, "max %d", RT_CPU_PERIOD_US)
                  : snprintf(out, n, "%ld %d", q, RT_CPU_PERIOD_US);
    return (w < 0 || (size_t)w >= n) ? -ENOSPC : 0;
}

int rt_memory_max_format(uint64_t bytes, char *out, size_t n)
{
    int w = bytes ? snprintf(out, n, "%" PRIu64, bytes) : snprintf(out, n, "max");
    return (w < 0 || (size_t)w >= n) ? -ENOSPC : 0;
}

static bool token_in(const char *list, const char *name, char sep)
{
    size_t nl = strlen(name);
    if (!list || !nl)
        return false;
    const char *p = list;
    while (*p) {
        const char *e = p;
        while (*e && *e != sep && !(sep == ' ' && (*e == '\n' || *e == '\t')))
            e++;
        if ((size_t)(e - p) == nl && !memcmp(p, name, nl))
            return true;
        p = *e ? e + 1 : e;
    }
    return false;
}

bool rt_opts_has(const char *opts, const char *name)
{
    return token_in(opts, name, ',');
}

bool rt_controllers_have(const char *list, const char *name)
{
    return token_in(list, name, ' ');
}

int rt_state_next(enum rt_state s, enum rt_event ev, enum rt_state *out)
{
    *out = s;
    if (s == RT_DELETED)
        return -EINVAL;
    switch (ev) {
    case RT_EV_DELETE:
        *out = RT_DELETED;
        return 0;
    case RT_EV_START:
        if (s == RT_RUNNING)
            return -EINVAL;
        *out = RT_RUNNING;
        return 0;
    case RT_EV_START_FAIL:
        if (s != RT_RUNNING)
            return -EINVAL;
        *out = RT_FAILED;
        return 0;
    case RT_EV_EXIT:
    case RT_EV_CRASH:
        if (s != RT_RUNNING)
            return -EINVAL;
        *out = ev == RT_EV_EXIT ? RT_EXITED : RT_FAILED;
        return 0;
    case RT_EV_STOP:
        // Stopping is a request; the state changes when the exit is observed.
        return s == RT_RUNNING ? 0 : -EALREADY;
    }
    return -EINVAL;
}

const char *rt_state_name(enum rt_state s)
{
    switch (s) {
    case RT_CREATED: return "CREATED";
    case RT_RUNNING: return "RUNNING";
    case RT_EXITED: return "EXITED";
    case RT_FAILED: return "FAILED";
    case RT_DELETED: return "DELETED";
    }
    return "UNKNOWN";
}

enum rt_event rt_exit_classify(int wstatus, bool stop_requested, int *code, int *sig)
{
    *code = 0;
    *sig = 0;
    if (WIFEXITED(wstatus)) {
        *code = WEXITSTATUS(wstatus);
        return RT_EV_EXIT;
    }
    if (WIFSIGNALED(wstatus)) {
        *sig = WTERMSIG(wstatus);
        return stop_requested ? RT_EV_EXIT : RT_EV_CRASH;
    }
    return RT_EV_CRASH;
}
