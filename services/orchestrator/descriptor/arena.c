// The arena that owns a descriptor set's memory: chunks freed all at once.
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

#define DESC_CHUNK 16384u

struct desc_chunk {
    desc_chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

void *desc_alloc(desc_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    desc_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t cap = size > DESC_CHUNK ? size : DESC_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c) {
            a->oom = true;
            return NULL;
        }
        c->size = cap;
        c->used = 0;
        // A big block goes behind the head so the head's free space stays usable.
        if (a->head && size > DESC_CHUNK) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *m = c->data + c->used;
    c->used += size;
    memset(m, 0, size);
    return m;
}

char *desc_strdup(desc_arena *a, const char *s)
{
    size_t n = strlen(s);
    char *d = desc_alloc(a, n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

void desc_arena_clear(desc_arena *a)
{
    desc_chunk *c = a->head;
    while (c) {
        desc_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}
