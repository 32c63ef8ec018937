#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rpc/rpc.h"

static const char *const rpc_code_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

#define RPC_NCODES (sizeof rpc_code_names / sizeof rpc_code_names[0])

const char *rpc_code_name(rpc_code c)
{
    if ((unsigned)c >= RPC_NCODES)
        return "UNKNOWN";
    return rpc_code_names[c];
}

int rpc_code_parse(const char *name, rpc_code *out)
{
    for (size_t i = 0; name && i < RPC_NCODES; i++) {
        if (strcmp(name, rpc_code_names[i]) == 0) {
            *out = (rpc_code)i;
            return 0;
        }
    }
    return -EINVAL;
}

static void rpc_status_vset(rpc_status *st, rpc_code code, const char *field, const char *fmt,
                            va_list ap)
{
    st->code = code;
    st->message[0] = '\0';
    st->field[0] = '\0';
    if (field)
        snprintf(st->field, sizeof st->field, "%s", field);
    if (fmt)
        vsnprintf(st->message, sizeof st->message, fmt, ap);
}

void rpc_status_set(rpc_status *st, rpc_code code, const char *field, const char *fmt, ...)
{
    if (!st)
        return;
    va_list ap;
    va_start(ap, fmt);
    rpc_status_vset(st, code, field, fmt, ap);
    va_end(ap);
}

// Used by the server's rpc_call_fail, which holds a va_list already.
void rpc_status_vset_(rpc_status *st, rpc_code code, const char *field, const char *fmt,
                      va_list ap);
void rpc_status_vset_(rpc_status *st, rpc_code code, const char *field, const char *fmt,
                      va_list ap)
{
    rpc_status_vset(st, code, field, fmt, ap);
}

const char *rpc_status_str(const rpc_status *st, char *buf, size_t len)
{
    if (st->field[0])
        snprintf(buf, len, "%s: %s: %s", rpc_code_name(st->code), st->field, st->message);
    else if (st->message[0])
        snprintf(buf, len, "%s: %s", rpc_code_name(st->code), st->message);
    else
        snprintf(buf, len, "%s", rpc_code_name(st->code));
    return buf;
}
