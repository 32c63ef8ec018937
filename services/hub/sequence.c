// Sequencing: each event gets the next global seq and, as prev, the seq of
// the previous event of its category, so a filtered subscriber finds gaps.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "hub/hub.h"

#define HUBD_SLOTS (2 * HUBD_MAX_CATEGORIES) // open addressing, at most half full

typedef struct hubd_slot {
    char name[HUB_CATEGORY_MAX + 1];
    uint64_t last;
} hubd_slot;

struct hubd_seqmap {
    hubd_slot *slots;
    size_t count;
};

hubd_seqmap *hubd_seqmap_new(void)
{
    hubd_seqmap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->slots = calloc(HUBD_SLOTS, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void hubd_seqmap_free(hubd_seqmap *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

static size_t hubd_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; // FNV-1a
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h % HUBD_SLOTS;
}

// The slot of category, or the empty slot where it would go.
static hubd_slot *hubd_slot_of(const hubd_seqmap *m, const char *cat)
{
    size_t len = strlen(cat);
    for (size_t i = hubd_hash(cat, len);; i = (i + 1) % HUBD_SLOTS) {
        hubd_slot *s = &m->slots[i];
        if (!s->name[0] || strcmp(s->name, cat) == 0)
            return s;
    }
}

uint64_t hubd_seqmap_last(const hubd_seqmap *m, const char *category)
{
    if (strlen(category) > HUB_CATEGORY_MAX)
        return 0;
    const hubd_slot *s = hubd_slot_of(m, category);
    return s->name[0] ? s->last : 0;
}

static int hubd_seqmap_add(hubd_seqmap *m, const char *category, hubd_slot **out)
{
    if (!category[0] || strlen(category) > HUB_CATEGORY_MAX)
        return -EINVAL;
    hubd_slot *s = hubd_slot_of(m, category);
    if (!s->name[0]) {
        if (m->count >= HUBD_MAX_CATEGORIES)
            return -ENOSPC;
        strcpy(s->name, category);
        s->last = 0;
        m->count++;
    }
    *out = s;
    return 0;
}

int hubd_seqmap_set(hubd_seqmap *m, const char *category, uint64_t seq)
{
    hubd_slot *s;
    int rc = hubd_seqmap_add(m, category, &s);
    if (rc)
        return rc;
    s->last = seq;
    return 0;
}

int hubd_seqmap_reserve(hubd_seqmap *m, const Outrig__V1__PublishRequest *req)
{
    // Count the new categories first so that a refusal changes nothing.
    size_t fresh = 0;
    for (size_t i = 0; i < req->n_events; i++) {
        const char *cat = req->events[i]->category;
        if (strlen(cat) > HUB_CATEGORY_MAX)
            return -EINVAL;
        if (hubd_slot_of(m, cat)->name[0])
            continue;
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(req->events[j]->category, cat) == 0;
        fresh += !dup;
    }
    if (m->count + fresh > HUBD_MAX_CATEGORIES)
        return -ENOSPC;
    for (size_t i = 0; i < req->n_events; i++) {
        hubd_slot *s;
        int rc = hubd_seqmap_add(m, req->events[i]->category, &s);
        if (rc)
            return rc;
    }
    return 0;
}

size_t hubd_seqmap_count(const hubd_seqmap *m)
{
    return m->count;
}

void hubd_assign(hubd_seqmap *m, Outrig__V1__PublishRequest *req, uint64_t first_seq,
                 uint64_t now_ms)
{
    for (size_t i = 0; i < req->n_events; i++) {
        Outrig__V1__Event *ev = req->events[i];
        hubd_slot *s = hubd_slot_of(m, ev->category);
        ev->seq = first_seq + i;
        ev->prev = s->last;
        ev->time_unix_ms = now_ms;
        s->last = ev->seq;
    }
}
