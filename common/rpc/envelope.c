#include <stdlib.h>
#include <string.h>

#include "rpc/rpc_internal.h"

bool rpc_method_name_valid(const char *m)
{
    // "/pkg.Service/Method": leading slash, a dot in the service, one more slash.
    size_t n = strnlen(m, RPC_METHOD_MAX + 1);
    if (n < 4 || n > RPC_METHOD_MAX || m[0] != '/')
        return false;
    const char *slash = strchr(m + 1, '/');
    if (!slash || slash == m + 1 || slash[1] == '\0' || strchr(slash + 1, '/'))
        return false;
    for (const char *p = m; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(c == '/' || c == '.' || c == '_' || (c >= '0' && c <= '9') ||
              (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return false;
    }
    return true;
}

// Packs `outer` whose payload field is the packed `inner` (may be NULL) into a
// fresh nng message without an intermediate copy of the envelope.
static int rpc_pack_with_payload(ProtobufCMessage *outer, ProtobufCBinaryData *slot,
                                 const ProtobufCMessage *inner, nng_msg **out)
{
    uint8_t stackbuf[1024];
    uint8_t *tmp = NULL;
    if (inner) {
        size_t n = protobuf_c_message_get_packed_size(inner);
        tmp = n <= sizeof stackbuf ? stackbuf : malloc(n);
        if (!tmp)
            return NNG_ENOMEM;
        protobuf_c_message_pack(inner, tmp);
        slot->data = tmp;
        slot->len = n;
    }
    size_t total = protobuf_c_message_get_packed_size(outer);
    int rv = nng_msg_alloc(out, total);
    if (rv == 0)
        protobuf_c_message_pack(outer, nng_msg_body(*out));
    if (tmp != stackbuf)
        free(tmp);
    return rv;
}

int rpc_reply_pack(const rpc_status *st, const ProtobufCMessage *payload, nng_msg **out)
{
    return rpc_reply_pack_bytes(st, payload, NULL, 0, out);
}

int rpc_reply_pack_bytes(const rpc_status *st, const ProtobufCMessage *payload,
                         const void *raw, size_t raw_len, nng_msg **out)
{
    Outrig__V1__Reply r = OUTRIG__V1__REPLY__INIT;
    Outrig__V1__Status s = OUTRIG__V1__STATUS__INIT;
    Outrig__V1__FieldViolation fv = OUTRIG__V1__FIELD_VIOLATION__INIT;
    Outrig__V1__FieldViolation *fvs[1] = {&fv};
    s.code = (int32_t)st->code;
    s.message = (char *)st->message;
    if (st->field[0]) {
        fv.field = (char *)st->field;
        fv.description = (char *)st->message;
        s.details = fvs;
        s.n_details = 1;
    }
    r.status = &s;
    if (st->code == RPC_OK && raw) {
        r.payload.data = (uint8_t *)raw;
        r.payload.len = raw_len;
        return rpc_pack_with_payload(&r.base, &r.payload, NULL, out);
    }
    return rpc_pack_with_payload(&r.base, &r.payload, st->code == RPC_OK ? payload : NULL, out);
}

int rpc_request_pack(const char *method, uint64_t deadline_unix_ms, const char *token,
                     const char *request_id, const char *trace_id, const ProtobufCMessage *in,
                     nng_msg **out)
{
    return rpc_request_pack_bytes(method, deadline_unix_ms, token, request_id, trace_id, in, NULL,
                                  0, out);
}

int rpc_request_pack_bytes(const char *method, uint64_t deadline_unix_ms, const char *token,
                           const char *request_id, const char *trace_id,
                           const ProtobufCMessage *in, const void *raw, size_t raw_len,
                           nng_msg **out)
{
    Outrig__V1__Request r = OUTRIG__V1__REQUEST__INIT;
    Outrig__V1__Metadata md = OUTRIG__V1__METADATA__INIT;
    md.caller_token = (char *)(token ? token : "");
    md.request_id = (char *)(request_id ? request_id : "");
    md.trace_id = (char *)(trace_id ? trace_id : "");
    r.method = (char *)method;
    r.deadline_unix_ms = deadline_unix_ms;
    r.metadata = &md;
    if (raw) {
        r.payload.data = (uint8_t *)raw;
        r.payload.len = raw_len;
        return rpc_pack_with_payload(&r.base, &r.payload, NULL, out);
    }
    return rpc_pack_with_payload(&r.base, &r.payload, in, out);
}

Outrig__V1__Request *rpc_request_decode(const void *buf, size_t len, size_t max_msg,
                                        rpc_status *st)
{
    if (len > max_msg) {
        rpc_status_set(st, RPC_RESOURCE_EXHAUSTED, NULL,
                       "request of %zu bytes exceeds the limit of %zu", len, max_msg);
        return NULL;
    }
    Outrig__V1__Request *r = outrig__v1__request__unpack(NULL, len, buf);
    if (!r) {
        rpc_status_set(st, RPC_INVALID_ARGUMENT, NULL, "malformed request envelope");
        return NULL;
    }
    if (!rpc_method_name_valid(r->method)) {
        rpc_status_set(st, RPC_INVALID_ARGUMENT, "method",
                       "method must look like /package.Service/Method");
        outrig__v1__request__free_unpacked(r, NULL);
        return NULL;
    }
    return r;
}

void rpc_request_free(Outrig__V1__Request *r)
{
    if (r)
        outrig__v1__request__free_unpacked(r, NULL);
}

Outrig__V1__Reply *rpc_reply_decode(const void *buf, size_t len, rpc_status *st)
{
    Outrig__V1__Reply *r = outrig__v1__reply__unpack(NULL, len, buf);
    if (!r) {
        rpc_status_set(st, RPC_INTERNAL, NULL, "malformed reply envelope");
        return NULL;
    }
    const Outrig__V1__Status *s = r->status;
    rpc_code code = s ? (rpc_code)s->code : RPC_UNKNOWN;
    if (s && (s->code < 0 || s->code > RPC_UNAUTHENTICATED))
        code = RPC_UNKNOWN;
    const char *field = (s && s->n_details > 0 && s->details[0]->field) ? s->details[0]->field
                                                                        : NULL;
    rpc_status_set(st, code, field && field[0] ? field : NULL, "%s",
                   s && s->message ? s->message : "");
    return r;
}

void rpc_reply_free(Outrig__V1__Reply *r)
{
    if (r)
        outrig__v1__reply__free_unpacked(r, NULL);
}

rpc_code rpc_code_from_nng(int rv)
{
    switch (rv) {
    case 0:
        return RPC_OK;
    case NNG_ETIMEDOUT:
        return RPC_DEADLINE_EXCEEDED;
    case NNG_ENOMEM:
        return RPC_RESOURCE_EXHAUSTED;
    case NNG_ECANCELED:
        return RPC_CANCELLED;
    case NNG_EMSGSIZE:
        return RPC_RESOURCE_EXHAUSTED;
    default:
        return RPC_UNAVAILABLE;
    }
}
