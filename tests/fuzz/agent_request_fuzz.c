// libFuzzer harness for the agent's request decoding: the first byte picks the Agent API
// method, the rest is its payload, fed to the nanopb decoder and the validation exactly as the
// agent's front end does. Any bytes must decode-and-validate or be refused with a status,
// never crash; an accepted request must re-encode within the reply buffer and decode again to
// a request that still validates (the bounds hold both ways).
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>

#include "request.h"

static agent_req req, again;
static uint8_t buf[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    agent_method m = (agent_method)(data[0] % AGENT_M_COUNT);
    rpc_status st;
    memset(&st, 0, sizeof st);
    rpc_code c = agent_req_decode(m, data + 1, size - 1, &req, &st);
    if (c != RPC_OK) {
        // A refusal always says why, and INVALID_ARGUMENT names a field.
        if (c != RPC_INVALID_ARGUMENT || !st.field[0] || !st.message[0])
            abort();
        return 0;
    }
    size_t len = 0;
    if (agent_encode(agent_method_get(m)->in_fields, &req, buf, sizeof buf, &len))
        abort();
    if (agent_req_decode(m, buf, len, &again, &st) != RPC_OK)
        abort();
    return 0;
}
