// libFuzzer harness for the ConfigurePeer requests the orchestrator answers for its LXC sites:
// the bytes are decoded as outrig-orchestrator does (protobuf-c, at most 8 KiB) and checked
// with orch_peer_check. A refused request must name a field and say why; an accepted one must
// hold only what the check promises (a vl key without spaces, a VNI only with a peer host).
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "domain.h"
#include "outrig/v1/agent.pb-c.h"

static int has_space(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    Outrig__V1__ConfigurePeerRequest *r =
        outrig__v1__configure_peer_request__unpack(NULL, size, data);
    if (!r)
        return 0;
    orch_plan_err err;
    memset(&err, 0, sizeof err);
    if (orch_peer_check(r, &err) != 0) {
        if (!err.field[0] || !err.msg[0])
            __builtin_trap();
    } else if (!r->vnf_id[0] || !r->cp_id[0] || has_space(r->virtual_link) ||
               (r->vni && !r->peer_host[0])) {
        __builtin_trap();
    }
    outrig__v1__configure_peer_request__free_unpacked(r, NULL);
    return 0;
}
