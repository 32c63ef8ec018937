// Unit tests of the outrig CLI command helpers: time and duration formats,
// bytes as JSON members, and reading values from files with a size limit.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"

static void test_format_time_is_utc_iso8601_with_ms(void **state)
{
    char buf[40];
    cmd_format_time(1795699275518ull, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-26T13:21:15.518Z");
    cmd_format_time(1000, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:01.000Z");
    cmd_format_time(0, buf, sizeof(buf));
    assert_string_equal(buf, "-");
}

static void test_format_uptime_two_units(void **state)
{
    char buf[32];
    cmd_format_uptime(999, buf, sizeof(buf));
    assert_string_equal(buf, "0s");
    cmd_format_uptime(59 * 1000, buf, sizeof(buf));
    assert_string_equal(buf, "59s");
    cmd_format_uptime((4 * 60 + 10) * 1000, buf, sizeof(buf));
    assert_string_equal(buf, "4m10s");
    cmd_format_uptime((2 * 3600 + 5 * 60 + 7) * 1000ull, buf, sizeof(buf));
    assert_string_equal(buf, "2h5m");
    cmd_format_uptime((3 * 86400 + 4 * 3600 + 59) * 1000ull, buf, sizeof(buf));
    assert_string_equal(buf, "3d4h");
}

static const char *bytes_member(out_json *j, const void *data, size_t n)
{
    out_json_reset(j);
    out_json_object_begin(j);
    cmd_json_bytes(j, "value", data, n);
    out_json_object_end(j);
    const char *s = out_json_finish(j, NULL);
    assert_non_null(s);
    return s;
}

static void test_json_bytes_text_or_base64(void **state)
{
    out_json j;
    out_json_init(&j);
    assert_string_equal(bytes_member(&j, "hi\n", 3), "{\"value\":\"hi\\n\"}");
    assert_string_equal(bytes_member(&j, NULL, 0), "{\"value\":\"\"}");
    // Not UTF-8, or holding a NUL: exact bytes in base64 under another name.
    assert_string_equal(bytes_member(&j, "\x00\x01\xff", 3), "{\"value_base64\":\"AAH/\"}");
    assert_string_equal(bytes_member(&j, "a\0b", 3), "{\"value_base64\":\"YQBi\"}");
    out_json_free(&j);
}

static char *write_temp(const char *content, size_t n)
{
    char *path = strdup("/tmp/cli_util_test.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    close(fd);
    return path;
}

static void test_read_file_whole_and_binary(void **state)
{
    char big[10000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7);
    char *path = write_temp(big, sizeof(big));
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(cmd_read_file(path, sizeof(big), &data, &len), 0);
    assert_int_equal(len, sizeof(big));
    assert_memory_equal(data, big, sizeof(big));
    free(data);
    unlink(path);
    free(path);
}

static void test_read_file_enforces_the_limit(void **state)
{
    char *path = write_temp("0123456789", 10);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(cmd_read_file(path, 9, &data, &len), CLI_EXIT_FAIL);
    assert_null(data);
    assert_int_equal(cmd_read_file(path, 10, &data, &len), 0);
    assert_int_equal(len, 10);
    free(data);
    unlink(path);
    free(path);
    assert_int_equal(cmd_read_file("/nonexistent/x", 10, &data, &len), CLI_EXIT_FAIL);
}

static void test_read_file_empty(void **state)
{
    char *path = write_temp("", 0);
    char *data = NULL;
    size_t len = 99;
    assert_int_equal(cmd_read_file(path, 10, &data, &len), 0);
    assert_int_equal(len, 0);
    free(data);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_time_is_utc_iso8601_with_ms),
        cmocka_unit_test(test_format_uptime_two_units),
        cmocka_unit_test(test_json_bytes_text_or_base64),
        cmocka_unit_test(test_read_file_whole_and_binary),
        cmocka_unit_test(test_read_file_enforces_the_limit),
        cmocka_unit_test(test_read_file_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
