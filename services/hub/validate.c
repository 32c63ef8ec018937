// Validation of requests at the hub's edge: every failure names its field.
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "hub/hub.h"

static bool hubd_text_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (n >= max || (unsigned char)s[n] < 0x20 || s[n] == 0x7f)
            return false;
    }
    return true;
}

rpc_code hubd_check_event(const Outrig__V1__Event *ev, size_t i, rpc_status *st)
{
    char field[64];
    if (!ev->category || !ev->category[0]) {
        snprintf(field, sizeof field, "events[%zu].category", i);
        rpc_status_set(st, RPC_INVALID_ARGUMENT, field, "must not be empty");
        return RPC_INVALID_ARGUMENT;
    }
    if (!hub_category_valid(ev->category)) {
        snprintf(field, sizeof field, "events[%zu].category", i);
        rpc_status_set(st, RPC_INVALID_ARGUMENT, field, "must match [a-z][a-z0-9_-]{0,31}");
        return RPC_INVALID_ARGUMENT;
    }
    if (!ev->type || !ev->type[0] || !hubd_text_ok(ev->type, HUBD_TYPE_MAX)) {
        snprintf(field, sizeof field, "events[%zu].type", i);
        rpc_status_set(st, RPC_INVALID_ARGUMENT, field, "must be 1..%d printable characters",
                       HUBD_TYPE_MAX);
        return RPC_INVALID_ARGUMENT;
    }
    if (ev->id && !hubd_text_ok(ev->id, HUBD_ID_MAX)) {
        snprintf(field, sizeof field, "events[%zu].id", i);
        rpc_status_set(st, RPC_INVALID_ARGUMENT, field, "must be at most %d printable characters",
                       HUBD_ID_MAX);
        return RPC_INVALID_ARGUMENT;
    }
    if (ev->source && !hubd_text_ok(ev->source, HUBD_SOURCE_MAX)) {
        snprintf(field, sizeof field, "events[%zu].source", i);
        rpc_status_set(st, RPC_INVALID_ARGUMENT, field, "must be at most %d printable characters",
                       HUBD_SOURCE_MAX);
        return RPC_INVALID_ARGUMENT;
    }
    if (ev->payload.len > HUB_PAYLOAD_MAX) {
        snprintf(field, sizeof field, "events[%zu].payload", i);
        rpc_status_set(st, RPC_INVALID_ARGUMENT, field, "%zu bytes, at most %u allowed",
                       ev->payload.len, HUB_PAYLOAD_MAX);
        return RPC_INVALID_ARGUMENT;
    }
    return RPC_OK;
}

rpc_code hubd_check_publish(const Outrig__V1__PublishRequest *req, rpc_status *st)
{
    if (req->n_events == 0 || req->n_events > HUB_PUBLISH_MAX_EVENTS) {
        rpc_status_set(st, RPC_INVALID_ARGUMENT, "events", "%zu events, 1..%u allowed",
                       req->n_events, HUB_PUBLISH_MAX_EVENTS);
        return RPC_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < req->n_events; i++) {
        rpc_code c = hubd_check_event(req->events[i], i, st);
        if (c != RPC_OK)
            return c;
    }
    return RPC_OK;
}

rpc_code hubd_check_replay(const Outrig__V1__ReplayRequest *req, rpc_status *st)
{
    if (req->n_categories > HUBD_REPLAY_CATEGORIES_MAX) {
        rpc_status_set(st, RPC_INVALID_ARGUMENT, "categories", "at most %d categories",
                       HUBD_REPLAY_CATEGORIES_MAX);
        return RPC_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < req->n_categories; i++) {
        if (!hub_category_valid(req->categories[i])) {
            char field[48];
            snprintf(field, sizeof field, "categories[%zu]", i);
            rpc_status_set(st, RPC_INVALID_ARGUMENT, field, "must match [a-z][a-z0-9_-]{0,31}");
            return RPC_INVALID_ARGUMENT;
        }
    }
    return RPC_OK;
}

bool hubd_subscriber_name_valid(const char *name)
{
    if (!name || !name[0])
        return false;
    size_t n = 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (n >= HUBD_SUBSCRIBER_MAX)
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}
