// libFuzzer harness for the descriptor parser: the input is one or two YAML
// files (split at the first NUL byte, so that an NSD and a VNFD can refer to
// each other), parsed into one set, cross-checked in both modes, and every
// clean descriptor encoded for the store, decoded, and read back into a set.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor.h"
#include "outrig/v1/descriptor.pb-c.h"

static void check_diag(void *arg, const desc_diag *d)
{
    // Every diagnostic names one of the inputs and a sane position.
    if (strcmp(d->file, "a.yaml") != 0 && strcmp(d->file, "b.yaml") != 0)
        __builtin_trap();
    if (d->line < 0 || d->col < 0 || (d->line == 0) != (d->col == 0) || !d->msg[0])
        __builtin_trap();
    char buf[1400];
    desc_diag_format(d, buf, sizeof buf);
    (*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t la = nul ? (size_t)(nul - data) : size;
    desc_set *s = desc_set_new(), *store = desc_set_new();
    if (!s || !store) {
        desc_set_free(s);
        desc_set_free(store);
        return 0;
    }
    size_t n = 0;
    int e = desc_set_add_buf(s, "a.yaml", data, la, check_diag, &n);
    if (e >= 0 && nul)
        desc_set_add_buf(s, "b.yaml", nul + 1, size - la - 1, check_diag, &n);
    desc_set_check(s, false, check_diag, &n);
    desc_set_check(s, true, check_diag, &n);
    for (size_t i = 0; i < desc_set_n_vnfd(s); i++) {
        const desc_vnfd *v = desc_set_vnfd(s, i);
        for (size_t k = 0; k < v->n_ignored; k++)
            if (!v->ignored[k].path || !v->ignored[k].value_json)
                __builtin_trap();
        uint8_t *buf;
        size_t len;
        if (desc_vnfd_pack(v, &buf, &len) == 0) {
            Outrig__V1__Vnfd *m = outrig__v1__vnfd__unpack(NULL, len, buf);
            if (!m || strcmp(m->id, v->id) != 0 || m->n_vdu != v->n_vdu)
                __builtin_trap();
            outrig__v1__vnfd__free_unpacked(m, NULL);
            // Read back as the store would, it packs to the same bytes.
            uint8_t *again;
            size_t alen;
            if (desc_set_add_vnfd_pb(store, v->file, buf, len) != 0 ||
                desc_vnfd_pack(desc_set_find_vnfd(store, v->id), &again, &alen) != 0)
                __builtin_trap();
            if (alen != len || memcmp(again, buf, len) != 0)
                __builtin_trap();
            free(again);
            free(buf);
        }
    }
    for (size_t i = 0; i < desc_set_n_nsd(s); i++) {
        const desc_nsd *d = desc_set_nsd(s, i);
        uint8_t *buf;
        size_t len;
        if (desc_nsd_pack(d, &buf, &len) == 0) {
            Outrig__V1__Nsd *m = outrig__v1__nsd__unpack(NULL, len, buf);
            if (!m || strcmp(m->id, d->id) != 0 || m->n_df != d->n_df)
                __builtin_trap();
            outrig__v1__nsd__free_unpacked(m, NULL);
            free(buf);
        }
    }
    desc_set_free(s);
    desc_set_free(store);
    return 0;
}
