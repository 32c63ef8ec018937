// cpreport: decoding and validation of the CP reports agents send (cp.ready / cp.down event
// payloads, CpReport protobuf) and of traffic verdicts (cp.verified, CpVerified), into plain
// bounded structs. This is the edge where outside input enters the linker: every field is
// checked and an error names it.
#ifndef OUTRIG_LNK_CPREPORT_H
#define OUTRIG_LNK_CPREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LNK_ID_MAX 128 // ids: ns, vnf instance, profile, cp, virtual link, site
#define LNK_URL_MAX 256
#define LNK_CP_MAX_BYTES 4096 // largest CpReport accepted

typedef struct lnk_cp {
    char ns_id[LNK_ID_MAX];
    char vnf_id[LNK_ID_MAX];
    char profile_id[LNK_ID_MAX];
    char cp_id[LNK_ID_MAX];
    char address[24];        // "a.b.c.d/len" or ""
    char host[16];           // dotted IPv4 or ""
    char agent[LNK_URL_MAX]; // ipc://, tcp://, tls+tcp:// or ""
    char site[LNK_ID_MAX];
    char virtual_link[LNK_ID_MAX];
    char host_ifname[16];
} lnk_cp;

typedef struct lnk_verdict {
    char link_id[256];
    bool ok;
    char reason[256];
    uint64_t rtt_us;
} lnk_verdict;

// Decodes and validates a CpReport. ns_id, vnf_id and cp_id are required; ids are printable
// ASCII without spaces, '/' or '~' (they become parts of link ids and store keys). Returns 0,
// or -EINVAL (-EMSGSIZE for more than LNK_CP_MAX_BYTES) with the field path written to field
// (size n, may be NULL).
int lnk_cp_decode(const uint8_t *buf, size_t len, lnk_cp *out, char *field, size_t n);
// Encodes a report (for tests and agents that use protobuf-c). *buf malloc'd, caller frees.
// 0 or -ENOMEM.
int lnk_cp_encode(const lnk_cp *cp, uint8_t **buf, size_t *len);
// Decodes a CpVerified. 0 or -EINVAL (field as above).
int lnk_verdict_decode(const uint8_t *buf, size_t len, lnk_verdict *out, char *field, size_t n);
// Encodes a verdict as a CpVerified into buf (cap bytes; LNK_VERDICT_MAX_BYTES always fit).
// 0 with *len, or -ENOSPC.
#define LNK_VERDICT_MAX_BYTES 1024
int lnk_verdict_encode(const lnk_verdict *v, uint8_t *buf, size_t cap, size_t *len);

#endif
