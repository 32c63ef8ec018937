// Internal to common/rpc: envelope coding shared by server and client.
#ifndef OUTRIG_RPC_INTERNAL_H
#define OUTRIG_RPC_INTERNAL_H

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <stdarg.h>

#include "outrig/v1/common.pb-c.h"
#include "rpc/rpc.h"

#define RPC_METHOD_MAX 160

void rpc_status_vset_(rpc_status *st, rpc_code code, const char *field, const char *fmt,
                      va_list ap);

// Packs a reply envelope (status + optional packed payload) into a new nng
// message. Returns 0 or an nng error.
int rpc_reply_pack(const rpc_status *st, const ProtobufCMessage *payload, nng_msg **out);

// The same with an already encoded payload (raw, raw_len) instead of a message.
int rpc_reply_pack_bytes(const rpc_status *st, const ProtobufCMessage *payload,
                         const void *raw, size_t raw_len, nng_msg **out);
int rpc_request_pack_bytes(const char *method, uint64_t deadline_unix_ms, const char *token,
                           const char *request_id, const char *trace_id,
                           const ProtobufCMessage *in, const void *raw, size_t raw_len,
                           nng_msg **out);

// Packs a request envelope into a new nng message. 0 or an nng error.
int rpc_request_pack(const char *method, uint64_t deadline_unix_ms, const char *token,
                     const char *request_id, const char *trace_id, const ProtobufCMessage *in,
                     nng_msg **out);

// Checks "/package.Service/Method" shape. Returns true when well formed.
bool rpc_method_name_valid(const char *m);

// Maps nng errors to status codes for the client side.
rpc_code rpc_code_from_nng(int rv);

#endif
