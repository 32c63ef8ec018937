#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rpc/rpc.h"

static void test_code_names_match_grpc_numbers(void **state)
{
    assert_string_equal(rpc_code_name(RPC_OK), "OK");
    assert_string_equal(rpc_code_name((rpc_code)3), "INVALID_ARGUMENT");
    assert_string_equal(rpc_code_name((rpc_code)4), "DEADLINE_EXCEEDED");
    assert_string_equal(rpc_code_name((rpc_code)12), "UNIMPLEMENTED");
    assert_string_equal(rpc_code_name((rpc_code)14), "UNAVAILABLE");
    assert_string_equal(rpc_code_name((rpc_code)16), "UNAUTHENTICATED");
    assert_string_equal(rpc_code_name((rpc_code)99), "UNKNOWN");
}

static void test_code_parse_roundtrips_and_rejects_unknown(void **state)
{
    for (int c = 0; c <= 16; c++) {
        rpc_code out = RPC_UNKNOWN;
        assert_int_equal(rpc_code_parse(rpc_code_name((rpc_code)c), &out), 0);
        assert_int_equal(out, c);
    }
    rpc_code out;
    assert_int_not_equal(rpc_code_parse("NOT_A_CODE", &out), 0);
    assert_int_not_equal(rpc_code_parse(NULL, &out), 0);
}

static void test_status_str_names_field(void **state)
{
    rpc_status st;
    char buf[300];
    rpc_status_set(&st, RPC_INVALID_ARGUMENT, "events[2].category", "must not be %s", "empty");
    assert_string_equal(rpc_status_str(&st, buf, sizeof buf),
                        "INVALID_ARGUMENT: events[2].category: must not be empty");
    rpc_status_set(&st, RPC_NOT_FOUND, NULL, "no key");
    assert_string_equal(rpc_status_str(&st, buf, sizeof buf), "NOT_FOUND: no key");
    rpc_status_set(&st, RPC_OK, NULL, NULL);
    assert_string_equal(rpc_status_str(&st, buf, sizeof buf), "OK");
}

static void test_status_set_truncates_long_text(void **state)
{
    rpc_status st;
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rpc_status_set(&st, RPC_INTERNAL, big, "%s", big);
    assert_int_equal(strlen(st.message), sizeof st.message - 1);
    assert_int_equal(strlen(st.field), sizeof st.field - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_names_match_grpc_numbers),
        cmocka_unit_test(test_code_parse_roundtrips_and_rejects_unknown),
        cmocka_unit_test(test_status_str_names_field),
        cmocka_unit_test(test_status_set_truncates_long_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
