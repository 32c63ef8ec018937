#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "outrig/v1/common.pb-c.h"
#include "outrig/v1/echo.pb-c.h"
#include "rpc/rpc.h"
#include "rpc/rpc_internal.h"

static void test_request_roundtrip_keeps_metadata_and_payload(void **state)
{
    Outrig__V1__EchoRequest in = OUTRIG__V1__ECHO_REQUEST__INIT;
    in.data.data = (uint8_t *)"hello";
    in.data.len = 5;
    nng_msg *m = NULL;
    assert_int_equal(rpc_request_pack("/outrig.v1.Echo/Echo", 1234, "tok", "rid", "tid", &in.base,
                                      &m),
                     0);
    rpc_status st;
    Outrig__V1__Request *r = rpc_request_decode(nng_msg_body(m), nng_msg_len(m), 1 << 20, &st);
    assert_non_null(r);
    assert_string_equal(r->method, "/outrig.v1.Echo/Echo");
    assert_int_equal(r->deadline_unix_ms, 1234);
    assert_string_equal(r->metadata->caller_token, "tok");
    assert_string_equal(r->metadata->request_id, "rid");
    assert_string_equal(r->metadata->trace_id, "tid");
    Outrig__V1__EchoRequest *back =
        outrig__v1__echo_request__unpack(NULL, r->payload.len, r->payload.data);
    assert_non_null(back);
    assert_memory_equal(back->data.data, "hello", 5);
    outrig__v1__echo_request__free_unpacked(back, NULL);
    rpc_request_free(r);
    nng_msg_free(m);
}

static void test_garbage_is_invalid_argument(void **state)
{
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};
    rpc_status st;
    assert_null(rpc_request_decode(junk, sizeof junk, 1 << 20, &st));
    assert_int_equal(st.code, RPC_INVALID_ARGUMENT);
}

static void test_oversize_is_resource_exhausted(void **state)
{
    uint8_t buf[64] = {0};
    rpc_status st;
    assert_null(rpc_request_decode(buf, sizeof buf, 16, &st));
    assert_int_equal(st.code, RPC_RESOURCE_EXHAUSTED);
}

static void test_bad_method_names_are_rejected(void **state)
{
    const char *bad[] = {"", "x", "Echo", "/outrig.v1.Echo", "/outrig.v1.Echo/", "//Echo",
                         "/a/b/c", "/outrig.v1.Echo/Ec ho"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nng_msg *m = NULL;
        assert_int_equal(rpc_request_pack(bad[i], 0, NULL, NULL, NULL, NULL, &m), 0);
        rpc_status st;
        assert_null(rpc_request_decode(nng_msg_body(m), nng_msg_len(m), 1 << 20, &st));
        assert_int_equal(st.code, RPC_INVALID_ARGUMENT);
        assert_string_equal(st.field, "method");
        nng_msg_free(m);
    }
    assert_true(rpc_method_name_valid("/outrig.v1.Store/Put"));
}

static void test_reply_carries_status_and_field(void **state)
{
    rpc_status st, back;
    rpc_status_set(&st, RPC_INVALID_ARGUMENT, "key", "must start with /");
    nng_msg *m = NULL;
    assert_int_equal(rpc_reply_pack(&st, NULL, &m), 0);
    Outrig__V1__Reply *r = rpc_reply_decode(nng_msg_body(m), nng_msg_len(m), &back);
    assert_non_null(r);
    assert_int_equal(back.code, RPC_INVALID_ARGUMENT);
    assert_string_equal(back.field, "key");
    assert_string_equal(back.message, "must start with /");
    rpc_reply_free(r);
    nng_msg_free(m);
}

static void test_reply_with_unknown_code_maps_to_unknown(void **state)
{
    Outrig__V1__Reply r = OUTRIG__V1__REPLY__INIT;
    Outrig__V1__Status s = OUTRIG__V1__STATUS__INIT;
    s.code = 77;
    r.status = &s;
    uint8_t buf[64];
    size_t n = outrig__v1__reply__pack(&r, buf);
    rpc_status back;
    Outrig__V1__Reply *d = rpc_reply_decode(buf, n, &back);
    assert_non_null(d);
    assert_int_equal(back.code, RPC_UNKNOWN);
    rpc_reply_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_roundtrip_keeps_metadata_and_payload),
        cmocka_unit_test(test_garbage_is_invalid_argument),
        cmocka_unit_test(test_oversize_is_resource_exhausted),
        cmocka_unit_test(test_bad_method_names_are_rejected),
        cmocka_unit_test(test_reply_carries_status_and_field),
        cmocka_unit_test(test_reply_with_unknown_code_maps_to_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
