// ipam: per-virtual-link IPv4 subnets and their leases. See ipam.h.
#include "ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outrig/v1/linker.pb-c.h"

typedef struct lease {
    char *owner;
    uint32_t host; // index in the subnet
} lease;

typedef struct subnet {
    char *key;
    uint32_t net;
    unsigned prefix;
    uint32_t size; // addresses in the subnet
    uint8_t *used; // bitmap of size bits
    uint32_t hint; // where the next search starts
    lease *leases;
    size_t n_leases, cap_leases;
} subnet;

struct lnk_ipam {
    subnet *subs;
    size_t n, cap;
};

static bool key_ok(const char *s)
{
    if (!s || !s[0] || strlen(s) > LNK_KEY_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

static uint32_t mask_of(unsigned prefix)
{
    return prefix ? ~0u << (32 - prefix) : 0;
}

static int addr_parse(const char *s, uint32_t *a)
{
    struct in_addr in;
    if (inet_pton(AF_INET, s, &in) != 1)
        return -EINVAL;
    *a = ntohl(in.s_addr);
    return 0;
}

static void addr_format(uint32_t a, unsigned prefix, char *out)
{
    snprintf(out, LNK_ADDR_MAX, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
             prefix);
}

int lnk_cidr_parse(const char *s, uint32_t *net, unsigned *prefix)
{
    if (!s)
        return -EINVAL;
    const char *slash = strchr(s, '/');
    char ip[16];
    size_t n = slash ? (size_t)(slash - s) : 0;
    if (!slash || n == 0 || n >= sizeof ip || !slash[1] || strlen(slash + 1) > 2)
        return -EINVAL;
    memcpy(ip, s, n);
    ip[n] = 0;
    unsigned p = 0;
    for (const char *q = slash + 1; *q; q++) {
        if (*q < '0' || *q > '9')
            return -EINVAL;
        p = p * 10 + (unsigned)(*q - '0');
    }
    uint32_t a;
    if (p > 32 || addr_parse(ip, &a) < 0 || (a & ~mask_of(p)))
        return -EINVAL;
    *net = a;
    *prefix = p;
    return 0;
}

int lnk_cidr_of(const char *addr, char *cidr_out)
{
    const char *slash = addr ? strchr(addr, '/') : NULL;
    char ip[16];
    size_t n = slash ? (size_t)(slash - addr) : 0;
    if (!slash || !n || n >= sizeof ip || !cidr_out)
        return -EINVAL;
    memcpy(ip, addr, n);
    ip[n] = 0;
    char zero[LNK_ADDR_MAX + 8];
    snprintf(zero, sizeof zero, "0.0.0.0%s", slash);
    uint32_t a, net;
    unsigned prefix;
    if (addr_parse(ip, &a) < 0 || lnk_cidr_parse(zero, &net, &prefix) < 0)
        return -EINVAL;
    addr_format(a & mask_of(prefix), prefix, cidr_out);
    return 0;
}

lnk_ipam *lnk_ipam_new(void)
{
    return calloc(1, sizeof(lnk_ipam));
}

static void subnet_clear(subnet *s)
{
    for (size_t i = 0; i < s->n_leases; i++)
        free(s->leases[i].owner);
    free(s->leases);
    free(s->used);
    free(s->key);
}

void lnk_ipam_free(lnk_ipam *ip)
{
    if (!ip)
        return;
    for (size_t i = 0; i < ip->n; i++)
        subnet_clear(&ip->subs[i]);
    free(ip->subs);
    free(ip);
}

static subnet *find(const lnk_ipam *ip, const char *key)
{
    for (size_t i = 0; key && i < ip->n; i++)
        if (!strcmp(ip->subs[i].key, key))
            return &ip->subs[i];
    return NULL;
}

static bool overlaps(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
    unsigned p = pa < pb ? pa : pb;
    return (a & mask_of(p)) == (b & mask_of(p));
}

// True when vl keys a and b belong to one NS ("<ns>/<vl>": the same text before the '/').
static bool same_ns(const char *a, const char *b)
{
    size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
    return na == nb && !memcmp(a, b, na);
}

// A subnet of another link of vl_key's NS that overlaps net/prefix, or NULL. Only links of
// one NS may meet (in a VNF with CPs on both); those of two NSs are separate segments.
static const subnet *overlapping(const lnk_ipam *ip, const char *vl_key, uint32_t net,
                                 unsigned prefix)
{
    for (size_t i = 0; i < ip->n; i++)
        if (same_ns(ip->subs[i].key, vl_key) &&
            overlaps(ip->subs[i].net, ip->subs[i].prefix, net, prefix))
            return &ip->subs[i];
    return NULL;
}

static int insert(lnk_ipam *ip, const char *key, uint32_t net, unsigned prefix)
{
    if (ip->n == ip->cap) {
        size_t cap = ip->cap ? ip->cap * 2 : 8;
        subnet *s = realloc(ip->subs, cap * sizeof *s);
        if (!s)
            return -ENOMEM;
        ip->subs = s;
        ip->cap = cap;
    }
    subnet s = {.net = net, .prefix = prefix, .size = 1u << (32 - prefix)};
    s.key = strdup(key);
    s.used = calloc((s.size + 7) / 8, 1);
    if (!s.key || !s.used) {
        free(s.key);
        free(s.used);
        return -ENOMEM;
    }
    // Network and broadcast addresses are reserved up front (none in /31 and /32).
    if (prefix <= 30) {
        s.used[0] |= 1;
        s.used[(s.size - 1) / 8] |= (uint8_t)(1u << ((s.size - 1) % 8));
    }
    s.hint = prefix <= 30 ? 1 : 0;
    ip->subs[ip->n++] = s;
    return 0;
}

int lnk_ipam_add(lnk_ipam *ip, const char *vl_key, const char *cidr)
{
    uint32_t net;
    unsigned prefix;
    if (!ip || !key_ok(vl_key) || lnk_cidr_parse(cidr, &net, &prefix) < 0 ||
        prefix < LNK_IPAM_MIN_PREFIX)
        return -EINVAL;
    const subnet *have = find(ip, vl_key);
    if (have)
        return have->net == net && have->prefix == prefix ? 0 : -EEXIST;
    if (overlapping(ip, vl_key, net, prefix))
        return -EEXIST;
    return insert(ip, vl_key, net, prefix);
}

int lnk_ipam_add_from_pool(lnk_ipam *ip, const char *vl_key, const char *pool, unsigned prefix,
                           char *cidr_out)
{
    uint32_t pnet;
    unsigned pprefix;
    if (!ip || !key_ok(vl_key) || lnk_cidr_parse(pool, &pnet, &pprefix) < 0 || prefix < pprefix ||
        prefix > 32 || prefix < LNK_IPAM_MIN_PREFIX)
        return -EINVAL;
    const subnet *have = find(ip, vl_key);
    if (have) {
        if (cidr_out)
            addr_format(have->net, have->prefix, cidr_out);
        return 0;
    }
    uint64_t step = 1ull << (32 - prefix);
    uint64_t end = (uint64_t)pnet + (1ull << (32 - pprefix));
    for (uint64_t net = pnet; net < end; net += step) {
        const subnet *o = overlapping(ip, vl_key, (uint32_t)net, prefix);
        if (o) {
            // Jump past the subnet in the way rather than probing every step inside it.
            uint64_t past = (uint64_t)o->net + o->size;
            if (past > net + step)
                net = ((past + step - 1) / step) * step - step;
            continue;
        }
        int e = insert(ip, vl_key, (uint32_t)net, prefix);
        if (e == 0 && cidr_out)
            addr_format((uint32_t)net, prefix, cidr_out);
        return e;
    }
    return -ENOSPC;
}

int lnk_ipam_remove(lnk_ipam *ip, const char *vl_key)
{
    subnet *s = ip ? find(ip, vl_key) : NULL;
    if (!s)
        return -ENOENT;
    subnet_clear(s);
    size_t i = (size_t)(s - ip->subs);
    memmove(&ip->subs[i], &ip->subs[i + 1], (ip->n - i - 1) * sizeof *s);
    ip->n--;
    return 0;
}

int lnk_ipam_subnet(const lnk_ipam *ip, const char *vl_key, char *cidr_out)
{
    const subnet *s = ip ? find(ip, vl_key) : NULL;
    if (!s)
        return -ENOENT;
    addr_format(s->net, s->prefix, cidr_out);
    return 0;
}

static lease *lease_of(subnet *s, const char *owner)
{
    for (size_t i = 0; i < s->n_leases; i++)
        if (!strcmp(s->leases[i].owner, owner))
            return &s->leases[i];
    return NULL;
}

static bool bit(const subnet *s, uint32_t i)
{
    return s->used[i / 8] & (1u << (i % 8));
}

static int take(subnet *s, const char *owner, uint32_t host)
{
    if (s->n_leases == s->cap_leases) {
        size_t cap = s->cap_leases ? s->cap_leases * 2 : 8;
        lease *l = realloc(s->leases, cap * sizeof *l);
        if (!l)
            return -ENOMEM;
        s->leases = l;
        s->cap_leases = cap;
    }
    char *o = strdup(owner);
    if (!o)
        return -ENOMEM;
    s->leases[s->n_leases++] = (lease){.owner = o, .host = host};
    s->used[host / 8] |= (uint8_t)(1u << (host % 8));
    return 0;
}

int lnk_ipam_alloc(lnk_ipam *ip, const char *vl_key, const char *owner, char *out)
{
    if (!ip || !key_ok(owner) || !out)
        return -EINVAL;
    subnet *s = find(ip, vl_key);
    if (!s)
        return -ENOENT;
    const lease *l = lease_of(s, owner);
    if (!l) {
        uint32_t host = s->size;
        for (uint32_t k = 0; k < s->size; k++) {
            uint32_t i = (s->hint + k) % s->size;
            if (!bit(s, i)) {
                host = i;
                break;
            }
        }
        if (host == s->size)
            return -ENOSPC;
        int e = take(s, owner, host);
        if (e < 0)
            return e;
        s->hint = (host + 1) % s->size;
        l = &s->leases[s->n_leases - 1];
    }
    addr_format(s->net + l->host, s->prefix, out);
    return 0;
}

int lnk_ipam_reserve(lnk_ipam *ip, const char *vl_key, const char *owner, const char *addr)
{
    if (!ip || !key_ok(owner) || !addr)
        return -EINVAL;
    subnet *s = find(ip, vl_key);
    if (!s)
        return -ENOENT;
    char buf[16];
    const char *slash = strchr(addr, '/');
    size_t n = slash ? (size_t)(slash - addr) : strlen(addr);
    if (n == 0 || n >= sizeof buf)
        return -EINVAL;
    memcpy(buf, addr, n);
    buf[n] = 0;
    uint32_t a;
    if (addr_parse(buf, &a) < 0)
        return -EINVAL;
    if ((a & mask_of(s->prefix)) != s->net)
        return -ERANGE;
    uint32_t host = a - s->net;
    if (s->prefix <= 30 && (host == 0 || host == s->size - 1))
        return -ERANGE;
    const lease *l = lease_of(s, owner);
    if (l)
        return l->host == host ? 0 : -EEXIST;
    if (bit(s, host))
        return -EEXIST;
    return take(s, owner, host);
}

int lnk_ipam_release(lnk_ipam *ip, const char *vl_key, const char *owner)
{
    subnet *s = ip && owner ? find(ip, vl_key) : NULL;
    lease *l = s ? lease_of(s, owner) : NULL;
    if (!l)
        return -ENOENT;
    s->used[l->host / 8] &= (uint8_t) ~(1u << (l->host % 8));
    free(l->owner);
    *l = s->leases[--s->n_leases];
    return 0;
}

size_t lnk_ipam_used(const lnk_ipam *ip, const char *vl_key)
{
    const subnet *s = ip ? find(ip, vl_key) : NULL;
    return s ? s->n_leases : 0;
}

int lnk_ipam_export(const lnk_ipam *ip, const char *vl_key, uint8_t **buf, size_t *len)
{
    const subnet *s = ip ? find(ip, vl_key) : NULL;
    if (!s)
        return -ENOENT;
    char cidr[LNK_ADDR_MAX];
    addr_format(s->net, s->prefix, cidr);
    Outrig__V1__IpamState st = OUTRIG__V1__IPAM_STATE__INIT;
    st.vl_key = s->key;
    st.cidr = cidr;
    Outrig__V1__IpamLease *ls = calloc(s->n_leases ? s->n_leases : 1, sizeof *ls);
    Outrig__V1__IpamLease **lp = calloc(s->n_leases ? s->n_leases : 1, sizeof *lp);
    char(*addrs)[LNK_ADDR_MAX] = calloc(s->n_leases ? s->n_leases : 1, LNK_ADDR_MAX);
    int rc = -ENOMEM;
    if (!ls || !lp || !addrs)
        goto out;
    for (size_t i = 0; i < s->n_leases; i++) {
        outrig__v1__ipam_lease__init(&ls[i]);
        ls[i].owner = s->leases[i].owner;
        addr_format(s->net + s->leases[i].host, s->prefix, addrs[i]);
        *strchr(addrs[i], '/') = 0;
        ls[i].address = addrs[i];
        lp[i] = &ls[i];
    }
    st.n_leases = s->n_leases;
    st.leases = lp;
    *len = outrig__v1__ipam_state__get_packed_size(&st);
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        goto out;
    outrig__v1__ipam_state__pack(&st, *buf);
    rc = 0;
out:
    free(ls);
    free(lp);
    free(addrs);
    return rc;
}

int lnk_ipam_import(lnk_ipam *ip, const uint8_t *buf, size_t len)
{
    if (!ip || (!buf && len))
        return -EINVAL;
    Outrig__V1__IpamState *st = outrig__v1__ipam_state__unpack(NULL, len, buf);
    if (!st)
        return -EINVAL;
    bool fresh = !find(ip, st->vl_key);
    int e = lnk_ipam_add(ip, st->vl_key, st->cidr);
    for (size_t i = 0; e == 0 && i < st->n_leases; i++) {
        e = lnk_ipam_reserve(ip, st->vl_key, st->leases[i]->owner, st->leases[i]->address);
        if (e == -ERANGE || e == -ENOENT)
            e = -EINVAL;
    }
    // A state that does not restore whole is not restored at all.
    if (e < 0 && fresh && find(ip, st->vl_key))
        lnk_ipam_remove(ip, st->vl_key);
    outrig__v1__ipam_state__free_unpacked(st, NULL);
    return e;
}
