// Event conversion and the checks the hub applies, so that bad events are
// refused before they are queued.
#include <errno.h>
#include <string.h>

#include "hub/internal.h"

static char *hub_str(const char *s)
{
    // protobuf-c treats an unset proto3 string as "" only when it points at one.
    return (char *)(s ? s : "");
}

void hub_event_to_pb(const hub_event *ev, Outrig__V1__Event *pb)
{
    outrig__v1__event__init(pb);
    pb->category = hub_str(ev->category);
    pb->type = hub_str(ev->type);
    pb->id = hub_str(ev->id);
    pb->source = hub_str(ev->source);
    pb->payload.data = (uint8_t *)ev->payload;
    pb->payload.len = ev->payload ? ev->payload_len : 0;
}

bool hub_category_valid(const char *s)
{
    if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    size_t i = 1;
    for (; s[i]; i++) {
        char ch = s[i];
        if (i >= HUB_CATEGORY_MAX)
            return false;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

int hub_event_check(const hub_event *ev)
{
    if (!ev || !hub_category_valid(ev->category) || !ev->type || !ev->type[0])
        return -EINVAL;
    if (ev->payload_len > HUB_PAYLOAD_MAX || (ev->payload_len && !ev->payload))
        return -EINVAL;
    return 0;
}
