// events: cp.* and ns.* from the hub into the core; link.* out through a batching publisher.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "lnkd.h"
#include "util/log.h"

static void on_ack(rpc_code code, uint64_t seq, void *ev_arg, void *arg)
{
    if (code != RPC_OK)
        log_warn("link event not published: %s", rpc_code_name(code));
}

static void on_event(const Outrig__V1__Event *ev, void *arg)
{
    lnkd *d = arg;
    char field[64] = "";
    if (!strcmp(ev->category, "cp")) {
        bool ready = !strcmp(ev->type, "ready"), down = !strcmp(ev->type, "down");
        if (ready || down) {
            lnk_cp cp;
            int e = lnk_cp_decode(ev->payload.data, ev->payload.len, &cp, field, sizeof field);
            if (e < 0) {
                log_warn("cp.%s #%llu refused: field %s: %s", ev->type, (unsigned long long)ev->seq,
                         field, strerror(-e));
                return;
            }
            if (ready)
                lnkd_cp_ready(d, &cp);
            else
                lnkd_cp_down(d, &cp);
        } else if (!strcmp(ev->type, "verified")) {
            lnk_verdict v;
            if (lnk_verdict_decode(ev->payload.data, ev->payload.len, &v, field, sizeof field))
                log_warn("cp.verified #%llu refused: field %s", (unsigned long long)ev->seq, field);
            else
                lnkd_verdict(d, &v);
        }
    } else if (!strcmp(ev->category, "ns") && ev->id && ev->id[0]) {
        if (!strcmp(ev->type, "terminated") || !strcmp(ev->type, "deleted"))
            lnkd_ns_gone(d, ev->id);
        else if (!strcmp(ev->type, "scaled") || !strcmp(ev->type, "healed") ||
                 !strcmp(ev->type, "rolled_back"))
            lnkd_ns_changed(d, ev->id);
    }
}

int lnkd_events_open(lnkd *d)
{
    hub_publisher_opts opts = {.on_ack = on_ack, .max_queue = 65536};
    d->pub = hub_publisher_new(d->hub, &opts);
    if (!d->pub)
        return -ENOMEM;
    static const char *const cats[] = {"cp", "ns", NULL};
    // A named subscriber: a restarted linker resumes after the last event it acknowledged.
    const char *name = microapp_opt(d->app, "subscriber", "linker");
    return hub_subscribe(d->hub, name, cats, HUB_FROM_RESUME, on_event, d, NULL, &d->sub);
}

void lnkd_events_close(lnkd *d)
{
    hub_unsubscribe(d->sub);
    d->sub = NULL;
    hub_publisher_free(d->pub);
    d->pub = NULL;
}

void lnkd_publish(lnkd *d, const char *type, const char *id, const ProtobufCMessage *m)
{
    if (!d->pub)
        return;
    size_t len = m ? protobuf_c_message_get_packed_size(m) : 0;
    uint8_t *buf = len ? malloc(len) : NULL;
    if (len && !buf)
        return;
    if (buf)
        protobuf_c_message_pack(m, buf);
    hub_event ev = {.category = "link",
                    .type = type,
                    .id = id,
                    .source = "linker",
                    .payload = buf,
                    .payload_len = buf ? len : 0};
    int rc = hub_publisher_add(d->pub, &ev, NULL);
    if (rc)
        log_warn("event link.%s %s: %d", type, id, rc);
    free(buf);
}
