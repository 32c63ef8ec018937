// pub: the watch fan-out on nng PUB.
#include "pub.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fanout.h"
#include "keys.h"
#include "util/log.h"

struct sto_pub {
    nng_socket sock;
};

void sto_event_fill(Outrig__V1__WatchEvent *ev, Outrig__V1__KeyValue *kv, const sto_change *c,
                    const char *key)
{
    outrig__v1__watch_event__init(ev);
    outrig__v1__key_value__init(kv);
    kv->key = (char *)key;
    kv->value.data = (uint8_t *)c->kv.value;
    kv->value.len = c->kv.value ? c->kv.value_len : 0;
    kv->create_revision = c->kv.create_revision;
    kv->mod_revision = c->kv.mod_revision;
    kv->version = c->kv.version;
    kv->lease = c->kv.lease;
    ev->kind = c->kind == STO_CHANGE_DELETE ? OUTRIG__V1__WATCH_EVENT__KIND__DELETE
                                            : OUTRIG__V1__WATCH_EVENT__KIND__PUT;
    ev->kv = kv;
    ev->prev = c->prev;
}

sto_pub *sto_pub_open(const char *url)
{
    sto_pub *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    int rv = nng_pub0_open(&p->sock);
    if (rv == 0)
        rv = nng_listen(p->sock, url, NULL, 0);
    if (rv) {
        log_error("watch: cannot listen on %s: %s", url, nng_strerror(rv));
        nng_close(p->sock);
        free(p);
        return NULL;
    }
    if (strncmp(url, "ipc://", 6) == 0)
        chmod(url + 6, 0600);
    return p;
}

void sto_pub_close(sto_pub *p)
{
    if (!p)
        return;
    nng_close(p->sock);
    free(p);
}

static void send_run(sto_pub *p, const sto_changes *ch, const size_t *order, size_t start, size_t n)
{
    Outrig__V1__WatchEvent *evs = calloc(n, sizeof(*evs));
    Outrig__V1__KeyValue *kvs = calloc(n, sizeof(*kvs));
    Outrig__V1__WatchEvent **ptrs = calloc(n, sizeof(*ptrs));
    nng_msg *m = NULL;
    if (!evs || !kvs || !ptrs)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const sto_change *c = &ch->v[order[start + i]];
        sto_event_fill(&evs[i], &kvs[i], c, c->kv.key);
        ptrs[i] = &evs[i];
    }
    Outrig__V1__WatchBatch b = OUTRIG__V1__WATCH_BATCH__INIT;
    b.n_events = n;
    b.events = ptrs;
    const char *key = ch->v[order[start]].kv.key;
    size_t tlen = sto_category_len(key) + 2;
    size_t blen = outrig__v1__watch_batch__get_packed_size(&b);
    if (nng_msg_alloc(&m, tlen + 1 + blen) != 0)
        goto out;
    unsigned char *body = nng_msg_body(m);
    memcpy(body, key, tlen);
    body[tlen] = '\0';
    outrig__v1__watch_batch__pack(&b, body + tlen + 1);
    if (nng_sendmsg(p->sock, m, NNG_FLAG_NONBLOCK) == 0)
        m = NULL;
out:
    if (m)
        nng_msg_free(m);
    free(evs);
    free(kvs);
    free(ptrs);
}

void sto_pub_send(sto_pub *p, const sto_changes *ch)
{
    if (!p || ch->n == 0)
        return;
    size_t *order = malloc(ch->n * sizeof(*order));
    if (!order || sto_fanout_order(ch->v, ch->n, order) != 0) {
        // Watchers detect the loss through `prev` and replay it.
        log_warn("watch: out of memory, %zu changes not fanned out", ch->n);
        free(order);
        return;
    }
    for (size_t i = 0; i < ch->n;) {
        size_t run = sto_fanout_run(ch->v, order, ch->n, i, STO_FANOUT_MSG_BYTES);
        send_run(p, ch, order, i, run);
        i += run;
    }
    free(order);
}
