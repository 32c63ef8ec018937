// cpreport: CpReport / CpVerified decoding at the linker's edge. See cpreport.h.
#include "cpreport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "outrig/v1/linker.pb-c.h"

static int bad(char *field, size_t n, const char *name)
{
    if (field && n)
        snprintf(field, n, "%s", name);
    return -EINVAL;
}

// An id: 1..LNK_ID_MAX-1 printable characters, none of ' ', '/', '~'.
static bool id_ok(const char *s, bool required)
{
    if (!s || !s[0])
        return !required;
    size_t len = strlen(s);
    if (len >= LNK_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '~')
            return false;
    }
    return true;
}

static bool addr_ok(const char *s)
{
    if (!s[0])
        return true;
    uint32_t net;
    unsigned prefix;
    // A CP address has host bits, so check it as address + prefix, not as a subnet.
    const char *slash = strchr(s, '/');
    char ip[16];
    size_t n = slash ? (size_t)(slash - s) : 0;
    if (!slash || !n || n >= sizeof ip || strlen(s) >= 24)
        return false;
    memcpy(ip, s, n);
    ip[n] = 0;
    struct in_addr in;
    if (inet_pton(AF_INET, ip, &in) != 1)
        return false;
    char zero[24];
    snprintf(zero, sizeof zero, "0.0.0.0%s", slash);
    return lnk_cidr_parse(zero, &net, &prefix) == 0;
}

static bool url_ok(const char *s)
{
    if (!s[0])
        return true;
    if (strlen(s) >= LNK_URL_MAX)
        return false;
    if (strncmp(s, "ipc://", 6) && strncmp(s, "tcp://", 6) && strncmp(s, "tls+tcp://", 10))
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

int lnk_cp_decode(const uint8_t *buf, size_t len, lnk_cp *out, char *field, size_t n)
{
    if (len > LNK_CP_MAX_BYTES) {
        bad(field, n, "");
        return -EMSGSIZE;
    }
    if (!buf && len)
        return bad(field, n, "");
    Outrig__V1__CpReport *r = outrig__v1__cp_report__unpack(NULL, len, buf);
    if (!r)
        return bad(field, n, "");
    int rc = 0;
    struct in_addr in;
    if (!id_ok(r->ns_id, true))
        rc = bad(field, n, "ns_id");
    else if (!id_ok(r->vnf_id, true))
        rc = bad(field, n, "vnf_id");
    else if (!id_ok(r->profile_id, false))
        rc = bad(field, n, "profile_id");
    else if (!id_ok(r->cp_id, true))
        rc = bad(field, n, "cp_id");
    else if (!addr_ok(r->address))
        rc = bad(field, n, "address");
    else if (r->host[0] && (strlen(r->host) >= 16 || inet_pton(AF_INET, r->host, &in) != 1))
        rc = bad(field, n, "host");
    else if (!url_ok(r->agent))
        rc = bad(field, n, "agent");
    else if (!id_ok(r->site, false))
        rc = bad(field, n, "site");
    else if (!id_ok(r->virtual_link, false))
        rc = bad(field, n, "virtual_link");
    else if (r->host_ifname[0] && (strlen(r->host_ifname) >= 16 || !id_ok(r->host_ifname, false) ||
                                   strchr(r->host_ifname, ':')))
        rc = bad(field, n, "host_ifname");
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        COPY(out->ns_id, r->ns_id);
        COPY(out->vnf_id, r->vnf_id);
        COPY(out->profile_id, r->profile_id);
        COPY(out->cp_id, r->cp_id);
        COPY(out->address, r->address);
        COPY(out->host, r->host);
        COPY(out->agent, r->agent);
        COPY(out->site, r->site);
        COPY(out->virtual_link, r->virtual_link);
        COPY(out->host_ifname, r->host_ifname);
    }
    outrig__v1__cp_report__free_unpacked(r, NULL);
    return rc;
}

int lnk_cp_encode(const lnk_cp *cp, uint8_t **buf, size_t *len)
{
    Outrig__V1__CpReport r = OUTRIG__V1__CP_REPORT__INIT;
    r.ns_id = (char *)cp->ns_id;
    r.vnf_id = (char *)cp->vnf_id;
    r.profile_id = (char *)cp->profile_id;
    r.cp_id = (char *)cp->cp_id;
    r.address = (char *)cp->address;
    r.host = (char *)cp->host;
    r.agent = (char *)cp->agent;
    r.site = (char *)cp->site;
    r.virtual_link = (char *)cp->virtual_link;
    r.host_ifname = (char *)cp->host_ifname;
    *len = outrig__v1__cp_report__get_packed_size(&r);
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        return -ENOMEM;
    outrig__v1__cp_report__pack(&r, *buf);
    return 0;
}

int lnk_verdict_decode(const uint8_t *buf, size_t len, lnk_verdict *out, char *field, size_t n)
{
    if (len > LNK_CP_MAX_BYTES || (!buf && len))
        return bad(field, n, "");
    Outrig__V1__CpVerified *v = outrig__v1__cp_verified__unpack(NULL, len, buf);
    if (!v)
        return bad(field, n, "");
    int rc = 0;
    if (!v->link_id[0] || strlen(v->link_id) >= sizeof out->link_id)
        rc = bad(field, n, "link_id");
    else if (strlen(v->reason) >= sizeof out->reason)
        rc = bad(field, n, "reason");
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        COPY(out->link_id, v->link_id);
        COPY(out->reason, v->reason);
        out->ok = v->ok;
        out->rtt_us = v->rtt_us;
    }
    outrig__v1__cp_verified__free_unpacked(v, NULL);
    return rc;
}

int lnk_verdict_encode(const lnk_verdict *v, uint8_t *buf, size_t cap, size_t *len)
{
    Outrig__V1__CpVerified m = OUTRIG__V1__CP_VERIFIED__INIT;
    m.link_id = (char *)v->link_id;
    m.ok = v->ok;
    m.reason = (char *)v->reason;
    m.rtt_us = v->rtt_us;
    size_t n = outrig__v1__cp_verified__get_packed_size(&m);
    if (n > cap)
        return -ENOSPC;
    *len = outrig__v1__cp_verified__pack(&m, buf);
    return 0;
}
