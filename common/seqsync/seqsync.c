// seqsync: per-topic gap detection through `prev` (see seqsync.h).
//
// State: `head`, the seq up to which a replay caught up (every followed item
// <= head was offered), and per topic the seq of the last item delivered. A
// topic's floor is the larger of the two: an item at or below it was seen, an
// item whose prev is at or below it continues the topic without a hole.
#include "seqsync/seqsync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

// With every topic followed, items above head that were delivered are
// marked in a ring of this many bits; head moves up over marked ones. It
// exceeds the reordering on the live stream (one hub write batch).
#define SEQSYNC_WINDOW (1u << 18)

typedef enum { SEQSYNC_UNKNOWN, SEQSYNC_ALL, SEQSYNC_LIST } seqsync_mode;

typedef struct seqsync_topic {
    char *name;
    uint64_t done;      // seq of the last item delivered on this topic
    uint64_t gap_until; // a gap is pending until the floor reaches it (0 = none)
    bool declared;      // listed by seqsync_follow
} seqsync_topic;

struct seqsync {
    uint64_t head;     // every followed item <= head was offered
    uint64_t max_seen; // highest seq delivered
    seqsync_mode mode;
    uint8_t *ring; // SEQSYNC_ALL: delivered items in (head, head + WINDOW]
    seqsync_topic *topics;
    size_t n, cap;
    size_t last_hit; // most streams repeat one topic many times in a row
};

seqsync *seqsync_new(uint64_t from)
{
    seqsync *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->head = from ? from - 1 : 0;
    s->max_seen = s->head;
    return s;
}

void seqsync_free(seqsync *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->topics[i].name);
    free(s->topics);
    free(s->ring);
    free(s);
}

static seqsync_topic *seqsync_find(seqsync *s, const char *topic)
{
    if (s->last_hit < s->n && strcmp(s->topics[s->last_hit].name, topic) == 0)
        return &s->topics[s->last_hit];
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->topics[i].name, topic) == 0) {
            s->last_hit = i;
            return &s->topics[i];
        }
    }
    return NULL;
}

static seqsync_topic *seqsync_add(seqsync *s, const char *topic)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        seqsync_topic *t = realloc(s->topics, cap * sizeof *t);
        if (!t)
            return NULL;
        s->topics = t;
        s->cap = cap;
    }
    char *name = strdup(topic);
    if (!name)
        return NULL;
    s->topics[s->n] = (seqsync_topic){.name = name};
    s->last_hit = s->n;
    return &s->topics[s->n++];
}

static seqsync_topic *seqsync_find(seqsync *s, const char *topic);
static seqsync_topic *seqsync_add(seqsync *s, const char *topic);

static bool seqsync_bit(const seqsync *s, uint64_t seq)
{
    uint64_t i = seq % SEQSYNC_WINDOW;
    return s->ring[i / 8] & (1u << (i % 8));
}

static void seqsync_bit_set(seqsync *s, uint64_t seq, bool on)
{
    uint64_t i = seq % SEQSYNC_WINDOW;
    if (on)
        s->ring[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        s->ring[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

// Moves head to `to` (clearing the ring behind it), then over marked items.
static void seqsync_advance(seqsync *s, uint64_t to)
{
    if (s->mode != SEQSYNC_ALL) {
        if (to > s->head)
            s->head = to;
        return;
    }
    if (to > s->head) {
        if (to - s->head >= SEQSYNC_WINDOW)
            memset(s->ring, 0, SEQSYNC_WINDOW / 8);
        else
            for (uint64_t q = s->head + 1; q <= to; q++)
                seqsync_bit_set(s, q, false);
        s->head = to;
    }
    while (seqsync_bit(s, s->head + 1)) {
        seqsync_bit_set(s, s->head + 1, false);
        s->head++;
    }
}

int seqsync_follow(seqsync *s, const char *const *topics)
{
    if (!topics) {
        s->ring = calloc(SEQSYNC_WINDOW / 8, 1);
        if (!s->ring)
            return -ENOMEM;
        s->mode = SEQSYNC_ALL;
        return 0;
    }
    for (size_t i = 0; topics[i]; i++) {
        seqsync_topic *t = seqsync_find(s, topics[i]);
        if (!t && !(t = seqsync_add(s, topics[i])))
            return -ENOMEM;
        t->declared = true;
    }
    s->mode = SEQSYNC_LIST;
    return 0;
}

static uint64_t seqsync_floor(const seqsync *s, const seqsync_topic *t)
{
    return t && t->done > s->head ? t->done : s->head;
}

seqsync_verdict seqsync_offer(seqsync *s, const char *topic, uint64_t seq, uint64_t prev,
                              uint64_t *replay_from)
{
    seqsync_topic *t = seqsync_find(s, topic ? topic : "");
    uint64_t floor = seqsync_floor(s, t);
    if (seq <= floor)
        return SEQSYNC_SKIP;
    if (prev > floor) {
        // Items prev and maybe more of this topic are missing. Remember it so
        // that position() does not claim past the hole.
        if (!t)
            t = seqsync_add(s, topic ? topic : "");
        if (t && prev > t->gap_until)
            t->gap_until = prev;
        if (replay_from)
            *replay_from = floor + 1;
        return SEQSYNC_GAP;
    }
    if (!t) {
        t = seqsync_add(s, topic ? topic : "");
        if (!t) {
            // Out of memory: ask for a replay rather than deliver untracked.
            if (replay_from)
                *replay_from = floor + 1;
            return SEQSYNC_GAP;
        }
    }
    t->done = seq;
    if (t->gap_until && t->done >= t->gap_until)
        t->gap_until = 0;
    if (seq > s->max_seen)
        s->max_seen = seq;
    if (s->mode == SEQSYNC_ALL && seq - s->head <= SEQSYNC_WINDOW) {
        seqsync_bit_set(s, seq, true);
        seqsync_advance(s, s->head);
    }
    return SEQSYNC_DELIVER;
}

void seqsync_caught_up(seqsync *s, uint64_t head)
{
    if (head <= s->head)
        return;
    seqsync_advance(s, head);
    head = s->head;
    if (head > s->max_seen)
        s->max_seen = head;
    for (size_t i = 0; i < s->n; i++) {
        if (s->topics[i].gap_until && s->topics[i].gap_until <= head)
            s->topics[i].gap_until = 0;
    }
}

void seqsync_topic_caught_up(seqsync *s, const char *topic, uint64_t head)
{
    seqsync_topic *t = seqsync_find(s, topic ? topic : "");
    if (!t && !(t = seqsync_add(s, topic ? topic : "")))
        return; // out of memory: the floor stays, which is only slower
    if (head > t->done)
        t->done = head;
    if (t->gap_until && t->done >= t->gap_until)
        t->gap_until = 0;
}

uint64_t seqsync_topic_floor(const seqsync *s, const char *topic)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->topics[i].name, topic ? topic : "") == 0)
            return seqsync_floor(s, &s->topics[i]);
    }
    return s->head;
}

uint64_t seqsync_position(const seqsync *s)
{
    if (s->mode == SEQSYNC_ALL)
        return s->head;
    uint64_t pos = s->max_seen;
    for (size_t i = 0; i < s->n; i++) {
        if (s->topics[i].gap_until || s->topics[i].declared) {
            uint64_t f = seqsync_floor(s, &s->topics[i]);
            if (f < pos)
                pos = f;
        }
    }
    return pos;
}

uint64_t seqsync_poll_from(const seqsync *s)
{
    // A lost newest item of a topic leaves no trace on the live stream, so a
    // poll starts where nothing is known: past head, or past the lowest floor
    // of the listed topics.
    uint64_t from = UINT64_MAX;
    if (s->mode == SEQSYNC_LIST) {
        for (size_t i = 0; i < s->n; i++) {
            uint64_t f = seqsync_floor(s, &s->topics[i]);
            if (s->topics[i].declared && f < from)
                from = f;
        }
    }
    return (from == UINT64_MAX ? s->head : from) + 1;
}
