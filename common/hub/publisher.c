// Batching publisher: events added from any thread are queued and sent by a
// few sender threads, each taking everything queued (up to max_batch) per
// Publish call, so that the batch size grows with the load.
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "hub/internal.h"

typedef struct hub_item {
    struct hub_item *next;
    hub_event ev; // strings and payload live after the struct
    void *ev_arg;
} hub_item;

struct hub_publisher {
    struct hub_client *c;
    hub_publisher_opts o;
    pthread_mutex_t mu;
    pthread_cond_t more; // queue not empty, or stopping
    pthread_cond_t room; // queue below max_queue
    pthread_cond_t idle; // outstanding reached 0
    hub_item *head, *tail;
    size_t queued;
    size_t outstanding; // added and not yet acknowledged or failed
    uint64_t acked, failed;
    bool stopping;
    pthread_t *threads;
    int nthreads;
};

static hub_item *hub_item_new(const hub_event *ev, void *ev_arg)
{
    size_t lc = strlen(ev->category) + 1, lt = strlen(ev->type) + 1;
    size_t li = ev->id ? strlen(ev->id) + 1 : 0, ls = ev->source ? strlen(ev->source) + 1 : 0;
    hub_item *it = malloc(sizeof *it + lc + lt + li + ls + ev->payload_len);
    if (!it)
        return NULL;
    char *p = (char *)(it + 1);
    it->next = NULL;
    it->ev_arg = ev_arg;
    it->ev = (hub_event){0};
    it->ev.category = memcpy(p, ev->category, lc), p += lc;
    it->ev.type = memcpy(p, ev->type, lt), p += lt;
    if (li)
        it->ev.id = memcpy(p, ev->id, li), p += li;
    if (ls)
        it->ev.source = memcpy(p, ev->source, ls), p += ls;
    if (ev->payload_len)
        it->ev.payload = memcpy(p, ev->payload, ev->payload_len);
    it->ev.payload_len = ev->payload_len;
    return it;
}

static void *hub_sender_main(void *arg)
{
    hub_publisher *p = arg;
    hub_event *evs = malloc(p->o.max_batch * sizeof *evs);
    hub_item **items = malloc(p->o.max_batch * sizeof *items);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->more, &p->mu);
        if (!p->head)
            break;
        size_t n = 0;
        while (p->head && n < p->o.max_batch && evs && items) {
            hub_item *it = p->head;
            p->head = it->next;
            items[n] = it;
            evs[n++] = it->ev;
        }
        if (!p->head)
            p->tail = NULL;
        p->queued -= n;
        pthread_cond_broadcast(&p->room);
        pthread_mutex_unlock(&p->mu);
        uint64_t first = 0;
        rpc_code code = n ? hub_publish(p->c, evs, n, &first, NULL) : RPC_RESOURCE_EXHAUSTED;
        for (size_t i = 0; i < n; i++) {
            if (p->o.on_ack)
                p->o.on_ack(code, code == RPC_OK ? first + i : 0, items[i]->ev_arg, p->o.arg);
            free(items[i]);
        }
        pthread_mutex_lock(&p->mu);
        if (code == RPC_OK)
            p->acked += n;
        else
            p->failed += n;
        p->outstanding -= n;
        if (!p->outstanding)
            pthread_cond_broadcast(&p->idle);
        if (!n)
            break; // no memory for the batch arrays
    }
    pthread_mutex_unlock(&p->mu);
    free(evs);
    free(items);
    return NULL;
}

hub_publisher *hub_publisher_new(struct hub_client *c, const hub_publisher_opts *opts)
{
    if (!c)
        return NULL;
    hub_publisher *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->c = c;
    if (opts)
        p->o = *opts;
    if (!p->o.max_batch || p->o.max_batch > HUB_PUBLISH_MAX_EVENTS)
        p->o.max_batch = p->o.max_batch ? HUB_PUBLISH_MAX_EVENTS : 1024;
    if (!p->o.max_queue)
        p->o.max_queue = 65536;
    if (p->o.in_flight <= 0)
        p->o.in_flight = 2;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->more, NULL);
    pthread_cond_init(&p->room, NULL);
    pthread_cond_init(&p->idle, NULL);
    p->threads = calloc((size_t)p->o.in_flight, sizeof *p->threads);
    if (!p->threads) {
        hub_publisher_free(p);
        return NULL;
    }
    for (int i = 0; i < p->o.in_flight; i++) {
        if (pthread_create(&p->threads[i], NULL, hub_sender_main, p) != 0) {
            hub_publisher_free(p);
            return NULL;
        }
        p->nthreads++;
    }
    return p;
}

int hub_publisher_add(hub_publisher *p, const hub_event *ev, void *ev_arg)
{
    if (hub_event_check(ev) != 0)
        return -EINVAL;
    hub_item *it = hub_item_new(ev, ev_arg);
    if (!it)
        return -ENOMEM;
    pthread_mutex_lock(&p->mu);
    while (p->queued >= p->o.max_queue && !p->stopping)
        pthread_cond_wait(&p->room, &p->mu);
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        free(it);
        return -ESHUTDOWN;
    }
    if (p->tail)
        p->tail->next = it;
    else
        p->head = it;
    p->tail = it;
    p->queued++;
    p->outstanding++;
    pthread_cond_signal(&p->more);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void hub_publisher_flush(hub_publisher *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->outstanding && p->nthreads)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void hub_publisher_stats(hub_publisher *p, uint64_t *acked, uint64_t *failed)
{
    pthread_mutex_lock(&p->mu);
    if (acked)
        *acked = p->acked;
    if (failed)
        *failed = p->failed;
    pthread_mutex_unlock(&p->mu);
}

void hub_publisher_free(hub_publisher *p)
{
    if (!p)
        return;
    hub_publisher_flush(p);
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->more);
    pthread_cond_broadcast(&p->room);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    while (p->head) {
        hub_item *it = p->head;
        p->head = it->next;
        free(it);
    }
    free(p->threads);
    pthread_cond_destroy(&p->more);
    pthread_cond_destroy(&p->room);
    pthread_cond_destroy(&p->idle);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
