// FIELDS(n) { if (IS("id")) ...; else dp_other(...); }: walks the entries of
// mapping n as `f`, with p->path extended by each key for the body (`continue`
// moves to the next entry). Used by the parse_*.c files only.
#ifndef OUTRIG_DESC_PARSE_FIELDS_H
#define OUTRIG_DESC_PARSE_FIELDS_H

#define IS(k) (strcmp(f->key, (k)) == 0)
#define FIELDS(map)                                                                                \
    for (const cfg_node *m_ = (map), *f; m_; m_ = NULL)                                            \
        for (size_t i_ = 0, old_ = 0; i_ < m_->n; i_++, dp_pop(p, old_))                           \
            for (int once_ = (f = m_->items[i_], old_ = dp_push(p, f->key), 1); once_; once_ = 0)

#endif
