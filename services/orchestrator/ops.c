// ops: the operation state machine, idempotency of retried requests, admission of a new
// operation on an NS, and which instances a rollback removes. Pure.
#include <string.h>

#include "domain.h"

#define ST(x) OUTRIG__V1__OPERATION__STATE__##x
#define TY(x) OUTRIG__V1__OPERATION__TYPE__##x

bool orch_op_transition_valid(orch_op_state from, orch_op_state to)
{
    if (from == ST(PROCESSING))
        return to == ST(COMPLETED) || to == ST(FAILED);
    if (from == ST(FAILED))
        return to == ST(ROLLED_BACK);
    return false;
}

bool orch_op_needs_rollback(const Outrig__V1__Operation *op)
{
    // Only operations that create VNFs have something to undo; a failed terminate or
    // scale-in is left for a retry, and a failed heal leaves the instance for the next.
    bool creates = op->type == TY(INSTANTIATE) || (op->type == TY(SCALE) && op->scale_delta > 0);
    return op->state == ST(FAILED) && creates && !op->keep_on_failure;
}

bool orch_op_finished(const Outrig__V1__Operation *op)
{
    switch (op->state) {
    case ST(COMPLETED):
    case ST(ROLLED_BACK):
        return true;
    case ST(FAILED):
        return !orch_op_needs_rollback(op);
    default:
        return false;
    }
}

const char *orch_op_state_name(orch_op_state s)
{
    switch (s) {
    case ST(PROCESSING):
        return "PROCESSING";
    case ST(COMPLETED):
        return "COMPLETED";
    case ST(FAILED):
        return "FAILED";
    case ST(ROLLED_BACK):
        return "ROLLED_BACK";
    default:
        return "UNKNOWN";
    }
}

const char *orch_op_type_name(orch_op_type t)
{
    switch (t) {
    case TY(INSTANTIATE):
        return "INSTANTIATE";
    case TY(TERMINATE):
        return "TERMINATE";
    case TY(SCALE):
        return "SCALE";
    case TY(HEAL):
        return "HEAL";
    default:
        return "UNKNOWN";
    }
}

orch_idem orch_op_idempotency(const Outrig__V1__Operation *existing, orch_op_type type,
                              const char *ns_id)
{
    if (!existing)
        return ORCH_IDEM_NEW;
    if (existing->type == type && existing->ns_id && ns_id && !strcmp(existing->ns_id, ns_id))
        return ORCH_IDEM_EXISTING;
    return ORCH_IDEM_CONFLICT;
}

int orch_ns_admit(const Outrig__V1__NsRecord *ns, const Outrig__V1__Operation *current,
                  orch_op_type type)
{
    bool in_progress =
        ns && ns->current_op && ns->current_op[0] && !(current && orch_op_finished(current));
    if (in_progress)
        return 9;
    if (type == TY(INSTANTIATE))
        return ns ? 6 : 0;
    return ns ? 0 : 5;
}

size_t orch_rollback_plan(const Outrig__V1__Operation *op, Outrig__V1__VnfRecord *const *vnfs,
                          size_t n, size_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const Outrig__V1__VnfRecord *v = vnfs[i];
        if (!v->op_id || strcmp(v->op_id, op->id))
            continue;
        for (size_t t = 0; t < op->n_targets; t++)
            if (!strcmp(op->targets[t], v->instance_id)) {
                out[k++] = i;
                break;
            }
    }
    return k;
}

static bool id_chars(const char *s, size_t max, bool dot)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (i == 0 && !alnum)
            return false;
        if (!alnum && c != '_' && c != '-' && !(dot && c == '.'))
            return false;
    }
    return true;
}

bool orch_name_valid(const char *s, size_t max)
{
    return id_chars(s, max, false);
}

bool orch_op_id_valid(const char *s)
{
    return id_chars(s, ORCH_OP_ID_MAX, true);
}
