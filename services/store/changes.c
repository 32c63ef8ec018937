// changes: the list of changes one apply() produced.
#include <errno.h>
#include <stdlib.h>

#include "backend.h"

void sto_changes_reset(sto_changes *c)
{
    c->n = 0;
    sto_arena_reset(&c->arena);
}

void sto_changes_fini(sto_changes *c)
{
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
    sto_arena_fini(&c->arena);
}

int sto_changes_add(sto_changes *c, const sto_change *ch)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        sto_change *nv = realloc(c->v, ncap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        c->v = nv;
        c->cap = ncap;
    }
    char *key = sto_arena_strndup(&c->arena, ch->kv.key, ch->kv.key_len);
    if (!key)
        return -ENOMEM;
    sto_change *d = &c->v[c->n++];
    *d = *ch;
    d->kv.key = key;
    return 0;
}
