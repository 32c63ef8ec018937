// cplink: what the orchestrator decides when it stands in for an agent on its LXC sites:
// whether a ConfigurePeer request from the linker is well formed, and which CP it names.
// Pure; lxclink.c does the I/O.
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain.h"

static int bad(orch_plan_err *err, const char *field, const char *msg)
{
    snprintf(err->field, sizeof err->field, "%s", field);
    snprintf(err->msg, sizeof err->msg, "%s: %s", field, msg);
    return -EINVAL;
}

static bool printable(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] == 0x7f)
            return false;
    return n <= max;
}

static bool id_ok(const char *s, size_t max)
{
    return s[0] && printable(s, max) && !strpbrk(s, " /~");
}

// An instance id: 1..64 of [A-Za-z0-9._-], the first alphanumeric.
static bool instance_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (!n || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return n && n <= 64;
}

static bool ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

// "address/prefix", IPv4 (prefix 0..32) or IPv6 (0..128).
static bool addr_prefix(const char *s)
{
    char a[64];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof a || !slash[1] || strlen(slash + 1) > 3)
        return false;
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = 0;
    unsigned len = 0;
    for (const char *p = slash + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        len = len * 10 + (unsigned)(*p - '0');
    }
    unsigned char buf[16];
    if (inet_pton(AF_INET, a, buf) == 1)
        return len <= 32;
    return inet_pton(AF_INET6, a, buf) == 1 && len <= 128;
}

int orch_peer_check(const Outrig__V1__ConfigurePeerRequest *r, orch_plan_err *err)
{
    unsigned char buf[16];
    if (!instance_ok(r->vnf_id))
        return bad(err, "vnf_id", "need a VNF instance id");
    if (!id_ok(r->cp_id, 128))
        return bad(err, "cp_id", "need a CP id of 1..128 characters without spaces, '/' or '~'");
    if (r->address[0] && !addr_prefix(r->address))
        return bad(err, "address", "need \"address/prefix\" or \"\"");
    if (r->peer_address[0] && inet_pton(AF_INET, r->peer_address, buf) != 1 &&
        inet_pton(AF_INET6, r->peer_address, buf) != 1)
        return bad(err, "peer_address", "need an IP address or \"\"");
    if (!printable(r->peer_id, 258))
        return bad(err, "peer_id", "need at most 258 printable characters");
    const char *slash = strchr(r->virtual_link, '/');
    if (r->virtual_link[0] && (!printable(r->virtual_link, 258) || strchr(r->virtual_link, ' ') ||
                               !slash || slash == r->virtual_link || !slash[1]))
        return bad(err, "virtual_link", "need a vl key \"<ns>/<vl>\" without spaces or \"\"");
    if (!printable(r->link_id, 255))
        return bad(err, "link_id", "need at most 255 printable characters");
    if (r->peer_host[0] && !ipv4(r->peer_host))
        return bad(err, "peer_host", "need an IPv4 address or \"\"");
    if (r->host[0] && !ipv4(r->host))
        return bad(err, "host", "need an IPv4 address or \"\"");
    if (r->vni > 0xffffff || (r->peer_host[0] && !r->vni) || (!r->peer_host[0] && r->vni))
        return bad(err, "vni", "need 1..16777215 with a peer_host, 0 without");
    return 0;
}

const Outrig__V1__CpRecord *orch_cp_find(const Outrig__V1__VnfRecord *rec, const char *cp_id)
{
    // The interface names first (what cp.ready reports): an ext-cpd id may equal another
    // CP's interface name.
    for (size_t i = 0; i < rec->n_cps; i++)
        if (!strcmp(rec->cps[i]->id, cp_id))
            return rec->cps[i];
    for (size_t i = 0; i < rec->n_cps; i++)
        if (rec->cps[i]->ext_cpd[0] && !strcmp(rec->cps[i]->ext_cpd, cp_id))
            return rec->cps[i];
    return NULL;
}

const char *orch_cp_report_id(const Outrig__V1__CpRecord *cp)
{
    return cp->id;
}
