// outrig-hub internals shared by its I/O files: the service state, the
// writer (group commit + fan-out), the durable subscriber positions and the
// RPC front end.
#ifndef OUTRIG_HUBD_H
#define OUTRIG_HUBD_H

#include <nng/nng.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain.h"
#include "metrics/metrics.h"
#include "microapp/microapp.h"
#include "seqlog/seqlog.h"

typedef struct hubd_subs hubd_subs;
typedef struct hubd_pending hubd_pending;

typedef struct hubd_config {
    char pub_url[512];
    seqlog_opts log;
    uint64_t max_queue_events; // queued for the writer before Publish is refused
} hubd_config;

typedef struct hubd {
    hubd_config cfg;
    seqlog *log;
    hubd_seqmap *map; // writer thread only once started
    hubd_subs *subs;
    nng_socket pub;
    bool pub_open;

    pthread_t writer;
    bool writer_started;
    pthread_mutex_t mu; // the queue below
    pthread_cond_t cv;
    hubd_pending *head, *tail;
    uint64_t queued_events;
    bool stopping;
    bool broken; // the log failed: Publish is refused

    uint8_t *wbuf; // writer's record buffer
    size_t wcap;
    struct iovec *iov;
    size_t iovcap;

    metrics_value *m_published, *m_batches, *m_pub_msgs, *m_replayed, *m_last_seq, *m_first_seq,
        *m_log_bytes;
} hubd;

// Builds the service from the app's options and registers the Hub RPCs.
int hubd_init(microapp *app, void **state);
void hubd_tick(microapp *app, void *state);
void hubd_fini(microapp *app, void *state);

// Writer: starts the thread; queues a validated Publish call (the call is
// finished from the writer thread); stops and drains (failing what is left).
int hubd_writer_start(hubd *h);
rpc_code hubd_writer_submit(hubd *h, rpc_call *call, Outrig__V1__PublishRequest *req,
                            Outrig__V1__PublishResponse *resp);
void hubd_writer_stop(hubd *h);
// Rebuilds the category -> last seq map from the retained log.
int hubd_rebuild_map(hubd *h);

// Durable subscriber positions, persisted in <dir>/subscribers.
int hubd_subs_open(const char *dir, hubd_subs **out);
void hubd_subs_close(hubd_subs *s);
// Stores and fsyncs name's position. 0, -ENOSPC (too many), -EIO.
int hubd_subs_ack(hubd_subs *s, const char *name, uint64_t seq);
bool hubd_subs_get(hubd_subs *s, const char *name, uint64_t *seq);
uint32_t hubd_subs_count(hubd_subs *s);

// RPC front end.
int hubd_front_register(microapp *app, hubd *h);

#endif
