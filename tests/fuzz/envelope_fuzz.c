// libFuzzer harness for the RPC envelope decoders: any bytes a peer can send
// as a request or a reply must decode or be refused, never crash or leak.
#include <stddef.h>
#include <stdint.h>

#include "outrig/v1/common.pb-c.h"
#include "rpc/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rpc_status st;
    Outrig__V1__Request *r = rpc_request_decode(data, size, 1u << 20, &st);
    if (r) {
        // A decoded request must have a usable method and metadata.
        volatile size_t n = r->method ? __builtin_strlen(r->method) : 0;
        (void)n;
        rpc_request_free(r);
    }
    Outrig__V1__Reply *p = rpc_reply_decode(data, size, &st);
    if (p) {
        char buf[512];
        rpc_status_str(&st, buf, sizeof buf);
        rpc_reply_free(p);
    }
    return 0;
}
