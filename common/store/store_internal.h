// Internal to common/store: the client struct shared by client.c and watch.c.
#ifndef OUTRIG_STORE_INTERNAL_H
#define OUTRIG_STORE_INTERNAL_H

#include "store/store.h"

struct store_client {
    rpc_client *rpc;
};

rpc_code store_call_(struct store_client *c, const char *method, const ProtobufCMessage *in,
                     const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out,
                     bool idempotent, rpc_status *st);

#endif
