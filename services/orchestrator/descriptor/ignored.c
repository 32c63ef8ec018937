// Ignored-field bookkeeping: every field the orchestrator does not act on is
// kept in its descriptor with its path, position and value as JSON, and reported.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

typedef struct jbuf {
    char *s;
    size_t len, cap;
    bool oom;
} jbuf;

static void jb_put(jbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void jb_str(jbuf *b, const char *s, size_t n)
{
    jb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            jb_put(b, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            jb_put(b, esc, 6);
        } else {
            jb_put(b, (const char *)&s[i], 1);
        }
    }
    jb_put(b, "\"", 1);
}

static void jb_node(jbuf *b, const cfg_node *n)
{
    if (n->kind == CFG_SCALAR) {
        if (cfg_is_null(n))
            jb_put(b, "null", 4);
        else
            jb_str(b, n->str, n->len);
        return;
    }
    jb_put(b, n->kind == CFG_MAP ? "{" : "[", 1);
    for (size_t i = 0; i < n->n; i++) {
        if (i)
            jb_put(b, ",", 1);
        if (n->kind == CFG_MAP) {
            jb_str(b, n->items[i]->key, strlen(n->items[i]->key));
            jb_put(b, ":", 1);
        }
        jb_node(b, n->items[i]);
    }
    jb_put(b, n->kind == CFG_MAP ? "}" : "]", 1);
}

void dp_ignore(desc_parser *p, const cfg_node *n, bool known)
{
    int line = n->key ? n->key_line : n->line, col = n->key ? n->key_col : n->col;
    if (known)
        dp_report(p, DESC_NOTE, line, col, "%s is not acted on by the orchestrator; kept", p->path);
    else
        dp_report(p, DESC_WARNING, line, col, "unknown field %s; kept and ignored", p->path);
    if (!p->ign)
        return;
    if (*p->n_ign == p->ign_cap) {
        size_t cap = p->ign_cap ? p->ign_cap * 2 : 8;
        desc_ignored *na = desc_alloc(p->a, cap * sizeof *na);
        if (!na)
            return;
        if (*p->n_ign)
            memcpy(na, *p->ign, *p->n_ign * sizeof *na);
        *p->ign = na;
        p->ign_cap = cap;
    }
    jbuf b = {0};
    jb_node(&b, n);
    desc_ignored *g = &(*p->ign)[(*p->n_ign)++];
    g->path = desc_strdup(p->a, p->path);
    g->pos = (desc_pos){line, col};
    g->known = known;
    g->value_json = b.oom ? NULL : desc_strdup(p->a, b.s ? b.s : "null");
    if (b.oom)
        p->a->oom = true;
    free(b.s);
}

void dp_other(desc_parser *p, const cfg_node *n, const char *known_ignored)
{
    // known_ignored is a list of words: match the key as a whole word.
    bool known = false;
    size_t kl = strlen(n->key), wl = 0;
    for (const char *w = known_ignored; w && !known && dp_next_word(&w, &wl);)
        known = wl == kl && memcmp(w, n->key, kl) == 0;
    dp_ignore(p, n, known);
}
