// Fuzzes what outrig-hub and its clients decode from the wire: a Publish
// request (then the hub's validation, sequencing, log record and PUB framing
// of whatever passes) or an EventBatch as a subscriber receives it (then
// seqsync on its events). The first byte picks which.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "seqsync/seqsync.h"

static void fuzz_publish(const uint8_t *data, size_t size)
{
    Outrig__V1__PublishRequest *req = outrig__v1__publish_request__unpack(NULL, size, data);
    if (!req)
        return;
    rpc_status st = {0};
    if (hubd_check_publish(req, &st) == RPC_OK) {
        hubd_seqmap *m = hubd_seqmap_new();
        if (m && hubd_seqmap_reserve(m, req) == 0) {
            hubd_assign(m, req, 1, 1);
            for (size_t i = 0; i < req->n_events; i++) {
                Outrig__V1__Event *ev = req->events[i];
                size_t n = hubd_record_size(ev);
                uint8_t *rec = malloc(n);
                uint8_t *ent = malloc(n + 16);
                if (rec && ent) {
                    hubd_record_pack(ev, rec);
                    const char *cat;
                    size_t catlen, elen;
                    const uint8_t *packed;
                    if (hubd_record_split(rec, n, &cat, &catlen, &packed, &elen) != 0 ||
                        catlen != strlen(ev->category) || memcmp(cat, ev->category, catlen))
                        abort();
                    size_t w = hubd_batch_entry_write(ent, packed, elen);
                    Outrig__V1__EventBatch *b = outrig__v1__event_batch__unpack(NULL, w, ent);
                    if (!b || b->n_events != 1 || b->events[0]->seq != ev->seq)
                        abort(); // what the hub fans out must decode
                    protobuf_c_message_free_unpacked(&b->base, NULL);
                }
                free(rec);
                free(ent);
            }
        }
        hubd_seqmap_free(m);
    }
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

static void fuzz_batch(const uint8_t *data, size_t size)
{
    Outrig__V1__EventBatch *b = outrig__v1__event_batch__unpack(NULL, size, data);
    if (!b)
        return;
    seqsync *s = seqsync_new(1);
    if (s && seqsync_follow(s, NULL) == 0) {
        for (size_t i = 0; i < b->n_events; i++) {
            const Outrig__V1__Event *ev = b->events[i];
            uint64_t from = 0;
            seqsync_verdict v = seqsync_offer(s, ev->category, ev->seq, ev->prev, &from);
            if (v == SEQSYNC_GAP && from > ev->seq)
                abort(); // a replay must start before the item that revealed the gap
            if (seqsync_position(s) >= seqsync_poll_from(s))
                abort();
        }
    }
    seqsync_free(s);
    protobuf_c_message_free_unpacked(&b->base, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_batch(data + 1, size - 1);
    else
        fuzz_publish(data + 1, size - 1);
    return 0;
}
