// arena: a chunked bump allocator for per-batch scratch memory.
#ifndef OUTRIG_STO_ARENA_H
#define OUTRIG_STO_ARENA_H

#include <stddef.h>

typedef struct sto_arena_chunk sto_arena_chunk;

typedef struct sto_arena {
    sto_arena_chunk *head; // current chunk first
} sto_arena;

// n bytes aligned to 8, valid until reset/fini; NULL on allocation failure.
void *sto_arena_alloc(sto_arena *a, size_t n);
// Copies n bytes and adds a NUL; NULL on allocation failure.
char *sto_arena_strndup(sto_arena *a, const char *s, size_t n);
// Keeps the first chunk for reuse and frees the others.
void sto_arena_reset(sto_arena *a);
void sto_arena_fini(sto_arena *a);

#endif
