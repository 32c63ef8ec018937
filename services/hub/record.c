// Log record layout, replay filter and EventBatch framing.
#include <errno.h>
#include <string.h>

#include "domain.h"

size_t hubd_record_size(const Outrig__V1__Event *ev)
{
    return 1 + strlen(ev->category) + protobuf_c_message_get_packed_size(&ev->base);
}

size_t hubd_record_pack(const Outrig__V1__Event *ev, uint8_t *buf)
{
    size_t catlen = strlen(ev->category); // <= HUB_CATEGORY_MAX, validated
    buf[0] = (uint8_t)catlen;
    memcpy(buf + 1, ev->category, catlen);
    protobuf_c_message_pack(&ev->base, buf + 1 + catlen);
    return 1 + catlen;
}

int hubd_record_split(const void *rec, size_t len, const char **cat, size_t *catlen,
                      const uint8_t **event, size_t *eventlen)
{
    const uint8_t *p = rec;
    if (len < 1 || (size_t)p[0] + 1 > len || p[0] == 0)
        return -EINVAL;
    *cat = (const char *)p + 1;
    *catlen = p[0];
    *event = p + 1 + p[0];
    *eventlen = len - 1 - p[0];
    return 0;
}

bool hubd_filter_match(char *const *categories, size_t n, const char *cat, size_t catlen)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        if (strlen(categories[i]) == catlen && memcmp(categories[i], cat, catlen) == 0)
            return true;
    }
    return false;
}

static size_t hubd_varint_len(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t hubd_batch_entry_size(size_t packed_len)
{
    return 1 + hubd_varint_len(packed_len) + packed_len;
}

size_t hubd_batch_entry_write(uint8_t *buf, const uint8_t *packed, size_t packed_len)
{
    size_t p = 0;
    buf[p++] = 0x0a; // field 1 (events), wire type 2 (length-delimited)
    size_t v = packed_len;
    while (v >= 0x80) {
        buf[p++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[p++] = (uint8_t)v;
    memcpy(buf + p, packed, packed_len);
    return p + packed_len;
}
