// The Echo diagnostic service (proto/outrig/v1/echo.proto) for RPC tests and
// benchmarks: replies with the request's data, after delay_ms if asked,
// completing from a helper thread when delayed (an asynchronous handler).
#ifndef OUTRIG_TEST_ECHO_SERVICE_H
#define OUTRIG_TEST_ECHO_SERVICE_H

#include <stdatomic.h>

#include "rpc/rpc.h"

typedef struct echo_service {
    atomic_int handled;     // handler invocations (to prove a handler did not run)
} echo_service;

// Registers Echo on s with state e.
int echo_service_register(rpc_server *s, echo_service *e);

#endif
