// The registry of site kinds, the wrappers that validate before dispatching, and the pure
// helpers every kind shares.
#include "adapter/adapter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ADAPTER_NO_LXC
extern const adapter_ops adapter_lxc_ops;
#endif
#ifndef ADAPTER_NO_AGENT
extern const adapter_ops adapter_agent_ops;
#endif

static const adapter_ops *const kinds[] = {
#ifndef ADAPTER_NO_LXC
    &adapter_lxc_ops,
#endif
#ifndef ADAPTER_NO_AGENT
    &adapter_agent_ops,
#endif
    NULL,
};

const adapter_ops *adapter_find(const char *kind)
{
    for (size_t i = 0; kind && kinds[i]; i++)
        if (!strcmp(kinds[i]->kind, kind))
            return kinds[i];
    return NULL;
}

int adapter_fail(adapter_err *err, int rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static void err_clear(adapter_err *err)
{
    if (err)
        err->msg[0] = 0;
}

static int check_id(const char *what, const char *id, adapter_err *err)
{
    if (!adapter_id_valid(id))
        return adapter_fail(err, -EINVAL, "%s: need 1..%d of [A-Za-z0-9._-], first alphanumeric",
                            what, ADAPTER_ID_MAX);
    return 0;
}

int adapter_open(const char *kind, const adapter_site_config *cfg, adapter_site **out,
                 adapter_err *err)
{
    err_clear(err);
    *out = NULL;
    const adapter_ops *ops = adapter_find(kind);
    if (!ops)
        return adapter_fail(err, -ENOTSUP, "kind: no site adapter for \"%s\"", kind ? kind : "");
    if (!cfg || !cfg->name || !cfg->endpoint)
        return adapter_fail(err, -EINVAL, "site: name and endpoint are required");
    return ops->open(cfg, out, err);
}

void adapter_close(adapter_site *site)
{
    if (site)
        site->ops->close(site);
}

int adapter_create_vnf(adapter_site *site, const adapter_vnf_spec *spec, adapter_err *err)
{
    err_clear(err);
    int rc = adapter_spec_validate(spec, err);
    return rc ? rc : site->ops->create_vnf(site, spec, err);
}

int adapter_start_vnf(adapter_site *site, const char *id, adapter_err *err)
{
    err_clear(err);
    int rc = check_id("id", id, err);
    return rc ? rc : site->ops->start_vnf(site, id, err);
}

int adapter_stop_vnf(adapter_site *site, const char *id, adapter_err *err)
{
    err_clear(err);
    int rc = check_id("id", id, err);
    return rc ? rc : site->ops->stop_vnf(site, id, err);
}

int adapter_delete_vnf(adapter_site *site, const char *id, adapter_err *err)
{
    err_clear(err);
    int rc = check_id("id", id, err);
    return rc ? rc : site->ops->delete_vnf(site, id, err);
}

int adapter_configure_cp(adapter_site *site, const char *id, const char *cp_id, const char *address,
                         const adapter_cp_peer *peer, adapter_err *err)
{
    err_clear(err);
    int rc = check_id("id", id, err);
    if (rc)
        return rc;
    if (!adapter_cp_id_valid(cp_id))
        return adapter_fail(err, -EINVAL, "cp_id: not a valid CP id");
    if (address && *address && (rc = adapter_addr_check("address", address, err)))
        return rc;
    if (peer && peer->address && *peer->address) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, peer->address, buf) != 1 &&
            inet_pton(AF_INET6, peer->address, buf) != 1)
            return adapter_fail(err, -EINVAL, "peer.address: not an IP address");
    }
    if (peer && peer->cp && (strlen(peer->cp) > 2 * ADAPTER_ID_MAX || strpbrk(peer->cp, "\n\r'")))
        return adapter_fail(err, -EINVAL, "peer.cp: too long or has a newline or quote");
    return site->ops->configure_cp(site, id, cp_id, address, peer, err);
}

int adapter_list_vnfs(adapter_site *site, adapter_list_cb cb, void *arg, adapter_err *err)
{
    err_clear(err);
    return site->ops->list_vnfs(site, cb, arg, err);
}

int adapter_vnf_status(adapter_site *site, const char *id, adapter_vnf_info *out, adapter_err *err)
{
    err_clear(err);
    int rc = check_id("id", id, err);
    return rc ? rc : site->ops->vnf_status(site, id, out, err);
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool adapter_id_valid(const char *id)
{
    if (!id || !is_alnum(id[0]))
        return false;
    size_t n = 0;
    for (; id[n]; n++)
        if (!is_alnum(id[n]) && id[n] != '.' && id[n] != '_' && id[n] != '-')
            return false;
    return n <= ADAPTER_ID_MAX;
}

bool adapter_cp_id_valid(const char *id)
{
    if (!id || !*id || !strcmp(id, "lo"))
        return false;
    size_t n = 0;
    for (; id[n]; n++)
        if (!is_alnum(id[n]) && id[n] != '_' && id[n] != '-')
            return false;
    return n <= ADAPTER_CP_ID_MAX;
}

int adapter_addr_check(const char *field, const char *addr, adapter_err *err)
{
    const char *slash = strchr(addr, '/');
    size_t hostlen = slash ? (size_t)(slash - addr) : 0;
    char host[INET6_ADDRSTRLEN];
    if (!slash || hostlen == 0 || hostlen >= sizeof host || strlen(addr) > ADAPTER_ADDR_MAX)
        return adapter_fail(err, -EINVAL, "%s: need \"address/prefix\"", field);
    memcpy(host, addr, hostlen);
    host[hostlen] = 0;
    unsigned char buf[16];
    int max;
    if (inet_pton(AF_INET, host, buf) == 1)
        max = 32;
    else if (inet_pton(AF_INET6, host, buf) == 1)
        max = 128;
    else
        return adapter_fail(err, -EINVAL, "%s: \"%s\" is not an IP address", field, host);
    const char *p = slash + 1;
    int len = 0;
    if (!*p || strlen(p) > 3)
        return adapter_fail(err, -EINVAL, "%s: bad prefix length", field);
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return adapter_fail(err, -EINVAL, "%s: bad prefix length", field);
        len = len * 10 + (*p - '0');
    }
    if (len > max)
        return adapter_fail(err, -EINVAL, "%s: prefix length %d exceeds %d", field, len, max);
    return 0;
}

static bool mac_valid(const char *mac)
{
    unsigned b[6];
    char tail;
    if (strlen(mac) != 17 || sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
                                    &b[4], &b[5], &tail) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        if (mac[i * 3 + 2] != (i == 5 ? 0 : ':'))
            return false;
    return !(b[0] & 1); // a multicast address cannot be an interface's own
}

static int check_strings(const char *what, const char *const *v, size_t n, size_t max,
                         adapter_err *err)
{
    if (n > max)
        return adapter_fail(err, -EINVAL, "%s: more than %zu entries", what, max);
    if (n && !v)
        return adapter_fail(err, -EINVAL, "%s: missing", what);
    for (size_t i = 0; i < n; i++)
        if (!v[i] || strlen(v[i]) > ADAPTER_STR_MAX)
            return adapter_fail(err, -EINVAL, "%s[%zu]: missing or longer than %d", what, i,
                                ADAPTER_STR_MAX);
    return 0;
}

int adapter_spec_validate(const adapter_vnf_spec *spec, adapter_err *err)
{
    int rc;
    if (!spec)
        return adapter_fail(err, -EINVAL, "spec: missing");
    if ((rc = check_id("instance_id", spec->instance_id, err)) ||
        (rc = check_id("owner", spec->owner, err)))
        return rc;
    if (!spec->image || !*spec->image || strlen(spec->image) > ADAPTER_IMAGE_MAX ||
        strpbrk(spec->image, "\n\r"))
        return adapter_fail(err, -EINVAL, "image: need 1..%d characters, no newline",
                            ADAPTER_IMAGE_MAX);
    if ((rc = check_strings("args", spec->args, spec->n_args, ADAPTER_ARGS_MAX, err)) ||
        (rc = check_strings("env", spec->env, spec->n_env, ADAPTER_ENV_MAX, err)))
        return rc;
    for (size_t i = 0; i < spec->n_env; i++) {
        const char *e = spec->env[i];
        const char *eq = strchr(e, '=');
        bool ok = eq && eq != e && !(e[0] >= '0' && e[0] <= '9');
        for (const char *p = e; ok && p < eq; p++)
            ok = is_alnum(*p) || *p == '_';
        if (!ok)
            return adapter_fail(err, -EINVAL, "env[%zu]: need KEY=VALUE with KEY of [A-Za-z0-9_]",
                                i);
    }
    if (spec->vcpus > ADAPTER_VCPUS_MAX)
        return adapter_fail(err, -EINVAL, "vcpus: more than %d", ADAPTER_VCPUS_MAX);
    if (spec->memory_mib > ADAPTER_MEMORY_MIB_MAX || (spec->memory_mib && spec->memory_mib < 4))
        return adapter_fail(err, -EINVAL, "memory_mib: need 0 (no limit) or 4..%u",
                            ADAPTER_MEMORY_MIB_MAX);
    if (spec->n_cps > ADAPTER_CPS_MAX)
        return adapter_fail(err, -EINVAL, "cps: more than %d", ADAPTER_CPS_MAX);
    if (spec->n_cps && !spec->cps)
        return adapter_fail(err, -EINVAL, "cps: missing");
    for (size_t i = 0; i < spec->n_cps; i++) {
        const adapter_cp *cp = &spec->cps[i];
        char field[48];
        if (!adapter_cp_id_valid(cp->id))
            return adapter_fail(err, -EINVAL, "cps[%zu].id: need 1..%d of [A-Za-z0-9_-], not lo", i,
                                ADAPTER_CP_ID_MAX);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(spec->cps[j].id, cp->id))
                return adapter_fail(err, -EINVAL, "cps[%zu].id: \"%s\" repeats cps[%zu]", i, cp->id,
                                    j);
        snprintf(field, sizeof field, "cps[%zu].address", i);
        if (cp->address && *cp->address && (rc = adapter_addr_check(field, cp->address, err)))
            return rc;
        if (cp->mac && *cp->mac && !mac_valid(cp->mac))
            return adapter_fail(err, -EINVAL, "cps[%zu].mac: need a unicast xx:xx:xx:xx:xx:xx", i);
    }
    return 0;
}

// Copies the value of key from a "k=v" item if it names key. 1 found, 0 not, <0 error.
static int match_kv(const char *item, size_t itemlen, const char *key, char *buf, size_t len)
{
    size_t klen = strlen(key);
    if (itemlen <= klen || strncmp(item, key, klen) || item[klen] != '=')
        return 0;
    size_t vlen = itemlen - klen - 1;
    if (vlen >= len)
        return -ENAMETOOLONG;
    memcpy(buf, item + klen + 1, vlen);
    buf[vlen] = 0;
    return 1;
}

int adapter_option(const adapter_site_config *cfg, const char *key, char *buf, size_t len)
{
    for (size_t i = 0; cfg->options && cfg->options[i]; i++) {
        int rc = match_kv(cfg->options[i], strlen(cfg->options[i]), key, buf, len);
        if (rc)
            return rc;
    }
    const char *q = cfg->endpoint ? strchr(cfg->endpoint, '?') : NULL;
    while (q && *q) {
        q++;
        size_t n = strcspn(q, "&");
        int rc = match_kv(q, n, key, buf, len);
        if (rc)
            return rc;
        q += n;
    }
    return 0;
}

int adapter_endpoint_path(const adapter_site_config *cfg, const char *kind, char *buf, size_t len)
{
    const char *p = cfg->endpoint;
    size_t klen = strlen(kind);
    if (!strncmp(p, kind, klen) && !strncmp(p + klen, "://", 3))
        p += klen + 3;
    size_t n = strcspn(p, "?");
    if (n >= len)
        return -ENAMETOOLONG;
    memcpy(buf, p, n);
    buf[n] = 0;
    return 0;
}

const char *adapter_state_name(adapter_vnf_state s)
{
    switch (s) {
    case ADAPTER_VNF_INCOMPLETE:
        return "INCOMPLETE";
    case ADAPTER_VNF_CREATED:
        return "CREATED";
    case ADAPTER_VNF_RUNNING:
        return "RUNNING";
    case ADAPTER_VNF_STOPPED:
        return "STOPPED";
    case ADAPTER_VNF_FAILED:
        return "FAILED";
    default:
        return "UNKNOWN";
    }
}
