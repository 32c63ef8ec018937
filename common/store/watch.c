// watch: at-least-once, per-category ordered delivery of store changes.
//
// A receive thread subscribes to the store's PUB socket (topic = the
// prefix's category, "/vnf/", or the prefix itself when it spans whole
// categories) and offers each change to seqsync with seq = its revision and
// prev = the previous change of its category. A gap, an idle period or a
// reconnect leads to a replay through the Changes RPC, so nothing lost on
// PUB (slow watcher, disconnect, store restart) is missed.
#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/supplemental/util/platform.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "seqsync/seqsync.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "util/clock.h"
#include "util/log.h"

#define RECV_TICK_MS 100 // how often the thread checks for stop
#define IDLE_POLL_MS 500 // replay check after this long without live changes
#define RETRY_MS 200     // wait between failed calls to the store
#define PAGE 1000        // changes per Changes call
#define CALL_TIMEOUT_MS 3000
#define TOPIC_MAX 300

typedef struct store_watch watch_t;

struct store_watch {
    store_client *c;
    char prefix[STORE_KEY_MAX + 1];
    char topic[STORE_KEY_MAX + 1]; // subscription and replay prefix
    size_t prefix_len;
    uint64_t from;
    store_watch_fn fn;
    void *arg;
    seqsync *ss;
    uint64_t seen_rev; // highest revision delivered or skipped
    nng_socket sub;
    bool sub_open;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t mu; // guards stats
    store_watch_stats stats;
};

// Length of the category of key or prefix ("/vnf/x" -> 3), 0 if none.
static size_t cat_len(const char *k)
{
    if (!k || k[0] != '/')
        return 0;
    const char *s = strchr(k + 1, '/');
    return s ? (size_t)(s - k - 1) : 0;
}

static bool prefix_valid(const char *p)
{
    size_t n = strlen(p);
    if (n == 0)
        return true;
    if (n > STORE_KEY_MAX || p[0] != '/')
        return false;
    for (size_t i = 1; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch < 0x21 || ch > 0x7e || (ch == '/' && p[i - 1] == '/'))
            return false;
    }
    return true;
}

static void count(watch_t *w, uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&w->mu);
    *field += n;
    pthread_mutex_unlock(&w->mu);
}

static bool sleep_or_stop(watch_t *w, uint64_t ms)
{
    uint64_t end = clock_mono_ms() + ms;
    while (!atomic_load(&w->stop) && clock_mono_ms() < end)
        nng_msleep(20);
    return atomic_load(&w->stop);
}

static rpc_code call(watch_t *w, const char *method, const ProtobufCMessage *in,
                     const ProtobufCMessageDescriptor *od, ProtobufCMessage **out)
{
    rpc_call_opts o = {.timeout_ms = CALL_TIMEOUT_MS, .idempotent = true};
    return rpc_client_call(w->c->rpc, method, in, od, out, &o, NULL);
}

static void deliver(watch_t *w, const Outrig__V1__WatchEvent *ev)
{
    const char *key = ev->kv->key;
    if (strncmp(key, w->prefix, w->prefix_len) != 0)
        return;
    w->fn(ev, w->arg);
    pthread_mutex_lock(&w->mu);
    w->stats.delivered++;
    w->stats.position = seqsync_position(w->ss);
    pthread_mutex_unlock(&w->mu);
}

static bool event_ok(const Outrig__V1__WatchEvent *ev)
{
    return ev && ev->kv && ev->kv->key && ev->kv->mod_revision && cat_len(ev->kv->key);
}

static seqsync_verdict offer(watch_t *w, const Outrig__V1__WatchEvent *ev, uint64_t *from)
{
    if (ev->kv->mod_revision > w->seen_rev)
        w->seen_rev = ev->kv->mod_revision;
    char topic[TOPIC_MAX];
    size_t n = cat_len(ev->kv->key) + 2;
    memcpy(topic, ev->kv->key, n);
    topic[n] = '\0';
    return seqsync_offer(w->ss, topic, ev->kv->mod_revision, ev->prev, from);
}

// (Re)creates the delivery state for "everything before from was delivered".
static int sync_new(watch_t *w, uint64_t from)
{
    seqsync_free(w->ss);
    w->ss = seqsync_new(from);
    if (!w->ss)
        return -ENOMEM;
    // The whole keyspace has gap-free revisions; one category is a known
    // list; a partial category name spans categories not known in advance.
    int rc = 0;
    if (w->topic[0] == '\0') {
        rc = seqsync_follow(w->ss, NULL);
    } else if (cat_len(w->topic)) {
        const char *t[] = {w->topic, NULL};
        rc = seqsync_follow(w->ss, t);
    }
    return rc;
}

// Replays every change of the followed categories from `from` up to the
// store's revision. 0 when caught up, -EAGAIN when the store did not answer.
static int replay(watch_t *w, uint64_t from)
{
    if (!w->ss && sync_new(w, 1) != 0)
        return -EAGAIN;
    uint64_t pf = seqsync_poll_from(w->ss);
    if (pf < from)
        from = pf; // never skip an undetected loss in another category
    while (!atomic_load(&w->stop)) {
        Outrig__V1__ChangesRequest req = OUTRIG__V1__CHANGES_REQUEST__INIT;
        req.prefix = w->topic;
        req.from_revision = from;
        req.max_events = PAGE;
        Outrig__V1__ChangesResponse *r = NULL;
        if (call(w, "/outrig.v1.Store/Changes", &req.base,
                 &outrig__v1__changes_response__descriptor, (ProtobufCMessage **)&r) != RPC_OK)
            return -EAGAIN;
        if (r->revision < w->seen_rev) {
            // The store's history restarted below what was seen (its data
            // was replaced): start over from its first revision.
            log_warn("store watch %s: store revision %llu is below %llu seen; starting over",
                     w->prefix, (unsigned long long)r->revision, (unsigned long long)w->seen_rev);
            protobuf_c_message_free_unpacked(&r->base, NULL);
            count(w, &w->stats.compacted, 1);
            w->seen_rev = 0;
            if (sync_new(w, 1) != 0)
                return -EAGAIN;
            from = 1;
            continue;
        }
        if (r->compact_revision > from) {
            // History the watcher needs is gone: go on from what remains.
            log_warn("store watch %s: changes %llu..%llu were compacted away", w->prefix,
                     (unsigned long long)from, (unsigned long long)r->compact_revision - 1);
            count(w, &w->stats.compacted, 1);
            seqsync_caught_up(w->ss, r->compact_revision - 1);
        }
        count(w, &w->stats.replayed, r->n_events);
        for (size_t i = 0; i < r->n_events && !atomic_load(&w->stop); i++) {
            if (event_ok(r->events[i]) && offer(w, r->events[i], NULL) == SEQSYNC_DELIVER)
                deliver(w, r->events[i]);
        }
        bool done = r->next_revision > r->revision;
        uint64_t head = r->revision;
        from = r->next_revision > from ? r->next_revision : from + 1;
        protobuf_c_message_free_unpacked(&r->base, NULL);
        if (done) {
            seqsync_caught_up(w->ss, head);
            pthread_mutex_lock(&w->mu);
            w->stats.position = seqsync_position(w->ss);
            pthread_mutex_unlock(&w->mu);
            return 0;
        }
    }
    return -EAGAIN;
}

static void on_live(watch_t *w, const Outrig__V1__WatchEvent *ev)
{
    uint64_t from = 0;
    seqsync_verdict v = offer(w, ev, &from);
    if (v == SEQSYNC_GAP) {
        count(w, &w->stats.gaps, 1);
        if (replay(w, from) != 0)
            return; // the idle poll retries; this change comes with it
        v = offer(w, ev, &from);
    }
    if (v == SEQSYNC_DELIVER)
        deliver(w, ev);
}

static void on_message(watch_t *w, nng_msg *m)
{
    const unsigned char *body = nng_msg_body(m);
    size_t len = nng_msg_len(m);
    const unsigned char *nul = memchr(body, '\0', len < TOPIC_MAX ? len : TOPIC_MAX);
    if (!nul)
        return;
    size_t off = (size_t)(nul - body) + 1;
    Outrig__V1__WatchBatch *b = outrig__v1__watch_batch__unpack(NULL, len - off, body + off);
    if (!b)
        return;
    count(w, &w->stats.live, b->n_events);
    for (size_t i = 0; i < b->n_events && !atomic_load(&w->stop); i++)
        if (event_ok(b->events[i]))
            on_live(w, b->events[i]);
    protobuf_c_message_free_unpacked(&b->base, NULL);
}

// Finds the store's watch URL and revision; retried until the store answers.
static int connect_store(watch_t *w)
{
    while (!atomic_load(&w->stop)) {
        Outrig__V1__StoreInfoRequest req = OUTRIG__V1__STORE_INFO_REQUEST__INIT;
        Outrig__V1__StoreInfoResponse *r = NULL;
        if (call(w, "/outrig.v1.Store/Info", &req.base,
                 &outrig__v1__store_info_response__descriptor, (ProtobufCMessage **)&r) == RPC_OK) {
            int rv = 0;
            if (w->from == 0)
                w->from = r->revision + 1;
            if (r->watch_url && r->watch_url[0])
                rv = nng_dial(w->sub, r->watch_url, NULL, NNG_FLAG_NONBLOCK);
            protobuf_c_message_free_unpacked(&r->base, NULL);
            if (rv == 0)
                return 0;
        }
        sleep_or_stop(w, RETRY_MS);
    }
    return -ECANCELED;
}

static void *watch_main(void *arg)
{
    watch_t *w = arg;
    if (connect_store(w) != 0)
        return NULL;
    if (sync_new(w, w->from) != 0) {
        log_error("store watch %s: out of memory", w->prefix);
        return NULL;
    }
    bool synced = replay(w, w->from) == 0;
    uint64_t last = clock_mono_ms();
    while (!atomic_load(&w->stop)) {
        nng_msg *m = NULL;
        int rv = nng_recvmsg(w->sub, &m, 0);
        if (rv == 0) {
            on_message(w, m);
            nng_msg_free(m);
            last = clock_mono_ms();
            if (synced)
                continue;
        } else if (rv != NNG_ETIMEDOUT) {
            break; // closed
        }
        if (!synced || clock_mono_ms() - last >= IDLE_POLL_MS) {
            synced = replay(w, seqsync_poll_from(w->ss)) == 0;
            last = clock_mono_ms();
            if (!synced)
                sleep_or_stop(w, RETRY_MS);
        }
    }
    return NULL;
}

struct store_watch *store_watch(struct store_client *c, const char *prefix, uint64_t from_revision,
                                store_watch_fn fn, void *arg)
{
    if (!c || !fn)
        return NULL;
    if (!prefix || strcmp(prefix, "/") == 0)
        prefix = "";
    if (!prefix_valid(prefix))
        return NULL;
    watch_t *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->c = c;
    strcpy(w->prefix, prefix);
    w->prefix_len = strlen(prefix);
    size_t cl = cat_len(prefix);
    size_t tl = cl ? cl + 2 : w->prefix_len;
    memcpy(w->topic, prefix, tl);
    w->topic[tl] = '\0';
    w->from = from_revision;
    w->fn = fn;
    w->arg = arg;
    pthread_mutex_init(&w->mu, NULL);
    if (nng_sub0_open(&w->sub) != 0)
        goto fail;
    w->sub_open = true;
    if (nng_socket_set(w->sub, NNG_OPT_SUB_SUBSCRIBE, w->topic, tl) != 0 ||
        nng_socket_set_ms(w->sub, NNG_OPT_RECVTIMEO, RECV_TICK_MS) != 0 ||
        nng_socket_set_size(w->sub, NNG_OPT_RECVMAXSZ, 16u << 20) != 0 ||
        nng_socket_set_ms(w->sub, NNG_OPT_RECONNMINT, 50) != 0 ||
        nng_socket_set_ms(w->sub, NNG_OPT_RECONNMAXT, 500) != 0)
        goto fail;
    // Deep receive buffer: fewer drops while the callback is slow.
    nng_socket_set_int(w->sub, NNG_OPT_RECVBUF, 1024);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0)
        goto fail;
    return w;
fail:
    if (w->sub_open)
        nng_close(w->sub);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return NULL;
}

void store_watch_stop(struct store_watch *w)
{
    if (!w)
        return;
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
    nng_close(w->sub);
    seqsync_free(w->ss);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

void store_watch_stats_get(struct store_watch *w, store_watch_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}
