// outrig-hub domain: validation, sequencing, record format and replay
// filtering. Plain functions over plain structs: no sockets, files, clocks or
// threads, so that unit tests and the fuzzer call them directly.
//
// Categories: any name matching [a-z][a-z0-9_-]{0,31} (hub_category_valid),
// not only the twelve of DESIGN.md (ns vnf cp link site host policy scale
// metric image device op), so that a new service can add one without a hub
// release; the hub bounds how many distinct ones it tracks (HUBD_MAX_CATEGORIES).
#ifndef OUTRIG_HUBD_DOMAIN_H
#define OUTRIG_HUBD_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/hub.h"
#include "outrig/v1/hub.pb-c.h"
#include "rpc/rpc.h"

#define HUBD_MAX_CATEGORIES 1024
#define HUBD_TYPE_MAX 64
#define HUBD_ID_MAX 256
#define HUBD_SOURCE_MAX 64
#define HUBD_SUBSCRIBER_MAX 64
#define HUBD_REPLAY_EVENTS_DEFAULT 4096u
#define HUBD_REPLAY_EVENTS_MAX 16384u
#define HUBD_REPLAY_BYTES_DEFAULT (1u << 20)
#define HUBD_REPLAY_BYTES_MAX (3u << 20)
#define HUBD_REPLAY_SCAN_MAX 65536u // records looked at by one Replay
#define HUBD_REPLAY_CATEGORIES_MAX 64

// ---- validation: 0 or an rpc_status naming the field --------------------

// Checks one event at index i ("events[i].type"). Returns RPC_OK or
// RPC_INVALID_ARGUMENT with st filled.
rpc_code hubd_check_event(const Outrig__V1__Event *ev, size_t i, rpc_status *st);
// Checks a whole Publish request (1..HUB_PUBLISH_MAX_EVENTS events).
rpc_code hubd_check_publish(const Outrig__V1__PublishRequest *req, rpc_status *st);
// Checks a Replay request's categories.
rpc_code hubd_check_replay(const Outrig__V1__ReplayRequest *req, rpc_status *st);
// A durable subscriber name: [A-Za-z0-9_.-]{1,64}.
bool hubd_subscriber_name_valid(const char *name);

// ---- sequencing ---------------------------------------------------------

// Category -> seq of its last event, from which each new event gets `prev`.
typedef struct hubd_seqmap hubd_seqmap;
hubd_seqmap *hubd_seqmap_new(void);    // NULL on ENOMEM
void hubd_seqmap_free(hubd_seqmap *m); // NULL is a no-op
// Last seq of category (0 when none).
uint64_t hubd_seqmap_last(const hubd_seqmap *m, const char *category);
// Records seq as the last of category (rebuild at start). 0, -ENOSPC, -ENOMEM.
int hubd_seqmap_set(hubd_seqmap *m, const char *category, uint64_t seq);
// Makes room for every category of req so that assign cannot fail.
// 0, -ENOSPC (too many distinct categories) or -ENOMEM; nothing changes on failure.
int hubd_seqmap_reserve(hubd_seqmap *m, const Outrig__V1__PublishRequest *req);
size_t hubd_seqmap_count(const hubd_seqmap *m);

// Gives req's events seq first_seq, first_seq + 1, ..., their prev from the
// map (updating it) and time now_ms. Categories must have been reserved.
void hubd_assign(hubd_seqmap *m, Outrig__V1__PublishRequest *req, uint64_t first_seq,
                 uint64_t now_ms);

// ---- log records and PUB messages ---------------------------------------

// A log record is: u8 category length, the category, the packed Event.
// Size of the record for ev.
size_t hubd_record_size(const Outrig__V1__Event *ev);
// Writes the record of ev into buf (hubd_record_size bytes); returns the
// offset of the packed Event inside it.
size_t hubd_record_pack(const Outrig__V1__Event *ev, uint8_t *buf);
// Splits a record into its category (not NUL-terminated) and packed event.
// 0 or -EINVAL if malformed.
int hubd_record_split(const void *rec, size_t len, const char **cat, size_t *catlen,
                      const uint8_t **event, size_t *eventlen);

// Whether a category is wanted by a Replay filter (empty filter = all).
bool hubd_filter_match(char *const *categories, size_t n, const char *cat, size_t catlen);

// Bytes of one Event inside an EventBatch (tag, length, packed event).
size_t hubd_batch_entry_size(size_t packed_len);
// Writes the EventBatch entry for a packed event; returns bytes written.
size_t hubd_batch_entry_write(uint8_t *buf, const uint8_t *packed, size_t packed_len);

#endif
