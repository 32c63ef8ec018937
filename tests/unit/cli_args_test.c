// Unit tests of the outrig CLI argument parsing: the argv iterator, number
// parsing, global flags and the per-command parser.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"
#include "cli.h"

enum { L_RAW = 1, L_FILE, L_COUNT };
static const args_opt local_opts[] = {{"raw", 0, false, L_RAW},
                                      {"file", 'f', true, L_FILE},
                                      {"count", 'n', true, L_COUNT},
                                      {NULL, 0, false, 0}};

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static void test_iter_mixes_options_and_positionals(void **state)
{
    char **argv = ARGV("outrig", "a", "--raw", "--file", "F", "b", "-n3", "--count=7", "-f", "G",
                       "-o", "json");
    args_iter it;
    args_init(&it, 12, argv, 1, cli_global_opts, local_opts);
    const char *v;
    assert_int_equal(args_next(&it, &v), ARGS_POSITIONAL);
    assert_string_equal(v, "a");
    assert_int_equal(args_next(&it, &v), L_RAW);
    assert_null(v);
    assert_int_equal(args_next(&it, &v), L_FILE);
    assert_string_equal(v, "F");
    assert_int_equal(args_next(&it, &v), ARGS_POSITIONAL);
    assert_string_equal(v, "b");
    assert_int_equal(args_next(&it, &v), L_COUNT);
    assert_string_equal(v, "3");
    assert_int_equal(args_next(&it, &v), L_COUNT);
    assert_string_equal(v, "7");
    assert_int_equal(args_next(&it, &v), L_FILE);
    assert_string_equal(v, "G");
    assert_int_equal(args_next(&it, &v), CLI_OPT_OUTPUT);
    assert_string_equal(v, "json");
    assert_int_equal(args_next(&it, &v), ARGS_END);
}

static void test_iter_dash_is_positional_and_double_dash_ends_options(void **state)
{
    char **argv = ARGV("x", "-", "--", "--raw", "-n");
    args_iter it;
    args_init(&it, 5, argv, 1, NULL, local_opts);
    const char *v;
    assert_int_equal(args_next(&it, &v), ARGS_POSITIONAL);
    assert_string_equal(v, "-");
    assert_int_equal(args_next(&it, &v), ARGS_POSITIONAL);
    assert_string_equal(v, "--raw");
    assert_int_equal(args_next(&it, &v), ARGS_POSITIONAL);
    assert_string_equal(v, "-n");
    assert_int_equal(args_next(&it, &v), ARGS_END);
}

static void test_iter_errors_name_the_option(void **state)
{
    const char *v;
    args_iter it;

    char **a1 = ARGV("x", "--bogus");
    args_init(&it, 2, a1, 1, cli_global_opts, local_opts);
    assert_int_equal(args_next(&it, &v), ARGS_ERROR);
    assert_string_equal(it.err, "unknown option --bogus");

    char **a2 = ARGV("x", "-z");
    args_init(&it, 2, a2, 1, cli_global_opts, local_opts);
    assert_int_equal(args_next(&it, &v), ARGS_ERROR);
    assert_string_equal(it.err, "unknown option -z");

    char **a3 = ARGV("x", "--file");
    args_init(&it, 2, a3, 1, cli_global_opts, local_opts);
    assert_int_equal(args_next(&it, &v), ARGS_ERROR);
    assert_string_equal(it.err, "option --file needs a value");

    char **a4 = ARGV("x", "--raw=yes");
    args_init(&it, 2, a4, 1, cli_global_opts, local_opts);
    assert_int_equal(args_next(&it, &v), ARGS_ERROR);
    assert_string_equal(it.err, "option --raw takes no value");

    // A local option is unknown where only the global table is searched.
    char **a5 = ARGV("x", "--raw");
    args_init(&it, 2, a5, 1, cli_global_opts, NULL);
    assert_int_equal(args_next(&it, &v), ARGS_ERROR);
}

static void test_iter_stop_at_positional_leaves_the_word(void **state)
{
    char **argv = ARGV("outrig", "--timeout", "50", "store", "get");
    args_iter it;
    args_init(&it, 5, argv, 1, cli_global_opts, NULL);
    it.stop_at_positional = true;
    const char *v;
    assert_int_equal(args_next(&it, &v), CLI_OPT_TIMEOUT);
    assert_int_equal(args_next(&it, &v), ARGS_POSITIONAL);
    assert_string_equal(v, "store");
    assert_int_equal(it.i, 3);
}

static void test_parse_u64_is_strict(void **state)
{
    uint64_t v = 99;
    assert_int_equal(args_parse_u64("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(args_parse_u64("18446744073709551615", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(args_parse_u64("18446744073709551616", &v), -ERANGE);
    assert_int_equal(args_parse_u64("99999999999999999999999", &v), -ERANGE);
    const char *bad[] = {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.5", "1e3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(args_parse_u64(bad[i], &v), -EINVAL);
    assert_int_equal(args_parse_u64(NULL, &v), -EINVAL);
}

static void test_parse_u32_bounded(void **state)
{
    uint32_t v;
    assert_int_equal(args_parse_u32("100", 100, &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(args_parse_u32("101", 100, &v), -ERANGE);
    assert_int_equal(args_parse_u32("4294967296", UINT32_MAX, &v), -ERANGE);
}

static void test_global_flags_set_endpoints_and_format(void **state)
{
    unsetenv("OUTRIG_RUN_DIR");
    unsetenv("OUTRIG_STORE");
    unsetenv("OUTRIG_HUB");
    unsetenv("OUTRIG_DRIVER");
    unsetenv("OUTRIG_TIMEOUT");
    unsetenv("OUTRIG_TOKEN");
    cli c;
    cli_init(&c);
    assert_string_equal(c.run_dir, "./var/run/outrig");
    assert_int_equal(c.format, CLI_FMT_TABLE);
    assert_int_equal(c.timeout_ms, CLI_TIMEOUT_DEFAULT_MS);
    char err[160];
    assert_int_equal(cli_global_opt(&c, CLI_OPT_RUN_DIR, "/r", err, sizeof(err)), 0);
    assert_int_equal(cli_global_opt(&c, CLI_OPT_HUB, "tcp://127.0.0.1:1", err, sizeof(err)), 0);
    assert_int_equal(cli_global_opt(&c, CLI_OPT_OUTPUT, "json", err, sizeof(err)), 0);
    assert_int_equal(c.format, CLI_FMT_JSON);
    cli_resolve(&c);
    assert_string_equal(c.store_url, "ipc:///r/store.sock");
    assert_string_equal(c.hub_url, "tcp://127.0.0.1:1");
    assert_string_equal(c.driver_url, "ipc:///r/outrigd.sock");
}

static void test_global_flags_reject_bad_values(void **state)
{
    cli c;
    cli_init(&c);
    char err[160];
    assert_int_equal(cli_global_opt(&c, CLI_OPT_OUTPUT, "yaml", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "table or json"));
    assert_int_equal(cli_global_opt(&c, CLI_OPT_TIMEOUT, "0", err, sizeof(err)), -EINVAL);
    assert_int_equal(cli_global_opt(&c, CLI_OPT_TIMEOUT, "5s", err, sizeof(err)), -EINVAL);
    assert_int_equal(cli_global_opt(&c, CLI_OPT_RUN_DIR, "", err, sizeof(err)), -EINVAL);
    char longdir[CLI_DIR_MAX + 8];
    memset(longdir, 'd', sizeof(longdir) - 1);
    longdir[sizeof(longdir) - 1] = '\0';
    assert_int_equal(cli_global_opt(&c, CLI_OPT_RUN_DIR, longdir, err, sizeof(err)), -EINVAL);
    assert_int_equal(c.timeout_ms, CLI_TIMEOUT_DEFAULT_MS);
    assert_int_equal(c.format, CLI_FMT_TABLE);
}

static void test_environment_gives_defaults(void **state)
{
    setenv("OUTRIG_RUN_DIR", "/env/run", 1);
    setenv("OUTRIG_TIMEOUT", "250", 1);
    cli c;
    cli_init(&c);
    assert_string_equal(c.run_dir, "/env/run");
    assert_int_equal(c.timeout_ms, 250);
    unsetenv("OUTRIG_RUN_DIR");
    unsetenv("OUTRIG_TIMEOUT");
}

static void test_cli_parse_accepts_global_flags_after_the_command(void **state)
{
    char **argv =
        ARGV("outrig", "store", "get", "/vnf/a", "--raw", "-o", "json", "--run-dir", "/tmp/x");
    cli c;
    cli_init(&c);
    cli_args a;
    assert_int_equal(cli_parse(&c, "syn", 9, argv, 3, local_opts, 1, 1, &a), 0);
    assert_int_equal(a.npos, 1);
    assert_string_equal(a.pos[0], "/vnf/a");
    assert_non_null(cli_arg(&a, L_RAW));
    assert_null(cli_arg(&a, L_FILE));
    assert_int_equal(c.format, CLI_FMT_JSON);
    assert_string_equal(c.store_url, "ipc:///tmp/x/store.sock");
}

static void test_cli_parse_usage_errors_return_2(void **state)
{
    cli c;
    cli_init(&c);
    cli_args a;
    char **missing = ARGV("outrig", "get");
    assert_int_equal(cli_parse(&c, "syn", 2, missing, 2, local_opts, 1, 1, &a), CLI_EXIT_USAGE);
    char **extra = ARGV("outrig", "get", "a", "b");
    assert_int_equal(cli_parse(&c, "syn", 4, extra, 2, local_opts, 1, 1, &a), CLI_EXIT_USAGE);
    char **unknown = ARGV("outrig", "get", "a", "--nope");
    assert_int_equal(cli_parse(&c, "syn", 4, unknown, 2, local_opts, 1, 1, &a), CLI_EXIT_USAGE);
    char **badfmt = ARGV("outrig", "get", "a", "-o", "xml");
    assert_int_equal(cli_parse(&c, "syn", 5, badfmt, 2, local_opts, 1, 1, &a), CLI_EXIT_USAGE);
}

static void test_cli_arg_u64_rejects_garbage(void **state)
{
    cli c;
    cli_init(&c);
    cli_args a;
    char **argv = ARGV("outrig", "tail", "--count", "ten");
    assert_int_equal(cli_parse(&c, "syn", 4, argv, 2, local_opts, 0, 4, &a), 0);
    uint64_t n = 5;
    assert_int_equal(cli_arg_u64(&a, L_COUNT, "syn", 0, &n), CLI_EXIT_USAGE);
    assert_int_equal(cli_arg_u64(&a, L_FILE, "syn", 42, &n), 0);
    assert_int_equal(n, 42);
}

static void test_next_word_skips_global_flags(void **state)
{
    cli c;
    cli_init(&c);
    char **argv = ARGV("outrig", "-o", "json", "--timeout=100", "events", "tail");
    int from = 1;
    const char *name = NULL;
    assert_int_equal(cli_next_word(&c, "syn", 6, argv, &from, &name), 0);
    assert_string_equal(name, "events");
    assert_int_equal(from, 5);
    assert_int_equal(c.timeout_ms, 100);
    char **none = ARGV("outrig", "-o", "json");
    from = 1;
    assert_int_equal(cli_next_word(&c, "syn", 3, none, &from, &name), CLI_EXIT_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iter_mixes_options_and_positionals),
        cmocka_unit_test(test_iter_dash_is_positional_and_double_dash_ends_options),
        cmocka_unit_test(test_iter_errors_name_the_option),
        cmocka_unit_test(test_iter_stop_at_positional_leaves_the_word),
        cmocka_unit_test(test_parse_u64_is_strict),
        cmocka_unit_test(test_parse_u32_bounded),
        cmocka_unit_test(test_global_flags_set_endpoints_and_format),
        cmocka_unit_test(test_global_flags_reject_bad_values),
        cmocka_unit_test(test_environment_gives_defaults),
        cmocka_unit_test(test_cli_parse_accepts_global_flags_after_the_command),
        cmocka_unit_test(test_cli_parse_usage_errors_return_2),
        cmocka_unit_test(test_cli_arg_u64_rejects_garbage),
        cmocka_unit_test(test_next_word_skips_global_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
