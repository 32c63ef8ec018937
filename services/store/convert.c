// convert: validation and conversion of write requests (see convert.h).
#include "convert.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

static int bad(sto_convert_err *err, const char *field, const char *why)
{
    snprintf(err->field, sizeof(err->field), "%s", field);
    err->why = why;
    return -EINVAL;
}

static int check_key(const char *key, const char *field, sto_convert_err *err)
{
    const char *why;
    return sto_key_valid(key, &why) ? 0 : bad(err, field, why);
}

static int check_value(size_t len, const char *field, sto_convert_err *err)
{
    return len <= STO_VALUE_MAX ? 0 : bad(err, field, "larger than 1 MiB");
}

int sto_put_from_pb(const Outrig__V1__PutRequest *in, sto_op *op, sto_req *r, sto_convert_err *err)
{
    int rc = check_key(in->key, "key", err);
    if (!rc)
        rc = check_value(in->value.len, "value", err);
    if (rc)
        return rc;
    *op = (sto_op){STO_OP_PUT, in->key, in->value.data, in->value.len, in->lease};
    r->kind = STO_REQ_TXN;
    r->success = op;
    r->n_success = 1;
    r->bytes = strlen(in->key) + in->value.len;
    return 0;
}

int sto_delete_from_pb(const Outrig__V1__DeleteRequest *in, sto_op *op, sto_req *r,
                       sto_convert_err *err)
{
    int rc = check_key(in->key, "key", err);
    if (rc)
        return rc;
    *op = (sto_op){.kind = STO_OP_DELETE, .key = in->key};
    r->kind = STO_REQ_TXN;
    r->success = op;
    r->n_success = 1;
    r->bytes = strlen(in->key);
    return 0;
}

static int branch(const char *name, Outrig__V1__TxnOp **in, size_t n, sto_alloc_fn alloc, void *ctx,
                  const sto_op **out, size_t *bytes, sto_convert_err *err)
{
    char field[64];
    if (n > STO_TXN_OPS_MAX)
        return bad(err, name, "more than 1024 ops");
    *out = NULL;
    if (!n)
        return 0;
    sto_op *ops = alloc(ctx, n * sizeof(*ops));
    if (!ops)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const Outrig__V1__TxnOp *o = in[i];
        snprintf(field, sizeof(field), "%s[%zu].key", name, i);
        int rc = check_key(o->key, field, err);
        if (rc)
            return rc;
        bool put = o->kind == OUTRIG__V1__TXN_OP__KIND__PUT;
        if (!put && o->kind != OUTRIG__V1__TXN_OP__KIND__DELETE) {
            snprintf(field, sizeof(field), "%s[%zu].kind", name, i);
            return bad(err, field, "unknown kind");
        }
        snprintf(field, sizeof(field), "%s[%zu].value", name, i);
        if ((rc = check_value(o->value.len, field, err)))
            return rc;
        ops[i] = (sto_op){put ? STO_OP_PUT : STO_OP_DELETE, o->key, o->value.data, o->value.len,
                          put ? o->lease : 0};
        *bytes += strlen(o->key) + o->value.len;
    }
    *out = ops;
    return 0;
}

int sto_txn_from_pb(const Outrig__V1__TxnRequest *in, sto_alloc_fn alloc, void *ctx, sto_req *r,
                    sto_convert_err *err)
{
    char field[64];
    if (in->n_compares > STO_TXN_OPS_MAX)
        return bad(err, "compares", "more than 1024 compares");
    sto_cmp *cmps = NULL;
    if (in->n_compares && !(cmps = alloc(ctx, in->n_compares * sizeof(*cmps))))
        return -ENOMEM;
    for (size_t i = 0; i < in->n_compares; i++) {
        const Outrig__V1__Compare *c = in->compares[i];
        snprintf(field, sizeof(field), "compares[%zu].key", i);
        int rc = check_key(c->key, field, err);
        if (rc)
            return rc;
        bool exists = c->target == OUTRIG__V1__COMPARE__TARGET__EXISTS;
        if (!exists && c->target != OUTRIG__V1__COMPARE__TARGET__MOD_REVISION) {
            snprintf(field, sizeof(field), "compares[%zu].target", i);
            return bad(err, field, "unknown target");
        }
        cmps[i] = (sto_cmp){c->key, exists ? STO_CMP_EXISTS : STO_CMP_MOD_REVISION, c->mod_revision,
                            c->exists};
    }
    size_t bytes = 0;
    int rc = branch("success", in->success, in->n_success, alloc, ctx, &r->success, &bytes, err);
    if (!rc)
        rc = branch("failure", in->failure, in->n_failure, alloc, ctx, &r->failure, &bytes, err);
    if (rc)
        return rc;
    r->kind = STO_REQ_TXN;
    r->cmps = cmps;
    r->n_cmps = in->n_compares;
    r->n_success = in->n_success;
    r->n_failure = in->n_failure;
    r->bytes = bytes;
    return 0;
}
