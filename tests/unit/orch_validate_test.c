// `outrig validate` (tools/outrig/validate_cmd.c): exit codes, diagnostics and
// summary over the example package and broken variants of it.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "validate_cmd.h"

#ifndef OUTRIG_SRC_DIR_DEFAULT
#define OUTRIG_SRC_DIR_DEFAULT "."
#endif

static char out_text[65536], err_text[4096];

static const char *ex(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    const char *src = getenv("OUTRIG_SRC_DIR");
    snprintf(buf[k], sizeof buf[k], "%s/examples/ns/%s", src ? src : OUTRIG_SRC_DIR_DEFAULT, name);
    return buf[k];
}

// Runs the command with the given words (argv[0] = "validate").
static int run(int argc, const char **argv)
{
    char *ob = NULL, *eb = NULL;
    size_t ol = 0, el = 0;
    FILE *o = open_memstream(&ob, &ol), *e = open_memstream(&eb, &el);
    assert_non_null(o);
    assert_non_null(e);
    int rc = cmd_validate_io(argc, (char **)argv, o, e);
    fclose(o);
    fclose(e);
    snprintf(out_text, sizeof out_text, "%s", ob);
    snprintf(err_text, sizeof err_text, "%s", eb);
    free(ob);
    free(eb);
    return rc;
}

static void test_validate_example_package_is_clean(void **state)
{
    const char *argv[] = {"validate",          "--strict",         ex("cgw_fw_srv_nsd.yaml"),
                          ex("cgw_vnfd.yaml"), ex("fw_vnfd.yaml"), ex("srv_vnfd.yaml")};
    int rc = run(6, argv);
    printf("%s", out_text);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out_text, "4 files: 1 nsd, 3 vnfd; 0 errors, 0 warnings"));
    // The day-1 primitive and cloud-init are listed as notes with their position.
    assert_non_null(strstr(out_text, "cgw_vnfd.yaml:16:7: note: vnfd.vdu[0].cloud-init-file "));
    assert_non_null(
        strstr(out_text, "fw_vnfd.yaml:60:7: note: vnfd.df[0].lcm-operations-configuration "));
}

static void test_validate_quiet_hides_notes(void **state)
{
    const char *argv[] = {"validate", "-q", ex("cgw_vnfd.yaml")};
    assert_int_equal(run(3, argv), 0);
    assert_null(strstr(out_text, "note:"));
    assert_non_null(strstr(out_text, "1 file: 0 nsd, 1 vnfd; 0 errors, 0 warnings, 1 ignored"));
}

static void test_validate_missing_vnfd_warns_and_strict_fails(void **state)
{
    const char *argv[] = {"validate", ex("cgw_fw_srv_nsd.yaml"), ex("cgw_vnfd.yaml")};
    assert_int_equal(run(3, argv), 0);
    assert_non_null(strstr(out_text, "cgw_fw_srv_nsd.yaml:14:11: warning: vnfd 'outrig-fw' "
                                     "is not among the descriptors given"));
    const char *sargv[] = {"validate", "--strict", ex("cgw_fw_srv_nsd.yaml"), ex("cgw_vnfd.yaml")};
    assert_int_equal(run(4, sargv), 1);
    assert_non_null(strstr(out_text, "cgw_fw_srv_nsd.yaml:14:11: error: vnfd 'outrig-fw' "
                                     "is not among the descriptors given (--strict)"));
    assert_non_null(strstr(out_text, "2 errors"));
}

static void test_validate_bad_file_exits_1_with_position(void **state)
{
    char path[] = "/tmp/orch_validate_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *y = "vnfd:\n  id: x\n  vdu:\n    - id: a\n      sw-image-desc: [1]\n";
    assert_int_equal(write(fd, y, strlen(y)), (ssize_t)strlen(y));
    close(fd);
    const char *argv[] = {"validate", path};
    int rc = run(2, argv);
    unlink(path);
    assert_int_equal(rc, 1);
    char want[256];
    snprintf(want, sizeof want, "%s:5:22: error: vnfd.vdu[0].sw-image-desc: expected a string",
             path);
    assert_non_null(strstr(out_text, want));
}

static void test_validate_unreadable_file_is_an_error(void **state)
{
    const char *argv[] = {"validate", "/nonexistent/x.yaml"};
    assert_int_equal(run(2, argv), 1);
    assert_non_null(strstr(out_text, "/nonexistent/x.yaml: error: "));
}

static void test_validate_usage_errors_exit_2(void **state)
{
    const char *none[] = {"validate"};
    assert_int_equal(run(1, none), 2);
    assert_non_null(strstr(err_text, "no FILE given"));
    const char *bad[] = {"validate", "--strcit", "x.yaml"};
    assert_int_equal(run(3, bad), 2);
    assert_non_null(strstr(err_text, "unknown option '--strcit'"));
    const char *help[] = {"validate", "--help"};
    assert_int_equal(run(2, help), 0);
    assert_non_null(strstr(out_text, "usage: outrig validate"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_example_package_is_clean),
        cmocka_unit_test(test_validate_quiet_hides_notes),
        cmocka_unit_test(test_validate_missing_vnfd_warns_and_strict_fails),
        cmocka_unit_test(test_validate_bad_file_exits_1_with_position),
        cmocka_unit_test(test_validate_unreadable_file_is_an_error),
        cmocka_unit_test(test_validate_usage_errors_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
