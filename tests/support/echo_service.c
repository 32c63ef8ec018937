#include "echo_service.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outrig/v1/echo.pb-c.h"

typedef struct echo_later {
    rpc_call *call;
    uint32_t delay_ms;
} echo_later;

static void *echo_later_main(void *arg)
{
    echo_later *l = arg;
    usleep(l->delay_ms * 1000u);
    rpc_call_done(l->call, RPC_OK);
    free(l);
    return NULL;
}

static void echo_echo(rpc_call *call, const ProtobufCMessage *in_, ProtobufCMessage *out_,
                      void *arg)
{
    echo_service *e = arg;
    const Outrig__V1__EchoRequest *in = (const Outrig__V1__EchoRequest *)in_;
    Outrig__V1__EchoResponse *out = (Outrig__V1__EchoResponse *)out_;
    atomic_fetch_add(&e->handled, 1);
    for (const char *p = in->note; p && *p; p++) {
        if (*p < 0x20 || *p > 0x7e) {
            rpc_call_fail(call, RPC_INVALID_ARGUMENT, "note",
                          "must be printable ASCII (byte %d)", (int)(p - in->note));
            return;
        }
    }
    out->data.len = in->data.len;
    out->data.data = rpc_call_alloc(call, in->data.len ? in->data.len : 1);
    if (!out->data.data) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    memcpy(out->data.data, in->data.data, in->data.len);
    out->request_id = rpc_call_strdup(call, rpc_call_request_id(call));
    out->caller_token = rpc_call_strdup(call, rpc_call_token(call));
    if (in->delay_ms == 0) {
        rpc_call_done(call, RPC_OK);
        return;
    }
    echo_later *l = malloc(sizeof *l);
    pthread_t t;
    if (!l) {
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return;
    }
    l->call = call;
    l->delay_ms = in->delay_ms;
    if (pthread_create(&t, NULL, echo_later_main, l) != 0) {
        free(l);
        rpc_call_fail(call, RPC_RESOURCE_EXHAUSTED, NULL, "no thread");
        return;
    }
    pthread_detach(t);
}

static const rpc_method_impl echo_impls[] = {{"Echo", echo_echo}};

int echo_service_register(rpc_server *s, echo_service *e)
{
    return rpc_server_add_service(s, &outrig__v1__echo__descriptor, echo_impls, 1, e);
}
