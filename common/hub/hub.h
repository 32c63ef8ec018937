// hub: client library of outrig-hub (service outrig.v1.Hub).
//
// Publish is acknowledged: it returns once the hub has the events in its
// durable log. Subscribe runs a receive thread on a SUB socket to the hub's
// PUB address and, through seqsync and the Replay RPC, hands the callback
// every event of the followed categories at least once and in order per
// category, even if the subscriber was slow (PUB drops), disconnected or
// restarted (a named subscriber resumes after its acknowledged position).
#ifndef OUTRIG_HUB_H
#define OUTRIG_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "outrig/v1/common.pb-c.h"
#include "rpc/rpc.h"

struct hub_client;
typedef struct hub_client hub_client;

// Longest category name; categories match [a-z][a-z0-9_-]{0,31}.
#define HUB_CATEGORY_MAX 32
// True when s is a valid category name (the hub's rule, shared with its clients).
bool hub_category_valid(const char *s);
// Largest payload of one event the hub accepts.
#define HUB_PAYLOAD_MAX (256u * 1024u)
// Most events in one Publish.
#define HUB_PUBLISH_MAX_EVENTS 4096

// Opens a client of the hub at url (dialled in the background). opts may be
// NULL. NULL on failure. Thread-safe: any number of threads may share it.
struct hub_client *hub_client_open(const char *url, const rpc_client_opts *opts);
// Closes the client; every subscription and publisher on it must be gone. NULL is a no-op.
void hub_client_close(struct hub_client *c);
// The current underlying RPC client; it is replaced when the hub was
// unreachable for a while, so prefer hub_call.
rpc_client *hub_client_rpc(struct hub_client *c);
// rpc_client_call on the hub ("/outrig.v1.Hub/Replay"), with the client's
// reconnection: after about 2 s of UNAVAILABLE/DEADLINE_EXCEEDED it redials
// from scratch (nng 1.5's dialer may stop redialling after the hub died
// mid-handshake). Same arguments and results as rpc_client_call.
rpc_code hub_call(struct hub_client *c, const char *method, const ProtobufCMessage *in,
                  const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                  const rpc_call_opts *opts, rpc_status *st);

// One event to publish; the hub assigns seq, prev and time. Strings are
// borrowed for the duration of the call; source and id may be NULL.
typedef struct hub_event {
    const char *category; // "vnf"
    const char *type;     // "started"
    const char *id;       // the resource it is about
    const char *source;   // the publishing service
    const void *payload;
    size_t payload_len;
} hub_event;

// Publishes n events in one acknowledged call. On RPC_OK *first_seq (may be
// NULL) is the seq of events[0]; event i has first_seq + i. st (may be NULL)
// gets details (INVALID_ARGUMENT names "events[i].field"). Not retried:
// Publish is not idempotent.
rpc_code hub_publish(struct hub_client *c, const hub_event *events, size_t n, uint64_t *first_seq,
                     rpc_status *st);

// Fetches Info: first retained seq, last seq, PUB address (malloc'd into
// *pub_url when non-NULL; caller frees). Any out pointer may be NULL.
rpc_code hub_info(struct hub_client *c, uint64_t *first_retained, uint64_t *last_seq,
                  char **pub_url, rpc_status *st);

// ---- batching publisher ----------------------------------------------------

typedef struct hub_publisher hub_publisher;

// Called from the publisher's thread once an event is acknowledged
// (code RPC_OK, seq set) or failed (seq 0). May be NULL.
typedef void (*hub_ack_fn)(rpc_code code, uint64_t seq, void *ev_arg, void *arg);

typedef struct hub_publisher_opts {
    size_t max_batch; // events per Publish; 0 = 1024
    size_t max_queue; // queued events before hub_publisher_add blocks; 0 = 65536
    int in_flight;    // concurrent Publish calls; 0 = 2
    hub_ack_fn on_ack;
    void *arg;
} hub_publisher_opts;

// Starts a publisher that gathers events added from any thread into batches
// and publishes them with up to in_flight calls at once. NULL on failure.
hub_publisher *hub_publisher_new(struct hub_client *c, const hub_publisher_opts *opts);
// Queues a copy of ev (blocks while the queue is full). 0, -EINVAL for a bad
// event (checked like the hub does), -ENOMEM, or -ESHUTDOWN after free began.
int hub_publisher_add(hub_publisher *p, const hub_event *ev, void *ev_arg);
// Waits until every event added so far is acknowledged or failed.
void hub_publisher_flush(hub_publisher *p);
// Counters: events acknowledged and failed so far.
void hub_publisher_stats(hub_publisher *p, uint64_t *acked, uint64_t *failed);
// Flushes, stops the threads and frees. NULL is a no-op.
void hub_publisher_free(hub_publisher *p);

// ---- subscribe -------------------------------------------------------------

typedef struct hub_subscription hub_subscription;

// Called on the subscription's thread for each event, in order per category.
// ev is valid during the call only.
typedef void (*hub_event_fn)(const Outrig__V1__Event *ev, void *arg);

// from_seq: start with this seq. HUB_FROM_RESUME: a named subscriber resumes
// after its acknowledged position (from 1 if the hub does not know it); an
// anonymous one starts with the next event published.
#define HUB_FROM_RESUME 0

typedef struct hub_subscribe_opts {
    uint32_t idle_poll_ms;      // replay poll after this long without traffic; 0 = 200
    uint32_t ack_ms;            // durable ack period of a named subscriber; 0 = 1000
    uint32_t replay_max_events; // per Replay call; 0 = 4096
    uint32_t recv_buf;          // SUB queue in messages (batches <= 64 KiB); 0 = 256
} hub_subscribe_opts;

// Subscribes to categories (NULL-terminated list; NULL = all). name NULL =
// anonymous; a name ([A-Za-z0-9_.-]{1,64}) makes a durable subscriber whose
// position is acknowledged to the hub every ack_ms and on unsubscribe. opts
// may be NULL. Returns 0 and *out, or -EINVAL, -ENOMEM, -EIO (hub unreachable
// or thread start failed).
int hub_subscribe(struct hub_client *c, const char *name, const char *const *categories,
                  uint64_t from_seq, hub_event_fn cb, void *arg, const hub_subscribe_opts *opts,
                  hub_subscription **out);
// The position so far: every followed event with seq <= it was handed to the callback.
uint64_t hub_subscription_position(hub_subscription *s);
// Counters for tests and benchmarks.
typedef struct hub_subscription_stats {
    uint64_t delivered;    // callbacks made
    uint64_t skipped;      // duplicates dropped
    uint64_t gaps;         // gaps detected on the live stream
    uint64_t replayed;     // events received through Replay
    uint64_t lost_history; // events the hub had already removed by retention
} hub_subscription_stats;
void hub_subscription_stats_get(hub_subscription *s, hub_subscription_stats *out);
// Stops the thread (a named subscriber first polls to the head and
// acknowledges its position) and frees. Not from the callback. NULL is a no-op.
void hub_unsubscribe(hub_subscription *s);

#endif
