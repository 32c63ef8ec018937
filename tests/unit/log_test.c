#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

static void test_level_parse(void **state)
{
    log_level l;
    assert_int_equal(log_level_parse("debug", &l), 0);
    assert_int_equal(l, LOG_DEBUG);
    assert_int_equal(log_level_parse("error", &l), 0);
    assert_int_equal(l, LOG_ERROR);
    assert_int_not_equal(log_level_parse("loud", &l), 0);
    assert_int_not_equal(log_level_parse(NULL, &l), 0);
}

// Captures what log_write puts on stderr.
static char *capture(void (*fn)(void))
{
    char path[] = "/tmp/outrig-log-XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    char *buf = calloc(1, 4096);
    ssize_t n = read(fd, buf, 4095);
    (void)n;
    close(fd);
    unlink(path);
    return buf;
}

static void emit(void)
{
    log_init("tester", LOG_WARN);
    log_info("hidden %d", 1);
    log_warn("shown %d", 2);
    log_error("also %s", "shown");
}

static void test_levels_filter_and_format(void **state)
{
    char *out = capture(emit);
    assert_null(strstr(out, "hidden"));
    assert_non_null(strstr(out, "tester["));
    assert_non_null(strstr(out, "warn  log_test.c:"));
    assert_non_null(strstr(out, "shown 2\n"));
    assert_non_null(strstr(out, "also shown\n"));
    free(out);
}

static void emit_long(void)
{
    log_init("t", LOG_DEBUG);
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    log_info("%s", big);
}

static void test_long_record_is_one_line(void **state)
{
    char *out = capture(emit_long);
    size_t n = strlen(out);
    assert_true(n > 0 && n < 1100);
    assert_int_equal(out[n - 1], '\n');
    assert_null(strchr(out, '\n') != out + n - 1 ? (void *)1 : NULL);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_levels_filter_and_format),
        cmocka_unit_test(test_long_record_is_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
