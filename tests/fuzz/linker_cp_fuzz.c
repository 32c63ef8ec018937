// libFuzzer harness for the linker's CP report decoding (cp.ready / cp.down payloads) and
// traffic verdicts (cp.verified). The first byte picks the decoder. A report that decodes
// must hold only what the validation allows, and encode and decode back to itself.
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpreport.h"

static void check_id(const char *s, size_t cap, int required)
{
    size_t n = strnlen(s, cap);
    if (n == cap || (required && n == 0))
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '/' ||
            s[i] == '~')
            __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char field[64];
    if (data[0] & 1) {
        lnk_verdict v;
        if (lnk_verdict_decode(data + 1, size - 1, &v, field, sizeof field) == 0 &&
            (!v.link_id[0] || strnlen(v.reason, sizeof v.reason) == sizeof v.reason))
            __builtin_trap();
        return 0;
    }
    lnk_cp cp;
    int e = lnk_cp_decode(data + 1, size - 1, &cp, field, sizeof field);
    if (e != 0) {
        if (e != -EINVAL && e != -EMSGSIZE)
            __builtin_trap();
        return 0;
    }
    check_id(cp.ns_id, sizeof cp.ns_id, 1);
    check_id(cp.vnf_id, sizeof cp.vnf_id, 1);
    check_id(cp.cp_id, sizeof cp.cp_id, 1);
    check_id(cp.virtual_link, sizeof cp.virtual_link, 0);
    uint8_t *buf;
    size_t len;
    if (lnk_cp_encode(&cp, &buf, &len) < 0)
        return 0;
    lnk_cp again;
    if (lnk_cp_decode(buf, len, &again, field, sizeof field) != 0 ||
        memcmp(&cp, &again, sizeof cp) != 0)
        __builtin_trap();
    free(buf);
    return 0;
}
