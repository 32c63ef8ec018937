// The writer thread: group commit and fan-out.
//
// Publish handlers queue their validated calls; the writer takes everything
// queued, sequences it, appends it to the log as one batch (one fsync), sends
// one PUB message per category (events travel in batches so that PUB/SUB
// keeps up), then finishes the calls. It also runs retention and interval
// syncs, since the log wants a single appender.
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hubd.h"
#include "util/clock.h"
#include "util/log.h"

#define HUBD_BATCH_EVENTS 65536u         // events taken per write batch
#define HUBD_BATCH_BYTES (16u << 20)     // and about this many bytes (one call may exceed it)
#define HUBD_PUB_MSG_BYTES (64u * 1024u) // a PUB message is split past this
#define HUBD_RETAIN_EVERY_MS 1000u

struct hubd_pending {
    hubd_pending *next;
    size_t bytes; // about what its records take
    rpc_call *call;
    Outrig__V1__PublishRequest *req;
    Outrig__V1__PublishResponse *resp;
};

typedef struct hubd_fan {
    const char *cat;
    nng_msg *msg;
} hubd_fan;

rpc_code hubd_writer_submit(hubd *h, rpc_call *call, Outrig__V1__PublishRequest *req,
                            Outrig__V1__PublishResponse *resp)
{
    hubd_pending *p = rpc_call_alloc(call, sizeof *p);
    if (!p)
        return RPC_RESOURCE_EXHAUSTED;
    *p = (hubd_pending){.call = call, .req = req, .resp = resp};
    for (size_t i = 0; i < req->n_events; i++)
        p->bytes += req->events[i]->payload.len + 128;
    pthread_mutex_lock(&h->mu);
    rpc_code code = RPC_OK;
    if (h->stopping || h->broken)
        code = RPC_UNAVAILABLE;
    else if (h->queued_events + req->n_events > h->cfg.max_queue_events)
        code = RPC_RESOURCE_EXHAUSTED;
    if (code == RPC_OK) {
        if (h->tail)
            h->tail->next = p;
        else
            h->head = p;
        h->tail = p;
        h->queued_events += req->n_events;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return code;
}

// Sends the message of one category if it is non-empty.
static void hubd_fan_flush(hubd *h, hubd_fan *f)
{
    if (!f->msg)
        return;
    if (nng_sendmsg(h->pub, f->msg, NNG_FLAG_NONBLOCK) != 0)
        nng_msg_free(f->msg);
    else
        metrics_inc(h->m_pub_msgs, 1);
    f->msg = NULL;
}

static int hubd_fan_add(hubd *h, hubd_fan *f, const uint8_t *packed, size_t len)
{
    size_t entry = hubd_batch_entry_size(len);
    if (f->msg && nng_msg_len(f->msg) + entry > HUBD_PUB_MSG_BYTES)
        hubd_fan_flush(h, f);
    if (!f->msg) {
        size_t clen = strlen(f->cat);
        if (nng_msg_alloc(&f->msg, 0) != 0)
            return -ENOMEM;
        if (nng_msg_append(f->msg, f->cat, clen + 1) != 0) // topic and its NUL
            return -ENOMEM;
    }
    uint8_t hdr[16];
    // Frame the header only; the packed bytes are appended straight from the buffer.
    hdr[0] = 0x0a;
    size_t v = len, p = 1;
    while (v >= 0x80) {
        hdr[p++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    hdr[p++] = (uint8_t)v;
    // nng grows a message to the exact size asked: grow it geometrically instead.
    size_t need = nng_msg_len(f->msg) + p + len, cap = nng_msg_capacity(f->msg);
    if (need > cap && nng_msg_reserve(f->msg, need > 2 * cap ? need + 4096 : 2 * cap) != 0)
        return -ENOMEM;
    if (nng_msg_append(f->msg, hdr, p) != 0 || nng_msg_append(f->msg, packed, len) != 0)
        return -ENOMEM;
    return 0;
}

// Fans the batch out: one message per category (split when large).
static void hubd_fanout(hubd *h, hubd_pending *batch, size_t nevents)
{
    hubd_fan fans[16];
    size_t nf = 0;
    size_t r = 0;
    for (hubd_pending *p = batch; p; p = p->next) {
        for (size_t i = 0; i < p->req->n_events; i++, r++) {
            const char *cat = p->req->events[i]->category;
            hubd_fan *f = NULL;
            for (size_t k = 0; k < nf && !f; k++) {
                if (strcmp(fans[k].cat, cat) == 0)
                    f = &fans[k];
            }
            if (!f) {
                if (nf == sizeof fans / sizeof fans[0]) {
                    // Many categories in one batch: send what we have to make room.
                    hubd_fan_flush(h, &fans[0]);
                    memmove(fans, fans + 1, (nf - 1) * sizeof *fans);
                    nf--;
                }
                f = &fans[nf++];
                *f = (hubd_fan){.cat = cat};
            }
            const uint8_t *rec = h->iov[r].iov_base;
            size_t skip = 1 + (size_t)rec[0];
            if (hubd_fan_add(h, f, rec + skip, h->iov[r].iov_len - skip) != 0) {
                // Out of memory: subscribers recover the lost events by replay.
                if (f->msg)
                    nng_msg_free(f->msg);
                f->msg = NULL;
            }
        }
    }
    for (size_t k = 0; k < nf; k++)
        hubd_fan_flush(h, &fans[k]);
    (void)nevents;
}

static void hubd_finish_all(hubd_pending *p, rpc_code code, const char *why)
{
    while (p) {
        hubd_pending *next = p->next; // p lives in the call's arena
        rpc_call_fail(p->call, code, NULL, "%s", why);
        p = next;
    }
}

// Sequences, logs, fans out and acknowledges one batch of calls.
static void hubd_write_batch(hubd *h, hubd_pending *batch)
{
    // Refuse calls that would exceed the category limit, keep the rest.
    hubd_pending *keep = NULL, **tailp = &keep;
    size_t nevents = 0;
    for (hubd_pending *p = batch, *next; p; p = next) {
        next = p->next;
        p->next = NULL;
        int rc = hubd_seqmap_reserve(h->map, p->req);
        if (rc) {
            rpc_call_fail(p->call, RPC_RESOURCE_EXHAUSTED, "events",
                          "more than %d distinct categories", HUBD_MAX_CATEGORIES);
            continue;
        }
        *tailp = p;
        tailp = &p->next;
        nevents += p->req->n_events;
    }
    if (!keep)
        return;
    uint64_t first = seqlog_last(h->log) + 1;
    uint64_t now = clock_unix_ms();
    uint64_t seq = first;
    size_t bytes = 0;
    for (hubd_pending *p = keep; p; p = p->next) {
        hubd_assign(h->map, p->req, seq, now);
        seq += p->req->n_events;
        for (size_t i = 0; i < p->req->n_events; i++)
            bytes += hubd_record_size(p->req->events[i]);
    }
    if (bytes > h->wcap || nevents > h->iovcap) {
        size_t wcap = bytes > h->wcap ? bytes + bytes / 2 : h->wcap;
        size_t icap = nevents > h->iovcap ? nevents + nevents / 2 : h->iovcap;
        uint8_t *wb = realloc(h->wbuf, wcap);
        if (wb)
            h->wbuf = wb, h->wcap = wcap;
        struct iovec *iv = realloc(h->iov, icap * sizeof *iv);
        if (iv)
            h->iov = iv, h->iovcap = icap;
        if (!wb || !iv) {
            // The map moved on for events that will never exist: rebuild it.
            hubd_finish_all(keep, RPC_RESOURCE_EXHAUSTED, "out of memory");
            hubd_rebuild_map(h);
            return;
        }
    }
    size_t off = 0, r = 0;
    for (hubd_pending *p = keep; p; p = p->next) {
        for (size_t i = 0; i < p->req->n_events; i++, r++) {
            size_t len = hubd_record_size(p->req->events[i]);
            hubd_record_pack(p->req->events[i], h->wbuf + off);
            h->iov[r] = (struct iovec){h->wbuf + off, len};
            off += len;
        }
    }
    uint64_t got = 0;
    int rc = seqlog_append(h->log, h->iov, nevents, &got);
    if (rc || got != first) {
        log_error("log append of %zu events failed: %s", nevents, strerror(rc ? -rc : EIO));
        if (rc == -EIO) {
            pthread_mutex_lock(&h->mu);
            h->broken = true;
            pthread_mutex_unlock(&h->mu);
        } else {
            hubd_rebuild_map(h);
        }
        hubd_finish_all(keep, RPC_UNAVAILABLE, "event log write failed");
        return;
    }
    hubd_fanout(h, keep, nevents);
    metrics_inc(h->m_published, nevents);
    metrics_inc(h->m_batches, 1);
    metrics_set(h->m_last_seq, (int64_t)(first + nevents - 1));
    seq = first;
    for (hubd_pending *p = keep, *next; p; p = next) {
        next = p->next;
        p->resp->first_seq = seq;
        p->resp->last_seq = seq + p->req->n_events - 1;
        seq += p->req->n_events;
        rpc_call_done(p->call, RPC_OK);
    }
}

static void hubd_housekeeping(hubd *h, uint64_t *last_retain)
{
    if (h->cfg.log.sync == SEQLOG_SYNC_INTERVAL && seqlog_sync(h->log) != 0)
        log_error("log fsync failed");
    uint64_t now = clock_mono_ms();
    if (now - *last_retain >= HUBD_RETAIN_EVERY_MS) {
        *last_retain = now;
        int n = seqlog_retain(h->log, clock_unix_ms());
        if (n > 0)
            log_info("retention removed %d segment(s); first retained seq %" PRIu64, n,
                     seqlog_first(h->log));
        seqlog_stats st;
        seqlog_stats_get(h->log, &st);
        metrics_set(h->m_first_seq, (int64_t)seqlog_first(h->log));
        metrics_set(h->m_log_bytes, (int64_t)st.bytes);
    }
}

static void *hubd_writer_main(void *arg)
{
    hubd *h = arg;
    uint64_t last_retain = 0;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->head && !h->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += 100 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            int rc = pthread_cond_timedwait(&h->cv, &h->mu, &ts);
            if (rc == ETIMEDOUT) {
                pthread_mutex_unlock(&h->mu);
                hubd_housekeeping(h, &last_retain);
                pthread_mutex_lock(&h->mu);
            }
        }
        if (!h->head && h->stopping)
            break;
        // Take up to HUBD_BATCH_EVENTS events' worth of calls (at least one call).
        hubd_pending *batch = h->head, *last = h->head;
        size_t n = last->req->n_events, bytes = last->bytes;
        while (last->next && n + last->next->req->n_events <= HUBD_BATCH_EVENTS &&
               bytes + last->next->bytes <= HUBD_BATCH_BYTES) {
            last = last->next;
            n += last->req->n_events;
            bytes += last->bytes;
        }
        h->head = last->next;
        if (!h->head)
            h->tail = NULL;
        last->next = NULL;
        h->queued_events -= n;
        bool broken = h->broken;
        pthread_mutex_unlock(&h->mu);
        if (broken)
            hubd_finish_all(batch, RPC_UNAVAILABLE, "event log unavailable");
        else
            hubd_write_batch(h, batch);
        if (h->wcap > HUBD_BATCH_BYTES) {
            // A burst of large events: give the memory back.
            free(h->wbuf);
            h->wbuf = NULL;
            h->wcap = 0;
        }
        hubd_housekeeping(h, &last_retain);
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

int hubd_writer_start(hubd *h)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&h->mu, NULL);
    int rc = pthread_create(&h->writer, NULL, hubd_writer_main, h);
    if (rc)
        return -rc;
    h->writer_started = true;
    return 0;
}

void hubd_writer_stop(hubd *h)
{
    if (!h->writer_started)
        return;
    // Calls already queued are still written: stopping only refuses new ones.
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->writer, NULL);
    h->writer_started = false;
}

static int hubd_rebuild_fn(uint64_t seq, const void *data, size_t len, void *arg)
{
    hubd *h = arg;
    const char *cat;
    size_t catlen, elen;
    const uint8_t *ev;
    char name[HUB_CATEGORY_MAX + 1];
    if (hubd_record_split(data, len, &cat, &catlen, &ev, &elen) != 0 || catlen > HUB_CATEGORY_MAX)
        return 0;
    memcpy(name, cat, catlen);
    name[catlen] = '\0';
    if (hubd_seqmap_set(h->map, name, seq) == -ENOSPC)
        log_warn("log holds more than %d categories; seq %" PRIu64 " not tracked",
                 HUBD_MAX_CATEGORIES, seq);
    return 0;
}

int hubd_rebuild_map(hubd *h)
{
    hubd_seqmap *m = hubd_seqmap_new();
    if (!m)
        return -ENOMEM;
    hubd_seqmap_free(h->map);
    h->map = m;
    uint64_t from = seqlog_first(h->log), last = seqlog_last(h->log);
    while (from <= last) {
        uint64_t next = from;
        long n = seqlog_read(h->log, from, 1u << 16, 0, hubd_rebuild_fn, h, &next);
        if (n < 0)
            return (int)n;
        if (n == 0)
            break;
        from = next;
    }
    return 0;
}
