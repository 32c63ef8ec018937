// events: ns.*, vnf.* and op.* events to the hub, through a batching publisher so that an
// operation never waits for the hub.
#include <errno.h>
#include <stdlib.h>

#include "orchd.h"
#include "util/log.h"

static void on_ack(rpc_code code, uint64_t seq, void *ev_arg, void *arg)
{
    if (code != RPC_OK)
        log_warn("event not published: %s", rpc_code_name(code));
}

int orchd_events_open(orchd *o)
{
    if (!o->hub)
        return 0;
    hub_publisher_opts opts = {.on_ack = on_ack, .max_queue = 65536};
    o->pub = hub_publisher_new(o->hub, &opts);
    return o->pub ? 0 : -ENOMEM;
}

void orchd_events_close(orchd *o)
{
    hub_publisher_free(o->pub);
    o->pub = NULL;
}

void orchd_event_raw(orchd *o, const char *category, const char *type, const char *id,
                     const uint8_t *payload, size_t len)
{
    if (!o->pub)
        return;
    hub_event ev = {.category = category,
                    .type = type,
                    .id = id,
                    .source = "orchestrator",
                    .payload = payload,
                    .payload_len = len};
    int rc = hub_publisher_add(o->pub, &ev, NULL);
    if (rc)
        log_warn("event %s.%s %s: %d", category, type, id, rc);
}

void orchd_event(orchd *o, const char *category, const char *type, const char *id,
                 const ProtobufCMessage *m)
{
    if (!o->pub)
        return;
    size_t len = m ? protobuf_c_message_get_packed_size(m) : 0;
    uint8_t *buf = len ? malloc(len) : NULL;
    if (len && !buf)
        return;
    if (buf)
        protobuf_c_message_pack(m, buf);
    orchd_event_raw(o, category, type, id, buf, buf ? len : 0);
    free(buf);
}
