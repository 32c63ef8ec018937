// hub subscriptions: a receive thread on a SUB socket, made lossless by
// seqsync and Replay. The thread catches up by Replay at start, replays on a
// gap, polls by Replay when the stream is idle (or the position is stuck) to
// find lost newest events, and, for a named subscriber, acknowledges its
// position to the hub periodically and on unsubscribe.
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "outrig/v1/hub.pb-c.h"
#include "seqsync/seqsync.h"
#include "util/clock.h"
#include "util/log.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#define HUB_RPC_TIMEOUT_MS 5000u
#define HUB_SUB_REDIAL_MS 2000u

struct hub_subscription {
    struct hub_client *c;
    char *name;
    char **cats; // NULL = all
    size_t ncats;
    hub_event_fn cb;
    void *arg;
    hub_subscribe_opts o;
    uint64_t start;
    nng_socket sub;
    bool sub_open;
    nng_dialer dialer;
    char *pub_url;
    seqsync *ss;
    pthread_t th;
    atomic_bool stop;
    bool final;             // stopping: the last poll and ack still run
    uint64_t max_delivered; // thread only
    uint64_t acked;         // thread only
    pthread_mutex_t mu;     // st and position
    hub_subscription_stats st;
    uint64_t position;
};

static void sub_free(hub_subscription *s)
{
    if (s->sub_open)
        nng_close(s->sub);
    seqsync_free(s->ss);
    for (size_t i = 0; i < s->ncats; i++)
        free(s->cats[i]);
    free(s->cats);
    free(s->name);
    free(s->pub_url);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void sub_publish_position(hub_subscription *s)
{
    uint64_t p = seqsync_position(s->ss);
    pthread_mutex_lock(&s->mu);
    s->position = p;
    pthread_mutex_unlock(&s->mu);
}

static void sub_count(hub_subscription *s, uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&s->mu);
    *field += n;
    pthread_mutex_unlock(&s->mu);
}

static void sub_deliver(hub_subscription *s, const Outrig__V1__Event *ev)
{
    s->cb(ev, s->arg);
    if (ev->seq > s->max_delivered)
        s->max_delivered = ev->seq;
    sub_count(s, &s->st.delivered, 1);
}

// Replays from `from` until past `until` or the head, offering every event.
// Returns 0 or -EIO (the hub did not answer; a later poll tries again).
// topic non-NULL: replay that one category from its floor, to move its floor
// alone (a quiet category of a listed subscription).
static int sub_replay_topic(hub_subscription *s, uint64_t from, uint64_t until, char *topic)
{
    // A replay that starts at or before poll_from covers everything the
    // subscriber may lack, so reaching the head catches it up.
    bool complete =
        topic ? from <= seqsync_topic_floor(s->ss, topic) + 1 : from <= seqsync_poll_from(s->ss);
    while (!atomic_load(&s->stop) || s->final) {
        Outrig__V1__ReplayRequest req = OUTRIG__V1__REPLAY_REQUEST__INIT;
        req.from_seq = from;
        req.categories = topic ? &topic : s->cats;
        req.n_categories = topic ? 1 : s->ncats;
        req.max_events = s->o.replay_max_events;
        Outrig__V1__ReplayResponse *r = NULL;
        rpc_call_opts co = {.idempotent = true, .timeout_ms = HUB_RPC_TIMEOUT_MS};
        rpc_status st;
        rpc_code code =
            hub_call(s->c, "/outrig.v1.Hub/Replay", &req.base,
                     &outrig__v1__replay_response__descriptor, (ProtobufCMessage **)&r, &co, &st);
        if (code != RPC_OK) {
            char buf[400];
            log_warn("hub subscriber %s: replay from %" PRIu64 ": %s", s->name ? s->name : "-",
                     from, rpc_status_str(&st, buf, sizeof buf));
            return -EIO;
        }
        if (r->first_retained_seq > from) {
            log_warn("hub subscriber %s: events %" PRIu64 "..%" PRIu64
                     " were removed by retention before this subscriber got them",
                     s->name ? s->name : "-", from, r->first_retained_seq - 1);
            sub_count(s, &s->st.lost_history, r->first_retained_seq - from);
            // Nothing older exists any more: accept the loss and go on from there.
            if (topic)
                seqsync_topic_caught_up(s->ss, topic, r->first_retained_seq - 1);
            else
                seqsync_caught_up(s->ss, r->first_retained_seq - 1);
            complete = true;
        }
        sub_count(s, &s->st.replayed, r->n_events);
        bool restart = false;
        for (size_t i = 0; i < r->n_events && !restart; i++) {
            const Outrig__V1__Event *ev = r->events[i];
            uint64_t rf = 0;
            seqsync_verdict v = seqsync_offer(s->ss, ev->category, ev->seq, ev->prev, &rf);
            if (v == SEQSYNC_GAP && !complete) {
                // Something older than this replay is missing: start where nothing is known.
                from = topic ? seqsync_topic_floor(s->ss, topic) + 1 : seqsync_poll_from(s->ss);
                complete = true;
                restart = true;
                break;
            }
            if (v == SEQSYNC_GAP) {
                // The log has no predecessor for it (corrupt or foreign prev): take it as is.
                log_warn("hub subscriber %s: event %" PRIu64 " has no predecessor %" PRIu64
                         " in the log",
                         s->name ? s->name : "-", ev->seq, ev->prev);
                if (topic)
                    seqsync_topic_caught_up(s->ss, topic, ev->seq - 1);
                else
                    seqsync_caught_up(s->ss, ev->seq - 1);
                v = seqsync_offer(s->ss, ev->category, ev->seq, ev->prev, &rf);
            }
            if (v == SEQSYNC_DELIVER)
                sub_deliver(s, ev);
            else
                sub_count(s, &s->st.skipped, 1);
        }
        bool at_head = r->next_seq > r->last_seq;
        if (!restart)
            from = r->next_seq;
        uint64_t next = r->next_seq;
        protobuf_c_message_free_unpacked(&r->base, NULL);
        if (restart)
            continue;
        if (at_head) {
            if (complete && topic)
                seqsync_topic_caught_up(s->ss, topic, next - 1);
            else if (complete)
                seqsync_caught_up(s->ss, next - 1);
            break;
        }
        if (from > until)
            break;
    }
    sub_publish_position(s);
    return 0;
}

static int sub_replay(hub_subscription *s, uint64_t from, uint64_t until)
{
    return sub_replay_topic(s, from, until, NULL);
}

// The position is stuck while events flow: with listed categories, replay
// each lagging category alone; otherwise from poll_from.
static void sub_unstick(hub_subscription *s)
{
    if (!s->cats) {
        sub_replay(s, seqsync_poll_from(s->ss), UINT64_MAX);
        return;
    }
    for (size_t i = 0; i < s->ncats; i++) {
        uint64_t f = seqsync_topic_floor(s->ss, s->cats[i]);
        if (f < s->max_delivered && sub_replay_topic(s, f + 1, UINT64_MAX, s->cats[i]) != 0)
            return;
    }
}

// Handles one PUB message: "category\0" then an EventBatch.
static void sub_on_message(hub_subscription *s, nng_msg *m)
{
    const uint8_t *body = nng_msg_body(m);
    size_t len = nng_msg_len(m);
    const uint8_t *nul = memchr(body, 0, len < HUB_CATEGORY_MAX + 1 ? len : HUB_CATEGORY_MAX + 1);
    if (!nul)
        return;
    size_t off = (size_t)(nul - body) + 1;
    Outrig__V1__EventBatch *b = outrig__v1__event_batch__unpack(NULL, len - off, body + off);
    if (!b) {
        log_warn("hub subscriber: undecodable event batch (%zu bytes)", len);
        return;
    }
    for (size_t i = 0; i < b->n_events; i++) {
        const Outrig__V1__Event *ev = b->events[i];
        uint64_t rf = 0;
        seqsync_verdict v = seqsync_offer(s->ss, ev->category, ev->seq, ev->prev, &rf);
        if (v == SEQSYNC_GAP) {
            sub_count(s, &s->st.gaps, 1);
            if (sub_replay(s, rf, ev->seq) != 0)
                break; // the rest waits for the next poll
            v = seqsync_offer(s->ss, ev->category, ev->seq, ev->prev, &rf);
        }
        if (v == SEQSYNC_DELIVER)
            sub_deliver(s, ev);
        else if (v == SEQSYNC_SKIP)
            sub_count(s, &s->st.skipped, 1);
    }
    protobuf_c_message_free_unpacked(&b->base, NULL);
}

static void sub_ack(hub_subscription *s)
{
    uint64_t p = seqsync_position(s->ss);
    if (!s->name || p <= s->acked)
        return;
    Outrig__V1__AckRequest req = OUTRIG__V1__ACK_REQUEST__INIT;
    req.subscriber = s->name;
    req.seq = p;
    rpc_call_opts co = {.idempotent = true, .timeout_ms = HUB_RPC_TIMEOUT_MS};
    rpc_status st;
    rpc_code code = hub_call(s->c, "/outrig.v1.Hub/Ack", &req.base, &outrig__v1__empty__descriptor,
                             NULL, &co, &st);
    if (code == RPC_OK)
        s->acked = p;
}

static void *sub_main(void *arg)
{
    hub_subscription *s = arg;
    uint64_t now = clock_mono_ms();
    uint64_t last_rx = now, last_ack = now, pos_since = now, last_live = now;
    uint64_t pos = seqsync_position(s->ss);
    sub_replay(s, s->start, UINT64_MAX); // catch up
    while (!atomic_load(&s->stop)) {
        nng_msg *m = NULL;
        int rv = nng_recvmsg(s->sub, &m, 0);
        now = clock_mono_ms();
        if (rv == 0) {
            last_rx = last_live = now;
            sub_on_message(s, m);
            nng_msg_free(m);
        } else if (rv != NNG_ETIMEDOUT) {
            break; // closed
        }
        uint64_t p = seqsync_position(s->ss);
        if (p != pos) {
            pos = p;
            pos_since = now;
            sub_publish_position(s);
        }
        // Idle: newest events may have been dropped with nothing after them.
        // Stuck: the position stays behind what was delivered (a lost event
        // of a quiet category while others flow).
        bool idle = now - last_rx >= s->o.idle_poll_ms;
        bool stuck = p < s->max_delivered && now - pos_since >= 2u * s->o.idle_poll_ms;
        if (idle || stuck) {
            uint64_t before = s->max_delivered;
            if (idle)
                sub_replay(s, seqsync_poll_from(s->ss), UINT64_MAX);
            else
                sub_unstick(s);
            last_rx = now = clock_mono_ms();
            pos_since = now;
            if (s->max_delivered > before && now - last_live >= HUB_SUB_REDIAL_MS) {
                // Events flow but none came live for seconds: the SUB connection
                // is gone for good (nng 1.5 may stop redialling): dial again.
                log_warn("hub subscriber %s: no live events from %s: redialling",
                         s->name ? s->name : "-", s->pub_url);
                nng_dialer_close(s->dialer);
                nng_dial(s->sub, s->pub_url, &s->dialer, NNG_FLAG_NONBLOCK);
                last_live = now;
            }
        }
        if (s->name && now - last_ack >= s->o.ack_ms) {
            sub_ack(s);
            last_ack = now;
        }
    }
    if (s->name) {
        // Make the acknowledged position exact before leaving.
        s->final = true;
        sub_replay(s, seqsync_poll_from(s->ss), UINT64_MAX);
        sub_ack(s);
    }
    return NULL;
}

int hub_subscribe(struct hub_client *c, const char *name, const char *const *categories,
                  uint64_t from_seq, hub_event_fn cb, void *arg, const hub_subscribe_opts *opts,
                  hub_subscription **out)
{
    if (!c || !cb || !out)
        return -EINVAL;
    if (name) {
        size_t n = strlen(name);
        if (n == 0 || n > 64 ||
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789_.-") != n)
            return -EINVAL;
    }
    size_t ncats = 0;
    if (categories) {
        for (; categories[ncats]; ncats++) {
            if (!hub_category_valid(categories[ncats]))
                return -EINVAL;
        }
        if (ncats == 0)
            return -EINVAL;
    }
    hub_subscription *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    s->c = c;
    s->cb = cb;
    s->arg = arg;
    if (opts)
        s->o = *opts;
    if (!s->o.idle_poll_ms)
        s->o.idle_poll_ms = 200;
    if (!s->o.ack_ms)
        s->o.ack_ms = 1000;
    if (!s->o.replay_max_events)
        s->o.replay_max_events = 4096;
    int rc = -ENOMEM;
    if (name && !(s->name = strdup(name)))
        goto fail;
    if (ncats) {
        s->cats = calloc(ncats, sizeof *s->cats);
        if (!s->cats)
            goto fail;
        for (; s->ncats < ncats; s->ncats++) {
            if (!(s->cats[s->ncats] = strdup(categories[s->ncats])))
                goto fail;
        }
    }
    // Where to start: the caller's seq, after the durable position, or the next event.
    char *pub_url = NULL;
    uint64_t last = 0;
    rpc_status st;
    rc = -EIO;
    if (hub_info(c, NULL, &last, &pub_url, &st) != RPC_OK)
        goto fail;
    s->start = last + 1;
    if (from_seq != HUB_FROM_RESUME) {
        s->start = from_seq;
    } else if (name) {
        Outrig__V1__SubscriberRequest req = OUTRIG__V1__SUBSCRIBER_REQUEST__INIT;
        req.subscriber = s->name;
        Outrig__V1__SubscriberResponse *r = NULL;
        rpc_call_opts co = {.idempotent = true, .timeout_ms = HUB_RPC_TIMEOUT_MS};
        if (hub_call(c, "/outrig.v1.Hub/GetSubscriber", &req.base,
                     &outrig__v1__subscriber_response__descriptor, (ProtobufCMessage **)&r, &co,
                     &st) != RPC_OK) {
            free(pub_url);
            goto fail;
        }
        s->start = r->known ? r->acked_seq + 1 : 1;
        s->acked = r->known ? r->acked_seq : 0;
        protobuf_c_message_free_unpacked(&r->base, NULL);
    }
    s->position = s->start ? s->start - 1 : 0;
    rc = -ENOMEM;
    s->ss = seqsync_new(s->start);
    if (!s->ss || seqsync_follow(s->ss, (const char *const *)categories) != 0) {
        free(pub_url);
        goto fail;
    }
    rc = -EIO;
    if (nng_sub0_open(&s->sub) != 0) {
        free(pub_url);
        goto fail;
    }
    s->sub_open = true;
    nng_socket_set_ms(s->sub, NNG_OPT_RECVTIMEO, 50);
    nng_socket_set_size(s->sub, NNG_OPT_RECVMAXSZ, 16u << 20);
    nng_socket_set_int(s->sub, NNG_OPT_RECVBUF, s->o.recv_buf ? (int)s->o.recv_buf : 256);
    if (ncats == 0) {
        nng_socket_set(s->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
    } else {
        for (size_t i = 0; i < ncats; i++) // "cat\0": the NUL keeps "ns" from matching "nsx"
            nng_socket_set(s->sub, NNG_OPT_SUB_SUBSCRIBE, s->cats[i], strlen(s->cats[i]) + 1);
    }
    s->pub_url = pub_url;
    if (nng_dial(s->sub, pub_url, &s->dialer, NNG_FLAG_NONBLOCK) != 0)
        goto fail;
    // The SUB socket is connected before the catch-up, so nothing falls between them.
    if (pthread_create(&s->th, NULL, sub_main, s) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    sub_free(s);
    return rc;
}

uint64_t hub_subscription_position(hub_subscription *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t p = s->position;
    pthread_mutex_unlock(&s->mu);
    return p;
}

void hub_subscription_stats_get(hub_subscription *s, hub_subscription_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->st;
    pthread_mutex_unlock(&s->mu);
}

void hub_unsubscribe(hub_subscription *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    sub_free(s);
}
