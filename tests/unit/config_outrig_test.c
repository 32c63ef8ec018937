// outrig.yaml typed layer: defaults, every key, env overrides, every error path.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/outrig.h"
#include "util/log.h"

static cfg_outrig *cfg_new(void)
{
    cfg_outrig *c = malloc(sizeof *c);
    assert_non_null(c);
    cfg_outrig_defaults(c);
    return c;
}

static void parse_ok(cfg_outrig *c, const char *text)
{
    cfg_error err = {0};
    int rc = cfg_outrig_parse(c, "o.yaml", text, strlen(text), &err);
    if (rc)
        fail_msg("unexpected error %d: %s", rc, err.msg);
}

static void parse_fails(const char *text, const char *want)
{
    cfg_outrig *c = cfg_new();
    cfg_error err = {0};
    assert_int_equal(cfg_outrig_parse(c, "o.yaml", text, strlen(text), &err), -EINVAL);
    assert_string_equal(err.msg, want);
    free(c);
}

// A fake environment for the override tests.
static const char *const *test_env;
static const char *fake_getenv(const char *name)
{
    for (size_t i = 0; test_env && test_env[i]; i += 2)
        if (strcmp(test_env[i], name) == 0)
            return test_env[i + 1];
    return NULL;
}

static void test_outrig_embedded_default(void **state)
{
    cfg_outrig *c = cfg_new();
    cfg_error err;
    test_env = NULL;
    assert_int_equal(cfg_outrig_load(c, NULL, fake_getenv, "/w", &err), 0);
    assert_string_equal(c->config_path, "");
    assert_string_equal(c->run_dir, "/w/var/run/outrig");
    assert_string_equal(c->data_dir, "/w/var/lib/outrig");
    assert_int_equal(c->log_level, LOG_INFO);
    assert_false(c->metrics);
    assert_int_equal(c->nservices, cfg_outrig_builtin_count());
    assert_true(c->nservices >= 2);
    assert_string_equal(c->services[0].name, "store");
    assert_string_equal(c->services[1].name, "hub");
    assert_string_equal(c->services[0].listen, "ipc:///w/var/run/outrig/store.sock");
    assert_string_equal(c->services[1].listen, "ipc:///w/var/run/outrig/hub.sock");
    assert_true(c->services[0].enabled);
    assert_true(c->services[0].order < c->services[1].order);
    assert_string_equal(cfg_outrig_builtin(0), "store");
    assert_null(cfg_outrig_builtin(cfg_outrig_builtin_count()));
    free(c);
}

static void test_outrig_full_file(void **state)
{
    cfg_outrig *c = cfg_new();
    parse_ok(c, "run_dir: /r\n"
                "data_dir: /d\n"
                "bin_dir: /b\n"
                "log_level: debug\n"
                "metrics: 9200\n"
                "restart:\n"
                "  backoff_initial_ms: 100\n"
                "  backoff_max_ms: 800\n"
                "  max_restarts: 3\n"
                "  window_ms: 10000\n"
                "  stop_grace_ms: 2000\n"
                "  start_timeout_ms: 3000\n"
                "  health_interval_ms: 0\n"
                "  health_failures: 7\n"
                "services:\n"
                "  - name: store\n"
                "    set: {fsync: batch, retention.bytes: 1000}\n"
                "  - name: hub\n"
                "    binary: /opt/outrig-hub\n"
                "    listen: tcp://127.0.0.1:7001\n"
                "    depends_on: [store]\n"
                "    env: {MALLOC_ARENA_MAX: 2}\n"
                "  - name: extra\n"
                "    enabled: false\n"
                "    order: 5\n"
                "    depends_on: hub\n");
    cfg_error err;
    assert_int_equal(cfg_outrig_finish(c, "/cwd", &err), 0);
    assert_string_equal(c->run_dir, "/r");
    assert_string_equal(c->data_dir, "/d");
    assert_string_equal(c->bin_dir, "/b");
    assert_int_equal(c->log_level, LOG_DEBUG);
    assert_true(c->metrics);
    assert_int_equal(c->metrics_base_port, 9200);
    assert_int_equal(c->restart.backoff_initial_ms, 100);
    assert_int_equal(c->restart.backoff_max_ms, 800);
    assert_int_equal(c->restart.max_restarts, 3);
    assert_int_equal(c->restart.window_ms, 10000);
    assert_int_equal(c->restart.stop_grace_ms, 2000);
    assert_int_equal(c->restart.start_timeout_ms, 3000);
    assert_int_equal(c->restart.health_interval_ms, 0);
    assert_int_equal(c->restart.health_failures, 7);
    assert_int_equal(c->nservices, 3);
    const cfg_service *st = cfg_outrig_service(c, "store");
    assert_int_equal(st->nsets, 2);
    assert_string_equal(st->sets[1].key, "retention.bytes");
    assert_string_equal(st->sets[1].value, "1000");
    assert_string_equal(st->listen, "ipc:///r/store.sock");
    assert_int_equal(st->line, 16);
    const cfg_service *hub = cfg_outrig_service(c, "hub");
    assert_string_equal(hub->binary, "/opt/outrig-hub");
    assert_string_equal(hub->listen, "tcp://127.0.0.1:7001");
    assert_int_equal(hub->ndeps, 1);
    assert_string_equal(hub->deps[0], "store");
    assert_int_equal(hub->nenv, 1);
    assert_string_equal(hub->env[0].key, "MALLOC_ARENA_MAX");
    assert_string_equal(hub->env[0].value, "2");
    const cfg_service *ex = cfg_outrig_service(c, "extra");
    assert_false(ex->enabled);
    assert_int_equal(ex->order, 5);
    assert_int_equal(ex->ndeps, 1);
    assert_null(cfg_outrig_service(c, "nope"));
    free(c);
}

static void test_outrig_services_as_mapping(void **state)
{
    cfg_outrig *c = cfg_new();
    parse_ok(c, "services:\n  store:\n  hub: {enabled: no}\n  policy: {}\n");
    assert_int_equal(c->nservices, 3);
    assert_true(c->services[0].enabled);
    assert_false(c->services[1].enabled);
    assert_int_equal(c->services[1].line, 3);
    assert_int_equal(c->services[1].col, 3);
    assert_true(c->services[2].order > c->services[1].order); // unknown services go last
    free(c);
}

static void test_outrig_empty_file_keeps_defaults(void **state)
{
    cfg_outrig *c = cfg_new();
    parse_ok(c, "# nothing\n");
    assert_int_equal(c->nservices, cfg_outrig_builtin_count());
    parse_ok(c, "metrics: off\nlog_level: warn\n");
    assert_false(c->metrics);
    assert_int_equal(c->log_level, LOG_WARN);
    assert_int_equal(c->nservices, cfg_outrig_builtin_count());
    free(c);
}

static void test_outrig_errors_name_position(void **state)
{
    parse_fails("- a\n", "o.yaml:1:1: expected a mapping, got a sequence");
    parse_fails("run_dri: /x\n", "o.yaml:1:1: unknown key 'run_dri' (did you mean 'run_dir'?)");
    parse_fails("run_dir: [a]\n", "o.yaml:1:10: expected a string, got a sequence");
    parse_fails("run_dir: ''\n", "o.yaml:1:10: must not be empty");
    parse_fails("log_level: loud\n",
                "o.yaml:1:12: expected one of: debug, info, warn, error; got 'loud'");
    parse_fails("metrics: 80\n", "o.yaml:1:10: 80 is out of range [1024, 65535]");
    parse_fails("metrics: on\n", "o.yaml:1:10: expected off or a base port number");
    parse_fails("restart: 5\n", "o.yaml:1:10: expected a mapping, got a scalar");
    parse_fails("restart:\n  backof_max_ms: 5\n",
                "o.yaml:2:3: unknown key 'backof_max_ms' (did you mean 'backoff_max_ms'?)");
    parse_fails("restart:\n  max_restarts: 5000\n", "o.yaml:2:17: 5000 is out of range [0, 100]");
    parse_fails("restart:\n  backoff_initial_ms: 500\n  backoff_max_ms: 100\n",
                "o.yaml:3:19: backoff_max_ms (100) is less than backoff_initial_ms (500)");
    parse_fails("restart:\n  window_ms: x\n", "o.yaml:2:14: expected an integer, got 'x'");
    parse_fails("restart:\n  health_failures: 0\n", "o.yaml:2:20: 0 is out of range [1, 100]");
    parse_fails("services: 3\n",
                "o.yaml:1:11: expected a mapping or a sequence of services, got a scalar");
    parse_fails("services:\n  - binary: x\n", "o.yaml:2:5: service has no 'name'");
    parse_fails("services:\n  - x\n", "o.yaml:2:5: expected a mapping, got a scalar");
    parse_fails("services:\n  - name: Bad!\n",
                "o.yaml:2:11: invalid service name 'Bad!' (use a-z, 0-9, - and _, at most 31 "
                "bytes)");
    parse_fails("services:\n  - name: a\n  - name: a\n",
                "o.yaml:3:11: duplicate service 'a' (first at line 2)");
    parse_fails("services:\n  - name: a\n    lisen: ipc:///x\n",
                "o.yaml:3:5: unknown key 'lisen' (did you mean 'listen'?)");
    parse_fails("services:\n  a: {name: a}\n", "o.yaml:2:7: unknown key 'name'");
    parse_fails("services:\n  a: {listen: http://x}\n",
                "o.yaml:2:15: expected an ipc://, tcp:// or tls+tcp:// URL, got 'http://x'");
    parse_fails("services:\n  a: {enabled: 2}\n", "o.yaml:2:16: expected true or false, got '2'");
    parse_fails("services:\n  a: {depends_on: [a]}\n",
                "o.yaml:2:20: service 'a' cannot depend on itself");
    parse_fails("services:\n  a: {depends_on: {x: 1}}\n",
                "o.yaml:2:19: expected a sequence, got a mapping");
    parse_fails("services:\n  a: {set: [1]}\n", "o.yaml:2:12: expected a mapping, got a sequence");
    parse_fails("services:\n  a: {set: {\"k=v\": 1}}\n", "o.yaml:2:13: invalid set name 'k=v'");
    parse_fails("services:\n  a: {set: {k: [1]}}\n",
                "o.yaml:2:16: expected a scalar value for 'k', got a sequence");
    parse_fails("services:\n  a: {env: {1X: y}}\n", "o.yaml:2:13: invalid env name '1X'");
    parse_fails("a: 1\na: 2\n", "o.yaml:2:1: duplicate key 'a' (first at line 1)");
}

static void test_outrig_finish_checks(void **state)
{
    cfg_outrig *c = cfg_new();
    cfg_error err;
    parse_ok(c, "services:\n  a: {}\n  b: {depends_on: [zz]}\n");
    assert_int_equal(cfg_outrig_finish(c, NULL, &err), -EINVAL);
    assert_string_equal(err.msg, "<embedded config>:3:3: service 'b' depends on unknown service "
                                 "'zz'");
    cfg_outrig_defaults(c);
    parse_ok(c, "services:\n  a: {listen: 'tcp://h:1'}\n  b: {listen: 'tcp://h:1'}\n");
    assert_int_equal(cfg_outrig_finish(c, NULL, &err), -EINVAL);
    assert_string_equal(err.msg, "<embedded config>:3:3: service 'b' listens on tcp://h:1, like "
                                 "'a'");
    cfg_outrig_defaults(c);
    parse_ok(c, "metrics: 65535\n");
    assert_int_equal(cfg_outrig_finish(c, NULL, &err), -EINVAL);
    char want[128];
    snprintf(want, sizeof want, "<embedded config>: metrics ports 65535+%zu go past 65535",
             cfg_outrig_builtin_count());
    assert_string_equal(err.msg, want);
    cfg_outrig_defaults(c);
    char long_dir[200];
    memset(long_dir, 'x', sizeof long_dir - 1);
    long_dir[0] = '/';
    long_dir[sizeof long_dir - 1] = '\0';
    snprintf(c->run_dir, sizeof c->run_dir, "%s", long_dir);
    assert_int_equal(cfg_outrig_finish(c, NULL, &err), -EINVAL);
    assert_string_equal(err.msg, "<embedded config>: run_dir is too long for Unix sockets (199 "
                                 "bytes)");
    cfg_outrig_defaults(c);
    long_dir[94] = '\0'; // outrigd.sock fits, store.sock too, a long service name does not
    snprintf(c->run_dir, sizeof c->run_dir, "%s", long_dir);
    parse_ok(c, "services: {store: {}, a-rather-long-service-name: {}}\n");
    assert_int_equal(cfg_outrig_finish(c, NULL, &err), -EINVAL);
    assert_string_equal(err.msg, "<embedded config>:1:23: socket path for "
                                 "'a-rather-long-service-name' under run_dir is longer than 107 "
                                 "bytes");
    // Relative paths stay relative without a cwd, and "./" is folded with one.
    cfg_outrig_defaults(c);
    assert_int_equal(cfg_outrig_finish(c, NULL, &err), 0);
    assert_string_equal(c->services[0].listen, "ipc://./var/run/outrig/store.sock");
    free(c);
}

static void test_outrig_env_overrides_file(void **state)
{
    char dir[] = "/tmp/cfgoutXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/outrig.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("run_dir: /file/run\ndata_dir: /file/data\nlog_level: error\nmetrics: 9300\n", f);
    fclose(f);
    const char *env[] = {"OUTRIG_CONFIG",
                         path,
                         "OUTRIG_RUN_DIR",
                         "/env/run",
                         "OUTRIG_LOG_LEVEL",
                         "debug",
                         "OUTRIG_METRICS",
                         "off",
                         "OUTRIG_BIN_DIR",
                         "bin",
                         NULL};
    test_env = env;
    cfg_outrig *c = cfg_new();
    cfg_error err;
    assert_int_equal(cfg_outrig_load(c, NULL, fake_getenv, "/cwd", &err), 0);
    assert_string_equal(c->config_path, path);
    assert_string_equal(c->run_dir, "/env/run");
    assert_string_equal(c->data_dir, "/file/data");
    assert_string_equal(c->bin_dir, "/cwd/bin");
    assert_int_equal(c->log_level, LOG_DEBUG);
    assert_false(c->metrics);

    const char *bad_level[] = {"OUTRIG_LOG_LEVEL", "loud", NULL};
    test_env = bad_level;
    assert_int_equal(cfg_outrig_load(c, path, fake_getenv, NULL, &err), -EINVAL);
    assert_string_equal(err.msg, "OUTRIG_LOG_LEVEL: expected one of: debug, info, warn, error; "
                                 "got 'loud'");
    const char *bad_metrics[] = {"OUTRIG_METRICS", "12", NULL};
    test_env = bad_metrics;
    assert_int_equal(cfg_outrig_load(c, path, fake_getenv, NULL, &err), -EINVAL);
    assert_string_equal(err.msg, "OUTRIG_METRICS: 12 is out of range [1024, 65535]");
    const char *port[] = {"OUTRIG_METRICS", "9400", NULL};
    test_env = port;
    assert_int_equal(cfg_outrig_load(c, path, fake_getenv, NULL, &err), 0);
    assert_true(c->metrics);
    assert_int_equal(c->metrics_base_port, 9400);

    // An explicit path wins over OUTRIG_CONFIG; a missing file is an I/O error.
    const char *missing[] = {"OUTRIG_CONFIG", "/nonexistent/outrig.yaml", NULL};
    test_env = missing;
    assert_int_equal(cfg_outrig_load(c, path, fake_getenv, NULL, &err), 0);
    assert_int_equal(cfg_outrig_load(c, NULL, fake_getenv, NULL, &err), -ENOENT);
    assert_string_equal(err.msg, "/nonexistent/outrig.yaml: cannot open: No such file or "
                                 "directory");
    test_env = NULL;
    unlink(path);
    rmdir(dir);
    free(c);
}

static void test_outrig_deploy_example_parses(void **state)
{
    // The documented example must stay valid: it is the reference for operators.
    const char *src = getenv("OUTRIG_SRC_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/deploy/outrig.yaml", src ? src : OUTRIG_SRC_DIR_DEFAULT);
    cfg_outrig *c = cfg_new();
    cfg_error err = {0};
    int rc = cfg_outrig_load(c, path, NULL, "/cwd", &err);
    if (rc)
        fail_msg("deploy/outrig.yaml: %s", err.msg);
    assert_non_null(cfg_outrig_service(c, "store"));
    assert_non_null(cfg_outrig_service(c, "hub"));
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outrig_embedded_default),
        cmocka_unit_test(test_outrig_full_file),
        cmocka_unit_test(test_outrig_services_as_mapping),
        cmocka_unit_test(test_outrig_empty_file_keeps_defaults),
        cmocka_unit_test(test_outrig_errors_name_position),
        cmocka_unit_test(test_outrig_finish_checks),
        cmocka_unit_test(test_outrig_env_overrides_file),
        cmocka_unit_test(test_outrig_deploy_example_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
