// Unit tests of the outrig CLI output module: the JSON writer and tables.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"

// Builds a document with fn and checks the text.
static void expect_doc(void (*fn)(out_json *j), const char *want)
{
    out_json j;
    out_json_init(&j);
    fn(&j);
    int err = 1;
    const char *s = out_json_finish(&j, &err);
    assert_int_equal(err, 0);
    assert_non_null(s);
    assert_string_equal(s, want);
    out_json_free(&j);
}

static const char *escaped(out_json *j, const char *s, size_t n)
{
    out_json_reset(j);
    out_json_strn(j, s, n);
    const char *r = out_json_finish(j, NULL);
    assert_non_null(r);
    return r;
}

static void build_nested(out_json *j)
{
    out_json_object_begin(j);
    out_json_kv_str(j, "a", "x");
    out_json_key(j, "list");
    out_json_array_begin(j);
    out_json_u64(j, 1);
    out_json_object_begin(j);
    out_json_object_end(j);
    out_json_array_begin(j);
    out_json_array_end(j);
    out_json_null(j);
    out_json_array_end(j);
    out_json_kv_bool(j, "ok", true);
    out_json_kv_bool(j, "bad", false);
    out_json_object_end(j);
}

static void test_json_nested_commas_between_members_and_elements(void **state)
{
    expect_doc(build_nested, "{\"a\":\"x\",\"list\":[1,{},[],null],\"ok\":true,\"bad\":false}");
}

static void build_numbers(out_json *j)
{
    out_json_array_begin(j);
    out_json_u64(j, 0);
    out_json_u64(j, UINT64_MAX);
    out_json_i64(j, INT64_MIN);
    out_json_i64(j, -1);
    out_json_array_end(j);
}

static void test_json_numbers_full_64_bit_range(void **state)
{
    expect_doc(build_numbers, "[0,18446744073709551615,-9223372036854775808,-1]");
}

static void test_json_escapes_quote_backslash_and_controls(void **state)
{
    out_json j;
    out_json_init(&j);
    assert_string_equal(escaped(&j, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    assert_string_equal(escaped(&j, "\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"");
    assert_string_equal(escaped(&j, "\x01\x1f", 2), "\"\\u0001\\u001f\"");
    // An embedded NUL is a control character too, not the end of the string.
    assert_string_equal(escaped(&j, "a\0b", 3), "\"a\\u0000b\"");
    // Characters JSON does not require to escape pass as they are.
    assert_string_equal(escaped(&j, "/ \x7f~", 4), "\"/ \x7f~\"");
    assert_string_equal(escaped(&j, "", 0), "\"\"");
    // Empty bytes from protobuf-c come as (NULL, 0).
    assert_string_equal(escaped(&j, NULL, 0), "\"\"");
    out_json_free(&j);
}

static void test_json_keeps_valid_utf8(void **state)
{
    out_json j;
    out_json_init(&j);
    const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"; // café € 😀
    assert_string_equal(escaped(&j, s, strlen(s)), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    out_json_free(&j);
}

static void test_json_replaces_invalid_utf8(void **state)
{
    out_json j;
    out_json_init(&j);
    // A lone continuation byte and a lone lead byte.
    assert_string_equal(escaped(&j, "a\x80z", 3), "\"a\\ufffdz\"");
    assert_string_equal(escaped(&j, "\xff", 1), "\"\\ufffd\"");
    // Overlong "/" (C0 AF): both bytes are invalid.
    assert_string_equal(escaped(&j, "\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
    // A UTF-16 surrogate encoded in UTF-8 (ED A0 80) is not valid UTF-8.
    assert_string_equal(escaped(&j, "\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
    // Above U+10FFFF (F4 90 80 80).
    assert_string_equal(escaped(&j, "\xf4\x90\x80\x80", 4), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    // A sequence cut short by the end of the string.
    assert_string_equal(escaped(&j, "x\xe2\x82", 3), "\"x\\ufffd\\ufffd\"");
    out_json_free(&j);
}

static void test_json_escapes_keys(void **state)
{
    out_json j;
    out_json_init(&j);
    out_json_object_begin(&j);
    out_json_kv_str(&j, "k\"\n", "v");
    out_json_object_end(&j);
    assert_string_equal(out_json_finish(&j, NULL), "{\"k\\\"\\n\":\"v\"}");
    out_json_free(&j);
}

static void test_json_null_string_is_null(void **state)
{
    out_json j;
    out_json_init(&j);
    out_json_object_begin(&j);
    out_json_kv_str(&j, "s", NULL);
    out_json_object_end(&j);
    assert_string_equal(out_json_finish(&j, NULL), "{\"s\":null}");
    out_json_free(&j);
}

static void test_json_base64_rfc4648_vectors(void **state)
{
    static const struct {
        const char *in, *out;
    } v[] = {{"", "\"\""},
             {"f", "\"Zg==\""},
             {"fo", "\"Zm8=\""},
             {"foo", "\"Zm9v\""},
             {"foob", "\"Zm9vYg==\""},
             {"fooba", "\"Zm9vYmE=\""},
             {"foobar", "\"Zm9vYmFy\""}};
    out_json j;
    out_json_init(&j);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        out_json_reset(&j);
        out_json_base64(&j, v[i].in, strlen(v[i].in));
        assert_string_equal(out_json_finish(&j, NULL), v[i].out);
    }
    out_json_reset(&j);
    const unsigned char bin[] = {0xff, 0x00, 0xfe};
    out_json_base64(&j, bin, 3);
    assert_string_equal(out_json_finish(&j, NULL), "\"/wD+\"");
    out_json_free(&j);
}

static void test_json_reset_writes_the_next_stream_line(void **state)
{
    out_json j;
    out_json_init(&j);
    for (int i = 0; i < 3; i++) {
        out_json_reset(&j);
        out_json_object_begin(&j);
        out_json_kv_u64(&j, "seq", (uint64_t)i);
        out_json_object_end(&j);
        char want[32];
        snprintf(want, sizeof(want), "{\"seq\":%d}", i);
        assert_string_equal(out_json_finish(&j, NULL), want);
    }
    out_json_free(&j);
}

static void test_json_large_document_grows_buffer(void **state)
{
    out_json j;
    out_json_init(&j);
    out_json_array_begin(&j);
    for (int i = 0; i < 10000; i++)
        out_json_str(&j, "0123456789");
    out_json_array_end(&j);
    const char *s = out_json_finish(&j, NULL);
    assert_non_null(s);
    assert_int_equal(strlen(s), 2 + 10000 * 12 + 9999);
    out_json_free(&j);
}

static int finish_err(out_json *j)
{
    int err = 0;
    assert_null(out_json_finish(j, &err));
    out_json_free(j);
    return err;
}

static void test_json_misuse_is_reported(void **state)
{
    out_json j;

    out_json_init(&j); // a value without a key inside an object
    out_json_object_begin(&j);
    out_json_u64(&j, 1);
    out_json_object_end(&j);
    assert_int_equal(finish_err(&j), -EINVAL);

    out_json_init(&j); // a key inside an array
    out_json_array_begin(&j);
    out_json_key(&j, "k");
    assert_int_equal(finish_err(&j), -EINVAL);

    out_json_init(&j); // unclosed
    out_json_object_begin(&j);
    assert_int_equal(finish_err(&j), -EINVAL);

    out_json_init(&j); // closed with the wrong bracket
    out_json_object_begin(&j);
    out_json_array_end(&j);
    assert_int_equal(finish_err(&j), -EINVAL);

    out_json_init(&j); // a key with no value
    out_json_object_begin(&j);
    out_json_key(&j, "k");
    out_json_object_end(&j);
    assert_int_equal(finish_err(&j), -EINVAL);

    out_json_init(&j); // two top-level values
    out_json_u64(&j, 1);
    out_json_u64(&j, 2);
    assert_int_equal(finish_err(&j), -EINVAL);

    out_json_init(&j); // nothing at all
    assert_int_equal(finish_err(&j), -EINVAL);

    out_json_init(&j); // too deep
    for (int i = 0; i <= OUT_JSON_MAX_DEPTH; i++)
        out_json_array_begin(&j);
    assert_int_equal(finish_err(&j), -EINVAL);
}

static void test_utf8_valid_predicate(void **state)
{
    assert_true(out_utf8_valid("", 0));
    assert_true(out_utf8_valid("plain", 5));
    assert_true(out_utf8_valid("\xc3\xa9\xf0\x9f\x98\x80", 6));
    assert_false(out_utf8_valid("a\0b", 3));
    assert_false(out_utf8_valid("\xc3", 1));
    assert_false(out_utf8_valid("\xe0\x80\x80", 3)); // overlong
    assert_false(out_utf8_valid("\xed\xbf\xbf", 3)); // surrogate
}

static char *print_table(const out_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    out_table_print(t, f);
    fclose(f);
    return buf;
}

static void test_table_pads_columns_to_widest_cell(void **state)
{
    static const char *const h[] = {"NAME", "HEALTH", "PID"};
    out_table *t = out_table_new(3, h);
    assert_non_null(t);
    const char *r1[] = {"store", "SERVING", "12"};
    const char *r2[] = {"hub", "UNREACHABLE", NULL};
    assert_int_equal(out_table_add(t, r1), 0);
    assert_int_equal(out_table_add(t, r2), 0);
    char *s = print_table(t);
    assert_string_equal(s, "NAME   HEALTH       PID\n"
                           "store  SERVING      12\n"
                           "hub    UNREACHABLE  -\n");
    free(s);
    out_table_free(t);
    out_table_free(NULL);
}

static void test_table_counts_utf8_characters_and_hides_controls(void **state)
{
    static const char *const h[] = {"K", "V"};
    out_table *t = out_table_new(2, h);
    const char *r1[] = {"\xc3\xa9t\xc3\xa9", "a\nb"};
    assert_int_equal(out_table_add(t, r1), 0);
    char *s = print_table(t);
    assert_string_equal(s, "K    V\n\xc3\xa9t\xc3\xa9  a?b\n");
    free(s);
    out_table_free(t);
}

static void test_cell_bytes_escapes_and_truncates(void **state)
{
    char buf[16];
    out_cell_bytes("hello", 5, buf, sizeof(buf));
    assert_string_equal(buf, "hello");
    out_cell_bytes("a\x01\xff\\", 4, buf, sizeof(buf));
    assert_string_equal(buf, "a\\x01\\xff\\x5c");
    // Exactly max - 1 characters fit without being cut.
    out_cell_bytes("0123456789abcde", 15, buf, sizeof(buf));
    assert_string_equal(buf, "0123456789abcde");
    out_cell_bytes("0123456789abcdefghij", 20, buf, sizeof(buf));
    assert_string_equal(buf, "0123456789ab...");
    assert_true(strlen(buf) < sizeof(buf));
    out_cell_bytes("", 0, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_nested_commas_between_members_and_elements),
        cmocka_unit_test(test_json_numbers_full_64_bit_range),
        cmocka_unit_test(test_json_escapes_quote_backslash_and_controls),
        cmocka_unit_test(test_json_keeps_valid_utf8),
        cmocka_unit_test(test_json_replaces_invalid_utf8),
        cmocka_unit_test(test_json_escapes_keys),
        cmocka_unit_test(test_json_null_string_is_null),
        cmocka_unit_test(test_json_base64_rfc4648_vectors),
        cmocka_unit_test(test_json_reset_writes_the_next_stream_line),
        cmocka_unit_test(test_json_large_document_grows_buffer),
        cmocka_unit_test(test_json_misuse_is_reported),
        cmocka_unit_test(test_utf8_valid_predicate),
        cmocka_unit_test(test_table_pads_columns_to_widest_cell),
        cmocka_unit_test(test_table_counts_utf8_characters_and_hides_controls),
        cmocka_unit_test(test_cell_bytes_escapes_and_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
