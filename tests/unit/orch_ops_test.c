// orch ops (services/orchestrator/ops.c): the operation state machine, idempotency of a
// retried op id, admission of a second operation, rollback planning, id checks.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "domain.h"

#define ST(x) OUTRIG__V1__OPERATION__STATE__##x
#define TY(x) OUTRIG__V1__OPERATION__TYPE__##x

static Outrig__V1__Operation op_of(orch_op_type t, orch_op_state s, bool keep)
{
    Outrig__V1__Operation op = OUTRIG__V1__OPERATION__INIT;
    op.id = "op1";
    op.ns_id = "ns1";
    op.type = t;
    op.state = s;
    op.keep_on_failure = keep;
    return op;
}

static void test_op_transitions_follow_the_state_machine(void **st)
{
    assert_true(orch_op_transition_valid(ST(PROCESSING), ST(COMPLETED)));
    assert_true(orch_op_transition_valid(ST(PROCESSING), ST(FAILED)));
    assert_true(orch_op_transition_valid(ST(FAILED), ST(ROLLED_BACK)));
    assert_false(orch_op_transition_valid(ST(PROCESSING), ST(ROLLED_BACK)));
    assert_false(orch_op_transition_valid(ST(COMPLETED), ST(FAILED)));
    assert_false(orch_op_transition_valid(ST(ROLLED_BACK), ST(PROCESSING)));
    assert_false(orch_op_transition_valid(ST(FAILED), ST(COMPLETED)));
    assert_false(orch_op_transition_valid(ST(COMPLETED), ST(COMPLETED)));
}

static void test_failed_create_needs_rollback_unless_kept(void **st)
{
    Outrig__V1__Operation op = op_of(TY(INSTANTIATE), ST(FAILED), false);
    assert_true(orch_op_needs_rollback(&op));
    assert_false(orch_op_finished(&op));
    op.keep_on_failure = true;
    assert_false(orch_op_needs_rollback(&op));
    assert_true(orch_op_finished(&op));
    // Scale-out creates, scale-in does not.
    op = op_of(TY(SCALE), ST(FAILED), false);
    op.scale_delta = 2;
    assert_true(orch_op_needs_rollback(&op));
    op.scale_delta = -1;
    assert_false(orch_op_needs_rollback(&op));
    assert_true(orch_op_finished(&op));
    // A failed terminate is finished: nothing to undo, a retry deletes the rest.
    op = op_of(TY(TERMINATE), ST(FAILED), false);
    assert_false(orch_op_needs_rollback(&op));
    assert_true(orch_op_finished(&op));
}

static void test_processing_is_never_finished(void **st)
{
    for (int t = TY(INSTANTIATE); t <= TY(HEAL); t++) {
        Outrig__V1__Operation op = op_of(t, ST(PROCESSING), true);
        assert_false(orch_op_finished(&op));
        op.state = ST(COMPLETED);
        assert_true(orch_op_finished(&op));
        op.state = ST(ROLLED_BACK);
        assert_true(orch_op_finished(&op));
    }
}

static void test_retried_op_id_returns_existing_never_reruns(void **st)
{
    assert_int_equal(orch_op_idempotency(NULL, TY(INSTANTIATE), "ns1"), ORCH_IDEM_NEW);
    Outrig__V1__Operation op = op_of(TY(INSTANTIATE), ST(COMPLETED), false);
    assert_int_equal(orch_op_idempotency(&op, TY(INSTANTIATE), "ns1"), ORCH_IDEM_EXISTING);
    op.state = ST(PROCESSING);
    assert_int_equal(orch_op_idempotency(&op, TY(INSTANTIATE), "ns1"), ORCH_IDEM_EXISTING);
    // The same id for another NS or another kind of operation is a conflict.
    assert_int_equal(orch_op_idempotency(&op, TY(INSTANTIATE), "ns2"), ORCH_IDEM_CONFLICT);
    assert_int_equal(orch_op_idempotency(&op, TY(TERMINATE), "ns1"), ORCH_IDEM_CONFLICT);
}

static void test_second_operation_on_busy_ns_is_refused(void **st)
{
    Outrig__V1__NsRecord ns = OUTRIG__V1__NS_RECORD__INIT;
    ns.id = "ns1";
    ns.current_op = "op1";
    Outrig__V1__Operation cur = op_of(TY(INSTANTIATE), ST(PROCESSING), false);
    assert_int_equal(orch_ns_admit(&ns, &cur, TY(TERMINATE)), 9);
    assert_int_equal(orch_ns_admit(&ns, &cur, TY(SCALE)), 9);
    assert_int_equal(orch_ns_admit(&ns, NULL, TY(HEAL)), 9);
    // A current op that is finished (left behind by a crash between records) does not block.
    cur.state = ST(COMPLETED);
    assert_int_equal(orch_ns_admit(&ns, &cur, TY(TERMINATE)), 0);
    ns.current_op = "";
    assert_int_equal(orch_ns_admit(&ns, NULL, TY(SCALE)), 0);
    assert_int_equal(orch_ns_admit(&ns, NULL, TY(INSTANTIATE)), 6);
    assert_int_equal(orch_ns_admit(NULL, NULL, TY(INSTANTIATE)), 0);
    assert_int_equal(orch_ns_admit(NULL, NULL, TY(TERMINATE)), 5);
}

static void test_rollback_removes_only_what_the_op_made(void **st)
{
    Outrig__V1__Operation op = op_of(TY(SCALE), ST(FAILED), false);
    char *targets[] = {"ns1.fw.1", "ns1.fw.2"};
    op.targets = targets;
    op.n_targets = 2;
    Outrig__V1__VnfRecord r[4];
    const char *ids[] = {"ns1.fw.0", "ns1.fw.1", "ns1.fw.2", "ns1.srv.0"};
    const char *ops[] = {"op0", "op1", "op1", "op0"};
    Outrig__V1__VnfRecord *p[4];
    for (int i = 0; i < 4; i++) {
        outrig__v1__vnf_record__init(&r[i]);
        r[i].instance_id = (char *)ids[i];
        r[i].op_id = (char *)ops[i];
        p[i] = &r[i];
    }
    size_t out[4];
    size_t n = orch_rollback_plan(&op, p, 4, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 2);
    // A target whose record another op wrote (healed since) is not this op's to remove.
    r[2].op_id = "op9";
    assert_int_equal(orch_rollback_plan(&op, p, 4, out), 1);
}

static void test_ids_are_checked(void **st)
{
    assert_true(orch_name_valid("demo-1", ORCH_NS_ID_MAX));
    assert_false(orch_name_valid("", ORCH_NS_ID_MAX));
    assert_false(orch_name_valid("-x", ORCH_NS_ID_MAX));
    assert_false(orch_name_valid("a.b", ORCH_NS_ID_MAX)); // dots separate instance id parts
    assert_false(orch_name_valid("a/b", ORCH_NS_ID_MAX));
    assert_false(orch_name_valid("abcdefghijklmnopqrstuvwxyz0123456", ORCH_NS_ID_MAX));
    assert_true(orch_op_id_valid("op-1.retry_2"));
    assert_false(orch_op_id_valid("op 1"));
    assert_false(orch_op_id_valid(".op"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_op_transitions_follow_the_state_machine),
        cmocka_unit_test(test_failed_create_needs_rollback_unless_kept),
        cmocka_unit_test(test_processing_is_never_finished),
        cmocka_unit_test(test_retried_op_id_returns_existing_never_reruns),
        cmocka_unit_test(test_second_operation_on_busy_ns_is_refused),
        cmocka_unit_test(test_rollback_removes_only_what_the_op_made),
        cmocka_unit_test(test_ids_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
