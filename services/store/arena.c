// arena: a chunked bump allocator for per-batch scratch memory.
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN (64u * 1024u)

struct sto_arena_chunk {
    sto_arena_chunk *next;
    size_t cap;
    size_t used;
    _Alignas(8) unsigned char data[];
};

void *sto_arena_alloc(sto_arena *a, size_t n)
{
    n = (n + 7u) & ~(size_t)7u;
    sto_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

char *sto_arena_strndup(sto_arena *a, const char *s, size_t n)
{
    char *p = sto_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void sto_arena_reset(sto_arena *a)
{
    sto_arena_chunk *c = a->head;
    if (!c)
        return;
    // Keep the oldest chunk (the end of the list): it is the usual size.
    while (c->next) {
        sto_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    c->used = 0;
    a->head = c;
}

void sto_arena_fini(sto_arena *a)
{
    sto_arena_chunk *c = a->head;
    while (c) {
        sto_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}
