// outrig-hub front end: the Hub RPCs. Decode is done by the RPC layer; here
// each call is validated (errors name the field), then handed to the writer
// (Publish) or answered from the log and the subscriber table.
#include <errno.h>
#include <string.h>

#include "hubd.h"
#include "util/log.h"

// ---- Publish --------------------------------------------------------------

static void hubd_publish(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                         void *arg)
{
    hubd *h = arg;
    // The writer fills in seq, prev and time in the request it owns until done.
    Outrig__V1__PublishRequest *req = (Outrig__V1__PublishRequest *)in;
    rpc_status st = {0};
    if (hubd_check_publish(req, &st) != RPC_OK) {
        rpc_call_fail(call, st.code, st.field, "%s", st.message);
        return;
    }
    rpc_code code = hubd_writer_submit(h, call, req, (Outrig__V1__PublishResponse *)out);
    if (code == RPC_RESOURCE_EXHAUSTED)
        rpc_call_fail(call, code, NULL, "publish queue full, retry later");
    else if (code != RPC_OK)
        rpc_call_fail(call, code, NULL, "hub is not accepting events");
}

// ---- Replay ---------------------------------------------------------------

// Events of a Replay reply are unpacked into the call's arena through a bump allocator.
typedef struct hubd_replay {
    rpc_call *call;
    const Outrig__V1__ReplayRequest *req;
    Outrig__V1__Event **events;
    size_t n, max_events;
    size_t bytes, max_bytes;
    uint64_t stop_at; // first seq not consumed when stopped by the byte limit
    uint8_t *chunk;
    size_t left;
    bool oom;
} hubd_replay;

static void *hubd_bump_alloc(void *data, size_t size)
{
    hubd_replay *r = data;
    size = (size + 15) & ~(size_t)15;
    if (size > r->left) {
        size_t want = size > 65536 ? size : 65536;
        r->chunk = rpc_call_alloc(r->call, want);
        if (!r->chunk) {
            r->left = 0;
            return NULL;
        }
        r->left = want;
    }
    void *p = r->chunk;
    r->chunk += size;
    r->left -= size;
    return p;
}

static void hubd_bump_free(void *data, void *ptr) {}

static int hubd_replay_fn(uint64_t seq, const void *data, size_t len, void *arg)
{
    hubd_replay *r = arg;
    const char *cat;
    size_t catlen, elen;
    const uint8_t *ev;
    if (hubd_record_split(data, len, &cat, &catlen, &ev, &elen) != 0)
        return 0;
    if (!hubd_filter_match(r->req->categories, r->req->n_categories, cat, catlen))
        return 0;
    if (r->n && r->bytes + elen > r->max_bytes) {
        r->stop_at = seq;
        return 1;
    }
    ProtobufCAllocator a = {.alloc = hubd_bump_alloc, .free = hubd_bump_free, .allocator_data = r};
    Outrig__V1__Event *e = outrig__v1__event__unpack(&a, elen, ev);
    if (!e) {
        if (!r->left && !r->chunk) {
            r->oom = true;
            r->stop_at = seq;
            return 1;
        }
        log_error("log record %llu does not decode; skipped", (unsigned long long)seq);
        return 0;
    }
    r->events[r->n++] = e;
    r->bytes += elen;
    return r->n >= r->max_events;
}

static void hubd_replay_rpc(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                            void *arg)
{
    hubd *h = arg;
    const Outrig__V1__ReplayRequest *req = (const Outrig__V1__ReplayRequest *)in;
    Outrig__V1__ReplayResponse *resp = (Outrig__V1__ReplayResponse *)out;
    rpc_status st = {0};
    if (hubd_check_replay(req, &st) != RPC_OK) {
        rpc_call_fail(call, st.code, st.field, "%s", st.message);
        return;
    }
    hubd_replay r = {.call = call, .req = req};
    r.max_events = req->max_events ? req->max_events : HUBD_REPLAY_EVENTS_DEFAULT;
    if (r.max_events > HUBD_REPLAY_EVENTS_MAX)
        r.max_events = HUBD_REPLAY_EVENTS_MAX;
    r.max_bytes = req->max_bytes ? req->max_bytes : HUBD_REPLAY_BYTES_DEFAULT;
    if (r.max_bytes > HUBD_REPLAY_BYTES_MAX)
        r.max_bytes = HUBD_REPLAY_BYTES_MAX;
    r.events = rpc_call_alloc(call, r.max_events * sizeof *r.events);
    if (!r.events) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    uint64_t from = req->from_seq ? req->from_seq : 1;
    uint64_t next = from;
    long n = seqlog_read(h->log, from, HUBD_REPLAY_SCAN_MAX, 0, hubd_replay_fn, &r, &next);
    if (n < 0) {
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "event log read failed");
        return;
    }
    if (r.oom && r.n == 0) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    resp->events = r.events;
    resp->n_events = r.n;
    resp->next_seq = r.stop_at ? r.stop_at : next;
    resp->first_retained_seq = seqlog_first(h->log);
    // Read after the scan: next_seq > last_seq means the reader reached the head.
    resp->last_seq = seqlog_last(h->log);
    if (resp->next_seq < resp->first_retained_seq)
        resp->next_seq = resp->first_retained_seq;
    metrics_inc(h->m_replayed, r.n);
    rpc_call_done(call, RPC_OK);
}

// ---- durable subscribers ----------------------------------------------------

static void hubd_ack(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out, void *arg)
{
    hubd *h = arg;
    const Outrig__V1__AckRequest *req = (const Outrig__V1__AckRequest *)in;
    if (!hubd_subscriber_name_valid(req->subscriber)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "subscriber", "must match [A-Za-z0-9_.-]{1,%d}",
                      HUBD_SUBSCRIBER_MAX);
        return;
    }
    uint64_t last = seqlog_last(h->log);
    if (req->seq > last) {
        rpc_call_fail(call, RPC_OUT_OF_RANGE, "seq", "%llu is past the last seq %llu",
                      (unsigned long long)req->seq, (unsigned long long)last);
        return;
    }
    int rc = hubd_subs_ack(h->subs, req->subscriber, req->seq);
    if (rc == -ENOSPC)
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, "subscriber", "too many subscribers");
    else if (rc)
        rpc_call_fail(call, RPC_UNAVAILABLE, NULL, "cannot persist the position: %s",
                      strerror(-rc));
    else
        rpc_call_done(call, RPC_OK);
}

static void hubd_get_subscriber(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out,
                                void *arg)
{
    hubd *h = arg;
    const Outrig__V1__SubscriberRequest *req = (const Outrig__V1__SubscriberRequest *)in;
    Outrig__V1__SubscriberResponse *resp = (Outrig__V1__SubscriberResponse *)out;
    if (!hubd_subscriber_name_valid(req->subscriber)) {
        rpc_call_fail(call, RPC_INVALID_ARGUMENT, "subscriber", "must match [A-Za-z0-9_.-]{1,%d}",
                      HUBD_SUBSCRIBER_MAX);
        return;
    }
    resp->subscriber = rpc_call_strdup(call, req->subscriber);
    if (!resp->subscriber) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    uint64_t seq = 0;
    resp->known = hubd_subs_get(h->subs, req->subscriber, &seq);
    resp->acked_seq = seq;
    rpc_call_done(call, RPC_OK);
}

static void hubd_info(rpc_call *call, const ProtobufCMessage *in, ProtobufCMessage *out, void *arg)
{
    hubd *h = arg;
    Outrig__V1__HubInfoResponse *resp = (Outrig__V1__HubInfoResponse *)out;
    seqlog_stats st;
    seqlog_stats_get(h->log, &st);
    resp->first_retained_seq = seqlog_first(h->log);
    resp->last_seq = seqlog_last(h->log);
    resp->pub_url = rpc_call_strdup(call, h->cfg.pub_url);
    if (!resp->pub_url) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    resp->log_bytes = st.bytes;
    resp->segments = st.segments;
    resp->subscribers = hubd_subs_count(h->subs);
    rpc_call_done(call, RPC_OK);
}

int hubd_front_register(microapp *app, hubd *h)
{
    static const rpc_method_impl impls[] = {
        {"Publish", hubd_publish}, {"Replay", hubd_replay_rpc},
        {"Ack", hubd_ack},         {"GetSubscriber", hubd_get_subscriber},
        {"Info", hubd_info},
    };
    return microapp_add_service(app, &outrig__v1__hub__descriptor, impls,
                                sizeof impls / sizeof impls[0], h);
}
